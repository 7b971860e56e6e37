import { Logger } from '@nestjs/common';

import { AppConfig } from '../../../src/config/app-config';
import { NextEngineClient } from '../../../src/connectors/nextengine/nextengine.client';
import { NextEngineConnector } from '../../../src/connectors/nextengine/nextengine.connector';
import { NEXTENGINE_DESCRIPTOR } from '../../../src/connectors/nextengine/nextengine.descriptor';
import { NextEngineStockUploader } from '../../../src/connectors/nextengine/nextengine.stock-upload';
import type { ExternalOrder, OrderBatch } from '../../../src/connectors/sales-site-connector';
import { testConnectionContext, type TestConnectionContext } from '../../../src/connectors/testing/test-connection-context';
import { NextEngineSimulator, type NeOrderSeed } from '../../simulators/nextengine';

/**
 * The NextEngine connector over real HTTP against the simulator (no app, no database): orders appear →
 * pulled → waybill pushed and shipment confirmed → stock pushed, each visible in the simulator's state.
 */
describe('NextEngine connector cycle (simulator)', () => {
  const sim = new NextEngineSimulator();
  const config = new AppConfig({
    port: 3000,
    dataDir: '.data',
    credentialsKey: Buffer.alloc(32),
    publicBaseUrl: 'https://mallbridge.test',
    connectReturnUrl: 'https://mallbridge.test/docs',
    nextEngine: { clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret', signInUrl: 'http://127.0.0.1' },
    egressIps: [],
    logLevel: 'silent',
    workersEnabled: false,
    syncTickSeconds: 60,
    jobPollingSeconds: 2,
    initialLookbackDays: 30,
  });
  const client = new NextEngineClient();
  // Queue polls wait on the simulator's clock, not on the real one.
  const uploader = new NextEngineStockUploader(client, { firstPollDelayMs: 2_000, sleep: async (ms) => sim.clock.advance(ms) });
  const connector = new NextEngineConnector(client, config, uploader);
  let ctx: TestConnectionContext;

  const customer = {
    name: '田中 花子',
    kana: 'タナカ ハナコ',
    zipCode: '150-0001',
    address1: '東京都渋谷区神宮前1-2-3',
    address2: 'メゾン201',
    tel: '03-1234-5678',
  };
  const order = (id: number, overrides: Partial<NeOrderSeed> = {}): NeOrderSeed => ({
    receiveOrderId: id,
    shopId: '1',
    shopCutFormId: `MALL-${id}`,
    date: '2025-01-10 09:30:00',
    printingDate: '2025-01-10 09:00:00',
    purchaser: customer,
    rows: [{ goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', quantity: 1, unitPrice: 2980 }],
    ...overrides,
  });

  function seed(orders: NeOrderSeed[]): void {
    sim.seed({
      companies: [
        {
          companyId: '1',
          companyNeId: 'NE100001',
          companyName: 'テスト株式会社',
          companyKana: 'テスト',
          users: [{ uid: 'u1', picId: '1', picNeId: 'P1', picName: '山田', picKana: 'ヤマダ', picMailAddress: 'y@example.jp' }],
          shops: [{ shopId: '1', shopName: 'テスト店舗' }],
          goods: [
            { goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', stockQuantity: 42, allocationQuantity: 2 },
            { goodsId: 'TOTE-NATURAL', goodsName: 'トート', stockQuantity: 80 },
          ],
          orders,
        },
      ],
    });
    const tokens = sim.issueTokens('u1');
    ctx = testConnectionContext(NEXTENGINE_DESCRIPTOR, {
      endpoint: sim.url,
      credentials: tokens,
      settings: { deliveryMethodIds: { yamato: '2' } },
      now: () => sim.clock.now(),
    });
  }

  async function pullAll(): Promise<{ orders: ExternalOrder[]; batches: OrderBatch[] }> {
    const batches: OrderBatch[] = [];
    for await (const batch of connector.pullOrders(ctx, null)) batches.push(batch);
    return { orders: batches.flatMap((batch) => batch.orders), batches };
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await sim.start(0);
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    sim.clock.set('2025-01-10T01:00:00Z'); // 10:00 JST
  });

  it('pulls the collectable orders, pushes the waybill and confirms the shipment, then pushes stock', async () => {
    seed([
      order(1, {
        deliveryFeeAmount: 500,
        rows: [
          { goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', quantity: 2, unitPrice: 2980, goodsOption: 'カラー:赤' },
          { goodsId: 'TOTE-NATURAL', goodsName: 'トート', quantity: 1, unitPrice: 1980, cancelled: true },
          { goodsId: 'TOTE-NATURAL', goodsName: 'トート', quantity: 1, unitPrice: 1980 },
        ],
      }),
      order(2, { statusId: 40 }),
      order(3, { cancelTypeId: 1 }),
      order(4, { deleted: true }),
      order(5, { printingDate: null }),
      order(6, { statusId: 1 }),
    ]);

    const { orders } = await pullAll();

    expect(orders.map((o) => o.externalOrderId)).toEqual(['1', '5']);
    const first = orders[0];
    expect(first).toMatchObject({
      siteStatus: '20',
      orderedAt: new Date('2025-01-10T00:30:00Z'),
      total: { amount: '8440', currency: 'JPY' },
      recipient: { name: '田中 花子', postalCode: '150-0001', line1: '東京都渋谷区神宮前1-2-3', phone: '03-1234-5678' },
      refs: { receiveOrderId: '1', shopCutFormId: 'MALL-1' },
    });
    expect(first.lines).toEqual([
      expect.objectContaining({
        externalLineId: '1-1',
        productCode: 'TSHIRT-RED-M',
        quantity: 2,
        unitPrice: '2980.00',
        optionName: 'カラー:赤',
      }),
      expect.objectContaining({ externalLineId: '1-3', productCode: 'TOTE-NATURAL', quantity: 1 }),
    ]);
    expect(connector.listingKey(first.lines[0]).key).toBe('TSHIRT-RED-M');

    sim.clock.advance(60_000);
    const shipped = await connector.pushTracking(ctx, [
      { externalOrderId: '1', refs: first.refs, carrier: 'yamato', trackingNumber: '123456789012', shippedAt: sim.clock.now() },
      { externalOrderId: '5', refs: orders[1].refs, carrier: 'sagawa', trackingNumber: 'SG-0005', shippedAt: sim.clock.now() },
    ]);

    expect(shipped).toEqual([
      { key: '1', ok: true },
      { key: '5', ok: true },
    ]);
    expect(sim.getOrder(1)).toMatchObject({
      receive_order_delivery_cut_form_id: '123456789012',
      receive_order_delivery_id: '2',
      receive_order_order_status_id: '50',
      receive_order_send_date: '2025-01-10 10:01:00',
    });
    // an unmapped carrier leaves the delivery method alone
    expect(sim.getOrder(5)).toMatchObject({
      receive_order_delivery_cut_form_id: 'SG-0005',
      receive_order_delivery_id: null,
      receive_order_order_status_id: '50',
    });
    // shipped orders have left the work queue
    expect((await pullAll()).orders).toEqual([]);

    // NextEngine took the shipped units out of 在庫数 itself at 出荷確定 (specs/cancellations.md §1.6): the upload that
    // brings TSHIRT-RED-M to 50 is counted from what is left.
    const redBefore = sim.getStock('TSHIRT-RED-M')!.stock;
    expect(redBefore).toBe(42 - 1 - 2); // both shipped orders' rows
    const stock = await connector.pushStock(ctx, [
      { listingKey: 'TSHIRT-RED-M', quantity: 50 },
      { listingKey: 'TOTE-NATURAL', delta: -5 },
      { listingKey: 'NOT-IN-NE', quantity: 3 },
    ]);

    expect(stock).toEqual([
      { key: 'TSHIRT-RED-M', ok: true },
      { key: 'TOTE-NATURAL', ok: true },
      expect.objectContaining({ key: 'NOT-IN-NE', ok: false }),
    ]);
    expect(sim.getStock('TSHIRT-RED-M')).toMatchObject({ stock: 50 });
    // 80 − 1 taken by NextEngine's own 出荷確定 above (specs/cancellations.md §1.6) − 5
    expect(sim.getStock('TOTE-NATURAL')).toMatchObject({ stock: 74 });
    const queue = (sim.inspect() as { queue: { status: string; csv: string }[] }).queue;
    expect(queue).toHaveLength(1);
    expect(queue[0].status).toBe('2');
    expect(queue[0].csv.trim().split(/\r?\n/)).toEqual(['syohin_code,zaiko_su', 'TOTE-NATURAL,-5', `TSHIRT-RED-M,${50 - redBefore}`]);
  });

  it('does not pull an order before its print date, and pulls it once the clock passes it', async () => {
    seed([order(1), order(2, { printingDate: null, printingInMinutes: 90 })]);

    expect((await pullAll()).orders.map((o) => o.externalOrderId)).toEqual(['1']);

    sim.clock.advance(89 * 60_000);
    expect((await pullAll()).orders.map((o) => o.externalOrderId)).toEqual(['1']);

    sim.clock.advance(2 * 60_000);
    const { orders, batches } = await pullAll();
    expect(orders.map((o) => o.externalOrderId)).toEqual(['1', '2']);
    expect(JSON.parse(batches.at(-1)!.nextCursor!.value)).toMatchObject({ pulledAt: '2025-01-10T02:31:00.000Z' });
  });

  it('keeps paging when the access token expires between pages, persisting the rotated tokens', async () => {
    const many = Array.from({ length: 1_050 }, (_, index) => order(index + 1));
    seed(many);
    const startTokens = { ...ctx.credentials };

    const pulled: string[] = [];
    const iterator = connector.pullOrders(ctx, null)[Symbol.asyncIterator]();
    const first = await iterator.next();
    pulled.push(...(first.value as OrderBatch).orders.map((o) => o.externalOrderId));
    expect(pulled).toHaveLength(1_000);

    sim.expireAccessToken();
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      pulled.push(...next.value.orders.map((o) => o.externalOrderId));
    }

    expect(pulled).toHaveLength(1_050);
    expect(new Set(pulled).size).toBe(1_050);
    const session = (sim.inspect() as { sessions: { accessToken: string; refreshToken: string }[] }).sessions[0];
    expect(session.accessToken).not.toBe(startTokens.accessToken);
    expect(ctx.store).toMatchObject({ accessToken: session.accessToken, refreshToken: session.refreshToken });
    expect(ctx.saved.at(-1)?.patch).toMatchObject({ accessToken: session.accessToken, refreshToken: session.refreshToken });
  });

  it('retries busy answers (003002) and 5xx, and an optimistic-lock conflict (020006) on /shipped', async () => {
    seed([order(1)]);
    sim.faults.add({ kind: 'site-error', siteCode: '003002', pathIncludes: '/api_v1_receiveorder_base/search', times: 2 });
    sim.faults.add({ kind: 'http', status: 503, pathIncludes: '/api_v1_receiveorder_row/search', times: 1 });

    const { orders } = await pullAll();
    expect(orders.map((o) => o.externalOrderId)).toEqual(['1']);
    expect(orders[0].lines).toHaveLength(1);

    sim.faults.add({ kind: 'site-error', siteCode: '020006', pathIncludes: '/api_v1_receiveorder_base/shipped', times: 1 });
    const result = await connector.pushTracking(ctx, [
      { externalOrderId: '1', refs: orders[0].refs, carrier: 'yamato', trackingNumber: 'Y-1', shippedAt: sim.clock.now() },
    ]);

    expect(result).toEqual([{ key: '1', ok: true }]);
    expect(sim.getOrder(1)).toMatchObject({ receive_order_delivery_cut_form_id: 'Y-1', receive_order_order_status_id: '50' });
    const shippedCalls = sim.requests.filter((request) => request.path === '/api_v1_receiveorder_base/shipped');
    expect(shippedCalls).toHaveLength(2);
  });

  it('re-reads and writes again when the order changed after it was read (020006 on update)', async () => {
    seed([order(1), order(2)]);
    const { orders } = await pullAll();
    // Someone edits order 2 in NextEngine after the pull; and the first write answers 020006, as a race between
    // our read and our write would.
    sim.patchOrder(2, { receive_order_note: 'edited in NE' });
    sim.faults.add({ kind: 'site-error', siteCode: '020006', pathIncludes: '/api_v1_receiveorder_base/update', times: 1 });

    const single = await connector.pushTracking(ctx, [
      { externalOrderId: '2', refs: orders[1].refs, carrier: 'yamato', trackingNumber: 'Y-2', shippedAt: sim.clock.now() },
    ]);

    expect(single).toEqual([{ key: '2', ok: true }]);
    expect(sim.getOrder(2)).toMatchObject({
      receive_order_delivery_cut_form_id: 'Y-2',
      receive_order_order_status_id: '50',
      receive_order_note: 'edited in NE',
    });
    expect(sim.requests.filter((request) => request.path === '/api_v1_receiveorder_base/update')).toHaveLength(2);

    // Pushing the same waybill again is harmless: already shipped with this number.
    const again = await connector.pushTracking(ctx, [
      { externalOrderId: '2', refs: orders[1].refs, carrier: 'yamato', trackingNumber: 'Y-2', shippedAt: sim.clock.now() },
    ]);
    expect(again).toEqual([{ key: '2', ok: true }]);
  });

  it('reports a partial bulk failure (020500) per order and ships the rest', async () => {
    // Order 2 is still 受注メール取込済 (status 1): NextEngine refuses its waybill (020009) inside a 020500 answer.
    seed([order(1), order(2, { statusId: 1 }), order(3)]);
    const now = sim.clock.now();

    const result = await connector.pushTracking(ctx, [
      { externalOrderId: '1', carrier: 'yamato', trackingNumber: 'Y-1', shippedAt: now },
      { externalOrderId: '2', carrier: 'yamato', trackingNumber: 'Y-2', shippedAt: now },
      { externalOrderId: '3', carrier: 'yamato', trackingNumber: 'Y-3', shippedAt: now },
      { externalOrderId: '999', carrier: 'yamato', trackingNumber: 'Y-9', shippedAt: now },
    ]);

    expect(result).toEqual([
      { key: '1', ok: true },
      expect.objectContaining({ key: '2', ok: false, siteCode: '020009', retryable: false }),
      { key: '3', ok: true },
      expect.objectContaining({ key: '999', ok: false }),
    ]);
    expect(sim.requests.filter((request) => request.path === '/api_v1_receiveorder_base/bulkupdate')).toHaveLength(1);
    expect(sim.getOrder(2)).toMatchObject({ receive_order_delivery_cut_form_id: null, receive_order_order_status_id: '1' });
    expect(sim.getOrder(3)).toMatchObject({ receive_order_delivery_cut_form_id: 'Y-3', receive_order_order_status_id: '50' });
  });

  it('reports a stock row NextEngine cannot take on its own row, without failing the others', async () => {
    seed([]);

    const result = await connector.pushStock(ctx, [
      { listingKey: 'TSHIRT-RED-M', delta: -41 },
      { listingKey: 'TOTE-NATURAL', delta: 20 },
      { listingKey: 'bad_code!', delta: 1 },
    ]);

    expect(result).toEqual([
      expect.objectContaining({ key: 'TSHIRT-RED-M', ok: false, retryable: true }),
      { key: 'TOTE-NATURAL', ok: true },
      expect.objectContaining({ key: 'bad_code!', ok: false }),
    ]);
    expect(sim.getStock('TSHIRT-RED-M')).toMatchObject({ stock: 42 });
    expect(sim.getStock('TOTE-NATURAL')).toMatchObject({ stock: 100 });
  });
});
