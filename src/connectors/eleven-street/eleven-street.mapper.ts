import { SiteRejectedError } from '../http/site-errors';
import type { Address, ExternalOrder, ExternalOrderLine, Money } from '../sales-site-connector';
import type { XmlNode } from '../shared/xml';
import { textOf } from '../shared/xml';
import { KST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';

/** One `ns2:order` row of the complete/packaging lists: one order line, every value a string. */
export type ElevenStreetOrderRow = Record<string, string>;

/** What later calls need from a line (reqpackaging / reqdelivery / stock), kept in `ExternalOrderLine.raw`. */
export interface ElevenStreetLineRaw extends Record<string, unknown> {
  ordNo: string;
  ordPrdSeq: string;
  addPrdYn: string;
  /** '' when the line is not an add-on; sent as the literal `null` to reqpackaging */
  addPrdNo: string;
  dlvNo: string;
  ordPrdStat: string;
  prdNo: string;
  prdStckNo: string;
  sellerPrdCd: string;
  sellerStockCd: string;
}

/**
 * `ordPrdStat`, in the order a line moves through them (cancellations.md §3.1, the official enum). A code
 * outside this table is not understood: it is kept as it is, never read as a stage.
 */
export const ORD_PRD_STATUSES: ReadonlyArray<readonly [code: string, name: string]> = [
  ['101', '주문완료'],
  ['102', '입금대기'],
  ['103', '예약대기'],
  ['200', '배송지입력대기'],
  ['201', '예약결제완료'],
  ['202', '결제완료'],
  ['301', '배송준비중'],
  ['401', '배송중'],
  ['501', '배송완료'],
  ['601', '클레임진행중'],
  ['701', '취소처리중'],
  ['801', '재승인대기중'],
  ['901', '구매확정'],
  ['A01', '반품완료'],
  ['B01', '주문취소'],
  ['C01', '수취확인후주문취소'],
];
const STATUS_RANK = new Map(ORD_PRD_STATUSES.map(([code], index) => [code, index]));
export const STATUS_NAMES: Record<string, string> = Object.fromEntries(ORD_PRD_STATUSES);

export function isKnownStatus(code: string | undefined): code is string {
  return code !== undefined && STATUS_RANK.has(code);
}

/**
 * One status for an order of several lines: the least advanced line's (a 202 line still needs confirming).
 * A line whose status is missing or not a known code makes the order's status that raw value (issue 15:
 * an unparsable status never reads as confirmed; the core holds an order whose status it does not collect).
 */
export function orderStatusOf(statuses: ReadonlyArray<string | undefined>): string {
  const unknown = statuses.findIndex((status) => !isKnownStatus(status));
  if (unknown >= 0 || statuses.length === 0) return (statuses[unknown] ?? '').trim();
  return [...statuses].sort((a, b) => STATUS_RANK.get(a!)! - STATUS_RANK.get(b!)!)[0]!;
}

/**
 * The rows of an order or claim list. A single `ns2:order` is still a list (the client parses it as an
 * array); values the API writes as the literal string `null` become empty (specs/11st.md §3). A document
 * that is not an `orders` list is an error, never "no rows" (issue 15).
 */
export function orderRowsOf(document: XmlNode): ElevenStreetOrderRow[] {
  if (!('orders' in document)) {
    throw new SiteRejectedError(
      `11st answered <${Object.keys(document).join(', ')}> where an orders list was expected`,
      'unexpected-document',
    );
  }
  const orders = document.orders;
  const rows = orders !== null && typeof orders === 'object' ? (orders as XmlNode).order : undefined;
  const list = Array.isArray(rows) ? rows : rows === undefined || rows === null ? [] : [rows];
  return list.map((row) => {
    const out: ElevenStreetOrderRow = {};
    for (const [name, value] of Object.entries((row ?? {}) as XmlNode)) {
      const text = textOf(value);
      if (text === undefined) continue;
      out[name] = text === 'null' ? '' : text;
    }
    return out;
  });
}

/**
 * One Mallbridge order per `ordNo`, its lines the products (`ordPrdSeq`), each keeping its own
 * `dlvNo` (bundles are per dlvNo, and one order may ship in several). A line seen twice (window
 * overlap, or in both lists while it moves 202 → 301) keeps the later-stage copy.
 */
export function toExternalOrders(rows: ElevenStreetOrderRow[]): ExternalOrder[] {
  const byOrder = new Map<string, Map<string, ElevenStreetOrderRow>>();
  for (const row of rows) {
    if (!row.ordNo || !row.ordPrdSeq) continue;
    let lines = byOrder.get(row.ordNo);
    if (!lines) byOrder.set(row.ordNo, (lines = new Map()));
    const previous = lines.get(row.ordPrdSeq);
    if (!previous || laterStage(row.ordPrdStat, previous.ordPrdStat)) lines.set(row.ordPrdSeq, row);
  }
  return [...byOrder.values()].map((lines) =>
    toExternalOrder([...lines.values()].sort((a, b) => Number(a.ordPrdSeq) - Number(b.ordPrdSeq))),
  );
}

function toExternalOrder(rows: ElevenStreetOrderRow[]): ExternalOrder {
  const first = rows[0];
  const status = orderStatusOf(rows.map((row) => row.ordPrdStat));
  const orderedAt = parseInOffset(first.ordDt, KST_OFFSET_MINUTES) ?? parseInOffset(first.ordStlEndDt, KST_OFFSET_MINUTES) ?? new Date(0);
  const paidAt = parseInOffset(first.ordStlEndDt, KST_OFFSET_MINUTES);
  const dlvNos = [...new Set(rows.map((row) => row.dlvNo).filter(Boolean))];
  return {
    externalOrderId: first.ordNo,
    siteStatus: status,
    ...(STATUS_NAMES[status] ? { siteStatusName: STATUS_NAMES[status] } : {}),
    orderedAt,
    ...(paidAt ? { paidAt } : {}),
    buyer: buyerOf(first),
    recipient: recipientOf(first),
    ...(totalOf(rows) ? { total: totalOf(rows) } : {}),
    lines: rows.map(toLine),
    refs: { ordNo: first.ordNo, dlvNos },
    raw: rows,
  };
}

function toLine(row: ElevenStreetOrderRow): ExternalOrderLine {
  const raw: ElevenStreetLineRaw = {
    ordNo: row.ordNo,
    ordPrdSeq: row.ordPrdSeq,
    addPrdYn: row.addPrdYn === 'Y' ? 'Y' : 'N',
    // `0` means "not an add-on" in the lists; reqpackaging wants the literal `null` then.
    addPrdNo: row.addPrdYn === 'Y' && row.addPrdNo && row.addPrdNo !== '0' ? row.addPrdNo : '',
    dlvNo: row.dlvNo ?? '',
    ordPrdStat: row.ordPrdStat ?? '',
    prdNo: row.prdNo ?? '',
    prdStckNo: row.prdStckNo ?? '',
    sellerPrdCd: row.sellerPrdCd ?? '',
    sellerStockCd: row.sellerStockCd ?? '',
  };
  const optionCode = row.sellerStockCd?.trim();
  const optionName = row.slctPrdOptNm?.trim();
  return {
    externalLineId: row.ordPrdSeq,
    // A product registered without a seller code still needs a key: 11st's own product number.
    productCode: row.sellerPrdCd?.trim() || row.prdNo,
    ...(optionCode ? { optionCode } : {}),
    productName: row.prdNm ?? '',
    ...(optionName ? { optionName } : {}),
    quantity: Number(row.ordQty ?? '0'),
    ...(row.selPrc ? { unitPrice: row.selPrc } : {}),
    raw,
  };
}

function buyerOf(row: ElevenStreetOrderRow): Address {
  return compact({
    name: row.ordNm ?? '',
    postalCode: row.ordMailNo,
    country: 'KR',
    line1: row.ordBaseAddr,
    line2: row.ordDtlsAddr,
    phone: row.ordPrtblTel || row.ordTlphnNo,
  });
}

/** A copy whose status is not understood wins over one that is: what cannot be read is never hidden. */
function laterStage(next: string | undefined, previous: string | undefined): boolean {
  if (!isKnownStatus(next)) return true;
  if (!isKnownStatus(previous)) return false;
  return STATUS_RANK.get(next)! >= STATUS_RANK.get(previous)!;
}

/** The receiver (`rcvr*`) of an order row, or of an `orderlistalladdr` row (same names, UNCONFIRMED there). */
export function recipientOf(row: ElevenStreetOrderRow): Address {
  return compact({
    name: row.rcvrNm ?? '',
    postalCode: row.rcvrMailNo,
    country: 'KR',
    line1: row.rcvrBaseAddr,
    line2: row.rcvrDtlsAddr,
    phone: row.rcvrPrtblNo || row.rcvrTlphn,
  });
}

/**
 * Goods total: the sum of each line's `ordAmt` (단가*수량+옵션가, a per-line figure by its definition).
 * Whether `ordPayAmt` is per line or per order is not settled by the sources (packaging rows add a
 * separate `ordPayAmtPerSeq`), so it is not summed.
 */
function totalOf(rows: ElevenStreetOrderRow[]): Money | undefined {
  if (rows.some((row) => !/^-?\d+$/.test(row.ordAmt ?? ''))) return undefined;
  return { amount: String(rows.reduce((sum, row) => sum + Number(row.ordAmt), 0)), currency: 'KRW' };
}

function compact(address: Address): Address {
  const out: Address = { name: address.name };
  for (const [key, value] of Object.entries(address) as [keyof Address, string | undefined][]) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
