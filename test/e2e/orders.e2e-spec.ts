import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { NextEngineSimulator, type NeOrderSeed } from '../simulators/nextengine';
import { Qoo10Simulator, QOO10_DEFAULT_ACCOUNT } from '../simulators/qoo10';
import { loadOpenApi } from '../support/openapi-requests';
import { connectNextEngine } from '../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const PROBLEM_JSON = /^application\/problem\+json/;

function neOrder(n: number, overrides: Partial<NeOrderSeed> = {}): NeOrderSeed {
  return {
    receiveOrderId: String(1000 + n),
    shopId: '1',
    shopCutFormId: `M-${1000 + n}`,
    statusId: 20,
    printingInMinutes: -60,
    purchaser: { name: `購入者 ${n}`, zipCode: '1000001', address1: '東京都千代田区千代田1-1', tel: '03-0000-0000' },
    consignee: { name: n % 2 ? `山田 花子 ${n}` : `佐藤 一郎 ${n}`, zipCode: '1500001', address1: '東京都渋谷区神宮前1-1-1', tel: '03-1111-1111' },
    rows: [
      { goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', quantity: 1, unitPrice: 1980 },
      ...(n % 3 === 0 ? [{ goodsId: 'CAP-BLK', goodsName: 'キャップ 黒', quantity: 2, unitPrice: 2500 }] : []),
    ],
    ...overrides,
  };
}

/**
 * The order intake engine against the NextEngine and Qoo10 simulators, with the real scheduler,
 * the real job queue on PostgreSQL, and the real HTTP API.
 */
describe('Order intake', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const qoo10 = new Qoo10Simulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  let neConnectionId: string;

  beforeAll(async () => {
    ne.seed(undefined);
    qoo10.seed(undefined);
    await ne.start();
    await qoo10.start();
    t = await startTestApp(syncingApp(ne.url));
    tenant = await t.createTenant('Order seller');
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await qoo10.stop();
  });

  async function orders(query = '') {
    const response = await t.http.get(`/v1/orders?limit=200${query}`).set(auth()).expect(200);
    return response.body.data as { id: string; externalOrderId: string; status: string; updatedAt: string; lineCount: number; recipientName: string | null }[];
  }

  async function finishedRun(runId: string) {
    return waitFor(
      async () => {
        const run = (await t.http.get(`/v1/sync-runs/${runId}`).set(auth()).expect(200)).body;
        return ['succeeded', 'failed'].includes(run.status) ? run : null;
      },
      { what: `sync run ${runId}` },
    );
  }

  async function syncNow(connectionId: string) {
    const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
    expect(started.body.runId).toBeTruthy();
    return finishedRun(started.body.runId);
  }

  describe('NextEngine', () => {
    beforeAll(async () => {
      for (let n = 1; n <= 12; n++) ne.addOrder(neOrder(n));
      ne.addOrder(neOrder(50, { printingInMinutes: 24 * 60 })); // 印刷日待ち: not collectable yet
      ne.addOrder(neOrder(51, { cancelTypeId: 1 })); // cancelled
      ne.addOrder(neOrder(52, { statusId: 50 })); // already shipped
      neConnectionId = await connectNextEngine(t, ne, tenant.apiKey, { options: { autoOrderIntegration: true } });
    });

    it('the scheduler pulls the collectable orders without any request', async () => {
      const pulled = await waitFor(async () => {
        const list = await orders(`&connectionId=${neConnectionId}`);
        return list.length >= 12 ? list : null;
      }, { what: '12 pulled orders' });
      expect(pulled.map((o) => o.externalOrderId).sort()).toEqual(
        Array.from({ length: 12 }, (_, i) => String(1001 + i)).sort(),
      );
      const runs = (await t.http.get(`/v1/sync-runs?connectionId=${neConnectionId}`).set(auth()).expect(200)).body.data;
      expect(runs[runs.length - 1].trigger).toBe('schedule');
      const first = await finishedRun(runs[runs.length - 1].id);
      expect(first).toMatchObject({ status: 'succeeded', created: 12, seen: 12 });
    });

    it('keeps the order with its lines, recipient, and NE status; NE orders arrive confirmed', async () => {
      const [summary] = await orders(`&q=${encodeURIComponent('1003')}`);
      const order = (await t.http.get(`/v1/orders/${summary.id}`).set(auth()).expect(200)).body;
      expect(order).toMatchObject({ site: 'nextengine', externalOrderId: '1003', status: 'confirmed', siteStatus: '20', lineCount: 2 });
      expect(order.recipient.name).toBe('山田 花子 3');
      expect(order.lines.map((l: { productCode: string; quantity: number }) => [l.productCode, l.quantity])).toEqual([
        ['TSHIRT-RED-M', 1],
        ['CAP-BLK', 2],
      ]);
      expect(order.lines[0].listingKey).toBe('TSHIRT-RED-M');
      expect(order.confirmation.state).toBe('not_needed');
    });

    it('a second pull of the same data writes nothing', async () => {
      const before = await orders(`&connectionId=${neConnectionId}`);
      const run = await syncNow(neConnectionId);
      expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 0, unchanged: 12 });
      const after = await orders(`&connectionId=${neConnectionId}`);
      expect(after.map((o) => [o.id, o.updatedAt]).sort()).toEqual(before.map((o) => [o.id, o.updatedAt]).sort());
    });

    it('an order changed on the site is updated; one whose print date arrives is pulled', async () => {
      ne.patchOrder('1005', { receive_order_consignee_name: '変更 太郎' });
      // A day passes on both sides: the future print date arrives (and NE rotates the tokens on the next call).
      ne.clock.advance(25 * 60 * 60_000);
      t.app.get(Clock).advance(25 * 60 * 60_000);
      const run = await syncNow(neConnectionId);
      expect(run).toMatchObject({ status: 'succeeded', created: 1, updated: 1 });
      const [changed] = await orders('&q=1005');
      expect(changed.recipientName).toBe('変更 太郎');
      expect((await orders('&q=1050')).map((o) => o.externalOrderId)).toEqual(['1050']);
    });

    it('filters by status, text, date and unmapped, and pages without gaps or repeats', async () => {
      expect((await orders('&status=confirmed')).length).toBe(13);
      expect((await orders('&status=shipped')).length).toBe(0);
      expect((await orders(`&q=${encodeURIComponent('佐藤')}`)).length).toBe(7); // even order numbers, 1050 included
      expect((await orders('&unmapped=true')).length).toBe(13);
      expect((await orders('&orderedFrom=2000-01-01T00:00:00Z&orderedTo=2000-01-02T00:00:00Z')).length).toBe(0);
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { data: { id: string }[]; nextCursor: string | null } = (
          await t.http.get(`/v1/orders?limit=5${cursor ? `&cursor=${cursor}` : ''}`).set(auth()).expect(200)
        ).body;
        for (const order of page.data) {
          expect(seen.has(order.id)).toBe(false);
          seen.add(order.id);
        }
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.size).toBe(13);
    });

    it('lists the unmapped listing keys with how many orders wait on each', async () => {
      const unmapped = (await t.http.get('/v1/sku-mappings/unmapped').set(auth()).expect(200)).body.data;
      const tshirt = unmapped.find((u: { listingKey: string }) => u.listingKey === 'TSHIRT-RED-M');
      expect(tshirt).toMatchObject({ site: 'nextengine', waitingOrders: 13 });
      expect(unmapped.find((u: { listingKey: string }) => u.listingKey === 'CAP-BLK').waitingOrders).toBe(4);
    });

    it('a new SKU resolves the waiting lines by code equality', async () => {
      await t.http.post('/v1/skus').set(auth()).send({ code: 'TSHIRT-RED-M', name: 'Tシャツ 赤 M' }).expect(201);
      await waitFor(async () => {
        const unmapped = (await t.http.get('/v1/sku-mappings/unmapped').set(auth()).expect(200)).body.data;
        return !unmapped.some((u: { listingKey: string }) => u.listingKey === 'TSHIRT-RED-M');
      }, { what: 'TSHIRT-RED-M to resolve' });
      const [order] = await orders('&q=1001');
      const detail = (await t.http.get(`/v1/orders/${order.id}`).set(auth()).expect(200)).body;
      expect(detail.unmappedLineCount).toBe(0);
      expect(detail.lines[0]).toMatchObject({ resolution: 'code', quantityPerUnit: 1 });
      expect(detail.lines[0].skuId).toBeTruthy();
      expect((await orders('&unmapped=true')).length).toBe(4);
    });

    it('cancels an order once; cancelling again is an illegal transition (409)', async () => {
      const [order] = await orders('&q=1002');
      const cancelled = await t.http.post(`/v1/orders/${order.id}/cancel`).set(auth()).expect(200);
      expect(cancelled.body.status).toBe('cancelled');
      const again = await t.http.post(`/v1/orders/${order.id}/cancel`).set(auth()).expect(409);
      expect(again.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(again.body).toMatchObject({ from: 'cancelled', to: 'cancelled' });
      await t.http.post(`/v1/orders/${order.id}/confirm`).set(auth()).expect(409);
    });

    it('takes a manual order, refuses it twice, and a pull never overwrites it', async () => {
      const body = {
        connectionId: neConnectionId,
        externalOrderId: '1099',
        orderedAt: '2026-11-01T10:00:00+09:00',
        recipient: { name: '手入力 次郎', postalCode: '5300001', region: '大阪府', line1: '大阪市北区梅田1-1' },
        lines: [{ productCode: 'TSHIRT-RED-M', productName: 'Tシャツ 赤 M', quantity: 3 }],
        note: '送り状を NE で印刷済み',
      };
      const created = await t.http.post('/v1/orders').set(auth()).send(body).expect(201);
      expect(created.body).toMatchObject({ source: 'manual', status: 'confirmed', unmappedLineCount: 0 });
      expect(created.body.lines[0]).toMatchObject({ resolution: 'code', quantity: 3 });
      await t.http.post('/v1/orders').set(auth()).send(body).expect(409);

      ne.addOrder(neOrder(99)); // the same order number appears on the site
      await syncNow(neConnectionId);
      const kept = (await t.http.get(`/v1/orders/${created.body.id}`).set(auth()).expect(200)).body;
      expect(kept.recipient.name).toBe('手入力 次郎');
      expect(kept.source).toBe('manual');
    });

    it('validates manual orders field by field', async () => {
      const response = await t.http
        .post('/v1/orders')
        .set(auth())
        .send({ connectionId: 'nope', orderedAt: 'yesterday', recipient: {}, lines: [{ quantity: 0 }] })
        .expect(400);
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(['connectionId', 'externalOrderId', 'orderedAt', 'recipient.name', 'lines[0].quantity', 'lines[0].productCode']),
      );
    });

    it('records every run with its trigger and counts', async () => {
      const runs = (await t.http.get(`/v1/sync-runs?connectionId=${neConnectionId}&kind=orders.pull&status=succeeded`).set(auth()).expect(200)).body.data;
      expect(runs.length).toBeGreaterThanOrEqual(4);
      for (const run of runs) {
        expect(run.finishedAt).toBeTruthy();
        expect(run.seen).toBe(run.created + run.updated + run.unchanged + run.failed);
      }
      expect(runs.map((r: { trigger: string }) => r.trigger)).toEqual(expect.arrayContaining(['schedule', 'manual']));
    });

    it('marks the run failed without retrying when the site refuses the credentials, and shows it on the connection', async () => {
      ne.expireRefreshToken();
      ne.expireAccessToken();
      const run = await syncNow(neConnectionId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/credentials/);
      const connection = (await t.http.get(`/v1/connections/${neConnectionId}`).set(auth()).expect(200)).body;
      expect(connection.status).toBe('auth_expired');
    });
  });

  describe('Qoo10 confirmation', () => {
    it('confirms new orders on the site after intake, grouping a pack into one order', async () => {
      // JST wall-clock time of the simulator's "now", as Qoo10 writes dates
      const jst = new Date(qoo10.clock.now().getTime() + 9 * 3600_000 - 3600_000).toISOString().replace('T', ' ').slice(0, 19);
      const base = { orderDate: jst, buyer: '鈴木 一郎', receiver: '鈴木 一郎', zipCode: '100-0001', address1: '東京都千代田区1-1', orderPrice: 800 };
      qoo10.addOrder({ ...base, orderNo: 9001, packNo: 7001, status: 2, itemCode: '111', sellerItemCode: 'SOCKS-1', itemTitle: '靴下', orderQty: 1 });
      qoo10.addOrder({ ...base, orderNo: 9002, packNo: 7001, status: 2, itemCode: '112', sellerItemCode: 'SOCKS-2', itemTitle: '靴下 2', orderQty: 2 });
      qoo10.addOrder({ ...base, orderNo: 9003, packNo: 7003, status: 3, itemCode: '111', sellerItemCode: 'SOCKS-1', itemTitle: '靴下', orderQty: 1 });
      const created = await t.http
        .post('/v1/connections')
        .set(auth())
        .send({
          site: 'qoo10-jp',
          shopId: QOO10_DEFAULT_ACCOUNT.userId,
          endpoint: qoo10.url,
          credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
          options: { autoOrderIntegration: true, autoOrderConfirmation: true },
        })
        .expect(201);
      const qoo10Orders = await waitFor(async () => {
        const list = await orders(`&connectionId=${created.body.id}`);
        return list.length === 2 && list.every((o) => o.status === 'confirmed') ? list : null;
      }, { what: 'both Qoo10 packs confirmed' });
      expect(qoo10Orders.map((o) => o.externalOrderId).sort()).toEqual(['7001', '7003']);
      const pack = qoo10Orders.find((o) => o.externalOrderId === '7001')!;
      expect(pack.lineCount).toBe(2);
      expect(qoo10.getOrder(9001)!.status).toBe(3);
      expect(qoo10.getOrder(9002)!.status).toBe(3);
      const detail = (await t.http.get(`/v1/orders/${pack.id}`).set(auth()).expect(200)).body;
      expect(detail.confirmation).toMatchObject({ state: 'confirmed', error: null });
    });
  });

  describe('the list', () => {
    /** What the list shows of an order, taken from `GET /v1/orders/{id}`. */
    function summaryOf(detail: Record<string, any>) {
      return {
        id: detail.id,
        site: detail.site,
        connectionId: detail.connectionId,
        externalOrderId: detail.externalOrderId,
        source: detail.source,
        status: detail.status,
        holdReason: detail.holdReason,
        siteStatus: detail.siteStatus,
        orderedAt: detail.orderedAt,
        recipientName: detail.recipient?.name ?? null,
        recipientPrefecture: detail.recipient?.region ?? null,
        lineCount: detail.lineCount,
        total: detail.total,
        unmapped: detail.unmappedLineCount > 0,
        confirmationState: detail.confirmation.state,
        siteState: detail.siteChange.state,
        cancelledAfterInstructionAt: detail.siteChange.cancelledAfterInstructionAt,
        fulfillmentStatus: detail.fulfillmentStatus,
        trackingPushState: detail.trackingPushState,
        updatedAt: detail.updatedAt,
      };
    }
    const detailOf = async (id: string) => (await t.http.get(`/v1/orders/${id}`).set(auth()).expect(200)).body as Record<string, any>;
    const listed = async () => (await t.http.get('/v1/orders?limit=200').set(auth()).expect(200)).body.data as Record<string, any>[];

    it('shows each order as a summary of GET /v1/orders/{id}, with exactly the fields the OpenAPI document declares', async () => {
      const response = await t.http.get('/v1/orders?limit=200').set(auth()).expect(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      const items: Record<string, any>[] = response.body.data;
      // the orders above cover site and manual orders, with and without totals and prefectures, confirmed,
      // cancelled, mapped and unmapped ones: every nullable field is compared both ways
      expect(new Set(items.map((item) => item.source))).toEqual(new Set(['site', 'manual']));
      expect(items.some((item) => item.total === null) && items.some((item) => item.total !== null)).toBe(true);
      expect(items.some((item) => item.recipientPrefecture === null) && items.some((item) => item.recipientPrefecture !== null)).toBe(true);
      expect(new Set(items.map((item) => item.unmapped))).toEqual(new Set([true, false]));
      expect(new Set(items.map((item) => item.status))).toEqual(new Set(['confirmed', 'cancelled']));
      const doc = loadOpenApi() as any; // the document `npm run openapi` writes from the compiled DTOs
      const schema = doc.components.schemas.OrderSummary;
      expect(doc.paths['/v1/orders'].get.responses['200'].content['application/json'].schema.allOf[1].properties.data.items).toEqual({
        $ref: '#/components/schemas/OrderSummary',
      });
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(Object.keys(schema.properties).sort());
        expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
        const detail = await detailOf(item.id);
        expect(item).toEqual(summaryOf(detail));
        expect(item).not.toHaveProperty('lines');
        expect(item).not.toHaveProperty('buyer');
      }
    });

    it('shows every change made after an order was listed, whoever wrote it, fulfillment and tracking included', async () => {
      const [order] = await listed();
      // written straight to the tables, updated_at left as it was: the list must not rely on any writer of
      // ours touching it
      const db = t.app.get(DataSource);
      await db.query(`UPDATE orders SET hold_reason = 'first', updated_at = updated_at WHERE id = $1`, [order.id]);
      expect((await listed()).find((item) => item.id === order.id)?.holdReason).toBe('first');
      await db.query(
        `UPDATE orders SET hold_reason = 'second', recipient = recipient || '{"name": "名前 \\"引用\\"", "region": "北海道"}'::jsonb,
                           updated_at = updated_at WHERE id = $1`,
        [order.id],
      );
      const again = (await listed()).find((item) => item.id === order.id);
      expect(again).toMatchObject({ holdReason: 'second', recipientName: '名前 "引用"', recipientPrefecture: '北海道' });
      expect(again).toEqual(summaryOf(await detailOf(order.id)));

      // a fulfillment order cancelled, then a live one: the live one is shown, whichever is newer
      const [cancelled] = await db.query(
        `INSERT INTO fulfillment_orders (tenant_id, order_id, connection_id, site, external_order_id, status, trigger, created_at)
         SELECT tenant_id, id, connection_id, site, external_order_id, 'cancelled', 'manual', now() FROM orders WHERE id = $1 RETURNING id`,
        [order.id],
      );
      expect((await listed()).find((item) => item.id === order.id)?.fulfillmentStatus).toBe('cancelled');
      await db.query(
        `INSERT INTO fulfillment_orders (tenant_id, order_id, connection_id, site, external_order_id, status, trigger, created_at)
         SELECT tenant_id, id, connection_id, site, external_order_id, 'instructed', 'manual', now() - interval '1 hour' FROM orders WHERE id = $1`,
        [order.id],
      );
      expect((await listed()).find((item) => item.id === order.id)?.fulfillmentStatus).toBe('instructed');
      await db.query(`UPDATE fulfillment_orders SET status = 'waybill_issued' WHERE order_id = $1 AND id <> $2`, [order.id, cancelled.id]);
      await db.query(`UPDATE orders SET tracking_push_state = 'failed', updated_at = updated_at WHERE id = $1`, [order.id]);
      expect((await listed()).find((item) => item.id === order.id)).toMatchObject({ fulfillmentStatus: 'waybill_issued', trackingPushState: 'failed' });
      expect((await listed()).find((item) => item.id === order.id)).toEqual(summaryOf(await detailOf(order.id)));
      const fulfillment = (await t.http.get(`/v1/fulfillment-orders?orderId=${order.id}&status=waybill_issued`).set(auth()).expect(200)).body.data;
      expect(fulfillment.map((fo: { orderId: string }) => fo.orderId)).toEqual([order.id]);
    });
  });

  describe('the list ETag', () => {
    const page = (headers: Record<string, string> = {}) => t.http.get('/v1/orders?limit=5').set({ ...auth(), ...headers });

    it('answers 200 to an ETag it did not give, 304 to the current one, and a new ETag once a listed order or its fulfillment changes', async () => {
      const first = await page().expect(200);
      const etag: string = first.headers.etag;
      expect(etag).toMatch(/^W\/"[\w-]+"$/);
      await page({ 'If-None-Match': 'W/"not-ours"' }).expect(200);
      const unchanged = await page({ 'If-None-Match': etag }).expect(304);
      expect(unchanged.text ?? '').toBe('');
      // another page (other rows, another cursor) has another ETag
      expect((await t.http.get(`/v1/orders?limit=5&cursor=${first.body.nextCursor}`).set(auth()).expect(200)).headers.etag).not.toBe(etag);

      const db = t.app.get(DataSource);
      const listedId: string = first.body.data[4].id;
      await db.query(`UPDATE orders SET hold_reason = 'etag', updated_at = updated_at WHERE id = $1`, [listedId]);
      const afterOrder = await page({ 'If-None-Match': etag }).expect(200);
      expect(afterOrder.headers.etag).not.toBe(etag);
      expect(afterOrder.body.data[4].holdReason).toBe('etag');

      await db.query(`UPDATE fulfillment_orders SET status = 'received' WHERE order_id = $1 AND status = 'waybill_issued'`, [first.body.data[0].id]);
      const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM fulfillment_orders WHERE order_id = $1 AND status = 'received'`, [
        first.body.data[0].id,
      ]);
      expect(count).toBe(1); // the order the test above gave a fulfillment order is on this page
      const afterFulfillment = await page({ 'If-None-Match': afterOrder.headers.etag }).expect(200);
      expect(afterFulfillment.headers.etag).not.toBe(afterOrder.headers.etag);
      expect(afterFulfillment.body.data[0].fulfillmentStatus).toBe('received');
      await page({ 'If-None-Match': afterFulfillment.headers.etag }).expect(304);
    });
  });

  describe('the list, gzipped', () => {
    /** The raw answer: supertest and fetch would gunzip the body and hide whether it came gzipped. */
    function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
      return new Promise((resolve, reject) => {
        const request = httpGet(`${t.url.replace('[::1]', '127.0.0.1')}${path}`, { headers: { ...auth(), ...headers } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('error', reject);
        });
        request.on('error', reject);
      });
    }
    const gzip = { 'Accept-Encoding': 'gzip, deflate, br' };
    const path = '/v1/orders?limit=4';

    it('answers a page asked for again gzipped to a client that accepts it, with the same ETag, and never a page of old rows', async () => {
      const first = await rawGet(path, gzip);
      expect(first.status).toBe(200);
      expect(first.headers['content-encoding']).toBeUndefined();
      expect(first.headers.vary).toMatch(/Accept-Encoding/);
      const items = JSON.parse(first.body.toString('utf8')).data as { id: string; holdReason: string | null }[];
      expect(items).toHaveLength(4);

      const again = await rawGet(path, gzip);
      expect(again.headers['content-encoding']).toBe('gzip');
      expect(again.headers.vary).toMatch(/Accept-Encoding/);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(Number(again.headers['content-length'])).toBe(again.body.length);
      expect(gunzipSync(again.body)).toEqual(first.body);
      expect(again.body.length).toBeLessThan(first.body.length);
      // a 304 names no coding: a cache freshening the plain page it kept with the 304's headers would take it as gzip
      const unchanged = await rawGet(path, { ...gzip, 'If-None-Match': String(first.headers.etag) });
      expect(unchanged.status).toBe(304);
      expect(unchanged.headers['content-encoding']).toBeUndefined();
      expect(unchanged.headers.etag).toBe(first.headers.etag);
      expect(unchanged.body.length).toBe(0);

      // a client that does not accept gzip gets the page as it is: no header, identity only, or gzip refused
      const refusals: Record<string, string>[] = [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': 'gzip;q=0, br' }];
      for (const refusing of refusals) {
        const plain = await rawGet(path, refusing);
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(plain.headers.vary).toMatch(/Accept-Encoding/);
        expect(plain.body).toEqual(first.body);
      }

      // an order on the page changes: the gzipped page of before is not sent again
      await t.app.get(DataSource).query(`UPDATE orders SET hold_reason = 'gzip', updated_at = updated_at WHERE id = $1`, [items[2].id]);
      const changed = await rawGet(path, gzip);
      expect(changed.headers.etag).not.toBe(first.headers.etag);
      expect(changed.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(changed.body.toString('utf8')).data[2].holdReason).toBe('gzip');
      const changedAgain = await rawGet(path, gzip);
      expect(changedAgain.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(gunzipSync(changedAgain.body).toString('utf8')).data[2].holdReason).toBe('gzip');
    });
  });

  describe('isolation', () => {
    it('another tenant sees none of these orders and gets 404 on each', async () => {
      const other = await t.createTenant('Other');
      const [order] = await orders();
      const theirs = await t.http.get('/v1/orders').set({ Authorization: `Bearer ${other.apiKey}` }).expect(200);
      expect(theirs.body.data).toEqual([]);
      await t.http.get(`/v1/orders/${order.id}`).set({ Authorization: `Bearer ${other.apiKey}` }).expect(404);
      await t.http.post(`/v1/orders/${order.id}/cancel`).set({ Authorization: `Bearer ${other.apiKey}` }).expect(404);
      await t.http.post(`/v1/connections/${neConnectionId}/sync`).set({ Authorization: `Bearer ${other.apiKey}` }).expect(404);
      const runs = await t.http.get('/v1/sync-runs').set({ Authorization: `Bearer ${other.apiKey}` }).expect(200);
      expect(runs.body.data).toEqual([]);
      const [run] = (await t.http.get('/v1/sync-runs').set(auth()).expect(200)).body.data;
      await t.http.get(`/v1/sync-runs/${run.id}`).set({ Authorization: `Bearer ${other.apiKey}` }).expect(404);
      expect(t.app.get(DataSource)).toBeDefined();
    });
  });
});
