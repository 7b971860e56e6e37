import { absorbOwn, foldHistory, type HistoryChange, legacyDelta, netByCode, type TravelRule, travels } from './stock-delta';

const SMAREGI: TravelRule = { stockMaster: 'smaregi', neMasterDivisions: ['02'] };
const NEXTENGINE: TravelRule = { stockMaster: 'nextengine', neMasterDivisions: ['02'] };
const record = (id: number, amount: number, stockAmount: number, division: string | null = '02'): HistoryChange => ({
  id,
  amount,
  stockAmount,
  division,
});

describe('stock deltas', () => {
  it('a legacy amount becomes a delta against the baseline; a resend of it is zero', () => {
    const first = legacyDelta({ amount: 8, historyId: null, ownPending: 0 }, 6);
    expect(first.delta).toBe(-2);
    expect(first.next.amount).toBe(6);
    expect(legacyDelta(first.next, 6).delta).toBe(0);
  });

  it('a (store, product) without a baseline starts from zero', () => {
    expect(legacyDelta(undefined, 5)).toMatchObject({ delta: 5, next: { amount: 5 } });
  });

  it('without history, NextEngine as master keeps an increase in Smaregi (a return cannot be told from a receipt)', () => {
    const start = { amount: 8, historyId: null, ownPending: 0 };
    expect(legacyDelta(start, 10, NEXTENGINE)).toMatchObject({ delta: 0, kept: [{ division: null, amount: 2 }], next: { amount: 10 } });
    expect(legacyDelta(start, 7, NEXTENGINE)).toMatchObject({ delta: -1, kept: [] });
    expect(legacyDelta(start, 10, SMAREGI)).toMatchObject({ delta: 2, kept: [] });
  });

  it('with NextEngine as master only the configured 取引 divisions travel; with Smaregi every division does', () => {
    expect(travels(NEXTENGINE, '02')).toBe(true);
    expect(travels(NEXTENGINE, '05')).toBe(false);
    expect(travels(NEXTENGINE, null)).toBe(false);
    expect(travels({ stockMaster: 'nextengine', neMasterDivisions: ['02', '21'] }, '21')).toBe(true);
    expect(travels(SMAREGI, '05')).toBe(true);
    expect(travels(SMAREGI, null)).toBe(true);
  });

  it('history amounts add up whatever order they are applied in; the baseline only moves forward', () => {
    const start = { amount: 10, historyId: 4, ownPending: 0 };
    const later = foldHistory(start, [record(6, -1, 7)], SMAREGI);
    const earlier = foldHistory(later.next, [record(5, -2, 8)], SMAREGI);
    expect(later.delta + earlier.delta).toBe(-3);
    expect(earlier.next).toEqual({ amount: 7, historyId: 6, ownPending: 0 });
  });

  it('NextEngine master: a sale and a return travel, the two halves of a transfer, a loss and a stocktake stay, in any order', () => {
    const start = { amount: 10, historyId: 0, ownPending: 0 };
    const records = [record(1, -2, 8), record(2, 5, 13, '05'), record(3, -5, 8, '05'), record(4, -1, 7, '10'), record(5, 1, 8)];
    const folded = foldHistory(start, [...records].reverse(), NEXTENGINE);
    expect(folded.delta).toBe(-1);
    expect(folded.next).toEqual({ amount: 8, historyId: 5, ownPending: 0 });
    expect(folded.kept).toEqual([
      { division: '05', amount: 5 },
      { division: '05', amount: -5 },
      { division: '10', amount: -1 },
    ]);
    expect(foldHistory(start, records, SMAREGI).delta).toBe(-2);
  });

  it("the bridge's own shipment is absorbed before the division is looked at", () => {
    const folded = foldHistory({ amount: 10, historyId: 0, ownPending: -2 }, [record(1, -2, 8, '05'), record(2, -1, 7)], SMAREGI);
    expect(folded).toMatchObject({ delta: -1, absorbed: -2, next: { ownPending: 0, amount: 7 } });
  });

  it('an empty history changes nothing (a resend or an older amount arriving late)', () => {
    const start = { amount: 7, historyId: 9, ownPending: 0 };
    expect(foldHistory(start, [], NEXTENGINE)).toEqual({ delta: 0, absorbed: 0, kept: [], next: start });
  });

  it("the bridge's own shipment coming back is absorbed, in the same direction only and up to its size", () => {
    expect(absorbOwn(-3, -2)).toEqual({ delta: -1, ownPending: 0, absorbed: -2 });
    expect(absorbOwn(-1, -2)).toEqual({ delta: 0, ownPending: -1, absorbed: -1 });
    expect(absorbOwn(4, -2)).toEqual({ delta: 4, ownPending: -2, absorbed: 0 });
    expect(legacyDelta({ amount: 10, historyId: null, ownPending: -2 }, 8)).toMatchObject({
      delta: 0,
      absorbed: -2,
      next: { amount: 8, ownPending: 0 },
    });
  });

  it('nets a batch per NextEngine code: a transfer becomes a zero row', () => {
    const netted = netByCode([
      { eventId: '1', code: 'TS-RED', delta: -3 },
      { eventId: '2', code: 'CAP', delta: -1 },
      { eventId: '3', code: 'TS-RED', delta: 3 },
      { eventId: '4', code: 'CAP', delta: -1 },
    ]);
    expect(netted).toEqual([
      { code: 'TS-RED', delta: 0, eventIds: ['1', '3'] },
      { code: 'CAP', delta: -2, eventIds: ['2', '4'] },
    ]);
  });
});
