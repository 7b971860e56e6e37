import { planStockUpdates } from './stock-push.service';

const item = (over: Partial<Parameters<typeof planStockUpdates>[0][number]> = {}) => ({
  id: 'i1',
  version: 3,
  listingKey: 'SOCKS-RED',
  productCode: null,
  skuId: 'sku-1',
  quantityPerUnit: 1,
  baseline: null,
  ...over,
});

describe('planning a coalesced stock push', () => {
  const levels = new Map([
    ['sku-1', { onHand: 10, reserved: 3, awaitingReservation: 0 }],
    ['sku-2', { onHand: 5, reserved: 0, awaitingReservation: 0 }],
  ]);

  it('sends absolute sites the available stock as it is now, per listing, whatever the burst before it', () => {
    const plan = planStockUpdates([item(), item({ id: 'i2', listingKey: 'SOCKS-2PACK', quantityPerUnit: 2 })], levels, 'absolute');
    expect(plan.send.map((p) => [p.itemId, p.version, p.update])).toEqual([
      ['i1', 3, { listingKey: 'SOCKS-RED', quantity: 7 }],
      ['i2', 3, { listingKey: 'SOCKS-2PACK', quantity: 3 }],
    ]);
    expect(plan.unchanged).toEqual([]);
  });

  it('carries the product code of an option listing (Qoo10) and none for a plain item', () => {
    const plan = planStockUpdates(
      [item({ listingKey: 'OPT-RED', productCode: 'SOCKS' }), item({ id: 'i2', listingKey: 'SOCKS', productCode: 'SOCKS' })],
      levels,
      'absolute',
    );
    expect(plan.send.map((p) => p.update)).toEqual([
      { listingKey: 'OPT-RED', quantity: 7, productCode: 'SOCKS' },
      { listingKey: 'SOCKS', quantity: 7 },
    ]);
  });

  it('sends a relative site the net change of on-hand stock since its baseline, once, however many movements', () => {
    const plan = planStockUpdates([item({ baseline: 13 }), item({ id: 'i2', skuId: 'sku-2', baseline: 5 })], levels, 'relative');
    expect(plan.send).toEqual([{ itemId: 'i1', version: 3, update: { listingKey: 'SOCKS-RED', delta: -3 }, sent: -3 }]);
    expect(plan.unchanged).toEqual([{ itemId: 'i2', baseline: 5 }]);
  });

  it('never invents a change for a relative listing without a known starting point', () => {
    const plan = planStockUpdates([item({ baseline: null })], levels, 'relative');
    expect(plan.send).toEqual([]);
    expect(plan.unchanged).toEqual([{ itemId: 'i1', baseline: 10 }]);
  });

  it('treats a SKU without a level as nothing in stock', () => {
    const plan = planStockUpdates([item({ skuId: 'unknown' })], levels, 'absolute');
    expect(plan.send[0].update.quantity).toBe(0);
  });

  it('keeps units sold on a site but not yet reserved out of what absolute sites may sell, never below 0', () => {
    const sold = new Map([
      ['sku-1', { onHand: 10, reserved: 0, awaitingReservation: 4 }],
      ['sku-2', { onHand: 5, reserved: 2, awaitingReservation: 9 }],
    ]);
    const plan = planStockUpdates([item(), item({ id: 'i2', skuId: 'sku-2' }), item({ id: 'i3', listingKey: 'SOCKS-2PACK', quantityPerUnit: 2 })], sold, 'absolute');
    expect(plan.send.map((p) => p.update.quantity)).toEqual([6, 0, 3]);
  });

  it('leaves unreserved demand to a relative site, which allocates its own orders from on-hand stock', () => {
    const sold = new Map([['sku-1', { onHand: 10, reserved: 0, awaitingReservation: 4 }]]);
    const plan = planStockUpdates([item({ baseline: 12 })], sold, 'relative');
    expect(plan.send.map((p) => p.update.delta)).toEqual([-2]);
  });
});
