import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { Optional } from '../common/validation';
import { PageQuery } from '../common/pagination';
import { SITE_IDS, type SiteId } from '../connectors/sales-site-connector';
import { FULFILLMENT_STATUSES, type FulfillmentStatus } from './fulfillment-state';

const NOT_BLANK = /\S/;
const TRACKING_STATES = ['pending', 'sent', 'failed', 'cancelled'] as const;

export class ListFulfillmentOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: FULFILLMENT_STATUSES })
  @Optional()
  @IsIn(FULFILLMENT_STATUSES as unknown as string[])
  status?: FulfillmentStatus;

  /** the sales order */
  @Optional()
  @IsUUID()
  orderId?: string;

  @Optional()
  @IsUUID()
  connectionId?: string;
}

export class IssueWaybillDto {
  /** The carrier, as the connection's carrier settings know it (e.g. `yamato`, `Sagawa`). */
  @IsString()
  @Matches(NOT_BLANK, { message: 'carrier must not be blank' })
  @MaxLength(100)
  carrier: string;

  /** The waybill number printed on the label; omit to have one generated (12 digits with a mod-7 check digit). */
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{4,50}$/, { message: 'trackingNumber must be 4 to 50 letters, digits or hyphens' })
  trackingNumber?: string;
}

export class InboundScanDto {
  /** The barcode read from the parcel's label: its waybill number. */
  @IsString()
  @Matches(/^[A-Za-z0-9-]{4,50}$/, { message: 'barcode must be 4 to 50 letters, digits or hyphens' })
  barcode: string;

  /** Required when no waybill was issued here (the label was printed elsewhere). */
  @Optional()
  @IsString()
  @Matches(NOT_BLANK, { message: 'carrier must not be blank' })
  @MaxLength(100)
  carrier?: string;
}

export class FulfillmentOrderLineDto {
  id: string;
  orderLineId: string;
  position: number;
  skuId: string;
  skuCode: string;
  productName: string;
  optionName: string | null;
  /** units sold on the site */
  orderedQuantity: number;
  /** SKU units taken from stock (ordered × quantity per unit) */
  quantity: number;
}

export class WaybillDto {
  carrier: string | null;
  trackingNumber: string | null;
  issuedAt: Date | null;
  /** when the labelled parcel was scanned in at the warehouse */
  receivedAt: Date | null;
}

export class TrackingPushDto {
  @ApiProperty({ enum: TRACKING_STATES, nullable: true, description: 'null until a waybill exists' })
  state: (typeof TRACKING_STATES)[number] | null;
  /** the site's words on the last failure */
  lastError: string | null;
  lastSiteCode: string | null;
  attempts: number;
  /** when the worker tries again (pending pushes) */
  nextAttemptAt: Date | null;
  sentAt: Date | null;
}

export class TimelineEntryDto {
  at: string;
  /** instructed, waybill_issued, received, shipped, cancelled */
  event: string;
  detail?: string;
}

export class FulfillmentOrderDto {
  id: string;
  /** the sales order */
  orderId: string;
  connectionId: string;
  @ApiProperty({ enum: SITE_IDS })
  site: SiteId;
  /** the site's order number */
  externalOrderId: string;
  @ApiProperty({ enum: FULFILLMENT_STATUSES })
  status: FulfillmentStatus;
  @ApiProperty({ enum: ['auto', 'manual'], description: 'auto: the connection option autoFulfillmentShippingInstruction' })
  trigger: 'auto' | 'manual';
  waybill: WaybillDto;
  trackingPush: TrackingPushDto;
  shippedAt: Date | null;
  cancelledAt: Date | null;
  @ApiPropertyOptional({ type: [FulfillmentOrderLineDto] })
  lines?: FulfillmentOrderLineDto[];
  @ApiPropertyOptional({ type: [TimelineEntryDto] })
  timeline?: TimelineEntryDto[];
  createdAt: Date;
  updatedAt: Date;
}

export class ShippingInstructionDto {
  @ApiProperty({ enum: ['instructed', 'held'] })
  result: 'instructed' | 'held';
  /** why the order is held: unmapped listing keys, or the SKUs short of stock */
  holdReason: string | null;
  /** the new fulfillment order; absent when the order is held */
  fulfillmentOrder?: FulfillmentOrderDto;
}

export class BarcodeDto {
  @ApiProperty({ enum: ['CODE128'] })
  symbology: 'CODE128';
  value: string;
}

export class LabelRecipientDto {
  name: string;
  postalCode: string | null;
  /** prefecture/region, city and street lines, in print order */
  addressLines: string[];
  phone: string | null;
}

export class LabelLineDto {
  skuCode: string;
  productName: string;
  optionName: string | null;
  quantity: number;
}

export class WaybillLabelDto {
  carrier: string;
  trackingNumber: string;
  barcode: BarcodeDto;
  /** the site's order number, printed for the buyer's reference */
  orderNumber: string;
  recipient: LabelRecipientDto;
  lines: LabelLineDto[];
  issuedAt: Date;
}

export class IssuedWaybillDto {
  label: WaybillLabelDto;
  fulfillmentOrder: FulfillmentOrderDto;
}
