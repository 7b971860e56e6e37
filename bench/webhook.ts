/**
 * `npm run bench:webhook` — the Smaregi stock webhook intake of the stock bridge.
 *
 * The app runs in its own process (bench/support/webhook-app-process.ts) on PostgreSQL (DATABASE_URL, else
 * embedded, fsync on); autocannon runs in another (bench/support/load.ts); this process holds the simulators.
 *
 * 1. Intake: autocannon posts the legacy API送信 stock push (one Stock row, `sncode` header) to a link's
 *    customer URL: every request is authenticated and stored durably before its 200. In the same run, the same
 *    app serves a bare route (same middleware: helmet, body parsers; no handler work, no database), in
 *    BENCH_ROUNDS alternating rounds (default 3): the ratio is the figure (median, each round against its own
 *    bare route), the machine is noisy. The stored count is checked against the 2xx answers of all rounds.
 * 2. Crash: the same load on a fresh link, and the app is killed with SIGKILL halfway through. Every change
 *    answered 2xx must be stored (stored >= 2xx; more is allowed: committed, answer lost — Smaregi resends and a
 *    legacy resend is harmless). The bench fails if one is missing.
 * 1b. Stocktake: one push of 2,000 rows (a store's stocktake in one API送信) against one-row pushes, sequentially: the
 *    time per row of the big push as a share of a one-row push's whole answer.
 * 3. End to end (after a restart on the same database): the delay from a webhook to the delta applied in the
 *    NextEngine simulator (jobs, code conversion, the CSV upload and the upload-queue poll), sequential samples.
 *
 * Bounded: BENCH_SECONDS per load phase (default 8), BENCH_CONNECTIONS (default 20), BENCH_SAMPLES delay
 * samples (default 4).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { NE_DEFAULT_APP, NextEngineSimulator } from '../test/simulators/nextengine';
import { SmaregiSimulator } from '../test/simulators/smaregi';
import { benchDatabase } from './support/bench-app';
import { freePort } from '../test/support/free-port';
import { runAutocannon } from './support/autocannon-process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STOCKTAKE_ROWS = 2_000;
const STOCKTAKES = 10;
const CONTRACT = 'smaregi-demo';
const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;

interface LoadResult {
  rps: number;
  p99: number;
  p50: number;
  ok: number;
  non2xx: number;
  errors: number;
  requests: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

async function load(url: string, headers: Record<string, string>, body: string, seconds = SECONDS): Promise<LoadResult> {
  const r = await runAutocannon<AutocannonResult>({ url, method: 'POST', headers, body, connections: CONNECTIONS, duration: seconds });
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    p50: r.latency.p50,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    requests: r.requests.total,
  };
}

interface AppProcess {
  url: string;
  child: ChildProcess;
}

function startApp(env: Record<string, string>): Promise<AppProcess> {
  // BENCH_PROFILE=<dir>: the app process writes a CPU profile there when it stops (open it in Chrome DevTools)
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '-r', '@swc-node/register', join(__dirname, 'support', 'webhook-app-process.ts')], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const ready = /READY (\S+)/.exec(chunk.toString('utf8'));
      if (ready) resolve({ url: ready[1], child });
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code} before it listened`)));
  });
}

function stopApp(app: AppProcess, signal: NodeJS.Signals): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    app.child.once('exit', () => resolve());
    app.child.kill(signal);
  });
}

async function api<T>(
  appUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  const response = await fetch(`${appUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function connectNextEngine(appUrl: string, apiKey: string, simUrl: string): Promise<string> {
  const created = await api<{ id: string }>(appUrl, apiKey, 'POST', '/v1/connections', {
    site: 'nextengine',
    shopId: 'NE100001',
    endpoint: simUrl,
    credentials: {},
  });
  const { authorizationUrl } = await api<{ authorizationUrl: string }>(
    appUrl,
    apiKey,
    'GET',
    `/v1/connections/${created.id}/authorize?mode=json`,
  );
  const signedIn = await fetch(authorizationUrl, { redirect: 'manual' });
  const done = await fetch(signedIn.headers.get('location')!, { redirect: 'manual' });
  if (!done.headers.get('location')?.includes('result=connected')) throw new Error('NextEngine authorization failed');
  return created.id;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function storedFor(databaseUrl: string, linkId: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM stock_events WHERE link_id = $1`, [linkId]);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await benchDatabase();
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  let app: AppProcess | undefined;
  try {
    ne.seed({ queueDelayMs: 0 });
    ne.addGoods({ goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ', stockQuantity: 100_000 });
    sr.seed(SmaregiSimulator.demoSeed());
    await ne.start();
    await sr.start();

    const port = await freePort();
    const env: Record<string, string> = {
      PORT: String(port),
      DATABASE_URL: database.url,
      DATA_DIR: tmpdir(),
      CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      ADMIN_API_KEY: ADMIN_KEY,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      NEXTENGINE_CLIENT_ID: NE_DEFAULT_APP.clientId,
      NEXTENGINE_CLIENT_SECRET: NE_DEFAULT_APP.clientSecret,
      NEXTENGINE_SIGN_IN_URL: ne.url,
      LOG_LEVEL: 'warn',
      WORKERS_ENABLED: 'true',
      SYNC_TICK_SECONDS: '5',
      JOB_POLLING_SECONDS: '0.5',
      // on, as in production, with a limit out of reach
      API_RATE_LIMIT_PER_MINUTE: '1000000000',
    };
    app = await startApp(env);
    const appUrl = app.url;
    const { apiKey } = await api<{ apiKey: { key: string } }>(appUrl, ADMIN_KEY, 'POST', '/v1/tenants', { name: 'Bench seller' }).then(
      (r) => ({
        apiKey: r.apiKey.key,
      }),
    );

    const neConnectionId = await connectNextEngine(appUrl, apiKey, ne.url);
    const smaregi = await api<{ id: string }>(appUrl, apiKey, 'POST', '/v1/connections', {
      site: 'smaregi',
      shopId: CONTRACT,
      endpoint: sr.url,
      credentials: { accessToken: 'demo-legacy-access-token' },
    });
    const newLink = (uploadDelaySeconds: number) =>
      api<{ id: string; customerUrl: string; secretCode: string }>(appUrl, apiKey, 'POST', '/v1/stock-links', {
        smaregiConnectionId: smaregi.id,
        nextengineConnectionId: neConnectionId,
        stockMaster: 'smaregi',
        idMatching: 'csv',
        uploadDelaySeconds,
      });

    // 1. intake against the bare route. The intake links batch uploads for an hour: their deltas are
    //    computed in the background during the run (as in production) but not uploaded.
    const intakeLink = await newLink(3600);
    const form = new URLSearchParams({
      params: JSON.stringify({ data: [{ table_name: 'Stock', rows: [{ productId: '8000001', storeId: '1', stockAmount: '7' }] }] }),
    }).toString();
    const headers = (link: { secretCode: string }) => ({ 'content-type': 'application/x-www-form-urlencoded', sncode: link.secretCode });
    // Alternating rounds (bare, intake, bare, intake…), each intake against the bare route of its own round: this
    // VM's speed drifts over a run (one bare phase measured 2,200 req/s, the next run's 3,900), so a ratio of one
    // pair is mostly noise. The medians are reported; the stored count is checked against every round's 2xx.
    const rounds: Array<{ bare: LoadResult; intake: LoadResult }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bare = await load(`${appUrl}/bench/bare`, headers(intakeLink), form);
      const intake = await load(intakeLink.customerUrl, headers(intakeLink), form);
      rounds.push({ bare, intake });
    }
    const stored = await storedFor(database.url, intakeLink.id);
    const answered = rounds.reduce((sum, round) => sum + round.intake.ok, 0);

    // 1b. a stocktake: one push of STOCKTAKE_ROWS rows, against one of a single row, sequentially on a fresh link
    //     (its statement's cost must grow with its rows, not with their square)
    const stocktakeLink = await newLink(3600);
    const push = async (rows: number, batch: number): Promise<number> => {
      const body = new URLSearchParams({
        params: JSON.stringify({
          data: [
            {
              table_name: 'Stock',
              rows: Array.from({ length: rows }, (_, i) => ({
                productId: String(9000000 + batch * rows + i),
                storeId: '1',
                stockAmount: String(i % 50),
              })),
            },
          ],
        }),
      }).toString();
      const sent = performance.now();
      const answer = await fetch(stocktakeLink.customerUrl, { method: 'POST', headers: headers(stocktakeLink), body });
      if (answer.status !== 200) throw new Error(`stocktake push refused: ${answer.status} ${await answer.text()}`);
      await answer.arrayBuffer();
      return performance.now() - sent;
    };
    const singles: number[] = [];
    const stocktakes: number[] = [];
    for (let i = 0; i < STOCKTAKES; i++) {
      for (let j = 0; j < 5; j++) singles.push(await push(1, i * 5 + j));
      stocktakes.push(await push(STOCKTAKE_ROWS, i));
    }

    // 2. kill -9 halfway through a load: nothing answered 2xx may be missing.
    const crashLink = await newLink(3600);
    const crashLoad = load(crashLink.customerUrl, headers(crashLink), form, SECONDS);
    const killAfterMs = (SECONDS * 1000) / 2;
    await new Promise((resolve) => setTimeout(resolve, killAfterMs));
    await stopApp(app, 'SIGKILL');
    const crash = await crashLoad;
    const storedAfterCrash = await storedFor(database.url, crashLink.id);

    // 3. end to end after a restart on the same database: webhook → NextEngine, one change at a time.
    app = await startApp(env);
    const e2eLink = await newLink(0);
    await api(
      appUrl,
      apiKey,
      'PUT',
      `/v1/stock-links/${e2eLink.id}/code-map`,
      'smaregi-id,nextengine-code\n8000001,TSHIRT-RED-M\n',
      'text/csv',
    );
    const delays: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const before = ne.getStock('TSHIRT-RED-M')!.stock;
      const sale = sr.applyStockChange({ kind: 'sale', storeId: '1', productId: '8000001', quantity: 1 }, CONTRACT);
      const sent = performance.now();
      const delivery = await sr.sendLegacyStockPush(e2eLink.customerUrl, sale.legacyRows, { sncode: e2eLink.secretCode });
      if (delivery.status !== 200) throw new Error(`webhook refused: ${delivery.status} ${delivery.responseBody}`);
      const deadline = sent + 20_000;
      while (ne.getStock('TSHIRT-RED-M')!.stock !== before - 1) {
        if (performance.now() > deadline) throw new Error('the change did not reach NextEngine within 20 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      delays.push(performance.now() - sent);
    }

    const line = (name: string, r: LoadResult) =>
      `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   ${r.requests} requests, ${r.ok} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors`;
    console.log(
      `\nSmaregi webhook intake — ${CONNECTIONS} connections, ${SECONDS} s per phase, PostgreSQL ${process.env.DATABASE_URL ? '(DATABASE_URL)' : '(embedded, fsync on)'}`,
    );
    rounds.forEach((round, index) => {
      console.log(line(`round ${index + 1}: bare route (same app)`, round.bare));
      console.log(line(`round ${index + 1}: intake (durable)`, round.intake));
    });
    const ratios = rounds.map((round) => round.intake.rps / round.bare.rps);
    const intakeRps = median(rounds.map((round) => round.intake.rps));
    const intakeP99 = median(rounds.map((round) => round.intake.p99));
    console.log(
      `intake (median of ${ROUNDS} rounds): ${intakeRps.toFixed(0)} req/s (target ≥ 2,000: ${intakeRps >= 2000 ? 'met' : 'NOT met'}), ` +
        `p99 ${intakeP99} ms (target < 50: ${intakeP99 < 50 ? 'met' : 'NOT met'}); ` +
        `intake / bare throughput ratio ${median(ratios).toFixed(2)} (each round: ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')}; target ≥ 0.5)`,
    );
    console.log(`stored changes: ${stored} (2xx answers: ${answered})${stored >= answered ? '' : '   MISSING CHANGES'}`);
    const single = median(singles);
    const stocktake = median(stocktakes);
    console.log(
      `stocktake push of ${STOCKTAKE_ROWS.toLocaleString('en')} rows answered in ${stocktake.toFixed(1)} ms (median of ${STOCKTAKES}; ` +
        `a one-row push: ${single.toFixed(2)} ms): ${(stocktake / STOCKTAKE_ROWS / single).toFixed(3)} of a one-row push's time per row`,
    );
    console.log(
      `kill -9 after ${(killAfterMs / 1000).toFixed(1)} s: ${crash.ok} answered 2xx, ${storedAfterCrash} stored` +
        (storedAfterCrash >= crash.ok ? ' — none lost' : `   ${crash.ok - storedAfterCrash} LOST`),
    );
    console.log(
      `webhook → NextEngine delta applied (${SAMPLES} sequential samples): median ${(median(delays) / 1000).toFixed(2)} s, ` +
        `min ${(Math.min(...delays) / 1000).toFixed(2)} s, max ${(Math.max(...delays) / 1000).toFixed(2)} s` +
        " (includes the uploader's first NE queue poll after 2 s)",
    );
    console.log(`total bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (stored < answered || storedAfterCrash < crash.ok) process.exitCode = 1;
  } finally {
    if (app) await stopApp(app, 'SIGTERM');
    await ne.stop();
    await sr.stop();
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
