import {
  backoffMs,
  generateTrackingNumber,
  isValidGeneratedTrackingNumber,
  listingQuantity,
  relativeChange,
  shortageReason,
  shortages,
  stockNeeds,
  unmappedReason,
} from './quantities';

describe('stock needs of an order', () => {
  it('multiplies by the quantity per unit and adds up lines of one SKU, sorted by SKU id', () => {
    const needs = stockNeeds([
      { skuId: 'b', quantity: 2, quantityPerUnit: 3 },
      { skuId: 'a', quantity: 1, quantityPerUnit: 1 },
      { skuId: 'b', quantity: 1, quantityPerUnit: null },
      { skuId: null, quantity: 5, quantityPerUnit: null },
    ]);
    expect([...needs]).toEqual([
      ['a', 1],
      ['b', 7],
    ]);
  });

  it('names every short SKU with what it needs and what is available', () => {
    const needs = new Map([
      ['s1', 3],
      ['s2', 1],
      ['s3', 2],
    ]);
    const short = shortages(
      needs,
      new Map([
        ['s1', 1],
        ['s3', 2],
      ]),
      new Map([
        ['s1', 'TSHIRT-M'],
        ['s2', 'CAP'],
      ]),
    );
    expect(short).toEqual([
      { skuCode: 'TSHIRT-M', needed: 3, available: 1 },
      { skuCode: 'CAP', needed: 1, available: 0 },
    ]);
    expect(shortageReason(short)).toBe('Not enough stock: TSHIRT-M (needs 3, 1 available), CAP (needs 1, 0 available)');
    expect(unmappedReason(['A', 'B', 'A'])).toBe('Lines not mapped to a SKU: A, B');
  });
});

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

describe('retries and waybill numbers', () => {
  it('doubles the wait per attempt up to the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, 1000, 5000))).toEqual([1000, 2000, 4000, 5000]);
  });

  it('generates 12-digit numbers with a mod-7 check digit', () => {
    const digits = [4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
    let index = 0;
    const number = generateTrackingNumber(() => digits[index++]);
    expect(number).toBe(`51234567890${Number(51234567890n % 7n)}`);
    for (let i = 0; i < 50; i++) expect(isValidGeneratedTrackingNumber(generateTrackingNumber())).toBe(true);
    expect(isValidGeneratedTrackingNumber('512345678901')).toBe(Number(51234567890n % 7n) === 1);
  });
});
