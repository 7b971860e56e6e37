/**
 * `npm run bench:changes` — the change pull (issue 15, DESIGN §5a): site calls and time against the open orders.
 *
 * A NextEngine simulator in its own process (bench/support/nextengine-sim-process.ts started empty, then seeded over
 * `POST /_sim/seed`, so its work is not on the app's event loop and its memory not in the app's) holds BENCH_ORDERS
 * open orders (default 10,000; 2–4 rows each), 印刷待ち, last modified over the past ten days up to an hour ago, as
 * a queue of open orders looks. Mallbridge pulls them in with a real sync run, then:
 * (a) the change pull with nothing changed, BENCH_REPEAT times (median);
 * (b) the same change pull after BENCH_CHANGED_PERCENT (default 1%) of the orders were changed on the simulator over
 *     its `/_sim/orders/...` hooks — a third cancelled, a third held, a third with one row cancelled;
 * (c) the change pull once more with nothing new (it re-reads (b)'s slips: the cursor's overlap);
 * and, for context, whole sync runs (change pull, order pull, recheck of vanished orders) with no change and with
 * another 1% changed.
 * Site calls per run are the simulator's recorded API requests (`/_sim/requests`, cleared before each run); the
 * change pulls run in this process (`OrderChangeIntakeService.pull`), the sync runs through the job queue (time
 * from the run's first site call to its end; `changePullSeconds`: until its order pull's first call). (b) and (c) are
 * reported as ratios against (a) measured in the same process.
 */
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { OrderChangeIntakeService } from '../src/orders/order-change-intake.service';
import type { NeOrderSeed, NextEngineSeed } from '../test/simulators/nextengine';
import { benchConfig, benchDatabase, startBenchApp, startProcess } from './support/bench-app';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 10_000);
const CHANGED_PERCENT = Number(process.env.BENCH_CHANGED_PERCENT ?? 1);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const DAY_MS = 24 * 3_600_000;
const JST_OFFSET_MS = 9 * 3_600_000;

/** NextEngine's datetime text (JST). */
const neDatetime = (at: number) => new Date(at + JST_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);

function seedOf(orders: number, now: number): NextEngineSeed {
  const oldest = now - 10 * DAY_MS;
  const newest = now - 3_600_000;
  return {
    companies: [
      {
        companyId: '1',
        companyNeId: 'NE100001',
        companyName: 'ベンチ株式会社',
        companyKana: 'ベンチカブシキガイシャ',
        users: [
          {
            uid: 'sim-uid-0001',
            picId: '1',
            picNeId: 'NEP0001',
            picName: '山田 太郎',
            picKana: 'ヤマダ タロウ',
            picMailAddress: 'yamada@example.jp',
          },
        ],
        shops: [{ shopId: '1', shopName: 'ベンチ店舗' }],
        orders: Array.from({ length: orders }, (_, i): NeOrderSeed => {
          const id = i + 1;
          const stamp = neDatetime(oldest + Math.floor(((newest - oldest) * i) / Math.max(1, orders - 1)));
          const lines = 2 + (id % 3);
          return {
            receiveOrderId: String(id),
            shopId: '1',
            shopCutFormId: `B-${id}`,
            date: stamp,
            printingDate: stamp,
            lastModifiedDate: stamp,
            statusId: 20,
            purchaser: { name: `購入者 ${id}`, zipCode: '1000001', address1: '東京都千代田区1-1', tel: '03-0000-0000' },
            consignee: { name: `受取人 ${id}`, zipCode: '1500001', address1: '東京都渋谷区神宮前1-1-1', tel: '03-1111-1111' },
            rows: Array.from({ length: lines }, (_, n) => ({
              goodsId: `SKU-${(id + n) % 500}`,
              goodsName: `商品 ${(id + n) % 500}`,
              quantity: 1 + n,
              unitPrice: 1200,
            })),
          };
        }),
      },
    ],
  };
}

async function call<T>(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function connectNextEngine(appUrl: string, apiKey: string, simUrl: string): Promise<string> {
  const headers = { Authorization: `Bearer ${apiKey}` };
  const created = await call<{ id: string }>(`${appUrl}/v1/connections`, {
    method: 'POST',
    headers,
    body: { site: 'nextengine', shopId: 'NE100001', endpoint: simUrl, credentials: {} },
  });
  const { authorizationUrl } = await call<{ authorizationUrl: string }>(`${appUrl}/v1/connections/${created.id}/authorize?mode=json`, {
    headers,
  });
  const signedIn = await fetch(authorizationUrl, { redirect: 'manual' });
  const done = await fetch(signedIn.headers.get('location')!, { redirect: 'manual' });
  if (!done.headers.get('location')?.includes('result=connected')) throw new Error('NextEngine authorization failed');
  return created.id;
}

interface SiteCalls {
  total: number;
  byPath: Record<string, number>;
  /** when the first of them reached the simulator (ms since the epoch) */
  firstAt: number;
  /** when the order pull's first work-queue search did (the change pull comes before it in a sync run) */
  orderPullAt: number;
}

/** The simulator's recorded API requests since the last `clearCalls`. */
async function siteCalls(simUrl: string): Promise<SiteCalls> {
  const requests = (await call<{ path: string; at: string; bodyText: string }[]>(`${simUrl}/_sim/requests`)).filter(({ path }) =>
    path.startsWith('/api_'),
  );
  const byPath: Record<string, number> = {};
  for (const { path } of requests) byPath[path] = (byPath[path] ?? 0) + 1;
  const at = (list: typeof requests) => Math.min(...list.map((request) => new Date(request.at).getTime()));
  const orderPull = requests.filter(({ bodyText }) => bodyText.includes('receive_order_order_status_id-eq'));
  return { total: requests.length, byPath, firstAt: at(requests), orderPullAt: at(orderPull) };
}

const clearCalls = (simUrl: string) => call(`${simUrl}/_sim/requests`, { method: 'DELETE' });

/**
 * `count` orders changed on the simulator, spread over the id range from `offset`: a third cancelled (type 1), a
 * third held (type 12), a third with row 1 cancelled.
 */
async function changeOrders(
  simUrl: string,
  count: number,
  offset: number,
): Promise<{ cancelled: number; held: number; lineCancelled: number }> {
  const step = Math.floor(ORDERS / count);
  const done = { cancelled: 0, held: 0, lineCancelled: 0 };
  for (let i = 0; i < count; i++) {
    const id = i * step + offset;
    if (i % 3 === 0) {
      await call(`${simUrl}/_sim/orders/${id}/cancel`, { method: 'POST', body: { cancelTypeId: 1 } });
      done.cancelled += 1;
    } else if (i % 3 === 1) {
      await call(`${simUrl}/_sim/orders/${id}/hold`, { method: 'POST', body: {} });
      done.held += 1;
    } else {
      await call(`${simUrl}/_sim/orders/${id}/rows/1/cancel`, { method: 'POST', body: {} });
      done.lineCancelled += 1;
    }
  }
  return done;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value: number, digits = 3) => +value.toFixed(digits);

async function main(): Promise<void> {
  process.stdout.write(`Seeding a NextEngine simulator with ${ORDERS.toLocaleString()} open orders...\n`);
  const sim = await startProcess(join(__dirname, 'support', 'nextengine-sim-process.ts'), { BENCH_ORDERS: '0' });
  let database: Awaited<ReturnType<typeof benchDatabase>> | undefined;
  let app: Awaited<ReturnType<typeof startBenchApp>>['app'] | undefined;
  try {
    database = await benchDatabase();
    const config = benchConfig(database.url, {
      nextEngine: { clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret', signInUrl: sim.url },
      // the sync runs go through the job queue, as scheduled ones do
      workersEnabled: true,
      jobPollingSeconds: 0.5,
    });
    const started = await startBenchApp(config);
    app = started.app;
    await measure(sim.url, started.url, started.apiKey, app);
  } finally {
    await app?.close();
    await sim.stop();
    await database?.stop();
  }
}

async function measure(simUrl: string, url: string, apiKey: string, app: INestApplication): Promise<void> {
  const changed = Math.max(1, Math.round((ORDERS * CHANGED_PERCENT) / 100));
  const headers = { Authorization: `Bearer ${apiKey}` };
  await call(`${simUrl}/_sim/seed`, { method: 'POST', body: seedOf(ORDERS, Date.now()) });
  const connectionId = await connectNextEngine(url, apiKey, simUrl);
  const changes = app.get(OrderChangeIntakeService);

  /** One whole sync run through the job queue: its counts, its own duration and the site calls it made. */
  const syncRun = async () => {
    await clearCalls(simUrl);
    const { runId } = await call<{ runId: string }>(`${url}/v1/connections/${connectionId}/sync`, { method: 'POST', headers });
    for (;;) {
      const run = await call<{
        status: string;
        error: string | null;
        seen: number;
        created: number;
        updated: number;
        changesSeen: number;
        changesApplied: number;
        startedAt: string;
        finishedAt: string | null;
      }>(`${url}/v1/sync-runs/${runId}`, { headers });
      if (run.status === 'failed' || run.status === 'retrying') throw new Error(`sync run ${run.status}: ${run.error}`);
      if (run.status === 'succeeded') {
        // From the run's first site call to its end: the run is marked started only when its order pull begins,
        // after its change pull, and the queue's pick-up delay is no part of the run.
        const calls = await siteCalls(simUrl);
        const seconds = (new Date(run.finishedAt!).getTime() - Math.min(calls.firstAt, new Date(run.startedAt).getTime())) / 1000;
        const { seen, created, updated, changesSeen, changesApplied } = run;
        const changePullSeconds = round((calls.orderPullAt - calls.firstAt) / 1000);
        return { seconds: round(seconds), changePullSeconds, siteCalls: calls, seen, created, updated, changesSeen, changesApplied };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  /** One change pull, in this process. */
  const changePull = async () => {
    await clearCalls(simUrl);
    const started = performance.now();
    const counts = await changes.pull(connectionId);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, siteCalls: await siteCalls(simUrl), ...counts };
  };

  process.stdout.write('Pulling them in (the first sync run: every order, and a change pull looking back 30 days)...\n');
  const intake = await syncRun();
  if (intake.created !== ORDERS) throw new Error(`the intake created ${intake.created} orders, ${ORDERS} expected`);

  process.stdout.write(`Change pulls with no change (${REPEAT})...\n`);
  await changePull(); // warm-up: the first look at the cursor after the intake
  const quiet = [];
  for (let i = 0; i < REPEAT; i++) quiet.push(await changePull());
  const quietSeconds = median(quiet.map((run) => run.seconds));
  const quietCalls = median(quiet.map((run) => run.siteCalls.total));
  const fullQuiet = await syncRun();

  process.stdout.write(`${changed} orders (${CHANGED_PERCENT}%) changed; change pull...\n`);
  const made = await changeOrders(simUrl, changed, 7);
  const busy = await changePull();
  const reread = await changePull();

  process.stdout.write(`Another ${changed} orders changed; a whole sync run...\n`);
  await changeOrders(simUrl, changed, 57);
  const fullBusy = await syncRun();

  const describe = (run: Awaited<ReturnType<typeof changePull>>) => ({
    seconds: round(run.seconds),
    siteCalls: run.siteCalls.total,
    byPath: run.siteCalls.byPath,
    changesSeen: run.changesSeen,
    changesApplied: run.changesApplied,
    callsVsNoChange: round(run.siteCalls.total / quietCalls, 2),
    timeVsNoChange: round(run.seconds / quietSeconds, 2),
  });
  const result = {
    openOrders: ORDERS,
    changedOrders: { count: changed, percent: CHANGED_PERCENT, ...made },
    changePull: {
      noChange: {
        seconds: round(quietSeconds),
        siteCalls: quietCalls,
        byPath: quiet[0].siteCalls.byPath,
        runs: quiet.map((run) => ({ seconds: round(run.seconds), siteCalls: run.siteCalls.total, changesSeen: run.changesSeen })),
      },
      withChanges: describe(busy),
      nextRunNoNewChange: describe(reread),
    },
    syncRun: {
      intake: { ...intake, siteCalls: intake.siteCalls.total, byPath: intake.siteCalls.byPath },
      noChange: { ...fullQuiet, siteCalls: fullQuiet.siteCalls.total, byPath: fullQuiet.siteCalls.byPath },
      withChanges: { ...fullBusy, siteCalls: fullBusy.siteCalls.total, byPath: fullBusy.siteCalls.byPath },
    },
  };
  process.stdout.write(`\n${JSON.stringify(result, null, 2)}\n\n`);
  process.stdout.write(
    `change pull over ${ORDERS.toLocaleString()} open orders: no change ${quietCalls} site calls in ${result.changePull.noChange.seconds}s; ` +
      `${changed} changed → ${busy.siteCalls.total} calls (×${result.changePull.withChanges.callsVsNoChange}) in ${result.changePull.withChanges.seconds}s ` +
      `(×${result.changePull.withChanges.timeVsNoChange}), ${busy.changesApplied} changes applied; ` +
      `whole sync run ${fullQuiet.siteCalls.total} calls / ${fullQuiet.seconds}s with no change, ${fullBusy.siteCalls.total} calls / ${fullBusy.seconds}s with ${changed} changed.\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
