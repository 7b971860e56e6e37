import { backoffMs } from '../common/backoff';
import { listingQuantity, relativeChange } from './quantities';

describe('site quantities', () => {
  it('sells whole listing units of the available stock, never a negative count', () => {
    expect(listingQuantity(9, 1)).toBe(9);
    expect(listingQuantity(9, 2)).toBe(4);
    expect(listingQuantity(1, 2)).toBe(0);
    expect(listingQuantity(-3, 1)).toBe(0);
  });

  it('tells a relative site the change in whole listing units since what it holds', () => {
    expect(relativeChange(9, 1, 10)).toBe(-1);
    expect(relativeChange(10, 1, 0)).toBe(10);
    // a 2-pack listing: 10 → 7 SKUs on hand is 5 → 3 packs
    expect(relativeChange(7, 2, 5)).toBe(-2);
    expect(relativeChange(5, 2, 2)).toBe(0);
  });
});

describe('retries', () => {
  it('doubles the wait per attempt up to the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1000, 5000))).toEqual([1000, 2000, 4000, 5000]);
  });
});
