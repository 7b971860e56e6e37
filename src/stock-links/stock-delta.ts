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
 * A legacy API送信 row carries the amount AFTER the change: the delta is against the baseline, so a
 * resend of the same amount yields zero. A (store, product) without a baseline had no stock row in
 * Smaregi when the link was seeded (the seed copies every row), so it starts from zero.
 */
export function legacyDelta(baseline: Baseline | undefined, amountAfter: number): DeltaOutcome {
  const before = baseline ?? { amount: 0, historyId: null, ownPending: 0 };
  const raw = amountAfter - before.amount;
  const { delta, ownPending, absorbed } = absorbOwn(raw, before.ownPending);
  return { delta, absorbed, next: { amount: amountAfter, historyId: before.historyId, ownPending } };
}

/**
 * A Platform history record carries its own change (`amount`): used as it is, so records applied out of
 * order still add up. The baseline follows `stockAmount` only forward in history order.
 */
export function platformDelta(baseline: Baseline | undefined, history: { id: number; amount: number; stockAmount: number }): DeltaOutcome {
  const before = baseline ?? { amount: history.stockAmount - history.amount, historyId: null, ownPending: 0 };
  const { delta, ownPending, absorbed } = absorbOwn(history.amount, before.ownPending);
  const newer = before.historyId === null || history.id > before.historyId;
  return {
    delta,
    absorbed,
    next: { amount: newer ? history.stockAmount : before.amount, historyId: newer ? history.id : before.historyId, ownPending },
  };
}

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
