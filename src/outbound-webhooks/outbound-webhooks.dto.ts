import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsNotEmpty, IsString, MaxLength, ValidateBy } from 'class-validator';
import { Optional } from '../common/validation';
import { isTenantEventType, TENANT_EVENT_TYPES, type TenantEventType } from '../live-events/tenant-event-types';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookDelivery } from './webhook-delivery.entity';
import type { WebhookEndpoint } from './webhook-endpoint.entity';

/** Like `@IsIn(TENANT_EVENT_TYPES, { each: true })`, which the OpenAPI plugin would also document as an enum on the array itself. */
function EachTenantEventType(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTenantEventType',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isTenantEventType(value),
        defaultMessage: (args) => `each value in ${args?.property} must be one of: ${TENANT_EVENT_TYPES.join(', ')}`,
      },
    },
    { each: true },
  );
}

export class CreateWebhookEndpointDto {
  /**
   * Where deliveries are POSTed: an http or https URL whose host resolves to public addresses only (loopback, private
   * and link-local addresses are refused). Redirects are not followed.
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  url: string;

  /** What the endpoint is for, e.g. "ERP order intake". */
  @Optional()
  @IsString()
  @MaxLength(200)
  description?: string;

  /** The event types this endpoint receives. */
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...TENANT_EVENT_TYPES] }, minItems: 1, uniqueItems: true })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(TENANT_EVENT_TYPES.length)
  @ArrayUnique()
  @EachTenantEventType()
  eventTypes: TenantEventType[];
}

export class WebhookEndpointDto {
  id: string;
  url: string;
  description: string | null;
  @ApiProperty({ enum: TENANT_EVENT_TYPES, isArray: true })
  eventTypes: TenantEventType[];
  enabled: boolean;
  createdAt: Date;

  static from(row: WebhookEndpoint): WebhookEndpointDto {
    return Object.assign(new WebhookEndpointDto(), {
      id: row.id,
      url: row.url,
      description: row.description,
      eventTypes: row.eventTypes as TenantEventType[],
      enabled: row.enabled,
      createdAt: row.createdAt,
    });
  }
}

export class WebhookEndpointCreatedDto extends WebhookEndpointDto {
  /**
   * The signing secret. Shown only in this response: store it now. Each delivery carries
   * `Mallbridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
   */
  secret: string;
}

export class WebhookDeliveryDto {
  id: string;
  endpointId: string;
  /** the event's id, also sent as `Mallbridge-Event-Id` (receivers dedupe on it) */
  eventId: string;
  eventType: string;
  /** pending: waiting for its (next) attempt; delivering: being sent now; succeeded: a 2xx came back; failed: retries ran out */
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status: DeliveryStatus;
  /** attempts since the delivery was created or last retried by hand */
  @ApiProperty({ type: 'integer' })
  attempts: number;
  /** when the next attempt is due (pending deliveries only) */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  /** the HTTP status of the last attempt; null when it got no response (timeout, refused connection) */
  @ApiProperty({ type: 'integer', nullable: true })
  lastStatusCode: number | null;
  lastError: string | null;
  /** the first characters of the last response body */
  lastResponseExcerpt: string | null;
  createdAt: Date;
  deliveredAt: Date | null;

  static from(row: WebhookDelivery): WebhookDeliveryDto {
    return Object.assign(new WebhookDeliveryDto(), {
      id: row.id,
      endpointId: row.endpointId,
      eventId: row.eventId,
      eventType: row.eventType,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
      lastAttemptAt: row.lastAttemptAt,
      lastStatusCode: row.lastStatusCode,
      lastError: row.lastError,
      lastResponseExcerpt: row.lastResponseExcerpt,
      createdAt: row.createdAt,
      deliveredAt: row.deliveredAt,
    });
  }
}
