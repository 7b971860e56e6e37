import { DataSource } from 'typeorm';
import { SHIPMENT_SETTLE_AFTER_MS } from '../../../src/stock-links/ne-order-shipments.service';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { SmaregiSimulator } from '../../simulators/smaregi';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const CONTRACT = 'retail-contract';
const LEGACY_TOKEN = 'retail-legacy-token';
const STORE = '1';
const PRODUCTS = [
  { productId: '9200001', goodsId: 'SHIP-A', name: '出荷商品A' },
  { productId: '9200002', goodsId: 'SHIP-B', name: '出荷商品B' },
  { productId: '9200003', goodsId: 'SHIP-C', name: '出荷商品C' },
  { productId: '9200004', goodsId: 'SHIP-D', name: '出荷商品D' },
  { productId: '9200005', goodsId: 'SHIP-E', name: '出荷商品E' },
];

interface ShipmentRow {
  status: string;
  error: string | null;
}

/**
 * NextEngine orders → Smaregi shipments over real HTTP: the app's job queue reads the NextEngine simulator's orders
 * changed since its cursor and registers them through the Smaregi simulator's legacy API, which checks the required
 * fields and the permissions (機能設定) of the link's own contract id and access token.
 */
describe('NextEngine orders as Smaregi shipments', () => {
  let t: TestApp;
  let db: DataSource;
  let tenant: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  let linkId: string;
  let link: { customerUrl: string; secretCode: string };

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 0 });
    sr.seed({
      contracts: [
        {
          contractId: CONTRACT,
          accessToken: LEGACY_TOKEN,
          stores: [{ storeId: STORE, storeName: '本店' }],
          products: PRODUCTS.map((p) => ({ productId: p.productId, productCode: p.goodsId, productName: p.name, categoryId: '1' })),
          stock: PRODUCTS.map((p) => ({ storeId: STORE, productId: p.productId, stockAmount: 20 })),
        },
      ],
    });
    for (const p of PRODUCTS) ne.addGoods({ goodsId: p.goodsId, goodsName: p.name, stockQuantity: 20 });
    await ne.start();
    await sr.start();
    t = await startTestApp(syncingApp(ne.url));
    db = t.app.get(DataSource);
    tenant = await t.createTenant('Shipment seller');
    const neConnectionId = await connectNextEngine(t, ne, tenant.apiKey);
    const smaregi = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({ site: 'smaregi', shopId: CONTRACT, endpoint: sr.url, credentials: { accessToken: LEGACY_TOKEN } })
      .expect(201);
    // An order from before the option is switched on, changed after it: never imported.
    const before = ne.addOrder({
      shopId: '1',
      shopCutFormId: 'MALL-OLD',
      date: '2020-01-01 10:00:00',
      purchaser: { name: '昔の購入者' },
      rows: [{ goodsId: 'SHIP-A', goodsName: '出荷商品A', quantity: 5, unitPrice: 1000 }],
    });
    const created = await t.http
      .post('/v1/stock-links')
      .set(auth())
      .send({
        smaregiConnectionId: smaregi.body.id,
        nextengineConnectionId: neConnectionId,
        stockMaster: 'smaregi',
        idMatching: 'csv',
        uploadDelaySeconds: 0,
        shipments: { enabled: true, contractId: CONTRACT, storeId: STORE, accessToken: LEGACY_TOKEN },
      });
    if (created.status !== 201) throw new Error(`link creation failed: ${created.status} ${JSON.stringify(created.body)}`);
    linkId = created.body.id;
    link = created.body;
    await t.http
      .put(`/v1/stock-links/${linkId}/code-map`)
      .set(auth())
      .set('Content-Type', 'text/csv')
      .send(`smaregi-id,nextengine-code\n${PRODUCTS.map((p) => `${p.productId},${p.goodsId}`).join('\n')}\n`)
      .expect(200);
    ne.patchOrder(before, { receive_order_note: 'edited after the switch' });
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await sr.stop();
  });

  async function row(orderId: string): Promise<ShipmentRow | undefined> {
    const [found] = (await db.query(`SELECT status, error FROM stock_link_shipments WHERE link_id = $1 AND nextengine_order_id = $2`, [
      linkId,
      orderId,
    ])) as ShipmentRow[];
    return found;
  }

  function shipmentsFor(orderId: string) {
    return sr.salesShipments(CONTRACT).filter((s) => s.memo?.includes(orderId));
  }

  function order(goodsId: string, quantity: number, cutForm: string): string {
    return ne.addOrder({
      shopId: '1',
      shopCutFormId: cutForm,
      purchaser: { name: '購入者' },
      rows: [{ goodsId, goodsName: goodsId, quantity, unitPrice: 1000 }],
    });
  }

  it('orders received after the option is on become one shipment each; an order from before is not imported', async () => {
    const first = order('SHIP-B', 2, 'MALL-1');
    const second = ne.addOrder({
      shopId: '1',
      shopCutFormId: 'MALL-2',
      purchaser: { name: '購入者' },
      rows: [
        { goodsId: 'SHIP-B', goodsName: 'B', quantity: 1, unitPrice: 1000 },
        { goodsId: 'SHIP-C', goodsName: 'C', quantity: 3, unitPrice: 1000 },
        { goodsId: 'SHIP-C', goodsName: 'C', quantity: 9, unitPrice: 1000, cancelled: true },
      ],
    });
    await waitFor(async () => (await row(first))?.status === 'registered' && (await row(second))?.status === 'registered', {
      what: 'both orders registered',
    });
    expect(shipmentsFor(first)).toEqual([
      expect.objectContaining({ shippingStoreId: STORE, status: '1', details: [{ productId: '9200002', quantity: '2' }] }),
    ]);
    expect(shipmentsFor(second)[0].details).toEqual([
      { productId: '9200002', quantity: '1' },
      { productId: '9200003', quantity: '3' },
    ]);
    expect(sr.getStock(STORE, '9200002', CONTRACT)).toBe(17);
    expect(sr.getStock(STORE, '9200003', CONTRACT)).toBe(17);

    // Later runs (the scheduler's, and a flush) read the same orders again: still one shipment each.
    ne.patchOrder(first, { receive_order_note: 'touched' });
    await waitFor(async () => {
      const [link] = (await db.query(`SELECT last_shipment_import_at FROM stock_links WHERE id = $1`, [linkId])) as Array<{
        last_shipment_import_at: Date | null;
      }>;
      return link.last_shipment_import_at && link.last_shipment_import_at.getTime() > Date.now() - 500 ? true : null;
    }, { what: 'another import run' });
    expect(shipmentsFor(first)).toHaveLength(1);
    expect(shipmentsFor(second)).toHaveLength(1);
    expect(sr.salesShipments(CONTRACT).some((s) => s.details.some((d) => d.productId === '9200001'))).toBe(false);
    expect(sr.getStock(STORE, '9200001', CONTRACT)).toBe(20);
  });

  it('a shipment Mallbridge registered comes back in Smaregi\'s stock push and is not sent to NextEngine; a real sale still is', async () => {
    const id = order('SHIP-E', 3, 'MALL-ECHO');
    await waitFor(async () => (await row(id))?.status === 'registered', { what: 'the order registered' });
    expect(sr.getStock(STORE, '9200005', CONTRACT)).toBe(17);
    const neBefore = ne.getStock('SHIP-E')!.stock;
    const uploadsBefore = ne.requests.filter((r) => r.path.includes('/api_v1_master_goods/upload')).length;

    // Smaregi posts its stock after our own shipment (the 在庫情報送信 of the change we caused).
    const echo = [{ productId: '9200005', storeId: STORE, stockAmount: String(sr.getStock(STORE, '9200005', CONTRACT)) }];
    expect((await sr.sendLegacyStockPush(link.customerUrl, echo, { sncode: link.secretCode })).status).toBe(200);
    const [absorbed] = await waitFor(
      async () => {
        const events = (await db.query(
          `SELECT status, reason FROM stock_events WHERE link_id = $1 AND product_id = '9200005' AND status <> 'received' ORDER BY id`,
          [linkId],
        )) as Array<{ status: string; reason: string | null }>;
        return events.length ? events : null;
      },
      { what: 'the echo processed' },
    );
    expect(absorbed.status).not.toMatch(/pending|uploading|uploaded/);
    expect(absorbed.reason).toMatch(/own shipment/);

    // A real sale of the same product afterwards travels as exactly itself.
    const sale = sr.applyStockChange({ kind: 'sale', storeId: STORE, productId: '9200005', quantity: 1 }, CONTRACT);
    expect((await sr.sendLegacyStockPush(link.customerUrl, sale.legacyRows, { sncode: link.secretCode })).status).toBe(200);
    await waitFor(async () => ne.getStock('SHIP-E')!.stock === neBefore - 1, { what: 'the sale in NextEngine' });
    expect(ne.requests.filter((r) => r.path.includes('/api_v1_master_goods/upload')).length).toBe(uploadsBefore + 1);
  });

  it('an order cancelled in NextEngine has its shipment taken back', async () => {
    const id = order('SHIP-D', 4, 'MALL-CANCEL');
    await waitFor(async () => (await row(id))?.status === 'registered', { what: 'the order registered' });
    expect(sr.getStock(STORE, '9200004', CONTRACT)).toBe(16);

    ne.cancel(id, 1);
    await waitFor(async () => (await row(id))?.status === 'reversed', { what: 'the shipment reversed' });
    expect(shipmentsFor(id)).toEqual([]);
    expect(sr.getStock(STORE, '9200004', CONTRACT)).toBe(20);
  });

  it('a registration whose answer is lost is settled by its reference, never registered twice', async () => {
    sr.loseShipmentAnswers(1);
    const id = order('SHIP-A', 1, 'MALL-LOST');
    // The row is marked registering before the call goes out: wait for Smaregi to have the shipment too (its
    // answer was lost, so the row stays registering).
    await waitFor(async () => ((await row(id))?.status === 'registering' && shipmentsFor(id).length === 1 ? true : null), {
      what: 'the unanswered registration',
    });
    expect((await row(id))?.status).toBe('registering');

    await waitFor(async () => (await row(id))?.status === 'registered', {
      what: 'the registration settled',
      timeoutMs: SHIPMENT_SETTLE_AFTER_MS + 20_000,
    });
    expect(shipmentsFor(id)).toHaveLength(1);
    expect(sr.getStock(STORE, '9200001', CONTRACT)).toBe(19);
  }, 60_000);

  it('a contract without 出荷情報更新 enabled leaves the order failed with Smaregi\'s refusal, and the connection usable', async () => {
    sr.addContract({
      contractId: 'no-permission',
      accessToken: 'np-token',
      disabledProcs: ['shipment_upd'],
      stores: [{ storeId: STORE, storeName: '本店' }],
      products: [{ productId: '9200001', productCode: 'SHIP-A', productName: 'A', categoryId: '1' }],
    });
    await t.http
      .patch(`/v1/stock-links/${linkId}`)
      .set(auth())
      .send({ shipments: { enabled: true, contractId: 'no-permission', storeId: STORE, accessToken: 'np-token' } })
      .expect(200);
    const id = order('SHIP-A', 1, 'MALL-NOPERM');
    const failed = await waitFor(async () => {
      const found = await row(id);
      return found?.status === 'failed' ? found : null;
    }, { what: 'the refused registration' });
    expect(failed.error).toContain('shipment_upd');
    expect(sr.salesShipments('no-permission')).toEqual([]);
    const connections = (await t.http.get('/v1/connections').set(auth()).expect(200)).body.data as Array<{ site: string; status: string }>;
    expect(connections.find((c) => c.site === 'smaregi')?.status).toBe('active');
  });
});
