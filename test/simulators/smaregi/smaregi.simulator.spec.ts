import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SmaregiSimulator } from './smaregi.simulator';

type Json = Record<string, any>;

const CONTRACT = 'smaregi-demo';
const LEGACY_TOKEN = 'demo-legacy-access-token';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in for the Mallbridge bridge endpoint: records what arrives, answers with a settable status. */
async function startReceiver(): Promise<{ url: string; received: Received[]; status: { code: number }; close: () => Promise<void> }> {
  const received: Received[] = [];
  const status = { code: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status.code;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    status,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SmaregiSimulator (wire protocol, spec smaregi.md)', () => {
  const sim = new SmaregiSimulator();
  let base: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    base = await sim.start(0);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.close();
  });
  beforeEach(() => {
    sim.reset();
    sim.clock.set('2025-01-10T01:00:00Z');
    sim.seed(SmaregiSimulator.demoSeed());
    receiver.received.length = 0;
    receiver.status.code = 200;
  });

  async function legacy(
    procName: string,
    params: unknown,
    headers: Record<string, string> = { X_contract_id: CONTRACT, X_access_token: LEGACY_TOKEN },
  ): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${base}/access/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', ...headers },
      body: new URLSearchParams({ proc_name: procName, params: JSON.stringify(params) }).toString(),
    });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function platformToken(scope?: string, secret = 'sim-sr-client-secret'): Promise<{ status: number; body: Json }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) form.set('scope', scope);
    const res = await fetch(`${base}/app/${CONTRACT}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`sim-sr-client-id:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${base}/${CONTRACT}/pos${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  }

  describe('legacy /access/ (spec §A)', () => {
    it('store_ref works with the underscore headers and with the hyphen spelling', async () => {
      const params = { table_name: 'Store', conditions: [], fields: ['storeId', 'storeName'], order: ['storeId'] };
      const a = await legacy('store_ref', params);
      expect(a.status).toBe(200);
      expect(a.body).toEqual({
        total_count: '3',
        result: [
          { storeId: '1', storeName: '渋谷本店' },
          { storeId: '2', storeName: '梅田店' },
          { storeId: '3', storeName: '千葉物流倉庫' },
        ],
      });
      const b = await legacy('store_ref', params, { 'X-contract-id': CONTRACT, 'X-access-token': LEGACY_TOKEN });
      expect(b.body.total_count).toBe('3');
    });

    it('refuses a wrong token or missing headers with the error shape and a non-2xx status', async () => {
      const wrong = await legacy('store_ref', { table_name: 'Store', conditions: [] }, { X_contract_id: CONTRACT, X_access_token: 'nope' });
      expect(wrong.status).toBe(401);
      expect(Object.keys(wrong.body).sort()).toEqual(['error', 'error_code', 'error_description']);
      const none = await legacy('store_ref', { table_name: 'Store', conditions: [] }, {});
      expect(none.status).toBe(401);
      const badTable = await legacy('store_ref', { table_name: 'Product', conditions: [] });
      expect(badTable.status).toBe(400);
      const tooMany = await legacy('product_ref', { table_name: 'Product', conditions: [], limit: 1001 });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error_code).toBeDefined();
    });

    it('product_ref and stock_ref page and filter with conditions', async () => {
      const products = await legacy('product_ref', {
        table_name: 'Product',
        conditions: [{ groupCode: 'TSHIRT' }],
        fields: ['productId', 'productCode'],
        order: ['productId desc'],
        limit: 2,
        page: 1,
      });
      expect(products.body).toEqual({
        total_count: '3',
        result: [
          { productId: '8000003', productCode: '4901234567917' },
          { productId: '8000002', productCode: '4901234567900' },
        ],
      });
      const stock = await legacy('stock_ref', {
        table_name: 'Stock',
        conditions: [{ storeId: '1' }, { 'stockAmount >=': '8' }],
        fields: ['productId', 'stockAmount'],
        order: ['productId'],
      });
      expect(stock.body.result).toEqual([
        { productId: '8000001', stockAmount: '8' },
        { productId: '8000005', stockAmount: '12' },
        { productId: '8000006', stockAmount: '10' },
      ]);
    });

    it('stock_upd sets (1) or adds (2) and appends StockHistory with stockDivision 15', async () => {
      const upd = (division: '1' | '2', amount: string) =>
        legacy('stock_upd', {
          proc_info: { proc_division: 'U', proc_detail_division: division },
          data: [{ table_name: 'Stock', rows: [{ storeId: '1', productId: '8000001', stockAmount: amount, memo: 'EC連携' }] }],
        });
      expect((await upd('1', '20')).body).toEqual({ result: { Stock: 1 } });
      expect((await upd('2', '-3')).status).toBe(200);
      expect(sim.getStock('1', '8000001')).toBe(17);
      const history = await legacy('stock_ref', {
        table_name: 'StockHistory',
        conditions: [{ productId: '8000001' }],
        fields: ['id', 'storeId', 'amount', 'stockAmount', 'stockDivision', 'updDateTime'],
      });
      expect(history.body.result).toEqual([
        { id: '1', storeId: '1', amount: '12', stockAmount: '20', stockDivision: '15', updDateTime: '2025-01-10 10:00:00' },
        { id: '2', storeId: '1', amount: '-3', stockAmount: '17', stockDivision: '15', updDateTime: '2025-01-10 10:00:00' },
      ]);
      const badMode = await legacy('stock_upd', {
        proc_info: { proc_division: 'U', proc_detail_division: '3' },
        data: [{ table_name: 'Stock', rows: [{ storeId: '1', productId: '8000001', stockAmount: '1' }] }],
      });
      expect(badMode.status).toBe(400);
      expect(sim.getStock('1', '8000001')).toBe(17);
    });

    it('refuses a function that is not enabled', async () => {
      sim.seed({
        contracts: [
          { contractId: CONTRACT, accessToken: LEGACY_TOKEN, disabledProcs: ['stock_upd'], stores: [{ storeId: '1', storeName: '本店' }] },
        ],
      });
      const res = await legacy('stock_upd', { proc_info: { proc_division: 'U', proc_detail_division: '2' }, data: [] });
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBeDefined();
    });
  });

  describe('Platform API (spec §C)', () => {
    it('issues a bearer token for client credentials and lists stores', async () => {
      const tok = await platformToken('pos.stores:read pos.stock:read');
      expect(tok.status).toBe(200);
      expect(tok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'pos.stores:read pos.stock:read' });
      const stores = await api('GET', '/stores?limit=2&page=2', tok.body.access_token);
      expect(stores.status).toBe(200);
      expect(stores.body.map((s: Json) => s.storeId)).toEqual(['3']);
      const sorted = await api('GET', '/stores?sort=storeId:desc', tok.body.access_token);
      expect(sorted.body[0].storeId).toBe('3');
      const tooBig = await api('GET', '/stores?limit=1001', tok.body.access_token);
      expect(tooBig.status).toBe(400);
      expect(tooBig.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
      const noScope = await api('GET', '/products', tok.body.access_token);
      expect(noScope.status).toBe(403);
    });

    it('refuses bad client credentials, an unknown bearer and an expired one (by the sim clock)', async () => {
      const bad = await platformToken(undefined, 'wrong');
      expect(bad.status).toBe(401);
      expect(bad.body.error).toBe('invalid_client');
      const unknown = await api('GET', '/stores', 'not-a-token');
      expect(unknown.status).toBe(401);
      expect(unknown.body).toMatchObject({ type: 'about:blank', status: 401 });

      const tok = await platformToken();
      expect((await api('GET', '/stock?store_id=2', tok.body.access_token)).status).toBe(200);
      sim.clock.advance(3600_000);
      expect((await api('GET', '/stock?store_id=2', tok.body.access_token)).status).toBe(401);
    });

    it('PATCH sets, POST /add adds with range checks, and the change is readable as history', async () => {
      const { body: t } = await platformToken();
      const set = await api('PATCH', '/stock/8000004', t.access_token, { storeId: '2', stockAmount: '10', stockHistory: { memo: 'EC' } });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ productId: '8000004', storeId: '2', stockAmount: '10', stockHistory: { memo: 'EC' } });
      const add = await api('POST', '/stock/8000004/add', t.access_token, { storeId: '2', stockAmount: '-4' });
      expect(add.body.stockAmount).toBe('6');
      const over = await api('POST', '/stock/8000004/add', t.access_token, { storeId: '2', stockAmount: '999999999' });
      expect(over.status).toBe(400);
      expect(over.body.detail).toContain('999999999');
      const noStore = await api('PATCH', '/stock/8000004', t.access_token, { storeId: '99', stockAmount: '1' });
      expect(noStore.status).toBe(400);
      const noProduct = await api('PATCH', '/stock/1234', t.access_token, { storeId: '2', stockAmount: '1' });
      expect(noProduct.status).toBe(404);

      const changes = await api('GET', '/stock/changes/8000004/2', t.access_token);
      expect(changes.body.map((h: Json) => [h.id, h.amount, h.stockAmount])).toEqual([
        [set.body.stockHistory.id, '8', '10'],
        [add.body.stockHistory.id, '-4', '6'],
      ]);
      const stock = await api('GET', '/stock?store_id=2&product_id=8000004', t.access_token);
      expect(stock.body).toEqual([expect.objectContaining({ productId: '8000004', storeId: '2', stockAmount: '6' })]);
    });

    it('registers a shipment (出庫) and takes its quantities out of the shipping store', async () => {
      const { body: t } = await platformToken();
      const created = await api('POST', '/shipping', t.access_token, {
        shippingStoreId: '3',
        receivingStoreId: '1',
        shippingDate: '2025-01-10',
        status: '1',
        memo: 'NE伝票 1001',
        details: [
          { productId: '8000001', quantity: '2' },
          { productId: '8000005', quantity: '1' },
        ],
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ shippingId: '1', status: '1' });
      expect(sim.getStock('3', '8000001')).toBe(28);
      expect(sim.getStock('3', '8000005')).toBe(61);
      const dup = await api('POST', '/shipping', t.access_token, {
        shippingStoreId: '3',
        receivingStoreId: '1',
        details: [
          { productId: '8000001', quantity: '1' },
          { productId: '8000001', quantity: '1' },
        ],
      });
      expect(dup.status).toBe(400);
      const state = sim.inspect() as Json;
      expect(state.contracts[0].shipments).toHaveLength(1);
      expect(state.contracts[0].shipments[0].memo).toBe('NE伝票 1001');
    });

    it('renders an injected site error as problem JSON', async () => {
      const { body: t } = await platformToken();
      sim.faults.add({ kind: 'site-error', siteCode: '429', pathIncludes: '/pos/', headers: { 'Retry-After': '2' } });
      const res = await fetch(`${base}/${CONTRACT}/pos/stores`, { headers: { authorization: `Bearer ${t.access_token}` } });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toMatchObject({ type: 'about:blank', status: 429 });
    });
  });

  describe('outgoing stock changes (spec §B, §C.5)', () => {
    it('a sale produces the legacy API送信 push with the after-change amount and sncode as a header', async () => {
      const change = sim.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000002', quantity: 2 });
      expect(change.legacyRows).toEqual([{ productId: '8000002', storeId: '1', stockAmount: '3' }]);
      const delivery = await sim.sendLegacyStockPush(`${receiver.url}/v1/stock-links/abc/smaregi`, change.legacyRows, {
        sncode: 'secret-123',
        via: 'header',
      });
      expect(delivery.delivered).toBe(true);
      expect(receiver.received).toHaveLength(1);
      const got = receiver.received[0];
      expect(got.method).toBe('POST');
      expect(got.url).toBe('/v1/stock-links/abc/smaregi');
      expect(got.headers.sncode).toBe('secret-123');
      expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const params = JSON.parse(new URLSearchParams(got.body).get('params')!);
      expect(params).toEqual({ data: [{ table_name: 'Stock', rows: [{ productId: '8000002', storeId: '1', stockAmount: '3' }] }] });
    });

    it('sncode can travel in the query or the form; failed deliveries are resent on demand', async () => {
      receiver.status.code = 503;
      const rows = [{ productId: '8000001', storeId: '2', stockAmount: '4' }];
      const q = await sim.sendLegacyStockPush(`${receiver.url}/hook`, rows, { sncode: 'S1', via: 'query' });
      expect(q.delivered).toBe(false);
      expect(receiver.received[0].url).toBe('/hook?sncode=S1');
      receiver.status.code = 200;
      const resent = await sim.resendFailed();
      expect(resent.map((d) => d.delivered)).toEqual([true]);
      expect(receiver.received[1].body).toBe(receiver.received[0].body);
      await sim.sendLegacyStockPush(`${receiver.url}/hook`, rows, { sncode: 'S2', via: 'form' });
      expect(new URLSearchParams(receiver.received[2].body).get('sncode')).toBe('S2');
      expect(receiver.received[2].headers.sncode).toBeUndefined();
    });

    it('a transfer emits a pos:stock webhook whose ids read back as history with amounts', async () => {
      const change = sim.applyStockChange({ kind: 'transfer', fromStoreId: '3', toStoreId: '2', productId: '8000003', quantity: 5 });
      expect(change.legacyRows).toEqual([
        { productId: '8000003', storeId: '3', stockAmount: '12' },
        { productId: '8000003', storeId: '2', stockAmount: '7' },
      ]);
      await sim.sendPlatformStockWebhook(`${receiver.url}/webhooks/smaregi`, change.historyIds);
      const got = receiver.received[0];
      expect(got.headers['smaregi-event']).toBe('pos:stock');
      expect(got.headers['content-type']).toMatch(/application\/json/);
      const event = JSON.parse(got.body);
      expect(event).toEqual({ contractId: CONTRACT, event: 'pos:stock', action: 'edited', ids: change.webhookIds });

      const { body: t } = await platformToken('pos.stock:read');
      const [first] = event.ids;
      const history = await api('GET', `/stock/changes/${first.productId}/${first.storeId}`, t.access_token);
      const record = history.body.find((h: Json) => h.id === first.id);
      expect(record).toMatchObject({ amount: '-5', stockAmount: '12', fromStoreId: '3', toStoreId: '2' });
    });
  });
});
