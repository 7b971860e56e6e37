import { DataSource } from 'typeorm';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { MAX_FOLD_PRODUCTS } from '../../../src/stock-links/stock-bridge.service';
import { SmaregiSimulator, type StockChange, type StockChangeResult } from '../../simulators/smaregi';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const LEGACY = { contractId: 'travel-legacy', accessToken: 'travel-legacy-token' };
const PLATFORM = { contractId: 'travel-pf', app: { clientId: 'travel-pf-id', clientSecret: 'travel-pf-secret' } };
const SCOPES = 'pos.products:read pos.stock:read pos.stock:write pos.stores:read';
const STORES = [
  { storeId: '1', storeName: '本店' },
  { storeId: '2', storeName: '支店' },
];
/** Smaregi product ids; unlisted in the code map, so the NextEngine goods codes are the same. */
const PRODUCTS = ['7100001', '7100002', '7100003', '7100004', '7100005', '7100006', '7100007', '7100008', '7100009'];
const NE_START = 50;
/** A contract of its own for the stocktake: more products than one fold takes on (MAX_FOLD_PRODUCTS). */
const STOCKTAKE = { contractId: 'travel-stocktake', accessToken: 'travel-stocktake-token' };
const STOCKTAKE_PRODUCTS = Array.from({ length: MAX_FOLD_PRODUCTS + 50 }, (_, i) => String(7200001 + i));

interface Link {
  id: string;
  customerUrl: string;
  secretCode: string;
}

/**
 * What travels through the bridge (DESIGN §7, issue 17), with the Smaregi simulator emitting the pushes it would
 * send for each kind of change (history records carry their 在庫区分): NextEngine master lets only sales and
 * returns through, Smaregi master every change; switches re-read Smaregi first; a late old amount changes nothing.
 */
describe('Stock bridge: what travels, switches, order of arrival', () => {
  let t: TestApp;
  let db: DataSource;
  let apiKey: string;
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });
  let neConnectionId: string;
  let legacyConnectionId: string;
  let platformConnectionId: string;

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 0 });
    sr.seed({ contracts: [] });
    const products = PRODUCTS.map((productId) => ({ productId, productCode: `49${productId}00`, productName: `商品${productId}`, categoryId: '1' }));
    const stock = PRODUCTS.flatMap((productId) => STORES.map(({ storeId }) => ({ storeId, productId, stockAmount: 20 })));
    sr.addContract({ contractId: LEGACY.contractId, accessToken: LEGACY.accessToken, stores: STORES, products, stock });
    sr.addContract({ contractId: PLATFORM.contractId, apps: [PLATFORM.app], stores: STORES, products, stock });
    for (const goodsId of PRODUCTS) ne.addGoods({ goodsId, goodsName: `商品${goodsId}`, stockQuantity: NE_START });
    sr.addContract({
      contractId: STOCKTAKE.contractId,
      accessToken: STOCKTAKE.accessToken,
      stores: [STORES[0]],
      products: STOCKTAKE_PRODUCTS.map((productId) => ({ productId, productCode: productId, productName: `棚卸${productId}`, categoryId: '1' })),
      stock: STOCKTAKE_PRODUCTS.map((productId) => ({ storeId: '1', productId, stockAmount: 20 })),
    });
    for (const goodsId of STOCKTAKE_PRODUCTS) ne.addGoods({ goodsId, goodsName: `棚卸${goodsId}`, stockQuantity: NE_START });
    await ne.start();
    await sr.start();
    t = await startTestApp(syncingApp(ne.url));
    db = t.app.get(DataSource);
    apiKey = (await t.createTenant('Bridge travel seller')).apiKey;
    neConnectionId = await connectNextEngine(t, ne, apiKey);
    legacyConnectionId = await smaregiConnection(LEGACY.contractId, { accessToken: LEGACY.accessToken });
    platformConnectionId = await smaregiConnection(PLATFORM.contractId, PLATFORM.app);
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

  async function createLink(body: Record<string, unknown>): Promise<Link> {
    const response = await t.http
      .post('/v1/stock-links')
      .set(auth())
      .send({ nextengineConnectionId: neConnectionId, idMatching: 'csv', uploadDelaySeconds: 0, ...body });
    if (response.status !== 201) throw new Error(`link creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Link;
  }

  const neStock = (code: string) => ne.getStock(code)?.stock;

  /** Processes and uploads everything received, in the request (the background jobs may have done it already). */
  async function flush(link: Link): Promise<{ processed: number; continuesInBackground: boolean }> {
    return (await t.http.post(`/v1/stock-links/${link.id}/flush`).set(auth()).expect(200)).body as {
      processed: number;
      continuesInBackground: boolean;
    };
  }

  async function uploads(link: Link): Promise<number> {
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM stock_uploads WHERE link_id = $1 AND rows_sent > 0`, [link.id]);
    return count as number;
  }

  async function statuses(link: Link, productId: string): Promise<string[][]> {
    const rows = (await db.query(
      `SELECT store_id, status, delta::text FROM stock_events WHERE link_id = $1 AND product_id = $2 ORDER BY id`,
      [link.id, productId],
    )) as Array<{ store_id: string; status: string; delta: string | null }>;
    return rows.map((row) => [row.store_id, row.status, row.delta ?? '']);
  }

  /** Each emitter: make the change in Smaregi, then push what Smaregi pushes for it (history rows in the given order). */
  function platformEmitter(link: Link) {
    return async (change: StockChange, order: 'as-made' | 'reversed' = 'as-made'): Promise<StockChangeResult> => {
      const made = sr.applyStockChange(change, PLATFORM.contractId);
      const ids = order === 'reversed' ? [...made.historyIds].reverse() : made.historyIds;
      for (const id of ids) {
        const delivery = await sr.sendPlatformStockWebhook(link.customerUrl, [id], { contractId: PLATFORM.contractId, headers: { sncode: link.secretCode } });
        expect(delivery.status).toBe(200);
      }
      return made;
    };
  }

  function legacyEmitter(link: Link) {
    return async (change: StockChange, order: 'as-made' | 'reversed' = 'as-made'): Promise<StockChangeResult> => {
      const made = sr.applyStockChange(change, LEGACY.contractId);
      const rows = order === 'reversed' ? [...made.legacyRows].reverse() : made.legacyRows;
      for (const row of rows) {
        const delivery = await sr.sendLegacyStockPush(link.customerUrl, [row], { sncode: link.secretCode });
        expect(delivery.status).toBe(200);
      }
      return made;
    };
  }

  describe.each([
    ['Platform pos:stock webhooks', 'platform', '7100001'],
    ['legacy API送信 pushes (history read back)', 'legacy', '7100002'],
  ] as const)('NextEngine master, %s', (_name, api, productId) => {
    let link: Link;
    let emit: ReturnType<typeof platformEmitter>;

    beforeAll(async () => {
      link = await createLink({ smaregiConnectionId: api === 'platform' ? platformConnectionId : legacyConnectionId, stockMaster: 'nextengine' });
      emit = api === 'platform' ? platformEmitter(link) : legacyEmitter(link);
    });

    it('a sale travels', async () => {
      await emit({ kind: 'sale', storeId: '1', productId, quantity: 2 });
      await waitFor(async () => neStock(productId) === NE_START - 2, { what: 'the sale in NextEngine' });
    });

    it('a transfer of 5 between stores leaves NextEngine unchanged, the halves arriving in either order', async () => {
      await emit({ kind: 'transfer', fromStoreId: '1', toStoreId: '2', productId, quantity: 5 }, 'reversed');
      await emit({ kind: 'transfer', fromStoreId: '2', toStoreId: '1', productId, quantity: 5 }, 'as-made');
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 2);
      const transfers = (await statuses(link, productId)).slice(1);
      expect(transfers.every(([, status]) => status === 'ignored' || status === 'zero')).toBe(true);
    });

    it('a loss and a stocktake do not travel', async () => {
      await emit({ kind: 'loss', storeId: '1', productId, quantity: 1 });
      await emit({ kind: 'stocktake', storeId: '2', productId, counted: 17 });
      await emit({ kind: 'receipt', storeId: '2', productId, quantity: 6 });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 2);
      const [{ reason }] = await db.query(
        `SELECT reason FROM stock_events WHERE link_id = $1 AND product_id = $2 AND status = 'ignored' ORDER BY id DESC LIMIT 1`,
        [link.id, productId],
      );
      expect(reason).toContain('NextEngine is the stock master');
    });

    it('a return travels as +n', async () => {
      await emit({ kind: 'return', storeId: '2', productId, quantity: 1 });
      await waitFor(async () => neStock(productId) === NE_START - 1, { what: 'the return in NextEngine' });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 1);
    });
  });

  describe('Smaregi master', () => {
    it('every change travels: sale, return, both halves of a transfer, loss, stocktake, receipt', async () => {
      const productId = '7100003';
      const link = await createLink({ smaregiConnectionId: platformConnectionId, stockMaster: 'smaregi' });
      const emit = platformEmitter(link);
      const total = () => STORES.reduce((sum, { storeId }) => sum + sr.getStock(storeId, productId, PLATFORM.contractId), 0);
      const before = total();
      await emit({ kind: 'sale', storeId: '1', productId, quantity: 2 });
      await emit({ kind: 'return', storeId: '1', productId, quantity: 1 });
      await emit({ kind: 'transfer', fromStoreId: '1', toStoreId: '2', productId, quantity: 5 }, 'reversed');
      await emit({ kind: 'loss', storeId: '2', productId, quantity: 1 });
      await emit({ kind: 'stocktake', storeId: '2', productId, counted: 30 });
      await emit({ kind: 'receipt', storeId: '1', productId, quantity: 4 });
      const expected = NE_START + total() - before;
      expect(expected).toBe(NE_START - 2 + 1 - 1 + (30 - 24) + 4);
      await waitFor(async () => neStock(productId) === expected, { what: 'every change in NextEngine' });
      await flush(link);
      expect(neStock(productId)).toBe(expected);
      const rows = await statuses(link, productId);
      expect(rows.filter(([, status]) => status === 'ignored')).toEqual([]);
      expect(rows.map(([, , delta]) => Number(delta))).toEqual([-2, 1, 5, -5, -1, 6, 4]);
    });
  });

  describe('switching the store filter or the master', () => {
    it('uploads nothing by itself; the next real change uploads exactly its delta', async () => {
      const productId = '7100004';
      const link = await createLink({ smaregiConnectionId: legacyConnectionId, stockMaster: 'smaregi', storeId: '1' });
      const emit = legacyEmitter(link);
      // Store 2 changes while it is filtered out: its baseline goes stale.
      await emit({ kind: 'sale', storeId: '2', productId, quantity: 3 });
      await emit({ kind: 'receipt', storeId: '2', productId, quantity: 9 });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START);
      const quiet = await uploads(link);

      await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ storeId: null }).expect(200);
      await flush(link);
      expect(neStock(productId)).toBe(NE_START);
      expect(await uploads(link)).toBe(quiet);
      await emit({ kind: 'sale', storeId: '2', productId, quantity: 1 });
      await waitFor(async () => neStock(productId) === NE_START - 1, { what: 'the first change after the filter came off' });

      await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ storeId: '1' }).expect(200);
      await emit({ kind: 'sale', storeId: '2', productId, quantity: 2 });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 1);
      await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ storeId: null }).expect(200);
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 1);

      const beforeMaster = await uploads(link);
      const switched = await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ stockMaster: 'nextengine' }).expect(200);
      expect(switched.body).toMatchObject({ stockMaster: 'nextengine', neMasterDivisions: ['02'] });
      await flush(link);
      expect(await uploads(link)).toBe(beforeMaster);
      expect(neStock(productId)).toBe(NE_START - 1);
      await emit({ kind: 'loss', storeId: '1', productId, quantity: 4 });
      await emit({ kind: 'sale', storeId: '1', productId, quantity: 2 });
      await waitFor(async () => neStock(productId) === NE_START - 3, { what: 'the first sale after the master switch' });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 3);
    });

    it('refuses a division list that is not two-digit codes', async () => {
      const link = await createLink({ smaregiConnectionId: legacyConnectionId, stockMaster: 'nextengine' });
      const response = await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ neMasterDivisions: ['2', 'xx'] });
      expect(response.status).toBe(400);
      await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ neMasterDivisions: ['02', '21'] }).expect(200);
    });
  });

  describe('order of arrival', () => {
    it('an older amount resent after a newer one changes nothing', async () => {
      const productId = '7100005';
      const link = await createLink({ smaregiConnectionId: legacyConnectionId, stockMaster: 'smaregi' });
      const emit = legacyEmitter(link);
      await emit({ kind: 'sale', storeId: '1', productId, quantity: 1 });
      const older = sr.deliveries().filter((d) => d.url === link.customerUrl).pop()!;
      await emit({ kind: 'sale', storeId: '1', productId, quantity: 2 });
      await waitFor(async () => neStock(productId) === NE_START - 3, { what: 'both sales in NextEngine' });
      await flush(link);

      const resend = await fetch(older.url, { method: 'POST', headers: older.headers, body: older.body });
      expect(resend.status).toBe(200);
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 3);
      const [last] = (await statuses(link, productId)).slice(-1);
      expect(last).toEqual(['1', 'zero', '0']);

      await emit({ kind: 'sale', storeId: '1', productId, quantity: 1 });
      await waitFor(async () => neStock(productId) === NE_START - 4, { what: 'the next sale' });
    });

    it("without Smaregi's history, an older amount pushed again after a newer one changes nothing; new amounts still travel", async () => {
      // A Platform-credentialled link knows no legacy history floor: legacy pushes travel by their absolute amounts, and
      // only the receipts themselves can tell a late old amount (StockBridge.staleResends).
      const productId = '7100006';
      const link = await createLink({ smaregiConnectionId: platformConnectionId, stockMaster: 'smaregi' });
      const push = async (stockAmount: number) => {
        const delivery = await sr.sendLegacyStockPush(link.customerUrl, [{ productId, storeId: '1', stockAmount: String(stockAmount) }], {
          sncode: link.secretCode,
        });
        expect(delivery.status).toBe(200);
        await flush(link);
      };

      await push(19); // Smaregi's baseline is 20
      await push(17);
      expect(neStock(productId)).toBe(NE_START - 3);
      await push(19); // the first push again, after the newer 17: a resend, not a return to 19
      expect(neStock(productId)).toBe(NE_START - 3);
      await push(17); // the same amount as the last one applied: nothing changed
      expect(neStock(productId)).toBe(NE_START - 3);
      await push(16);
      expect(neStock(productId)).toBe(NE_START - 4);
      // the two pushes that changed nothing are kept as 'zero' (whether as a resend or as no change is the bridge's call)
      expect((await statuses(link, productId)).map(([, status, delta]) => (status === 'zero' ? 'zero' : `${status} ${delta}`))).toEqual([
        'uploaded -1',
        'uploaded -2',
        'zero',
        'zero',
        'uploaded -1',
      ]);
    });
  });

  describe('Smaregi late with its own record', () => {
    it('a pos:stock event that comes before Smaregi shows its history record is looked for again, and applied once when it appears', async () => {
      const productId = '7100009';
      const link = await createLink({ smaregiConnectionId: platformConnectionId, stockMaster: 'smaregi' });
      const nextId = String(Math.max(0, ...sr.stockHistory(PLATFORM.contractId).map((h) => Number(h.id))) + 1);
      // the webhook for a change whose record Smaregi's history API does not show yet
      const early = await fetch(link.customerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'smaregi-event': 'pos:stock', sncode: link.secretCode },
        body: JSON.stringify({ contractId: PLATFORM.contractId, event: 'pos:stock', action: 'edited', ids: [{ id: nextId, productId, storeId: '1' }] }),
      });
      expect(early.status).toBe(200);
      const looked = async () => {
        const [row] = (await db.query(`SELECT status, attempts FROM stock_events WHERE link_id = $1`, [link.id])) as Array<{ status: string; attempts: number }>;
        return row?.status === 'received' && row.attempts >= 1 ? row : null;
      };
      await waitFor(looked, { what: 'the fold to look for the record and keep the change for later' });
      // a flush meanwhile cannot fold it either, and says so: the change goes on in the background
      expect(await flush(link)).toMatchObject({ processed: 0, continuesInBackground: true });

      const made = sr.applyStockChange({ kind: 'sale', storeId: '1', productId, quantity: 3 }, PLATFORM.contractId);
      expect(made.historyIds).toEqual([nextId]);
      await waitFor(async () => neStock(productId) === NE_START - 3, { what: 'the change once its record shows', timeoutMs: 40_000 });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 3);
      expect(await statuses(link, productId)).toEqual([['1', 'uploaded', '-3']]);
    }, 60_000);
  });

  describe('a stocktake', () => {
    it('of more products than one fold takes on is folded in parts that each commit, and reaches NextEngine whole', async () => {
      const connectionId = await smaregiConnection(STOCKTAKE.contractId, { accessToken: STOCKTAKE.accessToken });
      // an hour's upload delay: the folds are looked at before the upload (which rewrites the rows)
      const link = await createLink({ smaregiConnectionId: connectionId, stockMaster: 'smaregi', uploadDelaySeconds: 3600 });
      // the store's count: every product counted 1 to 5 short of the 20 on record, all in one push, as Smaregi sends it
      const rows = STOCKTAKE_PRODUCTS.flatMap(
        (productId, i) =>
          sr.applyStockChange({ kind: 'stocktake', storeId: '1', productId, counted: 20 - (1 + (i % 5)) }, STOCKTAKE.contractId).legacyRows,
      );
      expect((await sr.sendLegacyStockPush(link.customerUrl, rows, { sncode: link.secretCode })).status).toBe(200);

      const left = async () =>
        ((await db.query(`SELECT count(*)::int AS n FROM stock_events WHERE link_id = $1 AND status = 'received'`, [link.id])) as Array<{
          n: number;
        }>)[0].n;
      await waitFor(async () => (await left()) === 0, { what: 'the stocktake folded', timeoutMs: 90_000 });
      // each fold is one transaction (its own now()): more than one, none with more products than a fold takes
      const folds = (await db.query(
        `SELECT count(DISTINCT product_id)::int AS products FROM stock_events WHERE link_id = $1 GROUP BY processed_at ORDER BY min(id)`,
        [link.id],
      )) as Array<{ products: number }>;
      expect(folds.length).toBeGreaterThan(1);
      expect(folds.every((fold) => fold.products <= MAX_FOLD_PRODUCTS)).toBe(true);
      expect(folds.reduce((sum, fold) => sum + fold.products, 0)).toBe(STOCKTAKE_PRODUCTS.length);

      expect(await flush(link)).toMatchObject({ processed: 0, continuesInBackground: false });
      expect(STOCKTAKE_PRODUCTS.map((code) => neStock(code))).toEqual(STOCKTAKE_PRODUCTS.map((_, i) => NE_START - (1 + (i % 5))));
    }, 150_000);
  });

  describe('a connection lost mid-fold', () => {
    it('loses nothing and doubles nothing: the fold is one transaction, and the job runs it again', async () => {
      const productId = '7100008';
      const link = await createLink({ smaregiConnectionId: legacyConnectionId, stockMaster: 'smaregi' });
      // The fold writes the changes' outcomes, then the baselines: a trigger holds it between the two, on a lock the
      // test keeps, so its connection can be cut at that point (a failover, a proxy's timeout, an OOM-killed backend).
      // The link's own seeding wrote its baselines before it was answered: only folds meet the trigger.
      const HOLD = 4_242_008;
      await db.query(`
        CREATE OR REPLACE FUNCTION test_hold_fold() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.link_id = '${link.id}'::uuid THEN PERFORM pg_advisory_xact_lock(${HOLD}); END IF;
          RETURN NEW;
        END $$`);
      await db.query(`CREATE TRIGGER test_hold_fold BEFORE INSERT ON stock_baselines FOR EACH ROW EXECUTE FUNCTION test_hold_fold()`);
      const holder = db.createQueryRunner();
      await holder.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock(${HOLD})`);
        await legacyEmitter(link)({ kind: 'sale', storeId: '1', productId, quantity: 2 });
        const waiting = async () => {
          const rows = (await db.query(
            `SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database AND d.datname = current_database()
              WHERE l.locktype = 'advisory' AND l.objid = ${HOLD} AND NOT l.granted`,
          )) as Array<{ pid: number }>;
          return rows.length ? rows : null;
        };
        const [{ pid }] = await waitFor(waiting, { what: 'the fold held between its two writes' });
        const [{ ended }] = await db.query(`SELECT pg_terminate_backend($1) AS ended`, [pid]);
        expect(ended).toBe(true);
      } finally {
        await db.query(`DROP TRIGGER IF EXISTS test_hold_fold ON stock_baselines`);
        await holder.query(`SELECT pg_advisory_unlock_all()`);
        await holder.release();
      }
      // the cut transaction left nothing half-done (an outcome written without its baseline would count the first
      // sale again in the next change's history): the retry folds it once, and the next change is its own delta
      await waitFor(async () => neStock(productId) === NE_START - 2, { what: 'the change in NextEngine after the retry', timeoutMs: 60_000 });
      await legacyEmitter(link)({ kind: 'sale', storeId: '1', productId, quantity: 1 });
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 3);
      expect(await statuses(link, productId)).toEqual([
        ['1', 'uploaded', '-2'],
        ['1', 'uploaded', '-1'],
      ]);
    }, 120_000);
  });

  describe('at once', () => {
    it('three flushes at once, beside the background job (as two instances would), apply a change exactly once', async () => {
      const productId = '7100007';
      const link = await createLink({ smaregiConnectionId: legacyConnectionId, stockMaster: 'smaregi' });
      await legacyEmitter(link)({ kind: 'sale', storeId: '1', productId, quantity: 2 });
      const answers = await Promise.all([1, 2, 3].map(() => t.http.post(`/v1/stock-links/${link.id}/flush`).set(auth())));
      // each one runs under the link's lock or is told it is busy; none fails
      expect(answers.every((answer) => answer.status === 200 || answer.status === 409)).toBe(true);
      await flush(link);
      expect(neStock(productId)).toBe(NE_START - 2);
      expect(await statuses(link, productId)).toEqual([['1', 'uploaded', '-2']]);
    });
  });
});
