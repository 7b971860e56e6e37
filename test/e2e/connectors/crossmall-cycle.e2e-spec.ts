import { Logger } from '@nestjs/common';

import { CrossmallClient } from '../../../src/connectors/crossmall/crossmall.client';
import { CrossmallConnector } from '../../../src/connectors/crossmall/crossmall.connector';
import { CROSSMALL_DESCRIPTOR } from '../../../src/connectors/crossmall/crossmall.descriptor';
import type { ExternalOrder, OrderBatch, SyncCursor } from '../../../src/connectors/sales-site-connector';
import { testConnectionContext } from '../../../src/connectors/testing/test-connection-context';
import { CROSSMALL_DEFAULT_ACCOUNT, CrossmallSimulator, type CrossmallOrderSeed } from '../../simulators/crossmall';

/**
 * The CROSS MALL connector over real HTTP against the simulator (no app, no database): orders in the
 * collect phase are pulled and normalized, moved to the shipped phase with their waybill, and stock
 * is written — each step checked on the simulator's side.
 */
const NOW = new Date('2026-03-10T03:00:00Z'); // 12:00 JST
/** Production paces one call a second; the simulator needs no such care. */
const FAST = { ...CROSSMALL_DESCRIPTOR, rateLimit: { maxConcurrent: 1, minTimeMs: 0 } };

let sim: CrossmallSimulator;
const context = (settings: Record<string, unknown> = {}) =>
  testConnectionContext(FAST, {
    connectionId: 'cycle-crossmall',
    endpoint: sim.url,
    credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
    settings,
    now: () => NOW,
  });

async function pull(connector: CrossmallConnector, ctx: ReturnType<typeof context>, cursor: SyncCursor | null) {
  const batches: OrderBatch[] = [];
  for await (const batch of connector.pullOrders(ctx, cursor)) batches.push(batch);
  const orders = new Map<string, ExternalOrder>();
  for (const batch of batches) for (const order of batch.orders) orders.set(order.externalOrderId, order);
  return { orders, batches };
}

function extraOrder(orderNumber: number, phase = '発送待機'): CrossmallOrderSeed {
  return {
    order_number: orderNumber,
    order_date: '2026/03/09 18:00:00',
    shop_name: '楽天市場店',
    order_code: `R-${orderNumber}`,
    phase_name: phase,
    client_name: '佐藤 花子',
    ship_name: '佐藤 花子',
    ship_zip: '100-0001',
    ship_address1: '東京都千代田区千代田1-1',
    lines: [{ item_code: 'HOUJICHA-200', item_name: '加賀棒ほうじ茶 200g', amount: 1, unit_price: 1296 }],
  };
}

describe('CROSS MALL connector cycle against the simulator', () => {
  // Fresh per test: the connector remembers order lines per connection between pulls.
  let connector: CrossmallConnector;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    sim = new CrossmallSimulator();
    await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    sim.clock.set(NOW);
    sim.seed(CrossmallSimulator.demoSeed(NOW));
    connector = new CrossmallConnector(new CrossmallClient());
  });

  it('pulls the collect phase, pushes the waybill as the shipped phase, and writes stock', async () => {
    const ctx = context();

    const { orders, batches } = await pull(connector, ctx, null);
    // 10003 is a bundled child: its line comes with its parent 10002; 10004 is already shipped.
    expect([...orders.keys()]).toEqual(['10001', '10002']);
    expect(batches.at(-1)?.nextCursor).toEqual({ value: '0' });
    const first = orders.get('10001')!;
    expect(first).toMatchObject({
      siteStatus: '発送待機',
      recipient: { name: '田中 優子', postalCode: '060-0001', line1: '北海道札幌市中央区北一条西2-1', line2: '札幌パークビル301' },
      buyer: { email: 'yuko.tanaka@example.jp' },
      total: { amount: '3276', currency: 'JPY' },
    });
    expect(first.lines.map((line) => [connector.listingKey(line).key, line.quantity])).toEqual([
      ['KUTSUSHITA-01:ブラック,23-25cm', 2],
      ['HOUJICHA-200', 1],
    ]);
    expect(orders.get('10002')!.lines.map((line) => connector.listingKey(line).key)).toEqual([
      'KUTSUSHITA-01:ホワイト,23-25cm',
      'HOUJICHA-200',
    ]);

    const shipped = await connector.pushTracking(ctx, [
      {
        externalOrderId: '10001',
        refs: first.refs,
        carrier: 'qxpress',
        trackingNumber: '503012399999',
        shippedAt: new Date('2026-03-10T16:00:00Z'),
      },
    ]);
    expect(shipped).toEqual([{ key: '10001', ok: true }]);
    expect(sim.getOrder(10001)).toMatchObject({
      phase_name: 'QXPRESS発送済み',
      delivery_number: '503012399999',
      delivery_date: '2026-03-11',
    });

    // Shipped orders leave the queue; an order that entered the phase meanwhile (a lower number than
    // the last seen) is still collected, since each pass reads the phase whole.
    sim.addOrder(extraOrder(9999));
    const next = await pull(connector, ctx, batches.at(-1)!.nextCursor);
    expect([...next.orders.keys()]).toEqual(['9999', '10002']);

    const stock = await connector.pushStock(ctx, [
      { listingKey: 'KUTSUSHITA-01:ブラック,23-25cm', quantity: 40 },
      { listingKey: 'HOUJICHA-200', quantity: 0 },
      { listingKey: 'KUTSUSHITA-01:ブラック, 23-25cm', quantity: 1 },
    ]);
    // Pushed without stored addresses: each result carries the address get_stock gave, for the core to store.
    expect(stock).toEqual([
      {
        key: 'KUTSUSHITA-01:ブラック,23-25cm',
        ok: true,
        listing: expect.objectContaining({
          address: { itemCode: 'KUTSUSHITA-01', attribute1Name: 'ブラック', attribute2Name: '23-25cm' },
          quantity: 40,
        }),
      },
      {
        key: 'HOUJICHA-200',
        ok: true,
        listing: expect.objectContaining({ address: { itemCode: 'HOUJICHA-200', attribute1Name: '', attribute2Name: '' }, quantity: 0 }),
      },
      { key: 'KUTSUSHITA-01:ブラック, 23-25cm', ok: false, message: expect.stringContaining('no SKU'), retryable: false },
    ]);
    expect(sim.getStock('KUTSUSHITA-01', 'ブラック', '23-25cm')).toBe(40);
    expect(sim.getStock('HOUJICHA-200')).toBe(0);
    expect(sim.getStock('KUTSUSHITA-01', 'ホワイト', '23-25cm')).toBe(12);
  });

  it('pages past 100 orders with order_number and condition=1, yielding them 10 at a time', async () => {
    for (let n = 1; n <= 230; n++) sim.addOrder(extraOrder(20000 + n, n % 10 === 0 ? '引当待ち' : '発送待機'));

    const { orders, batches } = await pull(connector, context(), null);

    expect(orders.size).toBe(2 + 207);
    // A batch's cursor is its last order's 管理番号; the last batch of a page keeps the page's (its last row, or 0).
    const pageEnds = ['20107', '20218', '0'];
    const cursors = batches.map((batch) => batch.nextCursor?.value);
    expect(cursors.filter((cursor) => pageEnds.includes(cursor!))).toEqual(pageEnds);
    for (const batch of batches) {
      expect(batch.orders.length).toBeLessThanOrEqual(10);
      if (pageEnds.includes(batch.nextCursor!.value)) continue;
      expect(batch.orders.length).toBe(10);
      expect(batch.nextCursor?.value).toBe(batch.orders.at(-1)!.externalOrderId);
    }
    expect(batches.length).toBe(21);
    const pages = sim.requests.filter((request) => request.path === '/webapi2/get_order');
    expect(pages.map((request) => [request.query.order_number, request.query.condition])).toEqual([
      [undefined, undefined],
      ['20107', '1'],
      ['20218', '1'],
    ]);
  });

  it('retries injected 5xx answers', async () => {
    sim.faults.add({ kind: 'http', status: 503, pathIncludes: '/webapi2/get_order_detail', times: 2 });
    sim.faults.add({ kind: 'http', status: 502, pathIncludes: '/webapi2/upd_order_phase' });
    const ctx = context();

    const { orders } = await pull(connector, ctx, null);
    const results = await connector.pushTracking(ctx, [
      { externalOrderId: '10002', carrier: 'qxpress', trackingNumber: 'QX1', shippedAt: NOW },
    ]);

    expect(orders.get('10001')!.lines).toHaveLength(2);
    expect(results).toEqual([{ key: '10002', ok: true }]);
    expect(sim.getOrder(10002)).toMatchObject({ phase_name: 'QXPRESS発送済み', delivery_number: 'QX1' });
    expect(sim.faults.list()).toEqual([]);
  });

  it('reports an unknown shipped phase per item, not retryable, and leaves the orders where they were', async () => {
    const ctx = context({ shippedPhaseName: 'QXPRESS 発送済み' });

    const results = await connector.pushTracking(ctx, [
      { externalOrderId: '10001', carrier: 'qxpress', trackingNumber: 'QX1', shippedAt: NOW },
      { externalOrderId: '10002', carrier: 'qxpress', trackingNumber: 'QX2', shippedAt: NOW },
    ]);

    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, siteCode: 'error', retryable: false });
      expect(result.message).toContain('受注ステータス「QXPRESS 発送済み」は存在しません。');
      expect(result.message).toContain('spelled exactly');
    }
    expect(sim.getOrder(10001)!.phase_name).toBe('発送待機');
    expect(sim.requests.filter((request) => request.path === '/webapi2/upd_order_phase')).toHaveLength(1);
  });
});
