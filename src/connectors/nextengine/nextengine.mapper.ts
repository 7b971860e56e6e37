import type { Address, ExternalOrder, ExternalOrderLine } from '../sales-site-connector';
import { JST_OFFSET_MINUTES, formatInOffset, parseInOffset } from '../shared/zoned-time';
import type { NextEngineRow } from './nextengine.client';

/** `receiveorder_base/search` fields the pull asks for (every one is a valid `fields` entry, spec §6.1). */
export const NE_ORDER_FIELDS = [
  'receive_order_id',
  'receive_order_shop_id',
  'receive_order_shop_cut_form_id',
  'receive_order_date',
  'receive_order_order_status_id',
  'receive_order_order_status_name',
  'receive_order_cancel_type_id',
  'receive_order_deleted_flag',
  'receive_order_statement_delivery_instruct_printing_date',
  'receive_order_delivery_id',
  'receive_order_delivery_name',
  'receive_order_delivery_cut_form_id',
  'receive_order_send_plan_date',
  'receive_order_payment_method_name',
  'receive_order_total_amount',
  'receive_order_purchaser_name',
  'receive_order_purchaser_kana',
  'receive_order_purchaser_zip_code',
  'receive_order_purchaser_address1',
  'receive_order_purchaser_address2',
  'receive_order_purchaser_tel',
  'receive_order_purchaser_mail_address',
  'receive_order_consignee_name',
  'receive_order_consignee_kana',
  'receive_order_consignee_zip_code',
  'receive_order_consignee_address1',
  'receive_order_consignee_address2',
  'receive_order_consignee_tel',
  'receive_order_last_modified_date',
] as const;

/** `receiveorder_row/search` fields (spec §6.2). */
export const NE_ROW_FIELDS = [
  'receive_order_row_receive_order_id',
  'receive_order_row_no',
  'receive_order_row_shop_row_no',
  'receive_order_row_goods_id',
  'receive_order_row_goods_name',
  'receive_order_row_goods_option',
  'receive_order_row_quantity',
  'receive_order_row_unit_price',
  'receive_order_row_cancel_flag',
  'receive_order_row_deleted_flag',
  'receive_order_include_from_order_id',
] as const;

/** What the waybill push reads back before each write (its optimistic-lock token among them). */
export const NE_LOCK_FIELDS = [
  'receive_order_id',
  'receive_order_order_status_id',
  'receive_order_cancel_type_id',
  'receive_order_deleted_flag',
  'receive_order_delivery_id',
  'receive_order_delivery_cut_form_id',
  'receive_order_last_modified_date',
] as const;

export const NE_COLLECTABLE_STATUS = '20';
const COLLECTABLE_STATUS_NAME = '納品書印刷待ち';

/** `ExternalOrder.refs` of a NextEngine order. */
export interface NextEngineOrderRefs {
  receiveOrderId: string;
  shopId?: string;
  /** 受注番号: the mall's own order number (may repeat across shops) */
  shopCutFormId?: string;
  /** the lock token as NextEngine wrote it, verbatim (compared as a string by update/shipped) */
  lastModifiedDate?: string;
  deliveryId?: string;
}

function text(row: NextEngineRow, field: string): string | undefined {
  const value = row[field];
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A row flag such as `receive_order_row_cancel_flag`: only "1" means set. */
function flagged(row: NextEngineRow, field: string): boolean {
  return text(row, field) === '1';
}

/**
 * Status 20 is collectable once its print-instruction date has come (印刷待ち; Hamee's sample compares the
 * field with the current time, spec §7). A missing date — NULL, blank or `0000-00-00 00:00:00` — compares
 * below any time in that sample, so such an order is 印刷待ち too.
 */
export function isPrintDue(row: NextEngineRow, now: Date): boolean {
  const printing = parseInOffset(row.receive_order_statement_delivery_instruct_printing_date, JST_OFFSET_MINUTES);
  return printing === undefined || printing.getTime() <= now.getTime();
}

/** Collectable = status 20, not cancelled (cancel type 0), not deleted, print date reached (DESIGN §1). */
export function isCollectable(row: NextEngineRow, now: Date): boolean {
  return (
    text(row, 'receive_order_order_status_id') === NE_COLLECTABLE_STATUS &&
    (text(row, 'receive_order_cancel_type_id') ?? '0') === '0' &&
    !flagged(row, 'receive_order_deleted_flag') &&
    isPrintDue(row, now)
  );
}

/** Cancelled (`cancel_flag` 1) and deleted rows are not part of the shipment (spec §6.2). */
export function isLiveRow(row: NextEngineRow): boolean {
  return !flagged(row, 'receive_order_row_cancel_flag') && !flagged(row, 'receive_order_row_deleted_flag');
}

function address(row: NextEngineRow, prefix: 'purchaser' | 'consignee'): Address | undefined {
  const field = (name: string) => text(row, `receive_order_${prefix}_${name}`);
  const name = field('name');
  if (!name) return undefined;
  return {
    name,
    nameKana: field('kana'),
    postalCode: field('zip_code'),
    // NextEngine is Japan-only (spec §3).
    country: 'JP',
    line1: field('address1'),
    line2: field('address2'),
    phone: field('tel'),
    email: field('mail_address'),
  };
}

function integer(value: string | undefined): number {
  const parsed = Number(value ?? '');
  return Number.isFinite(parsed) ? Math.trunc(parsed) : 0;
}

/** A line's id: `<伝票番号>-<明細行番号>` (the row number is unique within its slip). */
export function lineIdOf(row: NextEngineRow): string {
  return `${text(row, 'receive_order_row_receive_order_id') ?? ''}-${text(row, 'receive_order_row_no') ?? ''}`;
}

/** Who the order ships to: the 送り先 (consignee), else the purchaser when NextEngine has no consignee name. */
export function recipientOf(base: NextEngineRow): Address | undefined {
  return address(base, 'consignee') ?? address(base, 'purchaser');
}

export function toExternalLine(row: NextEngineRow): ExternalOrderLine {
  const rowNo = text(row, 'receive_order_row_no') ?? '';
  return {
    externalLineId: lineIdOf(row),
    productCode: text(row, 'receive_order_row_goods_id') ?? '',
    productName: text(row, 'receive_order_row_goods_name') ?? '',
    optionName: text(row, 'receive_order_row_goods_option'),
    quantity: integer(text(row, 'receive_order_row_quantity')),
    unitPrice: text(row, 'receive_order_row_unit_price'),
    raw: {
      receiveOrderRowNo: rowNo,
      shopRowNo: text(row, 'receive_order_row_shop_row_no'),
      // 同梱: the row was bundled in from another order
      includeFromOrderId: text(row, 'receive_order_include_from_order_id'),
    },
  };
}

/** A `receiveorder_base` row and its live rows → one Mallbridge order keyed by 伝票番号. */
export function toExternalOrder(base: NextEngineRow, rows: NextEngineRow[]): ExternalOrder {
  const receiveOrderId = text(base, 'receive_order_id') ?? '';
  const refs: NextEngineOrderRefs = {
    receiveOrderId,
    shopId: text(base, 'receive_order_shop_id'),
    shopCutFormId: text(base, 'receive_order_shop_cut_form_id'),
    lastModifiedDate: base.receive_order_last_modified_date ?? undefined,
    deliveryId: text(base, 'receive_order_delivery_id'),
  };
  const total = text(base, 'receive_order_total_amount');
  const orderedAt =
    parseInOffset(base.receive_order_date, JST_OFFSET_MINUTES) ?? parseInOffset(base.receive_order_last_modified_date, JST_OFFSET_MINUTES);
  return {
    externalOrderId: receiveOrderId,
    siteStatus: text(base, 'receive_order_order_status_id') ?? NE_COLLECTABLE_STATUS,
    siteStatusName: text(base, 'receive_order_order_status_name') ?? COLLECTABLE_STATUS_NAME,
    // receive_order_date is always set on a real order; the fallback only keeps a malformed row from crashing the batch
    orderedAt: orderedAt ?? new Date(0),
    buyer: address(base, 'purchaser'),
    recipient: recipientOf(base),
    ...(total !== undefined ? { total: { amount: total, currency: 'JPY' } } : {}),
    lines: rows.filter(isLiveRow).map(toExternalLine),
    refs: { ...refs },
    raw: { base, rows },
  };
}

const NE_DATETIME = 'yyyy-MM-dd HH:mm:ss';

/** NextEngine's datetime text, JST (spec §1.7; the zone is UNCONFIRMED, assumed like every NE date). */
export function neDatetime(at: Date): string {
  return formatInOffset(at, JST_OFFSET_MINUTES, NE_DATETIME);
}

/** A field's text, trimmed; undefined when absent or blank. */
export function trimmedText(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}
