import type { Address, ExternalOrder, ExternalOrderLine } from '../sales-site-connector';
import { textOf } from '../shared/xml';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';

/** A `Result` row with its values as text (attributes such as `@_No` dropped). */
export type CrossmallRow = Record<string, string>;

export function rowText(row: Record<string, unknown>): CrossmallRow {
  const out: CrossmallRow = {};
  for (const [name, value] of Object.entries(row)) {
    if (name.startsWith('@_') || name === '#text') continue;
    const text = textOf(value);
    // An empty element parses as '' already; only text values are kept.
    if (text !== undefined) out[name] = text;
  }
  return out;
}

/**
 * CROSS MALL identifies a SKU by item code plus attribute 1 and 2 names, exact text (spacing and
 * case kept): `attr1,attr2`, or `attr1` when there is no second attribute, or nothing at all.
 */
export function crossmallOptionKey(attribute1: string, attribute2: string): string | undefined {
  if (attribute1 === '' && attribute2 === '') return undefined;
  return attribute2 === '' ? attribute1 : `${attribute1},${attribute2}`;
}

export function crossmallListingKey(itemCode: string, attribute1: string, attribute2: string): string {
  const option = crossmallOptionKey(attribute1, attribute2);
  return option === undefined ? itemCode : `${itemCode}:${option}`;
}

/** A get_order header and its get_order_detail lines → one order; the 管理番号 is the order id. */
export function toExternalOrder(header: CrossmallRow, details: CrossmallRow[]): ExternalOrder {
  const orderedAt = parseInOffset(header.order_date, JST_OFFSET_MINUTES) ?? new Date(0);
  const total = /^-?\d+(\.\d+)?$/.test(header.total_price ?? '') ? { amount: header.total_price, currency: 'JPY' } : undefined;
  return {
    externalOrderId: header.order_number,
    siteStatus: header.phase_name ?? '',
    siteStatusName: header.phase_name ?? '',
    orderedAt,
    buyer: compact({ name: header.client_name ?? '', phone: header.client_tel, email: header.client_mail, country: 'JP' }),
    recipient: compact({
      name: header.ship_name ?? '',
      postalCode: header.ship_zip,
      country: 'JP',
      line1: header.ship_address1,
      line2: header.ship_address2,
      phone: header.ship_tel,
    }),
    ...(total ? { total } : {}),
    lines: details.map(toLine),
    refs: {
      orderNumber: header.order_number,
      ...(header.order_code ? { orderCode: header.order_code } : {}),
      ...(header.shop_name ? { shopName: header.shop_name } : {}),
      // 0 normal / 1 hold / 2 cancel: kept for the orders module, the phase alone does not say it.
      cancelFlag: header.cancel_flag ?? '0',
    },
    raw: header,
  };
}

function toLine(row: CrossmallRow, index: number): ExternalOrderLine {
  const attribute1 = row.attribute1_name ?? '';
  const attribute2 = row.attribute2_name ?? '';
  const optionCode = crossmallOptionKey(attribute1, attribute2);
  return {
    externalLineId: row.line_no || String(index + 1),
    productCode: row.item_code ?? '',
    ...(optionCode !== undefined ? { optionCode } : {}),
    productName: row.item_name ?? '',
    ...(optionCode !== undefined ? { optionName: [attribute1, attribute2].filter((name) => name !== '').join(' / ') } : {}),
    quantity: Number(row.amount ?? '0'),
    ...(row.unit_price ? { unitPrice: row.unit_price } : {}),
    raw: {
      line_no: row.line_no ?? String(index + 1),
      item_code: row.item_code ?? '',
      attribute1_name: attribute1,
      attribute2_name: attribute2,
      ...(row.jan_cd ? { jan_cd: row.jan_cd } : {}),
      ...(row.component_flag ? { component_flag: row.component_flag } : {}),
    },
  };
}

function compact(address: Address): Address {
  const out: Address = { name: address.name };
  for (const [key, value] of Object.entries(address) as [keyof Address, string | undefined][]) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
