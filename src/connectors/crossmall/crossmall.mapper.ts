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

/**
 * `bundle_ahead_number` (同梱先管理番号, §4.4 of cancellations.md): the 管理番号 of the order this one was
 * merged into, or undefined for an order that was not merged away. Empty and all-zero values mean "none"
 * (an unbundled order may carry `0`); a parent carries no number of its own, whatever its `bundle_flag`.
 */
export function bundleParentOf(header: CrossmallRow): string | undefined {
  const value = header.bundle_ahead_number?.trim() ?? '';
  return value === '' || /^0+$/.test(value) ? undefined : value;
}

/** The recipient (`ship_*`), as every order and every `address_changed` carries it. */
export function crossmallRecipient(header: CrossmallRow): Address {
  return compact({
    name: header.ship_name ?? '',
    postalCode: header.ship_zip,
    country: 'JP',
    line1: header.ship_address1,
    line2: header.ship_address2,
    phone: header.ship_tel,
  });
}

/** `get_order_component` rows by the `line_no` of the set line (`component_flag` = "1") they make up. */
export type CrossmallComponents = ReadonlyMap<string, CrossmallRow[]>;

/** A get_order_detail line that is a set item, whose units come from get_order_component (§4.5). */
export function isSetLine(row: CrossmallRow): boolean {
  return row.component_flag?.trim() === '1';
}

/**
 * A get_order header and its get_order_detail lines → one order; the 管理番号 is the order id. A set line
 * (`component_flag` = "1") whose components were read becomes one line per component.
 */
export function toExternalOrder(header: CrossmallRow, details: CrossmallRow[], components: CrossmallComponents = new Map()): ExternalOrder {
  const orderedAt = parseInOffset(header.order_date, JST_OFFSET_MINUTES) ?? new Date(0);
  const total = /^-?\d+(\.\d+)?$/.test(header.total_price ?? '') ? { amount: header.total_price, currency: 'JPY' } : undefined;
  return {
    externalOrderId: header.order_number,
    siteStatus: header.phase_name ?? '',
    siteStatusName: header.phase_name ?? '',
    orderedAt,
    buyer: compact({ name: header.client_name ?? '', phone: header.client_tel, email: header.client_mail, country: 'JP' }),
    recipient: crossmallRecipient(header),
    ...(total ? { total } : {}),
    lines: details.flatMap((row, index) => {
      const parts = isSetLine(row) ? components.get(row.line_no || String(index + 1)) : undefined;
      return parts && parts.length > 0 ? toComponentLines(row, index, parts) : [toLine(row, index)];
    }),
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

/**
 * One line per component SKU of a set line: id `<line_no>/<component listing key>` (stable whatever order
 * the components come in; a SKU listed twice in one set is one line), no unit price (the set's price does
 * not split). Units = line `amount` × `component_count`: UNCONFIRMED (§4.5) whether `component_count` is per
 * set (assumed, as the spec advises) or already multiplied by the amount. A count that is not a positive
 * number is taken as 1 (one unit per set) rather than dropping the component.
 */
function toComponentLines(row: CrossmallRow, index: number, components: CrossmallRow[]): ExternalOrderLine[] {
  const lineNo = row.line_no || String(index + 1);
  const amount = Number(row.amount ?? '0');
  const lines = new Map<string, ExternalOrderLine>();
  for (const component of components) {
    const itemCode = component.item_code ?? '';
    const attribute1 = component.attribute1_name ?? '';
    const attribute2 = component.attribute2_name ?? '';
    const count = Number(component.component_count);
    const perSet = Number.isFinite(count) && count > 0 ? count : 1;
    const id = `${lineNo}/${crossmallListingKey(itemCode, attribute1, attribute2)}`;
    const existing = lines.get(id);
    if (existing) {
      existing.quantity += amount * perSet;
      continue;
    }
    const optionCode = crossmallOptionKey(attribute1, attribute2);
    lines.set(id, {
      externalLineId: id,
      productCode: itemCode,
      ...(optionCode !== undefined ? { optionCode } : {}),
      productName: component.item_name ?? '',
      ...(optionCode !== undefined ? { optionName: [attribute1, attribute2].filter((name) => name !== '').join(' / ') } : {}),
      quantity: amount * perSet,
      raw: {
        line_no: lineNo,
        item_code: itemCode,
        attribute1_name: attribute1,
        attribute2_name: attribute2,
        set_item_code: component.set_item_code ?? row.item_code ?? '',
        set_amount: row.amount ?? '',
        component_count: component.component_count ?? '',
        ...(component.jan_cd ? { jan_cd: component.jan_cd } : {}),
      },
    });
  }
  return [...lines.values()];
}

function compact(address: Address): Address {
  const out: Address = { name: address.name };
  for (const [key, value] of Object.entries(address) as [keyof Address, string | undefined][]) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
