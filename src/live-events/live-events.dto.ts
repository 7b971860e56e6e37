import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, Matches } from 'class-validator';
import { Optional } from '../common/validation';
import { TENANT_EVENT_TYPES, type TenantEventType } from './tenant-event-types';

/** An event's position in its tenant's log: a positive integer that fits a JavaScript number. */
export const EVENT_ID_PATTERN = /^\d{1,15}$/;

export class EventStreamQuery {
  /** only these event types, comma-separated (documented by the controller's `@ApiQuery`); all when absent */
  @Optional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((type) => type.trim()) : value))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(TENANT_EVENT_TYPES.length)
  @IsIn(TENANT_EVENT_TYPES as unknown as string[], { each: true })
  types?: TenantEventType[];

  /**
   * resume after this event id, like the `Last-Event-ID` header (which wins when both are sent); for
   * EventSource polyfills that cannot set the header
   */
  @ApiPropertyOptional({ pattern: EVENT_ID_PATTERN.source })
  @Optional()
  @Matches(EVENT_ID_PATTERN, { message: 'lastEventId must be the id of an event (digits)' })
  lastEventId?: string;
}
