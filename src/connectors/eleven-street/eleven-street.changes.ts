import type { OrderChange, RecheckResult } from '../site-ports';
import { KST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';
import { type ElevenStreetOrderRow, isKnownStatus, orderStatusOf, recipientOf } from './eleven-street.mapper';

/**
 * What 11st's claim lists and order-status reads say about orders after intake (cancellations.md §3),
 * as {@link OrderChange}s keyed like the order mapper keys orders: `externalOrderId` = `ordNo` (one
 * Mallbridge order per 11st order number, whatever its `dlvNo`s), `externalLineId` = `ordPrdSeq`.
 */

/** The claim lists read per window (§3.2, §3.3, §3.6), all `GET /rest/claimservice/{list}/{start}/{end}`. */
export const CLAIM_LISTS = ['cancelorders', 'canceledorders', 'withdrawcanceledorders', 'returnorders', 'exchangeorders'] as const;
export type ClaimList = (typeof CLAIM_LISTS)[number];
export type WindowClaims = Record<ClaimList, ElevenStreetOrderRow[]>;

/** `ordCnStatCd` (§3.2, §3.3): 01 취소요청, 02 취소완료, 05 취소신청취소 (철회완료). */
export const CANCEL_REQUESTED = '01';
export const CANCEL_DONE = '02';
export const CANCEL_WITHDRAWN = '05';
/** `ordPrdStat` 701 취소처리중: a cancel request waits for the seller. */
export const CANCEL_IN_PROGRESS = '701';
/** B01 주문취소; C01 수취확인후주문취소 (a cancel too, after purchase confirmation). */
const CANCELLED_STATUSES = new Set(['B01', 'C01']);
/** The statuses of a line that is live and not yet shipped: nothing holds it on the site. */
const OPEN_STATUSES = new Set(['202', '301']);

/** `clmStat` of returns and exchanges (§3.6), for the timeline. */
const CLAIM_STATUS_NAMES: Record<string, string> = {
  '103': '재결제대기중',
  '104': '반품보류',
  '105': '반품신청',
  '106': '반품완료',
  '107': '반품거부',
  '108': '반품철회',
  '109': '반품완료보류',
  '201': '교환신청',
  '212': '교환승인',
  '214': '교환보류',
  '221': '교환발송완료',
  '232': '교환거부',
  '233': '교환철회',
  '301': '재배송접수',
  '302': '재배송완료',
};
const CANCEL_STATUS_NAMES: Record<string, string> = { '01': '취소요청', '02': '취소완료', '05': '취소철회' };
/** `ordCnMnbdCd`: who cancelled. */
const CANCEL_BY: Record<string, string> = { '01': 'buyer', '02': 'seller' };

export type Log = (message: string) => void;

interface CancelClaim {
  seq: string;
  status: string;
  ordNo: string;
  ordPrdSeq: string;
  /** `ordCnQty` of the claim; undefined when the value is not a whole number */
  quantity: number | undefined;
  at: Date | undefined;
  row: ElevenStreetOrderRow;
}

/** The orders whose current line states a window's cancel claims need (completed and withdrawn claims). */
export function ordersNeedingSnapshot(claims: WindowClaims, log: Log): string[] {
  const { completed, withdrawn } = sortCancelClaims(claims, log);
  return [...new Set([...completed, ...withdrawn].map((claim) => claim.ordNo))];
}

/**
 * The changes one window of claim lists states, in the order they happened. `snapshot` holds the current
 * `orderlistall` rows of every order {@link ordersNeedingSnapshot} named (absent: 11st did not list it).
 */
export function changesOfWindow(claims: WindowClaims, snapshot: ReadonlyMap<string, ElevenStreetOrderRow[]>, log: Log): OrderChange[] {
  const { requested, completed, withdrawn } = sortCancelClaims(claims, log);
  const changes: OrderChange[] = [];
  for (const [ordNo, orderClaims] of groupBy(requested, (claim) => claim.ordNo)) changes.push(cancelRequested(ordNo, orderClaims));
  for (const [ordNo, orderClaims] of groupBy(completed, (claim) => claim.ordNo))
    changes.push(...completedCancels(ordNo, orderClaims, snapshot.get(ordNo), log));
  for (const [ordNo, orderClaims] of groupBy(withdrawn, (claim) => claim.ordNo))
    changes.push(...withdrawnCancels(ordNo, orderClaims, snapshot.get(ordNo)));
  for (const row of claims.returnorders) pushDefined(changes, afterShipmentClaim('return_requested', row, log));
  for (const row of claims.exchangeorders) pushDefined(changes, afterShipmentClaim('exchange_requested', row, log));
  return inTimeOrder(changes);
}

/**
 * Splits the cancel claims of a window: one copy per claim number, the most advanced one (a request
 * approved or withdrawn within the window is no longer a request). Rows without the identifiers a change
 * needs are left out, and said.
 */
function sortCancelClaims(
  claims: WindowClaims,
  log: Log,
): { requested: CancelClaim[]; completed: CancelClaim[]; withdrawn: CancelClaim[] } {
  const bySeq = new Map<string, CancelClaim>();
  const lists: Array<[ClaimList, string | undefined]> = [
    ['cancelorders', undefined],
    ['canceledorders', CANCEL_DONE],
    ['withdrawcanceledorders', CANCEL_WITHDRAWN],
  ];
  for (const [list, impliedStatus] of lists) {
    for (const row of claims[list]) {
      const claim = cancelClaimOf(row, impliedStatus);
      if (!claim) {
        log(`11st ${list} row without ordNo/ordPrdSeq/ordPrdCnSeq left out: ${JSON.stringify(row)}`);
        continue;
      }
      const previous = bySeq.get(claim.seq);
      if (!previous || claimStage(claim.status) >= claimStage(previous.status)) bySeq.set(claim.seq, claim);
    }
  }
  const requested: CancelClaim[] = [];
  const completed: CancelClaim[] = [];
  const withdrawn: CancelClaim[] = [];
  for (const claim of bySeq.values()) {
    if (claim.status === CANCEL_REQUESTED) requested.push(claim);
    else if (claim.status === CANCEL_DONE) completed.push(claim);
    else if (claim.status === CANCEL_WITHDRAWN) withdrawn.push(claim);
    else log(`11st cancel claim ${claim.seq} of order ${claim.ordNo} has ordCnStatCd "${claim.status}", not 01/02/05: left out`);
  }
  return { requested, completed, withdrawn };
}

function cancelClaimOf(row: ElevenStreetOrderRow, impliedStatus: string | undefined): CancelClaim | undefined {
  const seq = row.ordPrdCnSeq?.trim();
  const ordNo = row.ordNo?.trim();
  const ordPrdSeq = row.ordPrdSeq?.trim();
  if (!seq || !ordNo || !ordPrdSeq) return undefined;
  // The completed and withdrawn lists say what they hold; a row that names its status is believed.
  const status = row.ordCnStatCd?.trim() || impliedStatus || '';
  const at =
    status === CANCEL_REQUESTED ? kst(row.createDt) : (kst(row.cnTrtEndDt) ?? kst(row.cnDt) ?? kst(row.wdrwDt) ?? kst(row.createDt));
  return { seq, status, ordNo, ordPrdSeq, quantity: wholeNumber(row.ordCnQty), at, row };
}

/** 01 < 02 = 05: a request is superseded by its outcome. */
function claimStage(status: string): number {
  return status === CANCEL_REQUESTED ? 0 : status === CANCEL_DONE || status === CANCEL_WITHDRAWN ? 1 : -1;
}

/**
 * One change per order for its open requests: the core keeps one request per order (the last one stated), so
 * requests on several lines travel together, as comma-separated lists read pairwise (`ordPrdCnSeq` "a,b",
 * `ordPrdSeq` "1,2"); a single request is the plain `{ordPrdCnSeq, ordNo, ordPrdSeq}`.
 */
function cancelRequested(ordNo: string, claims: CancelClaim[]): OrderChange {
  const sorted = [...claims].sort((a, b) => Number(a.ordPrdSeq) - Number(b.ordPrdSeq) || a.seq.localeCompare(b.seq));
  return {
    externalOrderId: ordNo,
    kind: 'cancel_requested',
    siteRef: sorted
      .map((claim) => `${claim.seq}:${CANCEL_REQUESTED}`)
      .sort()
      .join(','),
    occurredAt: latest(sorted),
    reason: cancelReason(sorted),
    request: requestOf(
      ordNo,
      sorted.map((claim) => ({ ordPrdSeq: claim.ordPrdSeq, ordPrdCnSeq: claim.seq })),
    ),
    raw: sorted.length === 1 ? sorted[0].row : sorted.map((claim) => claim.row),
  };
}

/** The `request` of a `cancel_requested` change; an unknown claim number is an empty entry (looked up at approval). */
function requestOf(ordNo: string, lines: Array<{ ordPrdSeq: string; ordPrdCnSeq?: string }>): Record<string, string> {
  const known = lines.some((line) => line.ordPrdCnSeq);
  return {
    ...(known ? { ordPrdCnSeq: lines.map((line) => line.ordPrdCnSeq ?? '').join(',') } : {}),
    ordNo,
    ordPrdSeq: lines.map((line) => line.ordPrdSeq).join(','),
  };
}

/**
 * Completed cancels of one order. A line's live quantity is its ordered quantity less what is cancelled,
 * read from the order's current rows (`orderlistall`: `ordQty` is the original quantity, `ordCnQty` the
 * cancelled one, requests included — so while another request is open on the line (701), only the
 * completed claims seen here are subtracted). Every line cancelled: the order is `cancelled`. No request
 * left open on the order: it is `released` as well (a partial cancel that was approved ends the hold).
 */
function completedCancels(ordNo: string, claims: CancelClaim[], current: ElevenStreetOrderRow[] | undefined, log: Log): OrderChange[] {
  const siteRef = claims
    .map((claim) => `${claim.seq}:${CANCEL_DONE}`)
    .sort()
    .join(',');
  const common = {
    externalOrderId: ordNo,
    siteRef,
    occurredAt: latest(claims),
    reason: cancelReason(claims),
    raw: claims.map((c) => c.row),
  };
  const rowsBySeq = new Map((current ?? []).map((row) => [row.ordPrdSeq, row]));
  const lines: Array<{ externalLineId: string; liveQuantity: number }> = [];
  for (const [ordPrdSeq, lineClaims] of groupBy(claims, (claim) => claim.ordPrdSeq)) {
    const now = rowsBySeq.get(ordPrdSeq);
    const claimed = lineClaims.every((claim) => claim.quantity !== undefined)
      ? lineClaims.reduce((sum, claim) => sum + claim.quantity!, 0)
      : undefined;
    let live: number | undefined;
    if (now && CANCELLED_STATUSES.has(now.ordPrdStat)) live = 0;
    else {
      // The claim rows themselves may carry the ordered quantity (UNCONFIRMED: not in the documented fields).
      const ordered = wholeNumber(now?.ordQty) ?? wholeNumber(lineClaims[0].row.ordQty);
      const cancelledNow = now && now.ordPrdStat !== CANCEL_IN_PROGRESS ? wholeNumber(now.ordCnQty) : undefined;
      const cancelled = Math.max(claimed ?? -1, cancelledNow ?? -1);
      if (ordered !== undefined && cancelled >= 0) live = Math.max(0, ordered - cancelled);
    }
    if (live === undefined) {
      log(
        `11st order ${ordNo} line ${ordPrdSeq}: completed cancel ${lineClaims.map((c) => c.seq).join(',')} without a readable quantity; left for the recheck`,
      );
      continue;
    }
    lines.push({ externalLineId: ordPrdSeq, liveQuantity: live });
  }
  const liveOf = new Map(lines.map((line) => [line.externalLineId, line.liveQuantity]));
  const wholeOrderKnown = current !== undefined && current.length > 0;
  const allCancelled = wholeOrderKnown && current.every((row) => CANCELLED_STATUSES.has(row.ordPrdStat) || liveOf.get(row.ordPrdSeq) === 0);
  if (allCancelled) return [{ ...common, kind: 'cancelled' }];
  const changes: OrderChange[] = [];
  if (lines.length > 0) changes.push({ ...common, kind: 'line_cancelled', lines });
  if (
    wholeOrderKnown &&
    !current.some((row) => row.ordPrdStat === CANCEL_IN_PROGRESS) &&
    current.some((row) => OPEN_STATUSES.has(row.ordPrdStat))
  )
    changes.push({ ...common, kind: 'released' });
  return changes;
}

/**
 * Withdrawn requests (05): the lines are live again. The order is released unless another request still
 * holds it (a line at 701 in its current rows). Not listed by `orderlistall`: released all the same, which
 * changes nothing on an order that is not held.
 */
function withdrawnCancels(ordNo: string, claims: CancelClaim[], current: ElevenStreetOrderRow[] | undefined): OrderChange[] {
  if (current?.some((row) => row.ordPrdStat === CANCEL_IN_PROGRESS)) return [];
  const siteRef = claims
    .map((claim) => `${claim.seq}:${CANCEL_WITHDRAWN}`)
    .sort()
    .join(',');
  return [
    {
      externalOrderId: ordNo,
      kind: 'released',
      siteRef,
      occurredAt: latest(claims),
      reason: cancelReason(claims),
      raw: claims.map((claim) => claim.row),
    },
  ];
}

function afterShipmentClaim(kind: 'return_requested' | 'exchange_requested', row: ElevenStreetOrderRow, log: Log): OrderChange | undefined {
  const seq = row.clmReqSeq?.trim();
  const ordNo = row.ordNo?.trim();
  if (!seq || !ordNo) {
    log(
      `11st ${kind === 'return_requested' ? 'returnorders' : 'exchangeorders'} row without ordNo/clmReqSeq left out: ${JSON.stringify(row)}`,
    );
    return undefined;
  }
  const status = row.clmStat?.trim() ?? '';
  const words = [row.clmReqRsn, row.clmReqCont].map((text) => text?.trim()).filter(Boolean);
  const reason =
    `${CLAIM_STATUS_NAMES[status] ?? (kind === 'return_requested' ? '반품' : '교환')} (clmStat ${status || '?'}, line ${row.ordPrdSeq ?? '?'}` +
    `${row.clmReqQty ? `, qty ${row.clmReqQty}` : ''})${words.length ? `: ${words.join(' — ')}` : ''}`;
  return {
    externalOrderId: ordNo,
    kind,
    siteRef: `${seq}:${status}`,
    occurredAt: kst(row.reqDt) ?? kst(row.createDt) ?? null,
    reason,
    raw: row,
  };
}

/**
 * What `orderlistalladdr` says of one order now (cancellations.md §3.7), as changes. `openRequests`
 * holds the open cancel requests (`cancelorders` rows) by `ordNo/ordPrdSeq`, for the claim number a
 * request at 701 needs and the status read lacks. `stamp` makes the identity of what this read found
 * (a recheck reads a state, not a change: the same state read at another time may follow other changes).
 */
export function recheckResultOf(
  externalOrderId: string,
  rows: ElevenStreetOrderRow[] | undefined,
  openRequests: ReadonlyMap<string, ElevenStreetOrderRow>,
  stamp: string,
): RecheckResult {
  if (!rows || rows.length === 0) return { externalOrderId, found: false, changes: [] };
  const lines = [...new Map(rows.map((row) => [row.ordPrdSeq, row])).values()].sort((a, b) => Number(a.ordPrdSeq) - Number(b.ordPrdSeq));
  const state = lines.map((row) => `${row.ordPrdSeq}=${row.ordPrdStat ?? ''}/${row.ordCnQty || '0'}`).join(';');
  const siteRef = `orderlistalladdr@${stamp}:${state}`;
  const reason = `ordPrdStat ${lines.map((row) => `${row.ordPrdSeq}:${row.ordPrdStat ?? '?'}${row.ordPrdStatNm ? ` ${row.ordPrdStatNm}` : ''}`).join(', ')}`;
  const common = { externalOrderId, siteRef, reason, raw: rows };
  const cancelledLines = lines.filter((row) => CANCELLED_STATUSES.has(row.ordPrdStat));
  const remaining = lines.filter((row) => !CANCELLED_STATUSES.has(row.ordPrdStat));
  const siteStatus = orderStatusOf((remaining.length > 0 ? remaining : lines).map((row) => row.ordPrdStat));
  if (remaining.length === 0) return { externalOrderId, found: true, siteStatus, changes: [{ ...common, kind: 'cancelled' }] };

  const changes: OrderChange[] = [];
  const shrunk: Array<{ externalLineId: string; liveQuantity: number }> = cancelledLines.map((row) => ({
    externalLineId: row.ordPrdSeq,
    liveQuantity: 0,
  }));
  for (const row of remaining) {
    // `ordCnQty` counts requested quantities too: only a line with no request open (not 701) is shrunk by it.
    if (!isKnownStatus(row.ordPrdStat) || row.ordPrdStat === CANCEL_IN_PROGRESS) continue;
    const ordered = wholeNumber(row.ordQty);
    const cancelled = wholeNumber(row.ordCnQty);
    if (ordered !== undefined && cancelled !== undefined && cancelled > 0)
      shrunk.push({ externalLineId: row.ordPrdSeq, liveQuantity: Math.max(0, ordered - cancelled) });
  }
  if (shrunk.length > 0) changes.push({ ...common, kind: 'line_cancelled', lines: shrunk });

  const waiting = remaining.filter((line) => line.ordPrdStat === CANCEL_IN_PROGRESS);
  if (waiting.length > 0) {
    // `orderlistalladdr` carries no claim number (§3.7); the open request read from `cancelorders` does. Every
    // waiting line goes into one request (the core keeps one per order), as the change pull does.
    const requests = waiting.map((row) => {
      const claim = openRequests.get(`${row.ordNo}/${row.ordPrdSeq}`);
      return { row, claim, seq: claim?.ordPrdCnSeq?.trim() || row.ordPrdCnSeq?.trim() || undefined };
    });
    const allNumbered = requests.every((request) => request.seq);
    const claims = requests.flatMap(({ claim }) => (claim ? [cancelClaimOf(claim, CANCEL_REQUESTED)!] : []));
    const unnumbered = requests.filter((request) => !request.claim);
    changes.push({
      externalOrderId,
      kind: 'cancel_requested',
      // The same identity as the change pull's when every claim number is known.
      siteRef: allNumbered
        ? requests
            .map((request) => `${request.seq}:${CANCEL_REQUESTED}`)
            .sort()
            .join(',')
        : `${siteRef}:701`,
      occurredAt: claims.length > 0 ? latest(claims) : null,
      reason: [
        ...(claims.length > 0 ? [cancelReason(claims)] : []),
        ...unnumbered.map(({ row }) => `${row.ordPrdStatNm || '취소처리중'} (ordPrdStat 701, line ${row.ordPrdSeq})`),
      ].join(' / '),
      request: requestOf(
        externalOrderId,
        requests.map((request) => ({ ordPrdSeq: request.row.ordPrdSeq, ...(request.seq ? { ordPrdCnSeq: request.seq } : {}) })),
      ),
      raw: requests.map(({ row, claim }) => (claim ? [row, claim] : row)),
    });
  }

  const withAddress = lines.find((row) => row.rcvrNm || row.rcvrBaseAddr);
  if (withAddress) changes.push({ ...common, kind: 'address_changed', recipient: recipientOf(withAddress) });

  if (remaining.every((row) => OPEN_STATUSES.has(row.ordPrdStat))) changes.push({ ...common, kind: 'released' });
  return { externalOrderId, found: true, siteStatus, changes };
}

// ------------------------------------------------------------------ helpers

function cancelReason(claims: CancelClaim[]): string {
  return claims
    .map((claim) => {
      const row = claim.row;
      const by = CANCEL_BY[row.ordCnMnbdCd ?? ''];
      const detail = [
        `line ${claim.ordPrdSeq}`,
        claim.quantity !== undefined ? `qty ${claim.quantity}` : undefined,
        by ? `by ${by}` : undefined,
        row.ordCnRsnCd ? `ordCnRsnCd ${row.ordCnRsnCd}` : undefined,
      ].filter(Boolean);
      const words = row.ordCnDtlsRsn?.trim();
      return `${CANCEL_STATUS_NAMES[claim.status] ?? `ordCnStatCd ${claim.status}`} ${claim.seq} (${detail.join(', ')})${words ? `: ${words}` : ''}`;
    })
    .join(' / ');
}

function inTimeOrder(changes: OrderChange[]): OrderChange[] {
  return changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => {
      const at =
        (a.change.occurredAt?.getTime() ?? Number.POSITIVE_INFINITY) - (b.change.occurredAt?.getTime() ?? Number.POSITIVE_INFINITY);
      return Number.isNaN(at) || at === 0 ? a.index - b.index : at;
    })
    .map(({ change }) => change);
}

function latest(claims: CancelClaim[]): Date | null {
  const times = claims.map((claim) => claim.at?.getTime()).filter((time): time is number => time !== undefined);
  return times.length > 0 ? new Date(Math.max(...times)) : null;
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function pushDefined<T>(list: T[], item: T | undefined): void {
  if (item !== undefined) list.push(item);
}

/** A whole number ≥ 0, or undefined for anything else (empty, `null`, `1.5`, `-1`, text). */
export function wholeNumber(text: string | undefined): number | undefined {
  const value = text?.trim() ?? '';
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function kst(text: string | undefined): Date | undefined {
  return parseInOffset(text, KST_OFFSET_MINUTES);
}
