/**
 * Qoo10 claims (cancel, return, exchange requests) as Mallbridge order changes: `shared/specs/cancellations.md` §2.
 * Pure functions; the calls are in the connector.
 *
 * Identities (the order mapper's): an order is a pack (`externalOrderId` = packNo), a line is an orderNo
 * (`externalLineId` = orderNo). Claims are per orderNo.
 */
import type { OrderChange } from '../site-ports';
import type { SyncCursor } from '../sales-site-connector';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';
import { statusCode } from './qoo10.mapper';

/** §2.3 ClaimStat / claimStatus codes (CONFIRMED). */
export const CLAIM = {
  CANCEL_REQUESTED: 1,
  CANCELLING: 2,
  CANCELLED: 3,
  RETURN_REQUESTED: 4,
  RETURNING: 5,
  RETURNED: 6,
  EXCHANGE_REQUESTED: 11,
  EXCHANGE_APPROVED: 12,
  RESHIPPING: 13,
  NON_RECEIPT_REFUNDED: 14,
  NON_RECEIPT_PART_REFUNDED: 15,
  UNPAID_CANCELLED: 16,
} as const;

/** Claims that hold a line (do not ship): the buyer's request waits for the seller, or the cancel is under way. */
export const HOLDING_CLAIMS: ReadonlySet<number> = new Set([CLAIM.CANCEL_REQUESTED, CLAIM.CANCELLING]);
/** Claims that end a line: cancelled, and an unpaid order cancelled (16, which should never have reached us). */
export const CANCELLED_CLAIMS: ReadonlySet<number> = new Set([CLAIM.CANCELLED, CLAIM.UNPAID_CANCELLED]);
const RETURN_CLAIMS: ReadonlySet<number> = new Set([CLAIM.RETURN_REQUESTED, CLAIM.RETURNING, CLAIM.RETURNED]);
const EXCHANGE_CLAIMS: ReadonlySet<number> = new Set([CLAIM.EXCHANGE_REQUESTED, CLAIM.EXCHANGE_APPROVED, CLAIM.RESHIPPING]);
const KNOWN_CLAIMS: ReadonlySet<number> = new Set<number>(Object.values(CLAIM));

/** Shipping statuses after which the parcel has left (§4.1: 4 配送中, 5 配送完了). */
export const SHIPPED_STATUSES: ReadonlySet<string> = new Set(['4', '5']);
const SHIPPING_STATUSES: ReadonlySet<string> = new Set(['1', '2', '3', '4', '5']);

/**
 * Labels a `claimStatus` might come as. Its literal format is UNCONFIRMED (§2.1: one client reads a number; the
 * same API family writes `shippingStatus` as "Label(n)"); the old OpenAPI's English labels for 1–6 and the guide's
 * Korean names are recognised, compared without spaces and case.
 */
const CLAIM_LABELS: Record<string, number> = {
  cancelrequest: 1,
  cancelling: 2,
  cancelcompleted: 3,
  returnrequest: 4,
  returning: 5,
  returncompleted: 6,
  취소요청: 1,
  취소중: 2,
  취소완료: 3,
  반품요청: 4,
  반품중: 5,
  반품완료: 6,
  교환신청: 11,
  교환승인: 12,
  다시배송중: 13,
  미수취환불완료: 14,
  미수취부분환불완료: 15,
  미납주문취소: 16,
};

/** What a `claimStatus` value says: no claim, a code, or something that cannot be read (kept raw). */
export type ClaimReading = { kind: 'none' } | { kind: 'code'; code: number } | { kind: 'unreadable'; raw: string };

/**
 * Reads a `claimStatus` defensively: a number, a numeric string, a "Label(n)" string (the `(n)` suffix), or a
 * known label. Absent, empty and 0 mean no claim (UNCONFIRMED how Qoo10 writes "no claim" in the by-order read).
 */
export function readClaimStatus(value: unknown): ClaimReading {
  if (value === undefined || value === null) return { kind: 'none' };
  if (typeof value === 'number') {
    if (value === 0) return { kind: 'none' };
    return Number.isInteger(value) && value > 0 ? { kind: 'code', code: value } : { kind: 'unreadable', raw: String(value) };
  }
  if (typeof value !== 'string') return { kind: 'unreadable', raw: JSON.stringify(value) ?? String(value) };
  const text = value.trim();
  if (text === '' || text === '0') return { kind: 'none' };
  const numeric = /^\d+$/.exec(text) ?? /\(\s*(\d+)\s*\)\s*$/.exec(text);
  if (numeric) {
    const code = Number(numeric[1] ?? numeric[0]);
    return code === 0 ? { kind: 'none' } : { kind: 'code', code };
  }
  const label = CLAIM_LABELS[text.replace(/\s+/g, '').toLowerCase()];
  return label !== undefined ? { kind: 'code', code: label } : { kind: 'unreadable', raw: text };
}

/** One orderNo's claim, read from a GetClaimInfo_V3 row or a GetShippingAndClaimInfoByOrderNo_V2 answer. */
export interface ClaimLine {
  orderNo: string;
  /** the pack (cart) the orderNo belongs to, when the row says */
  packNo?: string;
  claim: ClaimReading;
  reason?: string;
  /** the site's text, verbatim (its format is UNCONFIRMED) */
  requestDate?: string;
  cancelRefundDate?: string;
  /** the by-order read only: shipping status code (1–5), or the raw text when it cannot be read */
  shippingStatus?: string;
  shippingStatusReadable?: boolean;
  orderQty?: number;
  row: Record<string, unknown>;
}

function text(row: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = row[name];
    if (value === undefined || value === null) continue;
    const result = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
    if (result !== '') return result;
  }
  return undefined;
}

/**
 * A claim row (§2.1 lower-camel names; the PascalCase spellings are accepted too). `queried` is the ClaimStat the
 * row was listed under: when its own `claimStatus` cannot be read, the list it came from says what it is.
 */
export function claimLineOf(row: Record<string, unknown>, queried?: number): ClaimLine | undefined {
  const orderNo = text(row, 'orderNo', 'OrderNo');
  if (!orderNo) return undefined;
  let claim = readClaimStatus(row.claimStatus ?? row.ClaimStatus ?? row.ClaimStat);
  if (claim.kind !== 'code' && queried !== undefined) claim = { kind: 'code', code: queried };
  const qty = Number(text(row, 'orderQty', 'OrderQty'));
  const shippingRaw = text(row, 'shippingStatus', 'ShippingStatus');
  const shipping = shippingRaw === undefined ? undefined : statusCode(row);
  return {
    orderNo,
    packNo: text(row, 'packNo', 'PackNo'),
    claim,
    reason: text(row, 'reason', 'Reason'),
    requestDate: text(row, 'requestDate', 'RequestDate'),
    cancelRefundDate: text(row, 'cancelRefundDate', 'CancelRefundDate'),
    ...(shippingRaw !== undefined
      ? { shippingStatus: shipping ?? shippingRaw, shippingStatusReadable: shipping !== undefined && SHIPPING_STATUSES.has(shipping) }
      : {}),
    ...(Number.isFinite(qty) ? { orderQty: qty } : {}),
    row,
  };
}

/**
 * A date of a claim. The format is UNCONFIRMED (§2.1; GetShippingInfo writes `YYYY-MM-DD HH:mm:ss` JST): that,
 * `yyyyMMdd[HHmmss]`, an ISO stamp with its offset, or .NET's `/Date(ms)/` are read; anything else is no date.
 */
export function claimDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const local = parseInOffset(value, JST_OFFSET_MINUTES);
  if (local) return local;
  const dotNet = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (dotNet) return new Date(Number(dotNet[1]));
  const compact = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(value);
  if (compact) {
    const [, y, mo, d, h = '00', mi = '00', s = '00'] = compact;
    return parseInOffset(`${y}-${mo}-${d} ${h}:${mi}:${s}`, JST_OFFSET_MINUTES);
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

/** The line's own part of a change's identity: orderNo, claim status, request date (else completion date). */
export function lineRef(line: ClaimLine): string {
  const status = line.claim.kind === 'code' ? String(line.claim.code) : line.claim.kind === 'unreadable' ? line.claim.raw : '-';
  return `${line.orderNo}:${status}:${line.requestDate ?? line.cancelRefundDate ?? ''}`;
}

/** What a change keeps of a claim row: the claim itself, not the buyer's and recipient's details around it. */
const RAW_FIELDS = ['orderNo', 'packNo', 'claimStatus', 'reason', 'requestDate', 'cancelRefundDate', 'shippingStatus', 'orderQty'];
function rawOf(line: ClaimLine): Record<string, unknown> {
  return Object.fromEntries(RAW_FIELDS.filter((name) => line.row[name] !== undefined).map((name) => [name, line.row[name]]));
}

function codeOf(line: ClaimLine): number | undefined {
  return line.claim.kind === 'code' ? line.claim.code : undefined;
}

function latest(dates: Array<Date | undefined>): Date | null {
  const known = dates.filter((date): date is Date => date !== undefined);
  return known.length ? new Date(Math.max(...known.map((date) => date.getTime()))) : null;
}

function reasons(lines: ClaimLine[]): string | null {
  const distinct = [...new Set(lines.map((line) => line.reason).filter((reason): reason is string => !!reason))];
  return distinct.length ? distinct.join(' / ') : null;
}

/**
 * The changes the claims of ONE pack's lines say, in the order they are to be applied:
 * - 1 and 2 (requested, cancelling) → one `cancel_requested` for the pack, whose `request` names every orderNo
 *   that waits (`ContrNo`, comma-separated: what `approveCancel` sends to SetCancelProcess);
 * - 3 and 16 → `line_cancelled` (live quantity 0), or `cancelled` when `allOrderNos` is given and every one of
 *   them is cancelled (only a by-order read can tell; the change pull cannot, and the core sums the lines);
 * - 4–6 → `return_requested`, 11–13 → `exchange_requested` (one per line); 14, 15 (non-receipt refunds, after
 *   delivery) and unreadable or unknown values → nothing.
 */
export function changesOfPack(externalOrderId: string, lines: ClaimLine[], allOrderNos?: readonly string[]): OrderChange[] {
  const changes: OrderChange[] = [];
  const sorted = [...lines].sort((a, b) => a.orderNo.localeCompare(b.orderNo, 'en', { numeric: true }));
  const holding = sorted.filter((line) => HOLDING_CLAIMS.has(codeOf(line) ?? -1));
  if (holding.length) {
    changes.push({
      externalOrderId,
      kind: 'cancel_requested',
      siteRef: holding.map(lineRef).join('+'),
      occurredAt: latest(holding.map((line) => claimDate(line.requestDate))),
      reason: reasons(holding),
      request: { ContrNo: holding.map((line) => line.orderNo).join(','), packNo: externalOrderId },
      raw: holding.map(rawOf),
    });
  }
  const cancelled = sorted.filter((line) => CANCELLED_CLAIMS.has(codeOf(line) ?? -1));
  if (cancelled.length) {
    const every =
      allOrderNos !== undefined &&
      allOrderNos.length > 0 &&
      allOrderNos.every((orderNo) => cancelled.some((line) => line.orderNo === orderNo));
    changes.push({
      externalOrderId,
      kind: every ? 'cancelled' : 'line_cancelled',
      siteRef: cancelled.map(lineRef).join('+'),
      occurredAt: latest(cancelled.map((line) => claimDate(line.cancelRefundDate) ?? claimDate(line.requestDate))),
      reason: reasons(cancelled),
      ...(every ? {} : { lines: cancelled.map((line) => ({ externalLineId: line.orderNo, liveQuantity: 0 })) }),
      raw: cancelled.map(rawOf),
    });
  }
  for (const line of sorted) {
    const code = codeOf(line);
    if (code === undefined) continue;
    const kind = RETURN_CLAIMS.has(code) ? 'return_requested' : EXCHANGE_CLAIMS.has(code) ? 'exchange_requested' : undefined;
    if (!kind) continue;
    changes.push({
      externalOrderId,
      kind,
      siteRef: lineRef(line),
      occurredAt: claimDate(line.requestDate) ?? null,
      reason: line.reason ?? null,
      // which line; a return or an exchange leaves its live quantity as it is
      ...(line.orderQty !== undefined ? { lines: [{ externalLineId: line.orderNo, liveQuantity: line.orderQty }] } : {}),
      raw: rawOf(line),
    });
  }
  return changes;
}

/**
 * True when the line's claim, read and known, neither holds nor ends it: none, a return, an exchange, a
 * non-receipt refund (14, 15). An unreadable or unknown claim is not assumed harmless.
 */
export function claimLeavesLineLive(line: ClaimLine): boolean {
  if (line.claim.kind === 'none') return true;
  if (line.claim.kind === 'unreadable') return false;
  const code = line.claim.code;
  return KNOWN_CLAIMS.has(code) && !HOLDING_CLAIMS.has(code) && !CANCELLED_CLAIMS.has(code);
}

// ---------------------------------------------------------------- the change cursor

/**
 * A request that waited (1 or 2) when the cursor was written. Qoo10 lists no withdrawn requests: a request that
 * is neither listed as waiting nor as cancelled any more is read by orderNo (GetShippingAndClaimInfoByOrderNo_V2)
 * to learn what became of it, and the order is released when nothing holds it.
 */
export interface PendingRequest {
  orderNo: string;
  packNo: string;
  /** the request's line reference ({@link lineRef}), which makes the release of this request unique */
  ref: string;
  /** ISO: when it was requested (or, when the date could not be read, the start of the window it was listed in) */
  since: string;
}

export interface ChangeCursor {
  at?: Date;
  pending: PendingRequest[];
}

/** The cursor's value: the end of the last pull (ISO), or JSON `{at, pending}` while requests wait. */
export function readChangeCursor(cursor: SyncCursor | null): ChangeCursor {
  const value = cursor?.value?.trim();
  if (!value) return { pending: [] };
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as { at?: unknown; pending?: unknown };
      const at = typeof parsed.at === 'string' ? new Date(parsed.at) : undefined;
      const pending = Array.isArray(parsed.pending)
        ? parsed.pending.filter(
            (entry): entry is PendingRequest =>
              !!entry &&
              typeof entry === 'object' &&
              typeof (entry as PendingRequest).orderNo === 'string' &&
              typeof (entry as PendingRequest).packNo === 'string' &&
              typeof (entry as PendingRequest).ref === 'string' &&
              typeof (entry as PendingRequest).since === 'string' &&
              !Number.isNaN(new Date((entry as PendingRequest).since).getTime()),
          )
        : [];
      return { at: at && !Number.isNaN(at.getTime()) ? at : undefined, pending };
    } catch {
      return { pending: [] };
    }
  }
  const at = new Date(value);
  return { at: Number.isNaN(at.getTime()) ? undefined : at, pending: [] };
}

export function writeChangeCursor(at: Date, pending: PendingRequest[]): SyncCursor {
  if (!pending.length) return { value: at.toISOString() };
  const sorted = [...pending].sort((a, b) => a.orderNo.localeCompare(b.orderNo, 'en', { numeric: true }));
  return { value: JSON.stringify({ at: at.toISOString(), pending: sorted }) };
}
