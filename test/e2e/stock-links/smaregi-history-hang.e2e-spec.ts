import { DataSource } from 'typeorm';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { SmaregiSimulator } from '../../simulators/smaregi';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const PLATFORM = { contractId: 'hang-pf', app: { clientId: 'hang-pf-id', clientSecret: 'hang-pf-secret' } };
const SCOPES = 'pos.products:read pos.stock:read pos.stock:write pos.stores:read';
const PRODUCT = '7300001';
const NE_START = 50;
/** the app's per-call timeout to sites, short so that a hang costs seconds here */
const SITE_TIMEOUT_MS = 1_000;

/**
 * A `pos:stock` change is folded from Smaregi's stock history. Here that read never answers: every attempt of the
 * first fold waits until the app gives up. Nothing may be lost or doubled, and the webhook must not wait for it.
 */
describe('Stock bridge: a Smaregi history read that never answers', () => {
  let t: TestApp;
  let db: DataSource;
  let apiKey: string;
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });
  let link: { id: string; customerUrl: string; secretCode: string };

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 0 });
    sr.seed({ contracts: [] });
    sr.addContract({
      contractId: PLATFORM.contractId,
      apps: [PLATFORM.app],
      stores: [{ storeId: '1', storeName: '本店' }],
      products: [{ productId: PRODUCT, productCode: PRODUCT, productName: '商品', categoryId: '1' }],
      stock: [{ storeId: '1', productId: PRODUCT, stockAmount: 20 }],
    });
    ne.addGoods({ goodsId: PRODUCT, goodsName: '商品', stockQuantity: NE_START });
    await ne.start();
    await sr.start();
    t = await startTestApp(syncingApp(ne.url, { siteRequestTimeoutMs: SITE_TIMEOUT_MS }));
    db = t.app.get(DataSource);
    apiKey = (await t.createTenant('History hang seller')).apiKey;
    const neConnectionId = await connectNextEngine(t, ne, apiKey);
    const smaregi = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({ site: 'smaregi', shopId: PLATFORM.contractId, endpoint: sr.url, credentials: PLATFORM.app, settings: { scopes: SCOPES } })
      .expect(201);
    link = (
      await t.http
        .post('/v1/stock-links')
        .set(auth())
        .send({
          smaregiConnectionId: smaregi.body.id,
          nextengineConnectionId: neConnectionId,
          stockMaster: 'smaregi',
          idMatching: 'csv',
          uploadDelaySeconds: 0,
        })
        .expect(201)
    ).body;
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await sr.stop();
  });

  async function sale(quantity: number): Promise<number> {
    const made = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: PRODUCT, quantity }, PLATFORM.contractId);
    const delivery = await sr.sendPlatformStockWebhook(link.customerUrl, made.historyIds, {
      contractId: PLATFORM.contractId,
      headers: { sncode: link.secretCode },
    });
    return delivery.status;
  }

  it('gives up at the timeout and folds again; the webhook answers meanwhile; each change reaches NextEngine once', async () => {
    // every attempt of the first fold's read (the client's own retries included) hangs until the app gives up
    const attempts = 4;
    sr.faults.add({ kind: 'timeout', pathIncludes: '/stock/changes/', times: attempts });
    expect(await sale(2)).toBe(200);
    const hanging = () => sr.faults.list().find((fault) => fault.kind === 'timeout' && fault.hits >= 1);
    await waitFor(async () => hanging() ?? null, { what: 'the fold waiting on a history read that does not answer' });

    // a change arriving now is stored and answered without waiting for the fold that hangs
    expect(await sale(1)).toBe(200);
    expect(sr.faults.list().some((fault) => fault.kind === 'timeout' && fault.hits < attempts)).toBe(true);

    await waitFor(async () => ne.getStock(PRODUCT)?.stock === NE_START - 3, {
      what: 'both sales in NextEngine once Smaregi answers',
      timeoutMs: 60_000,
    });
    expect(sr.faults.list()).toEqual([]); // every hanging attempt was made: the app did give up, each time
    // the link was not left locked, and nothing travels twice
    const flushed = await t.http.post(`/v1/stock-links/${link.id}/flush`).set(auth()).expect(200);
    expect(flushed.body).toMatchObject({ processed: 0, continuesInBackground: false });
    expect(ne.getStock(PRODUCT)?.stock).toBe(NE_START - 3);
    const events = (await db.query(`SELECT status, delta::int AS delta FROM stock_events WHERE link_id = $1 ORDER BY id`, [
      link.id,
    ])) as Array<{ status: string; delta: number }>;
    expect(events).toEqual([
      { status: 'uploaded', delta: -2 },
      { status: 'uploaded', delta: -1 },
    ]);
  }, 90_000);
});
