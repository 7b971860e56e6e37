import type { Address, ExternalOrder, ExternalOrderLine } from '../sales-site-connector';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';

/** A row of `GetShippingInfo_v3` (PascalCase) or `_v2` (lower-camel): one per orderNo. */
export type Qoo10ShippingRow = Record<string, unknown>;

/** `ExternalOrder.refs` of a Qoo10 pack. */
export interface Qoo10OrderRefs {
  packNo: string;
  /** every 注文番号 of the pack: confirmation and tracking go to each of them */
  orderNos: string[];
}

/**
 * v3 names first, then the v2 spellings of the same field (spec §4.2/§4.3: the casing differs per
 * version and is mixed within v2).
 */
const FIELD_NAMES: Record<string, string[]> = {
  status: ['ShippingStatus', 'shippingStatus'],
  packNo: ['PackNo', 'packNo'],
  orderNo: ['OrderNo', 'orderNo'],
  orderDate: ['OrderDate', 'orderDate'],
  paymentDate: ['PaymentDate'],
  buyer: ['Buyer', 'buyer'],
  buyerKana: ['BuyerKana', 'buyer_gata'],
  buyerTel: ['BuyerTel', 'buyerTel'],
  buyerMobile: ['BuyerMobile', 'buyerMobile'],
  buyerEmail: ['BuyerEmail', 'buyerEmail'],
  itemNo: ['ItemNo', 'itemCode'],
  sellerItemCode: ['SellerItemCode', 'sellerItemCode'],
  itemTitle: ['ItemTitle', 'itemTitle'],
  option: ['Option', 'option'],
  optionCode: ['OptionCode', 'optionCode'],
  orderPrice: ['OrderPrice', 'orderPrice'],
  orderQty: ['OrderQty', 'orderQty'],
  total: ['Total', 'total'],
  receiver: ['Receiver', 'receiver'],
  receiverKana: ['ReceiverKana', 'receiver_gata'],
  zipCode: ['ZipCode', 'zipCode'],
  shippingAddress: ['ShippingAddress', 'shippingAddr'],
  address1: ['Address1'],
  address2: ['Address2'],
  receiverTel: ['ReceiverTel', 'receiverTel'],
  receiverMobile: ['ReceiverMobile', 'receiverMobile'],
  country: ['ShippingCountry', 'shippingCountry'],
  currency: ['Currency'],
  shippingMessage: ['ShippingMessage', 'ShippingMsg'],
};

/** A field as trimmed text; numbers (packNo, orderNo, prices arrive as JSON numbers) become their decimal text. */
export function field(row: Qoo10ShippingRow, name: keyof typeof FIELD_NAMES): string | undefined {
  for (const key of FIELD_NAMES[name]) {
    const value = row[key];
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
    if (text !== '') return text;
  }
  return undefined;
}

/** The numeric status from the `(n)` suffix of e.g. "On request(2)" (spec §4.1); a bare number is accepted too. */
export function statusCode(row: Qoo10ShippingRow): string | undefined {
  const status = field(row, 'status');
  if (!status) return undefined;
  return /\((\d+)\)\s*$/.exec(status)?.[1] ?? (/^\d+$/.test(status) ? status : undefined);
}

function jst(value: string | undefined): Date | undefined {
  return parseInOffset(value, JST_OFFSET_MINUTES);
}

function decimal(value: string | undefined): number {
  const parsed = Number(value ?? '');
  return Number.isFinite(parsed) ? parsed : 0;
}

function line(row: Qoo10ShippingRow): ExternalOrderLine {
  const orderNo = field(row, 'orderNo') ?? '';
  const itemNo = field(row, 'itemNo');
  const optionCode = field(row, 'optionCode');
  return {
    externalLineId: orderNo,
    // 販売者商品コード; a listing without one is known only by Qoo10's own item number
    productCode: field(row, 'sellerItemCode') ?? itemNo ?? '',
    ...(optionCode ? { optionCode } : {}),
    productName: field(row, 'itemTitle') ?? '',
    optionName: field(row, 'option'),
    quantity: Math.trunc(decimal(field(row, 'orderQty'))),
    unitPrice: field(row, 'orderPrice'),
    raw: {
      orderNo,
      packNo: field(row, 'packNo'),
      itemNo,
      shippingStatus: statusCode(row) ?? field(row, 'status'),
      total: field(row, 'total'),
    },
  };
}

function buyer(row: Qoo10ShippingRow): Address | undefined {
  const name = field(row, 'buyer');
  if (!name) return undefined;
  return {
    name,
    nameKana: field(row, 'buyerKana'),
    phone: field(row, 'buyerMobile') ?? field(row, 'buyerTel'),
    email: field(row, 'buyerEmail'),
  };
}

function recipient(row: Qoo10ShippingRow): Address | undefined {
  const name = field(row, 'receiver');
  if (!name) return undefined;
  const address1 = field(row, 'address1');
  return {
    name,
    nameKana: field(row, 'receiverKana'),
    postalCode: field(row, 'zipCode'),
    country: field(row, 'country') ?? 'JP',
    // v3 splits the address; v2 only has the joined ShippingAddr
    line1: address1 ?? field(row, 'shippingAddress'),
    line2: address1 ? field(row, 'address2') : undefined,
    phone: field(row, 'receiverMobile') ?? field(row, 'receiverTel'),
  };
}

/**
 * The rows of one packNo (カート番号) → ONE Mallbridge order keyed by packNo, one line per orderNo. The pack's
 * status is its least advanced line's: a pack with a line still in 新規注文 (2) still needs confirming. A status
 * that cannot be read is never defaulted: the pack's siteStatus is then that raw value (or '' when absent), which
 * no collectable code matches, so the order is held with what Qoo10 said shown.
 */
export function toExternalOrder(packNo: string, rows: Qoo10ShippingRow[]): ExternalOrder {
  const sorted = [...rows].sort((a, b) => decimal(field(a, 'orderNo')) - decimal(field(b, 'orderNo')));
  const first = sorted[0];
  const unreadable = sorted.find((row) => statusCode(row) === undefined);
  const least = unreadable ?? sorted.reduce((best, row) => (Number(statusCode(row)) < Number(statusCode(best)) ? row : best), first);
  const orderedAt = sorted
    .map((row) => jst(field(row, 'orderDate')))
    .filter((date): date is Date => date !== undefined)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const paidAt = jst(field(first, 'paymentDate'));
  const total = sorted.reduce((sum, row) => sum + decimal(field(row, 'total')), 0);
  const refs: Qoo10OrderRefs = { packNo, orderNos: sorted.map((row) => field(row, 'orderNo') ?? '').filter(Boolean) };
  return {
    externalOrderId: packNo,
    siteStatus: statusCode(least) ?? field(least, 'status') ?? '',
    siteStatusName: field(least, 'status'),
    orderedAt: orderedAt ?? new Date(0),
    ...(paidAt ? { paidAt } : {}),
    buyer: buyer(first),
    recipient: recipient(first),
    total: { amount: String(total), currency: field(first, 'currency') ?? 'JPY' },
    lines: sorted.map(line),
    refs: { ...refs },
    raw: { rows: sorted },
  };
}

/** Groups rows by packNo (first-seen order kept); one row per orderNo, a repeated orderNo keeps its latest row. */
export function groupByPack(rows: Qoo10ShippingRow[]): Map<string, Qoo10ShippingRow[]> {
  const byOrderNo = new Map<string, Qoo10ShippingRow>();
  for (const row of rows) {
    const orderNo = field(row, 'orderNo');
    if (orderNo) byOrderNo.set(orderNo, row);
  }
  const packs = new Map<string, Qoo10ShippingRow[]>();
  for (const [orderNo, row] of byOrderNo) {
    // a row without a packNo is its own pack (not seen in practice)
    const packNo = field(row, 'packNo') ?? orderNo;
    const list = packs.get(packNo) ?? [];
    list.push(row);
    packs.set(packNo, list);
  }
  return packs;
}

/** The orderNos of a Mallbridge order: from its refs, else its lines (externalLineId = orderNo). */
export function orderNosOf(ref: {
  externalOrderId: string;
  refs?: Record<string, unknown>;
  lines?: { externalLineId: string }[];
}): string[] {
  const fromRefs = ref.refs?.orderNos;
  if (Array.isArray(fromRefs) && fromRefs.length > 0) return fromRefs.map((value) => String(value));
  return (ref.lines ?? []).map((lineRef) => lineRef.externalLineId).filter(Boolean);
}
