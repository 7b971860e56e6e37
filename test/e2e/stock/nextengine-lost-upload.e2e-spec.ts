import { DataSource } from 'typeorm';
import { StockPushService } from '../../../src/inventory/stock-push.service';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { SmaregiSimulator } from '../../simulators/smaregi';
import { fulfillmentApi } from '../../support/fulfillment-api';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const LEGACY_CONTRACT = 'smaregi-demo';

/**
 * "A lost answer is never a resend" (issue 16), end to end: the real app with its workers, real PostgreSQL, and the
 * NextEngine simulator over HTTP, whose upload queue takes the file and then loses the answer (connection dropped,
 * or a bare 5xx). The relative change (`zaiko_su`) must reach NextEngine's stock exactly once, for the warehouse
 * stock push and for the Smaregi bridge, and nothing may be sent again afterwards.
 */
describe('NextEngine: a lost upload answer is never a resend', () => {
  let t: TestApp;
  let db: DataSource;
  let tenant: { tenantId: string; apiKey: string };
  let neConnectionId: string;
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { createSku, adjust } = fulfillmentApi(() => t, auth);

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 200 });
    for (const goods of [
      { goodsId: 'LOST-TEE', goodsName: 'Tシャツ（応答喪失）', stockQuantity: 20 },
      { goodsId: 'RESET-TEE', goodsName: 'Tシャツ（未送信）', stockQuantity: 20 },
      { goodsId: 'OTHER-TEE', goodsName: 'Tシャツ（別）', stockQuantity: 5 },
      { goodsId: 'BRIDGE-TEE', goodsName: 'Tシャツ（スマレジ）', stockQuantity: 50 },
      { goodsId: '8000002', goodsName: 'Tシャツ 赤 L', stockQuantity: 40 },
    ]) {
      ne.addGoods(goods);
    }
    sr.seed(SmaregiSimulator.demoSeed());
    await ne.start();
    await sr.start();
    t = await startTestApp(syncingApp(ne.url, { siteRetryBaseDelayMs: 5 }));
    db = t.app.get(DataSource);
    tenant = await t.createTenant('Lost answers seller');
    neConnectionId = await connectNextEngine(t, ne, tenant.apiKey, { options: { autoStockSync: true } });
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await sr.stop();
  });

  /** The CSV of every upload NextEngine received (answered or not), in order. */
  function uploadedFiles(): string[] {
    return ne.requests
      .filter((request) => request.path === '/api_v1_master_goods/upload')
      .map((request) => new URLSearchParams(request.bodyText).get('data') ?? '');
  }
  const uploadsOf = (code: string) => uploadedFiles().filter((csv) => csv.split('\n').some((row) => row.startsWith(`${code},`)));
  const neStock = (code: string) => ne.getStock(code)?.stock;

  async function mappedSku(code: string, goodsCode: string): Promise<string> {
    const skuId = await createSku(code);
    await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'nextengine', listingKey: goodsCode, skuId }).expect(201);
    return skuId;
  }

  async function pushRow(listingKey: string): Promise<{ state: string; last_error: string | null; baseline: number | null } | undefined> {
    const [row] = await db.query(`SELECT state, last_error, baseline FROM stock_push_queue WHERE connection_id = $1 AND listing_key = $2`, [
      neConnectionId,
      listingKey,
    ]);
    return row;
  }

  describe('the warehouse stock push', () => {
    it('NextEngine queues the upload and drops the connection: the change applies once, is recorded as sent, and is not sent again', async () => {
      const skuId = await mappedSku('LOST-001', 'LOST-TEE');
      ne.loseUploadAnswers('drop');

      await adjust(skuId, 'receipt', 3);

      const row = await waitFor(
        async () => {
          const current = await pushRow('LOST-TEE');
          return current?.state === 'sent' ? current : null;
        },
        { what: 'the push of LOST-TEE settled as sent', timeoutMs: 60_000 },
      );
      expect(row).toMatchObject({ last_error: null, baseline: 3 });
      expect(neStock('LOST-TEE')).toBe(23);
      expect(uploadsOf('LOST-TEE')).toEqual(['syohin_code,zaiko_su\nLOST-TEE,3\n']);
      expect((ne.inspect() as { lostUploadAnswersPending: number }).lostUploadAnswersPending).toBe(0);

      // Another change travels through later drains (so they provably ran), and a reconciliation and drain run on
      // top: the first change is never part of another file.
      const otherSku = await mappedSku('OTHER-001', 'OTHER-TEE');
      await adjust(otherSku, 'receipt', 2);
      await waitFor(async () => neStock('OTHER-TEE') === 7, { what: 'the later change in NextEngine', timeoutMs: 60_000 });
      const pushes = t.app.get(StockPushService);
      await pushes.reconcile();
      await pushes.drain();

      expect(neStock('LOST-TEE')).toBe(23);
      expect(uploadsOf('LOST-TEE')).toHaveLength(1);
      expect(uploadsOf('OTHER-TEE')).toEqual(['syohin_code,zaiko_su\nOTHER-TEE,2\n']);
    });

    it('a connection reset before NextEngine queued anything: not applied, so it is sent once more and applies once', async () => {
      const skuId = await mappedSku('RESET-001', 'RESET-TEE');
      ne.faults.add({ kind: 'reset', pathIncludes: '/api_v1_master_goods/upload' });

      await adjust(skuId, 'receipt', 4);

      await waitFor(async () => (await pushRow('RESET-TEE'))?.state === 'sent', {
        what: 'the push of RESET-TEE sent after the retry',
        timeoutMs: 60_000,
      });
      expect(neStock('RESET-TEE')).toBe(24);
      // the first file never reached the queue (the reset came before NextEngine read it); the second did
      expect(uploadsOf('RESET-TEE')).toEqual(['syohin_code,zaiko_su\nRESET-TEE,4\n', 'syohin_code,zaiko_su\nRESET-TEE,4\n']);
      const jobs = (ne.inspect() as { queue: { csv: string }[] }).queue.filter((job) => job.csv.includes('RESET-TEE'));
      expect(jobs).toHaveLength(1);
    });
  });

  describe('the Smaregi ↔ NextEngine bridge', () => {
    let link: { id: string; customerUrl: string; secretCode: string };
    let smaregiConnectionId: string;

    beforeAll(async () => {
      smaregiConnectionId = (
        await t.http
          .post('/v1/connections')
          .set(auth())
          .send({ site: 'smaregi', shopId: LEGACY_CONTRACT, endpoint: sr.url, credentials: { accessToken: 'demo-legacy-access-token' } })
          .expect(201)
      ).body.id;
      const created = await t.http.post('/v1/stock-links').set(auth()).send({
        nextengineConnectionId: neConnectionId,
        smaregiConnectionId,
        stockMaster: 'smaregi',
        idMatching: 'csv',
        uploadDelaySeconds: 0,
      });
      if (created.status !== 201) throw new Error(`link creation failed: ${created.status} ${JSON.stringify(created.body)}`);
      link = created.body;
      await t.http
        .put(`/v1/stock-links/${link.id}/code-map`)
        .set(auth())
        .set('Content-Type', 'text/csv')
        .send('smaregi-id,nextengine-code\n8000001,BRIDGE-TEE\n')
        .expect(200);
    });

    async function lastUpload() {
      const view = (await t.http.get(`/v1/stock-links/${link.id}`).set(auth()).expect(200)).body;
      return view.pendingUploads === 0 ? view.lastUpload : null;
    }

    it('NextEngine queues the upload and answers a bare 502: the sale applies once, the upload counts as done, nothing is re-sent', async () => {
      ne.loseUploadAnswers('http-error', { status: 502 });
      const sale = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000001', quantity: 2 }, LEGACY_CONTRACT);
      expect((await sr.sendLegacyStockPush(link.customerUrl, sale.legacyRows, { sncode: link.secretCode })).status).toBe(200);

      const upload = await waitFor(async () => ((await lastUpload())?.uploaded === 1 ? lastUpload() : null), {
        what: 'the bridge upload settled',
        timeoutMs: 60_000,
      });
      expect(upload).toMatchObject({ status: 'succeeded', uploaded: 1, failed: 0 });
      expect(neStock('BRIDGE-TEE')).toBe(48);
      expect(uploadsOf('BRIDGE-TEE')).toEqual(['syohin_code,zaiko_su\nBRIDGE-TEE,-2\n']);
      const [event] = await db.query(`SELECT status, reason FROM stock_events WHERE link_id = $1 AND product_id = '8000001'`, [link.id]);
      expect(event).toEqual({ status: 'uploaded', reason: null });

      // The next change travels in a later upload (so one provably ran); the first sale is in none of them.
      const next = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000002', quantity: 1 }, LEGACY_CONTRACT);
      await sr.sendLegacyStockPush(link.customerUrl, next.legacyRows, { sncode: link.secretCode });
      await waitFor(async () => neStock('8000002') === 39, { what: 'the next sale in NextEngine', timeoutMs: 60_000 });
      await waitFor(lastUpload, { what: 'the link settled again' });

      expect(neStock('BRIDGE-TEE')).toBe(48);
      expect(uploadsOf('BRIDGE-TEE')).toHaveLength(1);
    });

    it('a connection reset before NextEngine queued anything: the sale stays pending, and the next upload applies it once', async () => {
      ne.faults.add({ kind: 'reset', pathIncludes: '/api_v1_master_goods/upload' });
      const sale = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000001', quantity: 3 }, LEGACY_CONTRACT);
      await sr.sendLegacyStockPush(link.customerUrl, sale.legacyRows, { sncode: link.secretCode });

      const saleEvents = () =>
        db.query(`SELECT status, attempts FROM stock_events WHERE link_id = $1 AND product_id = '8000001' ORDER BY id`, [link.id]);
      await waitFor(async () => (await saleEvents())[1]?.attempts === 1, {
        what: 'the sale back to pending after the reset',
        timeoutMs: 30_000,
      });
      expect((await saleEvents())[1]).toEqual({ status: 'pending', attempts: 1 });
      expect(neStock('BRIDGE-TEE')).toBe(48);

      // the bridge retries refused deltas after two minutes; the seller's flush runs the cycle now
      const flushed = (await t.http.post(`/v1/stock-links/${link.id}/flush`).set(auth()).expect(200)).body;

      expect(flushed.upload).toMatchObject({ status: 'succeeded', uploaded: 1 });
      expect(neStock('BRIDGE-TEE')).toBe(45);
      expect(uploadsOf('BRIDGE-TEE')).toEqual([
        'syohin_code,zaiko_su\nBRIDGE-TEE,-2\n',
        'syohin_code,zaiko_su\nBRIDGE-TEE,-3\n',
        'syohin_code,zaiko_su\nBRIDGE-TEE,-3\n',
      ]);
      expect(await saleEvents()).toEqual([
        { status: 'uploaded', attempts: 0 },
        { status: 'uploaded', attempts: 1 },
      ]);
    });
  });
});
