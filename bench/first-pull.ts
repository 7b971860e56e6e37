/**
 * `npm run bench:first-pull` — how soon a first CROSS MALL pull shows its first orders, against the whole pull.
 *
 * A CROSS MALL simulator (own process) holds BENCH_ORDERS orders (default 230, the pull of issue 19) in the collect
 * phase. The real app, with its workers, pulls them on `POST /v1/connections/{id}/sync`, one call every BENCH_PACE_MS
 * (default 100; production's default is 1000, set BENCH_PACE_MS=1000 for the real pace: capped through
 * `siteMinIntervalCapMs`, so the same script measures builds with and without the pacing setting). Meanwhile
 * `GET /v1/orders` is polled every 50 ms. Figures: time from the run's start to the first listed order, the whole
 * pull's time (the baseline, same run), and their ratio — not seconds alone.
 */
import { join } from 'node:path';
import { CROSSMALL_DEFAULT_ACCOUNT } from '../test/simulators/crossmall';
import { benchConfig, benchDatabase, startBenchApp, startProcess } from './support/bench-app';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 230);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 100);

interface Run {
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  seen: number;
  created: number;
  error: string | null;
}

async function main(): Promise<void> {
  process.stdout.write(`CROSS MALL simulator with ${ORDERS} orders, one call every ${PACE_MS} ms...\n`);
  const sim = await startProcess(join(__dirname, 'support', 'crossmall-sim-process.ts'), { BENCH_ORDERS: String(ORDERS) });
  let database: Awaited<ReturnType<typeof benchDatabase>> | undefined;
  let app: Awaited<ReturnType<typeof startBenchApp>>['app'] | undefined;
  try {
    database = await benchDatabase();
    // 0.5 s: pg-boss's shortest polling interval
    const config = benchConfig(database.url, { workersEnabled: true, jobPollingSeconds: 0.5, siteMinIntervalCapMs: PACE_MS });
    const bench = await startBenchApp(config);
    app = bench.app;
    const { url, apiKey } = bench;
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${url}${path}`, { headers });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const created = await fetch(`${url}/v1/connections`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        site: 'crossmall',
        shopId: 'bench-crossmall',
        endpoint: sim.url,
        credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
      }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const started = await fetch(`${url}/v1/connections/${created.id}/sync`, { method: 'POST', headers }).then(
      (r) => r.json() as Promise<{ runId: string }>,
    );

    let firstVisibleAt: number | null = null;
    let firstVisibleCount = 0;
    let run: Run;
    for (;;) {
      if (firstVisibleAt === null) {
        const page = await get<{ data: unknown[] }>(`/v1/orders?connectionId=${created.id}&limit=100`);
        if (page.data.length > 0) {
          firstVisibleAt = Date.now();
          firstVisibleCount = page.data.length;
        }
      }
      run = await get<Run>(`/v1/sync-runs/${started.runId}`);
      if (run.status === 'succeeded' || run.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (run.status !== 'succeeded' || firstVisibleAt === null) throw new Error(`the pull did not succeed: ${JSON.stringify(run)}`);
    const startedAt = new Date(run.startedAt!).getTime();
    const totalMs = new Date(run.finishedAt!).getTime() - startedAt;
    const firstMs = firstVisibleAt - startedAt;
    const result = {
      orders: ORDERS,
      paceMs: PACE_MS,
      created: run.created,
      firstOrdersListedAfterMs: firstMs,
      firstOrdersListed: firstVisibleCount,
      wholePullMs: totalMs,
      ratioFirstToWhole: +(firstMs / totalMs).toFixed(3),
    };
    process.stdout.write(`\n${JSON.stringify(result, null, 2)}\n\n`);
    process.stdout.write(
      `first orders listed after ${(firstMs / 1000).toFixed(1)} s of a ${(totalMs / 1000).toFixed(1)} s pull → ratio ${result.ratioFirstToWhole}\n`,
    );
  } finally {
    await app?.close();
    await sim.stop();
    await database?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
