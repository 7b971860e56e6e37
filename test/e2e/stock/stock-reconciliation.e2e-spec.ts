import { DataSource } from 'typeorm';
import { InventoryJobs } from '../../../src/inventory/inventory.jobs';
import { CrossmallSimulator } from '../../simulators/crossmall';
import { ElevenStreetSimulator } from '../../simulators/eleven-street';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { Qoo10Simulator } from '../../simulators/qoo10';
import { fulfillmentApi } from '../../support/fulfillment-api';
import { connectCrossmall, connectElevenStreet, connectNextEngine, connectQoo10 } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

interface Comparison {
  listingKey: string;
  siteQuantity: number | null;
  expectedQuantity: number;
  difference: number | null;
  state: string;
  error: string | null;
}
interface Report {
  connectionId: string;
  mode: string;
  data: Comparison[];
  nextCursor: string | null;
  lastRun: null | {
    listings: number;
    differences: number;
    corrected: number;
    error: string | null;
    findings: Array<{ listingKey: string; siteQuantity: number | null; expectedQuantity: number; difference: number | null; action: string }>;
  };
}

const ON_HAND = 10;

/**
 * `GET /v1/stock/reconciliation` and the scheduled reconciliation (DESIGN §6), on all four selling sites at once, with
 * the real app, real PostgreSQL and each site's simulator over HTTP. One SKU sells on every site; a seller then changes
 * the stock on each site by hand (the simulators' own stock setters, as the site's UI would). The report shows each
 * difference as the site states it; the scheduled run pushes the absolute sites (11st, Qoo10, CROSS MALL) back and
 * only reports NextEngine, whose differences a delta could count twice.
 */
describe('Stock reconciliation: what each site shows against what Mallbridge would push', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const qoo10 = new Qoo10Simulator();
  const eleven = new ElevenStreetSimulator();
  const crossmall = new CrossmallSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { createSku, adjust } = fulfillmentApi(() => t, auth);
  const ids = { ne: '', qoo10: '', eleven: '', crossmall: '' };
  const LISTING = { ne: 'NE-TEE', qoo10: 'Q-TEE', eleven: 'KR-TEE-BK', crossmall: 'CM-TEE' };
  const siteShows = {
    ne: () => ne.getStock(LISTING.ne)?.stock,
    qoo10: () => qoo10.getItem('700')?.qty,
    eleven: () => eleven.getListing(LISTING.eleven)?.stckQty,
    crossmall: () => crossmall.getStock(LISTING.crossmall),
  };
  type Site = keyof typeof ids;

  const report = async (site: Site): Promise<Report> =>
    (await t.http.get(`/v1/stock/reconciliation?connectionId=${ids[site]}`).set(auth()).expect(200)).body;
  const listingOf = async (site: Site): Promise<Comparison> => {
    const body = await report(site);
    expect(body.data).toHaveLength(1);
    return body.data[0];
  };

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 50 });
    qoo10.seed(undefined);
    eleven.seed(undefined);
    crossmall.seed(undefined);
    await Promise.all([ne.start(), qoo10.start(), eleven.start(), crossmall.start()]);
    t = await startTestApp(syncingApp(ne.url, { siteRetryBaseDelayMs: 5, siteMinIntervalCapMs: 50, stockReconcileIntervalSeconds: 3600 }));
    tenant = await t.createTenant('Reconciling seller');

    ne.addGoods({ goodsId: LISTING.ne, goodsName: 'Tシャツ', stockQuantity: 0 });
    qoo10.addItem({ itemCode: '700', sellerCode: LISTING.qoo10, itemTitle: 'Tシャツ', price: 1980, qty: 0, expireDate: '2027-12-31' });
    eleven.addProduct({
      prdNo: '9400000001',
      prdNm: '티셔츠',
      sellerPrdCd: 'KR-TEE',
      stocks: [
        { prdStckNo: '56100000011', sellerStockCd: LISTING.eleven, mixOptNm: '색상', mixDtlOptNm: '블랙', stckQty: 0, optWght: 1 },
        { prdStckNo: '56100000012', sellerStockCd: 'KR-TEE-WH', mixOptNm: '색상', mixDtlOptNm: '화이트', stckQty: 3, optWght: 1 },
      ],
    });
    crossmall.addSku({ item_code: LISTING.crossmall, stock: 0 });

    const sku = await createSku('TEE');
    for (const [site, listingKey] of [
      ['nextengine', LISTING.ne],
      ['qoo10-jp', LISTING.qoo10],
      ['11st', LISTING.eleven],
      ['crossmall', LISTING.crossmall],
    ])
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site, listingKey, skuId: sku }).expect(201);

    const stockOnly = { autoStockSync: true };
    ids.ne = await connectNextEngine(t, ne, tenant.apiKey, { options: stockOnly });
    ids.qoo10 = await connectQoo10(t, qoo10, tenant.apiKey, { options: stockOnly });
    ids.eleven = await connectElevenStreet(t, eleven, tenant.apiKey, { options: stockOnly });
    ids.crossmall = await connectCrossmall(t, crossmall, tenant.apiKey, { options: stockOnly });

    await adjust(sku, 'receipt', ON_HAND);
    for (const site of Object.keys(ids) as Site[])
      await waitFor(async () => siteShows[site]() === ON_HAND, { what: `${site} shows ${ON_HAND}`, timeoutMs: 40_000 });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([ne.stop(), qoo10.stop(), eleven.stop(), crossmall.stop()]);
  });

  it('refuses a malformed connection id with the field named, and knows no other tenant\'s connection', async () => {
    const bad = await t.http.get('/v1/stock/reconciliation?connectionId=nope').set(auth()).expect(400);
    expect(JSON.stringify(bad.body)).toContain('connectionId');
    await t.http.get('/v1/stock/reconciliation').set(auth()).expect(400);
    const other = await t.createTenant('Someone else');
    await t.http
      .get(`/v1/stock/reconciliation?connectionId=${ids.crossmall}`)
      .set({ Authorization: `Bearer ${other.apiKey}` })
      .expect(404);
    await t.http
      .post('/v1/stock/reconciliation/runs')
      .set({ Authorization: `Bearer ${other.apiKey}` })
      .send({ connectionId: ids.crossmall })
      .expect(404);
  });

  it('in step, every site matches: the site read now equals what would be pushed', async () => {
    for (const site of Object.keys(ids) as Site[]) {
      const body = await report(site);
      expect(body).toMatchObject({ connectionId: ids[site], mode: site === 'ne' ? 'relative' : 'absolute', nextCursor: null, lastRun: null });
      expect(body.data).toEqual([
        { listingKey: LISTING[site], skuId: expect.any(String), quantityPerUnit: 1, siteQuantity: ON_HAND, expectedQuantity: ON_HAND, difference: 0, state: 'match', error: null },
      ]);
    }
  });

  it('a stock changed by hand on each site shows as a difference, as the site states it', async () => {
    ne.setStock(LISTING.ne, 7);
    qoo10.setStock('700', 13);
    eleven.setListingStock(LISTING.eleven, 4);
    crossmall.setStock(LISTING.crossmall, '', '', 15);
    const expected: Record<Site, number> = { ne: 7, qoo10: 13, eleven: 4, crossmall: 15 };
    for (const site of Object.keys(ids) as Site[])
      expect(await listingOf(site)).toMatchObject({
        siteQuantity: expected[site],
        expectedQuantity: ON_HAND,
        difference: expected[site] - ON_HAND,
        state: 'different',
      });
  });

  it('a site that cannot be read makes the listing unreadable with the reason, never an error page', async () => {
    crossmall.faults.add({ kind: 'http', status: 503, pathIncludes: 'get_stock', times: 20 });
    const listing = await listingOf('crossmall');
    expect(listing).toMatchObject({ siteQuantity: null, difference: null, state: 'unreadable' });
    expect(listing.error).toBeTruthy();
    crossmall.faults.clear();
  });

  it('the scheduled reconciliation corrects the absolute sites and only reports NextEngine', async () => {
    // A day passes: every connection's reconciliation is due (the interval here is an hour).
    await t.app.get(DataSource).query(`UPDATE connections SET created_at = now() - interval '2 hours' WHERE tenant_id = $1`, [tenant.tenantId]);
    await t.app.get(InventoryJobs).reconcile();
    for (const site of ['qoo10', 'eleven', 'crossmall'] as const)
      await waitFor(async () => siteShows[site]() === ON_HAND, { what: `${site} corrected to ${ON_HAND}`, timeoutMs: 40_000 });
    await waitFor(async () => (await report('ne')).lastRun?.listings === 1, { what: 'NextEngine reconciled' });

    const neReport = await report('ne');
    expect(neReport.lastRun).toMatchObject({ differences: 1, corrected: 0, error: null });
    expect(neReport.lastRun!.findings).toEqual([
      expect.objectContaining({ listingKey: LISTING.ne, siteQuantity: 7, expectedQuantity: ON_HAND, difference: -3, action: 'reported' }),
    ]);
    expect(siteShows.ne()).toBe(7);
    expect(neReport.data[0]).toMatchObject({ siteQuantity: 7, difference: -3, state: 'different' });

    for (const site of ['qoo10', 'eleven', 'crossmall'] as const) {
      const body = await report(site);
      expect(body.lastRun).toMatchObject({ listings: 1, differences: 1, corrected: 1, error: null });
      expect(body.lastRun!.findings).toEqual([expect.objectContaining({ listingKey: LISTING[site], expectedQuantity: ON_HAND, action: 'corrected' })]);
      expect(body.data[0]).toMatchObject({ siteQuantity: ON_HAND, difference: 0, state: 'match' });
    }
    // The other 11st option was never ours to touch.
    expect(eleven.getListing('KR-TEE-WH')?.stckQty).toBe(3);
  });

  it('a reconciliation asked for by hand runs at once and finds nothing left to correct', async () => {
    const summary = (await t.http.post('/v1/stock/reconciliation/runs').set(auth()).send({ connectionId: ids.crossmall }).expect(200)).body;
    expect(summary).toEqual({ connectionId: ids.crossmall, listings: 1, differences: 0, corrected: 0, error: null });
  });

  it('pages through a connection\'s listings in key order with the cursor it gives', async () => {
    crossmall.addSku({ item_code: 'CM-CAP', stock: 2 });
    const cap = await createSku('CAP');
    await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'crossmall', listingKey: 'CM-CAP', skuId: cap }).expect(201);
    await adjust(cap, 'receipt', 2);
    const first = (await t.http.get(`/v1/stock/reconciliation?connectionId=${ids.crossmall}&limit=1`).set(auth()).expect(200)).body as Report;
    expect(first.data.map((listing) => listing.listingKey)).toEqual(['CM-CAP']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await t.http.get(`/v1/stock/reconciliation?connectionId=${ids.crossmall}&limit=1&cursor=${first.nextCursor}`).set(auth()).expect(200)
    ).body as Report;
    expect(second.data.map((listing) => listing.listingKey)).toEqual([LISTING.crossmall]);
    expect(second.nextCursor).toBeNull();
  });
});
