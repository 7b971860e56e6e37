import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { NestedObject, Optional } from '../common/validation';
import { SITE_IDS, type SiteId } from '../connectors/sales-site-connector';
import { CONNECTION_STATUSES, type ConnectionStatus } from './connection.entity';

export class ConnectionOptionsDto {
  /** pull collectable orders on a schedule */
  @Optional()
  @IsBoolean()
  autoOrderIntegration?: boolean;

  /** confirm new orders on the site after intake (sites with a confirm call) */
  @Optional()
  @IsBoolean()
  autoOrderConfirmation?: boolean;

  /** turn a fully mapped order into a fulfillment order at once */
  @Optional()
  @IsBoolean()
  autoFulfillmentShippingInstruction?: boolean;

  /** push stock levels to the site (sites that take stock) */
  @Optional()
  @IsBoolean()
  autoStockSync?: boolean;

  /**
   * approve a buyer's cancel request on the site when nothing has left the warehouse (sites whose cancel requests
   * wait for the seller: 11st, Qoo10); without it such an order is held and shown
   */
  @Optional()
  @IsBoolean()
  autoCancelApproval?: boolean;
}

const ENDPOINT_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class CreateConnectionDto {
  @ApiProperty({ enum: SITE_IDS })
  @IsIn(SITE_IDS as unknown as string[])
  site: SiteId;

  /** The seller's id on the site (NE seller id, Qoo10 QSM login id, 11st seller id, Crossmall shop id, Smaregi contract id). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  shopId: string;

  /**
   * The site's credential fields, as listed by `GET /v1/sales-sites` (`credentialFields`). Values are
   * encrypted at rest and never returned; fields marked `once` (Qoo10's password) are used and discarded.
   */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { apiKey: 'your-api-key' } })
  @IsObject()
  credentials: Record<string, string>;

  @Optional()
  @NestedObject(() => ConnectionOptionsDto)
  options?: ConnectionOptionsDto;

  /** Site settings, as listed by `GET /v1/sales-sites` (`settingFields`). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  settings?: Record<string, unknown>;

  /** The site's API base URL; defaults to the site's production host (override for sandboxes). */
  @Optional()
  @IsUrl(ENDPOINT_URL)
  @MaxLength(500)
  endpoint?: string;

  /** Minutes between scheduled order pulls (with `options.autoOrderIntegration`). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1440, default: 10 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(1440)
  orderSyncIntervalMinutes?: number;
}

export class UpdateConnectionDto {
  @Optional()
  @NestedObject(() => ConnectionOptionsDto)
  options?: ConnectionOptionsDto;

  /** Replaces the given settings; others are kept. `null` removes a setting. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  settings?: Record<string, unknown>;

  /** Replaces the given credential fields; others are kept. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @Optional()
  @IsObject()
  credentials?: Record<string, string>;

  @Optional()
  @IsUrl(ENDPOINT_URL)
  @MaxLength(500)
  endpoint?: string;

  /** false disables the connection (nothing runs for it); true re-enables it. */
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  /** Minutes between scheduled order pulls (with `options.autoOrderIntegration`). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1440, default: 10 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(1440)
  orderSyncIntervalMinutes?: number;
}

export class RenewTokensDto {
  /**
   * What the site needs to issue new credentials, if anything: Qoo10 takes the QSM `password`
   * again (used once, never stored) or a fresh `apiKey`. NextEngine needs nothing.
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { password: 'qsm-password' } })
  @Optional()
  @IsObject()
  credentials?: Record<string, string>;
}

export class LastConnectionTestDto {
  ok: boolean;
  at: string;
  latencyMs: number;
  siteCode?: string;
  message?: string;
}

export class ConnectionDto {
  id: string;
  @ApiProperty({ enum: SITE_IDS })
  site: SiteId;
  shopId: string;
  endpoint: string;
  /** `deleted` once removed: a deleted connection stays readable, since its orders keep pointing at it */
  @ApiProperty({ enum: [...CONNECTION_STATUSES, 'deleted'] })
  status: ConnectionStatus | 'deleted';
  options: ConnectionOptionsDto;
  @ApiProperty({ type: 'object', additionalProperties: true })
  settings: Record<string, unknown>;
  /** stored credential fields, masked to their last four characters */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { apiKey: '••••1a2b' } })
  credentials: Record<string, string>;
  tokenExpiresAt: Date | null;
  orderSyncIntervalMinutes: number;
  @ApiProperty({ type: () => LastConnectionTestDto, nullable: true })
  lastTest: LastConnectionTestDto | null;
  /** the last failure's message, from the site when it said something */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** when the connection was deleted; null while it is live */
  deletedAt: Date | null;
}

export class ConnectionTestResultDto {
  ok: boolean;
  latencyMs: number;
  /** the site's own error code, verbatim */
  siteCode?: string;
  /** the site's own message, verbatim */
  message?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
  @ApiProperty({ enum: CONNECTION_STATUSES })
  status: ConnectionStatus;
}

export class AuthorizationUrlDto {
  /** open this in the seller's browser to sign in on the site */
  authorizationUrl: string;
  /** when the authorization must be completed by */
  expiresAt: Date;
}

export class ListConnectionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SITE_IDS })
  @Optional()
  @IsIn(SITE_IDS as unknown as string[])
  site?: SiteId;

  @ApiPropertyOptional({ enum: CONNECTION_STATUSES })
  @Optional()
  @IsIn(CONNECTION_STATUSES as unknown as string[])
  status?: ConnectionStatus;

  /** also list deleted connections (status `deleted`), which orders may still point at */
  @ApiPropertyOptional({ type: Boolean })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeDeleted?: boolean;
}

export class AuthorizeQuery {
  /** `json` answers `{ authorizationUrl }` instead of a 302 redirect (for consoles that open the page themselves) */
  @ApiPropertyOptional({ enum: ['redirect', 'json'] })
  @Optional()
  @IsIn(['redirect', 'json'])
  mode?: 'redirect' | 'json';
}

export class SiteCredentialFieldDto {
  name: string;
  label: string;
  secret: boolean;
  required: boolean;
  @ApiPropertyOptional({ enum: ['stored', 'once', 'obtained'] })
  lifecycle?: 'stored' | 'once' | 'obtained';
  description?: string;
  pattern?: string;
}

export class SiteSettingFieldDto {
  name: string;
  label: string;
  @ApiProperty({ enum: ['string', 'number', 'boolean', 'object'] })
  type: 'string' | 'number' | 'boolean' | 'object';
  required: boolean;
  /** the value used when the setting is not given, of the field's `type` */
  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', additionalProperties: true }] })
  default?: unknown;
  description?: string;
  /** type number: the least value accepted */
  minimum?: number;
  /** type number: the greatest value accepted */
  maximum?: number;
}

export class SiteCapabilitiesDto {
  orders: boolean;
  confirm: boolean;
  tracking: boolean;
  /** cancels, holds and changes after intake are read from the site */
  changes: boolean;
  /** buyers' cancel requests can be approved from here (option `autoCancelApproval`) */
  cancelApproval: boolean;
  @ApiProperty({ oneOf: [{ type: 'string', enum: ['absolute', 'relative'] }, { type: 'boolean', enum: [false] }] })
  stock: 'absolute' | 'relative' | false;
  @ApiProperty({ enum: ['none', 'redirect', 'key-exchange'] })
  authorization: 'none' | 'redirect' | 'key-exchange';
}

export class CollectableStatusDto {
  code: string;
  name: string;
}

export class SalesSiteDto {
  @ApiProperty({ enum: SITE_IDS })
  site: SiteId;
  displayName: string;
  defaultEndpoint: string;
  credentialFields: SiteCredentialFieldDto[];
  settingFields: SiteSettingFieldDto[];
  collectableStatuses: CollectableStatusDto[];
  capabilities: SiteCapabilitiesDto;
  /** the connection options this site supports */
  options: string[];
  /** IPs the seller must whitelist on the site (empty when the site does not restrict by IP) */
  egressIps: string[];
  requiresIpAllowList: boolean;
}

export class SalesSiteListDto {
  data: SalesSiteDto[];
}
