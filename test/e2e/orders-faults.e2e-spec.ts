import { DataSource } from 'typeorm';
import { NextEngineSimulator, type NeOrderSeed } from '../simulators/nextengine';
import { startAppProcess } from '../support/app-processes';
import { connectNextEngine } from '../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

function neOrder(id: number, name = `受取人 ${id}`): NeOrderSeed {
  return {
    receiveOrderId: String(id),
    shopId: '1',
    shopCutFormId: `F-${id}`,
    statusId: 20,
    printingInMinutes: -60,
    purchaser: { name: `購入者 ${id}` },
    consignee: { name, address1: '東京都港区1-1' },
    rows: [{ goodsId: `G-${id % 7}`, goodsName: `商品 ${id % 7}`, quantity: 1 + (id % 3), unitPrice: 1000 }],
  };
}

interface Run {
  id: string;
  status: string;
  created: number;
  updated: number;
  unchanged: number;
  seen: number;
  error: string | null;
}

/**
 * The sync converges under faults: whatever fails on the way, after enough runs the database holds
 * exactly the site's collectable orders, none missing, none twice.
 */
describe('Order intake under faults', () => {
  const ne = new NextEngineSimulator();
  let t: TestApp;
  let apiKey: string;
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });

  async function boot(workersEnabled: boolean) {
    ne.seed(undefined);
    await ne.start();
    t = await startTestApp(syncingApp(ne.url, { workersEnabled, siteRequestTimeoutMs: 1500, siteRetryBaseDelayMs: 50 }));
    apiKey = (await t.createTenant('Fault seller')).apiKey;
  }

  async function shutdown() {
    await t?.close();
    await ne.stop();
  }

  async function runOf(runId: string): Promise<Run> {
    return (await t.http.get(`/v1/sync-runs/${runId}`).set(auth()).expect(200)).body;
  }

  async function syncUntilConverged(connectionId: string, maxRuns = 6): Promise<Run[]> {
    const runs: Run[] = [];
    for (let i = 0; i < maxRuns; i++) {
      const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
      const run = await waitFor(async () => {
        const current = await runOf(started.body.runId);
        return ['succeeded', 'failed'].includes(current.status) ? current : null;
      }, { timeoutMs: 60_000, what: 'the sync run to finish' });
      runs.push(run);
      if (run.status === 'succeeded' && run.created === 0 && run.updated === 0) return runs;
    }
    throw new Error(`did not converge: ${JSON.stringify(runs)}`);
  }

  async function storedOrders(connectionId: string): Promise<{ external_order_id: string; recipient_name: string }[]> {
    return t.app.get(DataSource).query(`SELECT external_order_id, recipient_name FROM orders WHERE connection_id = $1`, [connectionId]);
  }

  describe('5xx, timeouts, 429 with Retry-After, token expiry while paging, orders changing while paging', () => {
    beforeAll(() => boot(true));
    afterAll(shutdown);

    it('converges to exactly the collectable orders', async () => {
      for (let id = 1; id <= 1500; id++) ne.addOrder(neOrder(id));
      const connectionId = await connectNextEngine(t, ne, apiKey);

      ne.faults.add({ kind: 'http', pathIncludes: 'receiveorder_base/search', status: 503, body: 'maintenance' });
      ne.faults.add({ kind: 'timeout', pathIncludes: 'receiveorder_base/search', afterCalls: 1 });
      ne.faults.add({ kind: 'http', pathIncludes: 'receiveorder_row/search', status: 429, headers: { 'Retry-After': '1' }, body: 'slow down' });
      ne.faults.add({ kind: 'action', pathIncludes: 'receiveorder_row/search', afterCalls: 1, action: 'expireAccessToken' });
      ne.faults.add({
        kind: 'action',
        pathIncludes: 'receiveorder_base/search',
        afterCalls: 3,
        run: () => {
          // the site changes under our feet: new orders arrive, existing ones are edited
          for (let id = 2001; id <= 2010; id++) ne.addOrder(neOrder(id));
          for (const id of [3, 1200, 1499]) ne.patchOrder(String(id), { receive_order_consignee_name: `変更 ${id}` });
        },
      });

      const runs = await syncUntilConverged(connectionId);
      expect(ne.faults.list()).toEqual([]); // every fault was hit

      const stored = await storedOrders(connectionId);
      const expected = [...Array.from({ length: 1500 }, (_, i) => String(i + 1)), ...Array.from({ length: 10 }, (_, i) => String(2001 + i))];
      expect(stored.length).toBe(expected.length);
      expect(new Set(stored.map((o) => o.external_order_id))).toEqual(new Set(expected));
      const names = new Map(stored.map((o) => [o.external_order_id, o.recipient_name]));
      for (const id of [3, 1200, 1499]) expect(names.get(String(id))).toBe(`変更 ${id}`);

      // the last run saw everything and wrote nothing
      const last = runs[runs.length - 1];
      expect(last).toMatchObject({ status: 'succeeded', created: 0, updated: 0, unchanged: 1510 });

      // Retry-After was honoured: the retried call came at least a second after the 429
      const rowCalls = ne.requests.filter((r) => r.path.includes('receiveorder_row/search'));
      const gap = new Date(rowCalls[1].at).getTime() - new Date(rowCalls[0].at).getTime();
      expect(gap).toBeGreaterThanOrEqual(950);

      // tokens rotated mid-run were stored: the connection still works
      const test = await t.http.post(`/v1/connections/${connectionId}/test`).set(auth()).expect(200);
      expect(test.body.ok).toBe(true);
    });
  });

  describe('a worker killed in the middle of a run', () => {
    beforeAll(() => boot(false));
    afterAll(shutdown);

    it('is resumed by another process and converges the same way', async () => {
      for (let id = 1; id <= 2500; id++) ne.addOrder(neOrder(id));
      const connectionId = await connectNextEngine(t, ne, apiKey);
      // slow every order call down, so the run is surely in the middle when the worker dies
      ne.faults.add({ kind: 'action', pathIncludes: 'receiveorder_', run: () => undefined, delayMs: 150, times: 1_000_000 });

      const first = await startAppProcess(t);
      const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
      await waitFor(async () => {
        const run = await runOf(started.body.runId);
        return run.status === 'running' && run.seen > 0 ? run : null;
      }, { timeoutMs: 60_000, what: 'the first batch to commit' });
      await first.kill();
      const partial = (await storedOrders(connectionId)).length;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(2500);

      ne.faults.clear();
      const second = await startAppProcess(t);
      try {
        // The surviving process sees that no worker holds the run any more and says so, instead of
        // leaving it shown as running until the queue expires the job.
        const abandoned = await waitFor(async () => {
          const run = await runOf(started.body.runId);
          return run.status !== 'running' ? run : null;
        }, { what: 'the killed run no longer shown as running' });
        expect(abandoned.status).toBe('retrying');
        expect(abandoned.error).toMatch(/process running this sync stopped/);

        const runs = await syncUntilConverged(connectionId);
        expect(runs[0].status).toBe('succeeded');
        const stored = await storedOrders(connectionId);
        expect(stored.length).toBe(2500);
        expect(new Set(stored.map((o) => o.external_order_id)).size).toBe(2500);
      } finally {
        await second.stop();
      }
    });
  });

  describe('two app instances on one database', () => {
    beforeAll(() => boot(false));
    afterAll(shutdown);

    it('process every connection\'s scheduled pull exactly once', async () => {
      const connectionIds: string[] = [];
      for (let i = 0; i < 6; i++) {
        // one NE company (account) per connection, each with its own orders
        const uid = `uid-${i}`;
        ne.addCompany({
          companyId: String(100 + i),
          companyNeId: `NE20000${i}`,
          companyName: `会社 ${i}`,
          companyKana: `カイシャ ${i}`,
          users: [{ uid, picId: String(i), picNeId: `P${i}`, picName: `担当 ${i}`, picKana: `タントウ ${i}`, picMailAddress: `p${i}@example.jp` }],
          shops: [{ shopId: '1', shopName: `店舗 ${i}` }],
          orders: Array.from({ length: 40 }, (_, n) => neOrder(i * 1000 + n + 1)),
        });
        connectionIds.push(
          await connectNextEngine(t, ne, apiKey, {
            shopId: `NE20000${i}`,
            signInAs: uid,
            options: { autoOrderIntegration: true },
            orderSyncIntervalMinutes: 60,
          }),
        );
      }
      const instances = [await startAppProcess(t), await startAppProcess(t)];
      try {
        const db = t.app.get(DataSource);
        await waitFor(async () => {
          const [row] = await db.query(`SELECT count(*)::int AS done FROM sync_runs WHERE status = 'succeeded'`);
          return row.done >= connectionIds.length;
        }, { timeoutMs: 60_000, what: 'every connection to be pulled' });
        // both instances keep ticking every second; give them several ticks to double-enqueue if they could
        const ticksLater = Date.now() + 3000;
        await waitFor(async () => Date.now() > ticksLater, { timeoutMs: 10_000, intervalMs: 250, what: 'a few ticks' });

        const runs: { connection_id: string; status: string; attempts: number }[] = await db.query(
          `SELECT connection_id, status, attempts FROM sync_runs ORDER BY connection_id`,
        );
        expect(runs.length).toBe(connectionIds.length);
        for (const id of connectionIds) {
          const mine = runs.filter((run) => run.connection_id === id);
          expect(mine).toEqual([{ connection_id: id, status: 'succeeded', attempts: 1 }]);
        }
        const [jobs] = await db.query(`SELECT count(*)::int AS n, count(DISTINCT singleton_key)::int AS keys FROM pgboss.job WHERE name = 'orders.pull'`);
        expect(jobs).toEqual({ n: connectionIds.length, keys: connectionIds.length });
        const [orders] = await db.query(`SELECT count(*)::int AS n FROM orders`);
        expect(orders.n).toBe(40 * connectionIds.length);
      } finally {
        for (const instance of instances) await instance.stop();
      }
    });
  });
});
