import { DataSource } from 'typeorm';
import { CROSSMALL_DEFAULT_ACCOUNT, CrossmallSimulator, type CrossmallOrderSeed, formatJstDash, formatJstSlash } from '../../simulators/crossmall';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { startAppProcess } from '../../support/app-processes';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const COLLECT_PHASE = '発送待機';
/** The connection's pace (`callIntervalMs`): slow enough that a pull of 60+ orders lasts seconds, as in production. */
const PACE_MS = 200;

interface Run {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  seen: number;
  created: number;
  updated: number;
  unchanged: number;
  error: string | null;
}

/**
 * A first CROSS MALL pull shows progress (issue 19): the orders of the collect phase are committed ten at a time,
 * each batch with its cursor, so a seller reads the first ones through `GET /v1/orders` while the pull still runs,
 * and a pull that dies half way resumes after its last committed batch without reading or writing anything twice.
 * The real app (in process, or in its own process where it must die), real PostgreSQL, the CROSS MALL simulator
 * over HTTP, paced by the connection's `callIntervalMs` setting.
 */
describe('A first CROSS MALL pull shows its orders as it goes', () => {
  const crossmall = new CrossmallSimulator();
  let t: TestApp;
  let apiKey: string;
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });

  /** Orders numbered from `first`, every 7th in another phase (not collected: a gap the cursor must step over). */
  function seedOrders(first: number, count: number): string[] {
    const collected: string[] = [];
    const at = new Date(Date.now() - 10 * 60_000);
    for (let i = 0; i < count; i++) {
      const n = first + i;
      const phase = i % 7 === 3 ? '引当待ち' : COLLECT_PHASE;
      if (phase === COLLECT_PHASE) collected.push(String(n));
      const order: CrossmallOrderSeed = {
        order_number: n,
        order_date: formatJstSlash(at),
        updated_at: formatJstDash(at),
        shop_name: '楽天市場店',
        order_code: `R-${n}`,
        phase_name: phase,
        client_name: `購入者 ${n}`,
        ship_name: `受取人 ${n}`,
        ship_zip: '100-0001',
        ship_address1: '東京都千代田区千代田1-1',
        lines: [{ item_code: `CM-ITEM-${n % 5}`, item_name: `商品 ${n % 5}`, amount: 1 + (n % 3), unit_price: 990 }],
      };
      crossmall.addOrder(order);
    }
    return collected;
  }

  async function connect(shopId: string): Promise<string> {
    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({
        site: 'crossmall',
        shopId,
        endpoint: crossmall.url,
        credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
        settings: { callIntervalMs: PACE_MS },
      })
      .expect(201);
    expect(created.body.settings).toMatchObject({ callIntervalMs: PACE_MS });
    return created.body.id;
  }

  async function runOf(runId: string): Promise<Run> {
    return (await t.http.get(`/v1/sync-runs/${runId}`).set(auth()).expect(200)).body;
  }

  async function finished(runId: string): Promise<Run> {
    return waitFor(
      async () => {
        const run = await runOf(runId);
        return ['succeeded', 'failed'].includes(run.status) ? run : null;
      },
      { timeoutMs: 90_000, what: 'the sync run to finish' },
    );
  }

  /** The connection's orders as `GET /v1/orders` lists them, every page. */
  async function listed(connectionId: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { externalOrderId: string }[]; nextCursor: string | null } = (
        await t.http
          .get(`/v1/orders?connectionId=${connectionId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
          .set(auth())
          .expect(200)
      ).body;
      ids.push(...page.data.map((order) => order.externalOrderId));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  async function stored(connectionId: string): Promise<string[]> {
    const rows: { external_order_id: string }[] = await t.app
      .get(DataSource)
      .query(`SELECT external_order_id FROM orders WHERE connection_id = $1 ORDER BY external_order_id::bigint`, [connectionId]);
    return rows.map((row) => row.external_order_id);
  }

  async function ordersCursor(connectionId: string): Promise<string | null> {
    const [row]: { value: string }[] = await t.app
      .get(DataSource)
      .query(`SELECT value FROM sync_cursors WHERE connection_id = $1 AND kind = 'orders'`, [connectionId]);
    return row?.value ?? null;
  }

  const orderPullPages = (requests: RecordedRequest[]) =>
    requests.filter((r) => r.path === '/webapi2/get_order' && r.query.phase_name !== undefined);
  const detailReads = (requests: RecordedRequest[]) =>
    requests.filter((r) => r.path === '/webapi2/get_order_detail').map((r) => String(r.query.order_number));

  afterEach(async () => {
    await t?.close();
    await crossmall.stop();
  });

  it('a worker killed half way through a first pull: the next resumes after the last committed batch, nothing read or written twice', async () => {
    crossmall.reset();
    await crossmall.start();
    // This process serves the API only; the pull runs in a process of its own, killed like a crash.
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { workersEnabled: false }));
    apiKey = (await t.createTenant('CROSS MALL first pull, crash')).apiKey;
    const collected = seedOrders(50001, 75);
    const connectionId = await connect('cm-first-pull-crash');

    const worker = await startAppProcess(t);
    const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
    await waitFor(
      async () => {
        const run = await runOf(started.body.runId);
        return run.status === 'running' && run.seen >= 20 ? run : null;
      },
      { timeoutMs: 60_000, what: 'two batches of the first pull committed' },
    );
    await worker.kill();
    const requestsBeforeRestart = crossmall.requests.length;

    // What was committed is a whole number of batches, exactly the collected orders up to the saved cursor.
    const partial = await stored(connectionId);
    const cursor = await ordersCursor(connectionId);
    expect(partial.length).toBeGreaterThanOrEqual(20);
    expect(partial.length).toBeLessThan(collected.length);
    expect(partial.length % 10).toBe(0);
    expect(cursor).toBe(partial.at(-1));
    expect(partial).toEqual(collected.filter((n) => Number(n) <= Number(cursor)));

    const second = await startAppProcess(t);
    try {
      await waitFor(async () => ((await runOf(started.body.runId)).status !== 'running' ? true : null), {
        what: 'the killed run no longer shown as running',
      });
      const resumed = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
      const run = await finished(resumed.body.runId);
      expect(run).toMatchObject({ status: 'succeeded', error: null, created: collected.length - partial.length, updated: 0 });

      const after = crossmall.requests.slice(requestsBeforeRestart);
      // The pass went on right after the cursor: no committed order was asked for again.
      expect(orderPullPages(after)[0].query).toMatchObject({ order_number: cursor, condition: '1' });
      const reread = detailReads(after).filter((n) => partial.includes(n));
      expect(reread).toEqual([]);
    } finally {
      await second.stop();
    }

    const all = await listed(connectionId);
    expect(all.length).toBe(collected.length);
    expect(new Set(all)).toEqual(new Set(collected));
    expect(await ordersCursor(connectionId)).toBe('0');
  }, 180_000);

  it("shows the first pull's first orders through GET /v1/orders while the run is still running, and every order once at the end", async () => {
    crossmall.reset();
    await crossmall.start();
    t = await startTestApp(syncingApp('http://127.0.0.1:1'));
    apiKey = (await t.createTenant('CROSS MALL first pull')).apiKey;
    const collected = seedOrders(60001, 72);
    expect(collected.length).toBeGreaterThanOrEqual(60);
    const connectionId = await connect('cm-first-pull');
    const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);

    // Orders read first, the run after: a run still running then was running while they were readable.
    const seenWhileRunning = await waitFor(
      async () => {
        const visible = await listed(connectionId);
        if (visible.length === 0) return null;
        const run = await runOf(started.body.runId);
        return { visible, run, at: Date.now() };
      },
      { timeoutMs: 60_000, intervalMs: 50, what: 'the first orders of the pull listed' },
    );
    expect(seenWhileRunning.run.status).toBe('running');
    expect(seenWhileRunning.visible.length).toBeLessThan(collected.length);
    expect(seenWhileRunning.visible.every((n) => collected.includes(n))).toBe(true);
    const detailsWhenVisible = detailReads(crossmall.requests).length;
    expect(detailsWhenVisible).toBeLessThan(collected.length);

    const run = await finished(started.body.runId);
    expect(run).toMatchObject({ status: 'succeeded', error: null, seen: collected.length, created: collected.length });
    const all = await listed(connectionId);
    expect(all.length).toBe(collected.length);
    expect(new Set(all)).toEqual(new Set(collected));
    expect(await stored(connectionId)).toEqual(collected);
    // One get_order_detail per collected order, none twice; the run's calls were paced by the connection's setting
    // (the connection test made when it was created is not part of the run).
    expect(detailReads(crossmall.requests).sort()).toEqual([...collected].sort());
    const startedAt = new Date(run.startedAt!).getTime();
    const calls = crossmall.requests
      .filter((r) => r.path.startsWith('/webapi2/'))
      .map((r) => new Date(r.at).getTime())
      .filter((at) => at >= startedAt);
    expect(calls.length).toBeGreaterThan(collected.length);
    // The limiter spaces the calls' launches; their arrival jitters by a few ms either way, their span cannot.
    expect(calls.at(-1)! - calls[0]).toBeGreaterThanOrEqual((calls.length - 1) * PACE_MS - 50);

    // Timing, reported, not asserted (the ratio is what counts: first orders visible vs the whole pull).
    const total = new Date(run.finishedAt!).getTime() - startedAt;
    const firstVisible = seenWhileRunning.at - startedAt;
    process.stdout.write(
      `first-pull-progress: ${collected.length} orders at ${PACE_MS} ms/call: first orders listed after ${firstVisible} ms ` +
        `(${seenWhileRunning.visible.length} orders, ${detailsWhenVisible} detail calls), pull done after ${total} ms, ` +
        `ratio ${(firstVisible / total).toFixed(3)}\n`,
    );
  }, 180_000);
});
