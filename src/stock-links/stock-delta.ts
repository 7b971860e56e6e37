/**
 * Turning Smaregi's stock reports into the deltas NextEngine takes (DESIGN §7: only deltas travel).
 * Pure functions over the per-(store, product) baseline, unit-tested on their own.
 */

/** The last Smaregi amount the bridge knows for one (store, product). */
export interface Baseline {
  amount: number;
  /** highest Platform stock-history id folded in; null when only legacy amounts were seen */
  historyId: number | null;
  /** stock the bridge itself took out (shipments for NE orders) not yet seen coming back from Smaregi; ≤ 0 */
  ownPending: number;
}

export interface DeltaOutcome {
  delta: number;
  next: Baseline;
  /** the part of the change that was the bridge's own shipment, kept out of NextEngine */
  absorbed: number;
}

/**
 * Smaregi's 在庫区分 (`stockDivision`): only `15` = API連携 is confirmed (specs/smaregi.md §A.6, [YASU]
 * StockConstants); the rest of the code table was not found (searched: developers.smaregi.dev stock and
 * webhook pages, [CDATA] Stocks, [YASU] StockHistoryConstants, public Go clients — codes 02/05/10/15 appear
 * without meanings). So which divisions travel with NextEngine as the master is a link setting
 * (`neMasterDivisions`), validated as two-digit codes, whose default is the 取引 code below — UNCONFIRMED:
 * check it against the contract's スマレジAPI仕様書 and set the link accordingly.
 */
export const SALES_DIVISION = '02';
export const DEFAULT_NE_MASTER_DIVISIONS: readonly string[] = [SALES_DIVISION];

/** What decides whether a Smaregi change reaches NextEngine (DESIGN §7). */
export interface TravelRule {
  stockMaster: 'smaregi' | 'nextengine';
  /** with NextEngine as the master: the 在庫区分 codes of sales and returns (取引); nothing else travels */
  neMasterDivisions: readonly string[];
}

/**
 * Smaregi master: every change travels. NextEngine master: only 取引 (sales −n, returns +n); transfers, losses,
 * stocktakes and receipts are NextEngine's to enter. A transfer is therefore skipped half by half, so it leaves
 * NextEngine unchanged whichever half arrives first, or if one never arrives.
 */
export function travels(rule: TravelRule, division: string | null): boolean {
  if (rule.stockMaster === 'smaregi') return true;
  return division !== null && rule.neMasterDivisions.includes(division);
}

/** One Smaregi stock-history record: its own change (`amount`), the amount after it and its 在庫区分. */
export interface HistoryChange {
  id: number;
  amount: number;
  stockAmount: number;
  division: string | null;
}

export interface FoldOutcome extends DeltaOutcome {
  /** the changes that stay in Smaregi (their divisions and amounts), for the record */
  kept: Array<{ division: string | null; amount: number }>;
}

/**
 * Folds history records into the baseline. Each record carries its own change, so records applied out of order
 * still add up, and the baseline follows `stockAmount` only forward in history-id order: a late record never moves
 * it back. The bridge's own shipments are absorbed first (whatever their division), then only what travels is
 * summed; the rest is kept in Smaregi.
 */
export function foldHistory(baseline: Baseline | undefined, records: readonly HistoryChange[], rule: TravelRule): FoldOutcome {
  const ordered = [...records].sort((a, b) => a.id - b.id);
  const first = ordered[0];
  let next: Baseline = baseline ?? { amount: first ? first.stockAmount - first.amount : 0, historyId: null, ownPending: 0 };
  let delta = 0;
  let absorbed = 0;
  const kept: FoldOutcome['kept'] = [];
  for (const record of ordered) {
    const own = absorbOwn(record.amount, next.ownPending);
    absorbed += own.absorbed;
    if (travels(rule, record.division)) delta += own.delta;
    else if (own.delta !== 0) kept.push({ division: record.division, amount: own.delta });
    const newer = next.historyId === null || record.id > next.historyId;
    next = {
      amount: newer ? record.stockAmount : next.amount,
      historyId: newer ? record.id : next.historyId,
      ownPending: own.ownPending,
    };
  }
  return { delta, absorbed, kept, next };
}

/**
 * A legacy API送信 row whose history cannot be read: only the amount AFTER the change is known, so the delta is
 * against the baseline and a resend of the same amount yields zero. What cannot be told apart without the history:
 * a sale from a transfer-out, a loss or a stocktake that lowered the stock, and a return from a receipt or a
 * transfer-in. So with NextEngine as the master only decreases travel (as sales) and increases stay in Smaregi
 * (returns are lost there); with Smaregi as the master everything travels. A (store, product) without a baseline
 * had no stock row in Smaregi when the link was seeded (the seed copies every row), so it starts from zero.
 */
export function legacyDelta(baseline: Baseline | undefined, amountAfter: number, rule?: TravelRule): FoldOutcome {
  const before = baseline ?? { amount: 0, historyId: null, ownPending: 0 };
  const raw = amountAfter - before.amount;
  const { delta, ownPending, absorbed } = absorbOwn(raw, before.ownPending);
  const next = { amount: amountAfter, historyId: before.historyId, ownPending };
  if (rule?.stockMaster === 'nextengine' && delta > 0) return { delta: 0, absorbed, kept: [{ division: null, amount: delta }], next };
  return { delta, absorbed, kept: [], next };
}

/**
 * "Arrival order plus a resend window" for legacy rows that carry no identity of their own and whose history cannot
 * be read: Smaregi's 再送機能 repeats a failed push later (interval UNCONFIRMED, specs/smaregi.md §B), so a row equal
 * to one received within the window, with another amount applied since, is an old amount arriving late — applying
 * it would undo the newer one. A genuine return to the same level within the window looks the same and is held back
 * too; outside the window a repeated amount is taken as a change.
 */
export const LEGACY_RESEND_WINDOW_SECONDS = 24 * 3600;

/**
 * A change in the same direction as the bridge's own outstanding shipment is (up to that amount) the
 * shipment coming back: it already left NextEngine with the order, so it must not be subtracted again.
 */
export function absorbOwn(delta: number, ownPending: number): { delta: number; ownPending: number; absorbed: number } {
  if (ownPending === 0 || delta === 0 || Math.sign(delta) !== Math.sign(ownPending)) return { delta, ownPending, absorbed: 0 };
  const absorbed = Math.sign(delta) * Math.min(Math.abs(delta), Math.abs(ownPending));
  return { delta: delta - absorbed, ownPending: ownPending - absorbed, absorbed };
}

export interface PendingDelta {
  eventId: string;
  code: string;
  delta: number;
}

export interface NettedDelta {
  code: string;
  delta: number;
  eventIds: string[];
}

/**
 * Sums the batch per NextEngine code, in first-seen order: a transfer between two stores (−n here, +n
 * there) becomes one zero row, which the caller drops instead of uploading.
 */
export function netByCode(rows: readonly PendingDelta[]): NettedDelta[] {
  const byCode = new Map<string, NettedDelta>();
  for (const row of rows) {
    const entry = byCode.get(row.code) ?? { code: row.code, delta: 0, eventIds: [] };
    entry.delta += row.delta;
    entry.eventIds.push(row.eventId);
    byCode.set(row.code, entry);
  }
  return [...byCode.values()];
}
