import {
  generateTrackingNumber,
  isValidGeneratedTrackingNumber,
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

describe('waybill numbers', () => {
  it('generates 12-digit numbers with a mod-7 check digit', () => {
    const digits = [4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
    let index = 0;
    const number = generateTrackingNumber(() => digits[index++]);
    expect(number).toBe(`51234567890${Number(51234567890n % 7n)}`);
    for (let i = 0; i < 50; i++) expect(isValidGeneratedTrackingNumber(generateTrackingNumber())).toBe(true);
    expect(isValidGeneratedTrackingNumber('512345678901')).toBe(Number(51234567890n % 7n) === 1);
  });
});
