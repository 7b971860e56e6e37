import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumberString,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/pagination';
import { IsoDateTime, NestedObject, Optional } from '../common/validation';
import { SITE_IDS, type SiteId } from '../connectors/sales-site-connector';
import { type CancelApprovalState, CONFIRMATION_STATES, type ConfirmationState, SITE_STATES, type SiteState } from './order.entity';
import { ORDER_STATUSES, type OrderStatus } from './order-state';
import { FULFILLMENT_STATUSES, type FulfillmentStatus } from '../fulfillment/fulfillment-state';
import { ORDER_TRACKING_PUSH_STATES, type OrderTrackingPushState } from './order-fulfillment-states';

export const ORDER_CHANGE_FILTERS = ['cancelled_after_instruction', 'held_by_site', 'cancelled_by_site'] as const;
export type OrderChangeFilter = (typeof ORDER_CHANGE_FILTERS)[number];

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListOrdersQuery extends PageQuery {
  @Optional()
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ enum: SITE_IDS })
  @Optional()
  @IsIn(SITE_IDS as unknown as string[])
  site?: SiteId;

  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @Optional()
  @IsIn(ORDER_STATUSES as unknown as string[])
  status?: OrderStatus;

  /** ordered at or after (ISO 8601) */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @Optional()
  @IsoDateTime()
  orderedFrom?: Date;

  /** ordered before (ISO 8601) */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @Optional()
  @IsoDateTime()
  orderedTo?: Date;

  /** free text on the site's order number or the recipient's name (at least 2 characters) */
  @Optional()
  @IsString()
  @MinLength(2)
  @MaxLength(100)
  q?: string;

  /** only orders with (true) or without (false) lines that map to no SKU */
  @ApiPropertyOptional({ type: Boolean })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  unmapped?: boolean;

  /**
   * only orders with this change after intake: `cancelled_after_instruction` (the site cancelled after the
   * warehouse had the waybill or shipped), `held_by_site` (the site holds it or a buyer asked to cancel),
   * `cancelled_by_site`
   */
  @ApiPropertyOptional({ enum: ORDER_CHANGE_FILTERS })
  @Optional()
  @IsIn(ORDER_CHANGE_FILTERS as unknown as string[])
  change?: OrderChangeFilter;
}

export class OrderTimelineQuery extends PageQuery {}

/** One entry of an order's timeline. */
export class OrderEventDto {
  id: string;
  /** when it was recorded here */
  createdAt: Date;
  /** when the site says it happened, if it said */
  occurredAt: Date | null;
  @ApiProperty({
    enum: ['site', 'status', 'site_call', 'mallbridge'],
    description:
      'site: a change the site reported; status: our status moved; site_call: a call made to the site for the order, with its answer; mallbridge: what we did about a change',
  })
  source: 'site' | 'status' | 'site_call' | 'mallbridge';
  /** the change kind (cancelled, line_cancelled, on_hold…), the new status, or the call (confirm, tracking, cancel_approval, recheck) */
  kind: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what the entry says: reasons, lines, the site’s code and message' })
  detail: Record<string, unknown>;
  /** site changes only: whether Fulfillment has followed it yet */
  @ApiProperty({ enum: ['pending', 'done'], nullable: true })
  followState: 'pending' | 'done' | null;
}

export class RecheckResultDto {
  /** false: the site did not find the order (nothing is assumed from that) */
  found: boolean;
  /** the site's status now, when it said */
  siteStatus: string | null;
  /** changes the answer made here (0: the site confirms what we hold) */
  changesApplied: number;
  order: OrderDto;
}

export class AddressDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @Optional() @IsString() @MaxLength(200) nameKana?: string;
  @Optional() @IsString() @MaxLength(20) postalCode?: string;
  @Optional() @IsString() @MaxLength(2) country?: string;
  @Optional() @IsString() @MaxLength(100) region?: string;
  @Optional() @IsString() @MaxLength(200) city?: string;
  @Optional() @IsString() @MaxLength(300) line1?: string;
  @Optional() @IsString() @MaxLength(300) line2?: string;
  @Optional() @IsString() @MaxLength(40) phone?: string;
  @Optional() @IsString() @MaxLength(200) email?: string;
}

export class ManualOrderLineDto {
  /** the site's product code (商品コード, sellerItemCode, …) */
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  productCode: string;

  /** the site's option code, when the product has options */
  @Optional()
  @IsString()
  @MaxLength(200)
  optionCode?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  productName: string;

  @Optional()
  @IsString()
  @MaxLength(500)
  optionName?: string;

  @ApiProperty({ type: 'integer' })
  @IsInt()
  @Min(1)
  @Max(100000)
  quantity: number;

  @ApiPropertyOptional({ example: '1980' })
  @Optional()
  @IsNumberString()
  @MaxLength(20)
  unitPrice?: string;
}

export class CreateManualOrderDto {
  /** the connection (site and shop) the order was sold on */
  @IsUUID()
  connectionId: string;

  /** the site's order number */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  externalOrderId: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @IsoDateTime()
  orderedAt: Date;

  @NestedObject(() => AddressDto)
  recipient: AddressDto;

  @Optional()
  @NestedObject(() => AddressDto)
  buyer?: AddressDto;

  @ApiProperty({ type: [ManualOrderLineDto] })
  @ValidateNested({ each: true })
  @Type(() => ManualOrderLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  lines: ManualOrderLineDto[];

  /** why the order is entered by hand (waybill already printed on the site, delivery started, …) */
  @Optional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class OrderLineDto {
  id: string;
  position: number;
  externalLineId: string;
  productCode: string;
  optionCode: string | null;
  productName: string;
  optionName: string | null;
  quantity: number;
  unitPrice: string | null;
  /** what identifies the sold product for SKU mapping on this site */
  listingKey: string;
  skuId: string | null;
  quantityPerUnit: number | null;
  @ApiProperty({ enum: ['mapping', 'code'], nullable: true, description: 'how the SKU was found' })
  resolution: 'mapping' | 'code' | null;
  /** units the site cancelled since (line cancel, split, line no longer listed); live = quantity − cancelledQuantity */
  cancelledQuantity: number;
}

/** What the site now says of the order after intake (DESIGN §5a). */
export class OrderSiteChangeDto {
  @ApiProperty({ enum: SITE_STATES })
  state: SiteState;
  /** the site's words for its hold or cancel */
  reason: string | null;
  /** merged away: the site's order number that carries its lines now */
  mergedInto: string | null;
  /** set when the site cancelled after the warehouse had the waybill or had shipped: nothing was undone */
  cancelledAfterInstructionAt: Date | null;
  /** a buyer's cancel request: where approving it on the site stands */
  @ApiProperty({ enum: ['pending', 'approved', 'failed'], nullable: true })
  cancelApproval: CancelApprovalState | null;
}

export class OrderConfirmationDto {
  @ApiProperty({ enum: CONFIRMATION_STATES })
  state: ConfirmationState;
  /** the site's words on the last failure */
  error: string | null;
  attempts: number;
}

export class MoneyDto {
  amount: string;
  currency: string | null;
}

export class OrderDto {
  id: string;
  connectionId: string;
  @ApiProperty({ enum: SITE_IDS })
  site: SiteId;
  /** the site's order number (Qoo10: the pack number) */
  externalOrderId: string;
  @ApiProperty({ enum: ['site', 'manual'] })
  source: 'site' | 'manual';
  @ApiProperty({ enum: ORDER_STATUSES })
  status: OrderStatus;
  holdReason: string | null;
  /** the site's own status code and name */
  siteStatus: string;
  siteStatusName: string | null;
  orderedAt: Date;
  paidAt: Date | null;
  @ApiProperty({ type: () => AddressDto, nullable: true })
  buyer: AddressDto | null;
  @ApiProperty({ type: () => AddressDto, nullable: true })
  recipient: AddressDto | null;
  @ApiProperty({ type: () => MoneyDto, nullable: true })
  total: MoneyDto | null;
  lineCount: number;
  unmappedLineCount: number;
  confirmation: OrderConfirmationDto;
  siteChange: OrderSiteChangeDto;
  /** the status of the order's fulfillment order (the live one, else the latest cancelled one); null: never instructed */
  @ApiProperty({ enum: FULFILLMENT_STATUSES, nullable: true })
  fulfillmentStatus: FulfillmentStatus | null;
  /** where pushing the tracking number to the site stands; null: nothing to push yet */
  @ApiProperty({ enum: ORDER_TRACKING_PUSH_STATES, nullable: true })
  trackingPushState: OrderTrackingPushState | null;
  /** the site's words on the last failed push */
  trackingPushError: string | null;
  /** site identifiers (Qoo10 orderNos of the pack, 11st delivery numbers…) */
  @ApiProperty({ type: 'object', additionalProperties: true })
  refs: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  @ApiPropertyOptional({ type: [OrderLineDto] })
  lines?: OrderLineDto[];
}

/**
 * An order as `GET /v1/orders` lists it: what a console needs to find, sort and triage orders. Everything else
 * (buyer, full address, lines, refs, confirmation and push errors, site change details) is on `GET /v1/orders/{id}`.
 */
export class OrderSummaryDto extends PickType(OrderDto, [
  'id',
  'site',
  'connectionId',
  'externalOrderId',
  'source',
  'status',
  'holdReason',
  'siteStatus',
  'orderedAt',
  'lineCount',
  'total',
  'fulfillmentStatus',
  'trackingPushState',
  'updatedAt',
] as const) {
  /** the recipient's name (`recipient.name` of the order) */
  recipientName: string | null;
  /** the recipient's prefecture or region (`recipient.region` of the order) */
  recipientPrefecture: string | null;
  /** some lines map to no SKU yet (`unmappedLineCount > 0` on the order; the `unmapped` filter) */
  unmapped: boolean;
  /** `confirmation.state` of the order */
  @ApiProperty({ enum: CONFIRMATION_STATES })
  confirmationState: ConfirmationState;
  /** what the site now says of the order (`siteChange.state`; the `held_by_site` and `cancelled_by_site` filters) */
  @ApiProperty({ enum: SITE_STATES })
  siteState: SiteState;
  /** set when the site cancelled after the warehouse had the waybill or had shipped (the `cancelled_after_instruction` filter) */
  cancelledAfterInstructionAt: Date | null;
}
