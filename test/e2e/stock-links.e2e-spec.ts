import { createTransport } from 'nodemailer';
import { DataSource } from 'typeorm';
import { StockLinkMailer } from '../../src/stock-links/stock-link.mailer';
import { NextEngineSimulator } from '../simulators/nextengine';
import { SmaregiSimulator } from '../simulators/smaregi';
import { connectNextEngine } from '../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const PROBLEM_JSON = /^application\/problem\+json/;
/** The demo contract (legacy API) and a second contract reached through the Platform API. */
const LEGACY_CONTRACT = 'smaregi-demo';
const PLATFORM_CONTRACT = 'smaregi-pf';
const PLATFORM_APP = { clientId: 'pf-client-id', clientSecret: 'pf-client-secret' };
const SCOPES = 'pos.products:read pos.stock:read pos.stock:write pos.stores:read pos.shipping:write';

interface Mail {
  to: Array<{ address: string }>;
  subject: string;
  text: string;
}

interface LinkView {
  id: string;
  customerUrl: string;
  pendingUploads: number;
  unrecognisedEvents: number;
  lastUploadAt: string | null;
  lastUpload: { status: string; uploaded: number; failed: number; netted: number; mailStatus: string } | null;
}

/**
 * The Smaregi ↔ NextEngine stock bridge over real HTTP: the Smaregi simulator posts to the link's
 * customer URL, the real job queue computes deltas, and the NextEngine simulator receives the upload.
 */
describe('Stock links (Smaregi ↔ NextEngine)', () => {
  let t: TestApp;
  let db: DataSource;
  let tenant: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const mails: Mail[] = [];
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  let neConnectionId: string;
  let legacyConnectionId: string;
  let platformConnectionId: string;

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 0 });
    sr.seed(SmaregiSimulator.demoSeed());
    sr.addContract({
      contractId: PLATFORM_CONTRACT,
      apps: [PLATFORM_APP],
      stores: [
        { storeId: '1', storeName: '本店' },
        { storeId: '2', storeName: '支店' },
      ],
      products: [
        { productId: '9100001', productCode: '4900000000011', productName: 'JAN商品', categoryId: '1' },
        { productId: '9100002', productCode: '4900000000028', productName: '出荷商品', categoryId: '1' },
        { productId: '9100003', productCode: '4900000000035', productName: 'スマレジだけの商品', categoryId: '1' },
      ],
      stock: [
        { storeId: '1', productId: '9100001', stockAmount: 20 },
        { storeId: '1', productId: '9100002', stockAmount: 10 },
        { storeId: '1', productId: '9100003', stockAmount: 4 },
      ],
    });
    for (const goods of [
      { goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', stockQuantity: 50 },
      { goodsId: '8000002', goodsName: 'Tシャツ 赤 L', stockQuantity: 40 },
      { goodsId: '8000003', goodsName: 'Tシャツ 紺 M', stockQuantity: 30 },
      { goodsId: '8000004', goodsName: 'パーカー', stockQuantity: 10 },
      { goodsId: 'JAN-GOODS-1', goodsName: 'JAN商品', janCode: '4900000000011', stockQuantity: 20 },
      { goodsId: 'SHIP-GOODS-1', goodsName: '出荷商品', janCode: '4900000000028', stockQuantity: 10 },
    ]) {
      ne.addGoods(goods);
    }
    await ne.start();
    await sr.start();
    t = await startTestApp(syncingApp(ne.url));
    db = t.app.get(DataSource);
    const json = createTransport({ jsonTransport: true });
    t.app.get(StockLinkMailer).useTransport({
      async sendMail(message) {
        const info = await json.sendMail(message);
        mails.push(JSON.parse(info.message as unknown as string) as Mail);
        return info;
      },
    });
    tenant = await t.createTenant('Stock bridge seller');
    neConnectionId = await connectNextEngine(t, ne, tenant.apiKey);
    legacyConnectionId = await smaregiConnection(LEGACY_CONTRACT, { accessToken: 'demo-legacy-access-token' });
    platformConnectionId = await smaregiConnection(PLATFORM_CONTRACT, PLATFORM_APP);
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await sr.stop();
  });

  async function smaregiConnection(contractId: string, credentials: Record<string, string>): Promise<string> {
    const response = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({ site: 'smaregi', shopId: contractId, endpoint: sr.url, credentials, settings: { scopes: SCOPES } })
      .expect(201);
    return response.body.id as string;
  }

  async function createLink(body: Record<string, unknown>): Promise<LinkView & { secretCode: string }> {
    const response = await t.http
      .post('/v1/stock-links')
      .set(auth())
      .send({ nextengineConnectionId: neConnectionId, stockMaster: 'smaregi', idMatching: 'csv', uploadDelaySeconds: 0, ...body });
    if (response.status !== 201) throw new Error(`link creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async function view(id: string): Promise<LinkView> {
    return (await t.http.get(`/v1/stock-links/${id}`).set(auth()).expect(200)).body;
  }

  function putCodeMap(id: string, csv: string) {
    return t.http.put(`/v1/stock-links/${id}/code-map`).set(auth()).set('Content-Type', 'text/csv').send(csv);
  }

  function neStock(code: string): number | undefined {
    return ne.getStock(code)?.stock;
  }

  async function events(linkId: string): Promise<Array<{ kind: string; status: string; delta: string | null; product_id: string; store_id: string; reason: string | null; source_key: string | null }>> {
    return db.query(`SELECT kind, status, delta::text, product_id, store_id, reason, source_key FROM stock_events WHERE link_id = $1 ORDER BY id`, [linkId]);
  }

  async function settled(linkId: string): Promise<LinkView> {
    return waitFor(async () => {
      const link = await view(linkId);
      // The upload's result mail is recorded just after the upload itself: settled means both.
      return link.pendingUploads === 0 && (!link.lastUpload || link.lastUpload.mailStatus !== null) ? link : null;
    }, { what: `link ${linkId} without pending uploads` });
  }

  describe('CSV code map, legacy API送信 push', () => {
    let link: LinkView & { secretCode: string };

    beforeAll(async () => {
      link = await createLink({ smaregiConnectionId: legacyConnectionId, notificationEmail: 'stock@example.jp' });
      await putCodeMap(link.id, 'smaregi-id,nextengine-code\n8000001,TSHIRT-RED-M\n8000005,GHOST-ITEM\n').expect(200, { entries: 2, reset: false });
    });

    it('creating a link returns its customer URL and the secret code once', async () => {
      expect(link.customerUrl).toMatch(new RegExp(`^${t.config.publicBaseUrl}/v1/webhooks/smaregi/[A-Za-z0-9_-]{20,}$`));
      expect(link.secretCode).toEqual(expect.any(String));
      const again = await view(link.id);
      expect(again).not.toHaveProperty('secretCode');
      expect(again).toMatchObject({ pendingUploads: 0, lastUploadAt: null });
    });

    it('a Smaregi sale reaches NextEngine as the delta, mapped code and unlisted id alike, and is mailed', async () => {
      const sale1 = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000001', quantity: 2 }, LEGACY_CONTRACT);
      const sale2 = sr.applyStockChange({ kind: 'sale', storeId: '2', productId: '8000002', quantity: 1 }, LEGACY_CONTRACT);
      const delivery = await sr.sendLegacyStockPush(link.customerUrl, [...sale1.legacyRows, ...sale2.legacyRows], { sncode: link.secretCode });
      expect(delivery.status).toBe(200);
      expect(JSON.parse(delivery.responseBody)).toEqual({ accepted: 2, duplicates: 0, unrecognised: 0 });

      await waitFor(async () => neStock('TSHIRT-RED-M') === 48 && neStock('8000002') === 39, { what: 'the deltas in NextEngine' });
      const settledLink = await settled(link.id);
      expect(settledLink.lastUploadAt).not.toBeNull();
      expect(settledLink.lastUpload).toMatchObject({ status: 'succeeded', uploaded: 2, failed: 0, mailStatus: 'sent' });
      const mail = mails.find((m) => m.text.includes(link.id) && m.subject.includes('2 uploaded'));
      expect(mail?.to[0].address).toBe('stock@example.jp');
      expect(mail?.text).toContain('TSHIRT-RED-M  -2');
    });

    it('a resend of the same push changes nothing; the next real change still travels exactly once', async () => {
      const delivered = sr.deliveries().filter((d) => d.kind === 'legacy-stock' && d.url === link.customerUrl);
      const last = delivered[delivered.length - 1];
      const resend = await fetch(last.url, { method: 'POST', headers: last.headers, body: last.body });
      expect(resend.status).toBe(200);
      const sale = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000001', quantity: 1 }, LEGACY_CONTRACT);
      await sr.sendLegacyStockPush(link.customerUrl, sale.legacyRows, { sncode: link.secretCode, via: 'query' });
      await waitFor(async () => neStock('TSHIRT-RED-M') === 47, { what: 'the new sale in NextEngine' });
      await settled(link.id);
      expect(neStock('TSHIRT-RED-M')).toBe(47);
      expect(neStock('8000002')).toBe(39);
      const zero = (await events(link.id)).filter((e) => e.status === 'zero');
      expect(zero).toHaveLength(2);
    });

    it('a transfer between stores nets to zero when no store filter is set', async () => {
      const transfer = sr.applyStockChange({ kind: 'transfer', fromStoreId: '1', toStoreId: '2', productId: '8000003', quantity: 3 }, LEGACY_CONTRACT);
      await sr.sendLegacyStockPush(link.customerUrl, transfer.legacyRows, { sncode: link.secretCode, via: 'form' });
      const done = await waitFor(async () => {
        const current = await view(link.id);
        return current.pendingUploads === 0 && current.lastUpload?.netted === 2 ? current : null;
      }, { what: 'the netted transfer' });
      expect(done.lastUpload).toMatchObject({ uploaded: 0, failed: 0, netted: 2 });
      expect(neStock('8000003')).toBe(30);
      const rows = (await events(link.id)).filter((e) => e.product_id === '8000003');
      expect(rows.map((e) => [e.store_id, e.delta, e.status])).toEqual([
        ['1', '-3', 'netted'],
        ['2', '3', 'netted'],
      ]);
    });

    it('a product missing in NextEngine fails visibly, with the reason recorded and mailed', async () => {
      const sale = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000005', quantity: 1 }, LEGACY_CONTRACT);
      await sr.sendLegacyStockPush(link.customerUrl, sale.legacyRows, { sncode: link.secretCode });
      const done = await waitFor(async () => {
        const current = await view(link.id);
        return current.pendingUploads === 0 && current.lastUpload?.failed === 1 ? current : null;
      }, { what: 'the failed upload' });
      expect(done.lastUpload?.status).toBe('failed');
      const [failed] = (await events(link.id)).filter((e) => e.product_id === '8000005');
      expect(failed).toMatchObject({ status: 'failed', reason: expect.stringContaining('GHOST-ITEM') });
      const mail = await waitFor(async () => mails.find((m) => m.text.includes('GHOST-ITEM')), { what: 'the failure mail' });
      expect(mail.subject).toContain('1 failed');
      expect(mail.text).toContain('not in the NextEngine stock master');
    });

    it('keeps a payload it does not understand, raw, with the reason', async () => {
      const response = await fetch(link.customerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', sncode: link.secretCode },
        body: new URLSearchParams({ params: JSON.stringify({ data: [{ table_name: 'Product', rows: [{ productId: '8000001', price: '100' }] }] }) }).toString(),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('etag')).toBeNull();
      expect(await response.json()).toEqual({ accepted: 0, duplicates: 0, unrecognised: 1 });
      expect((await view(link.id)).unrecognisedEvents).toBe(1);
      const [kept] = (await events(link.id)).filter((e) => e.kind === 'unrecognised');
      expect(kept.reason).toContain('Product');
    });
  });

  describe('authentication of the customer URL', () => {
    let link: LinkView & { secretCode: string };

    beforeAll(async () => {
      link = await createLink({ smaregiConnectionId: legacyConnectionId });
    });

    it('a wrong or missing sncode is refused with 401 and nothing is stored; an unknown link is 404', async () => {
      const rows = [{ productId: '8000006', storeId: '1', stockAmount: '3' }];
      const wrong = await sr.sendLegacyStockPush(link.customerUrl, rows, { sncode: `${link.secretCode}x` });
      expect(wrong.status).toBe(401);
      expect(JSON.parse(wrong.responseBody)).toMatchObject({ status: 401, type: expect.stringContaining('webhook-secret-invalid') });
      const missing = await sr.sendLegacyStockPush(link.customerUrl, rows);
      expect(missing.status).toBe(401);
      expect(await events(link.id)).toEqual([]);

      const unknown = await fetch(link.customerUrl.replace(/[^/]+$/, 'no-such-link-token-000000'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', sncode: link.secretCode },
        body: 'params=%7B%7D',
      });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(PROBLEM_JSON);
    });

    it('a deleted link no longer answers', async () => {
      await t.http.delete(`/v1/stock-links/${link.id}`).set(auth()).expect(204);
      const response = await sr.sendLegacyStockPush(link.customerUrl, [{ productId: '8000006', storeId: '1', stockAmount: '3' }], { sncode: link.secretCode });
      expect(response.status).toBe(404);
    });
  });

  describe('store filter', () => {
    it('only the chosen store\'s changes travel', async () => {
      const link = await createLink({ smaregiConnectionId: legacyConnectionId, storeId: '2' });
      const transfer = sr.applyStockChange({ kind: 'transfer', fromStoreId: '1', toStoreId: '2', productId: '8000004', quantity: 2 }, LEGACY_CONTRACT);
      await sr.sendLegacyStockPush(link.customerUrl, transfer.legacyRows, { sncode: link.secretCode });
      await waitFor(async () => neStock('8000004') === 12, { what: 'store 2 change in NextEngine' });
      await settled(link.id);
      expect(neStock('8000004')).toBe(12);
      expect((await events(link.id)).map((e) => [e.store_id, e.status])).toEqual([
        ['1', 'ignored'],
        ['2', 'uploaded'],
      ]);
    });
  });

  describe('JAN matching, Platform pos:stock webhook', () => {
    let link: LinkView & { secretCode: string };

    beforeAll(async () => {
      link = await createLink({ smaregiConnectionId: platformConnectionId, idMatching: 'jan', notificationEmail: 'jan@example.jp' });
    });

    it('a change reaches NextEngine under the goods code with the same JAN, which is remembered', async () => {
      const change = sr.applyStockChange({ kind: 'adjust', storeId: '1', productId: '9100001', amount: 5 }, PLATFORM_CONTRACT);
      const delivery = await sr.sendPlatformStockWebhook(link.customerUrl, change.historyIds, { contractId: PLATFORM_CONTRACT, headers: { sncode: link.secretCode } });
      expect(JSON.parse(delivery.responseBody)).toEqual({ accepted: 1, duplicates: 0, unrecognised: 0 });
      await waitFor(async () => neStock('JAN-GOODS-1') === 25, { what: 'the JAN-matched delta in NextEngine' });
      const remembered = await db.query(`SELECT smaregi_product_id, nextengine_code, source FROM stock_link_codes WHERE link_id = $1`, [link.id]);
      expect(remembered).toEqual([{ smaregi_product_id: '9100001', nextengine_code: 'JAN-GOODS-1', source: 'jan' }]);
    });

    it('a resent event is applied once', async () => {
      const change = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '9100001', quantity: 2 }, PLATFORM_CONTRACT);
      const first = await sr.sendPlatformStockWebhook(link.customerUrl, change.historyIds, { contractId: PLATFORM_CONTRACT, headers: { sncode: link.secretCode } });
      const again = await sr.sendPlatformStockWebhook(link.customerUrl, change.historyIds, { contractId: PLATFORM_CONTRACT, headers: { sncode: link.secretCode } });
      expect(JSON.parse(first.responseBody)).toMatchObject({ accepted: 1 });
      expect(JSON.parse(again.responseBody)).toEqual({ accepted: 0, duplicates: 1, unrecognised: 0 });
      await waitFor(async () => neStock('JAN-GOODS-1') === 23, { what: 'the sale in NextEngine' });
      await settled(link.id);
      expect(neStock('JAN-GOODS-1')).toBe(23);
    });

    it('a Smaregi product without NextEngine goods of its JAN fails visibly and is mailed', async () => {
      const change = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '9100003', quantity: 1 }, PLATFORM_CONTRACT);
      await sr.sendPlatformStockWebhook(link.customerUrl, change.historyIds, { contractId: PLATFORM_CONTRACT, headers: { sncode: link.secretCode } });
      const mail = await waitFor(async () => mails.find((m) => m.text.includes('4900000000035')), { what: 'the mail about the Smaregi-only product' });
      expect(mail.to[0].address).toBe('jan@example.jp');
      expect(mail.text).toContain('exists only in Smaregi');
      const [failed] = (await events(link.id)).filter((e) => e.product_id === '9100003');
      expect(failed).toMatchObject({ status: 'failed', reason: expect.stringContaining('exists only in Smaregi') });
    });
  });

  // NextEngine orders → Smaregi shipments: test/e2e/stock-links/ne-order-shipments.e2e-spec.ts

  describe('code map upload', () => {
    let link: LinkView & { secretCode: string };
    const codes = async () => (await db.query(`SELECT smaregi_product_id FROM stock_link_codes WHERE link_id = $1 ORDER BY 1`, [link.id])).map((r: { smaregi_product_id: string }) => r.smaregi_product_id);

    beforeAll(async () => {
      link = await createLink({ smaregiConnectionId: legacyConnectionId });
      await putCodeMap(link.id, 'smaregi-id,nextengine-code\n8000001,A-1\n8000002,B-2\n').expect(200, { entries: 2, reset: false });
    });

    it('bad rows are refused by row number and nothing is written', async () => {
      const response = await putCodeMap(link.id, 'smaregi-id,nextengine-code\n8000003,OK-3\n12345678901234567,C-3\n8000004,NOT_VALID\n');
      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
        [3, 'smaregi-id'],
        [4, 'nextengine-code'],
      ]);
      expect(await codes()).toEqual(['8000001', '8000002']);
      const noHeader = await putCodeMap(link.id, '8000003,OK-3\n');
      expect(noHeader.status).toBe(422);
      expect(noHeader.body.errors).toEqual([expect.objectContaining({ row: 1, field: 'header' })]);
    });

    it('a re-upload replaces the map and an empty upload resets it', async () => {
      await putCodeMap(link.id, 'smaregi-id,nextengine-code\n8000003,C-3\n').expect(200, { entries: 1, reset: false });
      expect(await codes()).toEqual(['8000003']);
      await putCodeMap(link.id, '').expect(200, { entries: 0, reset: true });
      expect(await codes()).toEqual([]);
    });
  });

  describe('tenant isolation', () => {
    it('another tenant gets 404 on every route of a link and cannot use the connections', async () => {
      const link = await createLink({ smaregiConnectionId: legacyConnectionId });
      const other = await t.createTenant('Another seller');
      const as = { Authorization: `Bearer ${other.apiKey}` };
      await t.http.get(`/v1/stock-links/${link.id}`).set(as).expect(404);
      await t.http.patch(`/v1/stock-links/${link.id}`).set(as).send({ uploadDelaySeconds: 5 }).expect(404);
      await t.http.put(`/v1/stock-links/${link.id}/code-map`).set(as).set('Content-Type', 'text/csv').send('smaregi-id,nextengine-code\n').expect(404);
      await t.http.post(`/v1/stock-links/${link.id}/flush`).set(as).expect(404);
      await t.http.delete(`/v1/stock-links/${link.id}`).set(as).expect(404);
      expect((await t.http.get('/v1/stock-links').set(as).expect(200)).body.data).toEqual([]);
      const stolen = await t.http
        .post('/v1/stock-links')
        .set(as)
        .send({ smaregiConnectionId: legacyConnectionId, nextengineConnectionId: neConnectionId, stockMaster: 'smaregi', idMatching: 'csv' });
      expect(stolen.status).toBe(400);
      expect((await view(link.id)).id).toBe(link.id);
    });
  });
});
