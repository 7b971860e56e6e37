import { absorbOwn, legacyDelta, netByCode, platformDelta } from './stock-delta';

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

  it('Platform history amounts add up whatever order they are applied in; the baseline only moves forward', () => {
    const start = { amount: 10, historyId: 4, ownPending: 0 };
    const later = platformDelta(start, { id: 6, amount: -1, stockAmount: 7 });
    const earlier = platformDelta(later.next, { id: 5, amount: -2, stockAmount: 8 });
    expect(later.delta + earlier.delta).toBe(-3);
    expect(earlier.next).toEqual({ amount: 7, historyId: 6, ownPending: 0 });
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
