/**
 * `npm run bench:webhook` — the Smaregi stock webhook intake of the stock bridge.
 *
 * 1. Intake: autocannon posts the legacy API送信 stock push (one Stock row, `sncode` header) to a link's
 *    customer URL of the real app on PostgreSQL (DATABASE_URL, else embedded): every request is
 *    authenticated and stored durably before its 200. In the same run, the same app serves a bare route
 *    (same middleware: helmet, body parsers; no handler work, no database): the ratio is the figure, the
 *    machine is noisy.
 * 2. End to end: the delay from a webhook to the delta applied in the NextEngine simulator (jobs, code
 *    conversion, the CSV upload and the upload-queue poll), sequential samples.
 *
 * Bounded: BENCH_SECONDS per load phase (default 8) and BENCH_SAMPLES delay samples (default 4).
 */
import type { INestApplication } from '@nestjs/common';
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { TenantsService } from '../src/tenants/tenants.service';
import { NE_DEFAULT_APP, NextEngineSimulator } from '../test/simulators/nextengine';
import { SmaregiSimulator } from '../test/simulators/smaregi';
import { benchConfig, benchDatabase } from './support/bench-app';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 4);
const CONTRACT = 'smaregi-demo';

interface LoadResult {
  rps: number;
  p99: number;
  p50: number;
  non2xx: number;
  errors: number;
  requests: number;
}

async function load(url: string, headers: Record<string, string>, body: string): Promise<LoadResult> {
  const result = await autocannon({ url, method: 'POST', headers, body, connections: CONNECTIONS, duration: SECONDS });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    p50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

async function api<T>(appUrl: string, apiKey: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const response = await fetch(`${appUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function connectNextEngine(appUrl: string, apiKey: string, simUrl: string): Promise<string> {
  const created = await api<{ id: string }>(appUrl, apiKey, 'POST', '/v1/connections', { site: 'nextengine', shopId: 'NE100001', endpoint: simUrl, credentials: {} });
  const { authorizationUrl } = await api<{ authorizationUrl: string }>(appUrl, apiKey, 'GET', `/v1/connections/${created.id}/authorize?mode=json`);
  const signedIn = await fetch(authorizationUrl, { redirect: 'manual' });
  const done = await fetch(signedIn.headers.get('location')!, { redirect: 'manual' });
  if (!done.headers.get('location')?.includes('result=connected')) throw new Error('NextEngine authorization failed');
  return created.id;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = await benchDatabase();
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  let app: INestApplication | undefined;
  try {
    ne.seed({ queueDelayMs: 0 });
    ne.addGoods({ goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ', stockQuantity: 100_000 });
    sr.seed(SmaregiSimulator.demoSeed());
    await ne.start();
    await sr.start();

    const config = benchConfig(database.url, {
      workersEnabled: true,
      syncTickSeconds: 5,
      jobPollingSeconds: 0.5,
      nextEngine: { clientId: NE_DEFAULT_APP.clientId, clientSecret: NE_DEFAULT_APP.clientSecret, signInUrl: ne.url },
    });
    app = await createApp(config);
    // The baseline: a route on the same Express app, behind the same middleware, doing nothing.
    app.getHttpAdapter().getInstance().post('/bench/bare', (_req: unknown, res: { json(body: unknown): void }) => res.json({ accepted: 1 }));
    await app.listen(0, '127.0.0.1');
    const appUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    config.publicBaseUrl = appUrl;
    const { key: apiKey } = await app.get(TenantsService).create('Bench seller');

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

    // 1. intake against the bare route. The intake link batches uploads for an hour: its deltas are
    //    computed in the background during the run (as in production) but not uploaded.
    const intakeLink = await newLink(3600);
    const form = new URLSearchParams({
      params: JSON.stringify({ data: [{ table_name: 'Stock', rows: [{ productId: '8000001', storeId: '1', stockAmount: '7' }] }] }),
    }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', sncode: intakeLink.secretCode };
    const bare = await load(`${appUrl}/bench/bare`, headers, form);
    const intake = await load(intakeLink.customerUrl, headers, form);
    const [stored] = (await app.get(DataSource).query(`SELECT count(*)::int AS n FROM stock_events WHERE link_id = $1`, [intakeLink.id])) as Array<{ n: number }>;

    // 2. end to end: webhook → NextEngine, one change at a time.
    const e2eLink = await newLink(0);
    await api(appUrl, apiKey, 'PUT', `/v1/stock-links/${e2eLink.id}/code-map`, 'smaregi-id,nextengine-code\n8000001,TSHIRT-RED-M\n', 'text/csv');
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
      `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   ${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors`;
    console.log(`\nSmaregi webhook intake — ${CONNECTIONS} connections, ${SECONDS} s per phase, PostgreSQL ${process.env.DATABASE_URL ? '(DATABASE_URL)' : '(embedded)'}`);
    console.log(line('bare route (same app)', bare));
    console.log(line('webhook intake (durable)', intake));
    console.log(`intake / bare throughput ratio: ${(intake.rps / bare.rps).toFixed(2)}   p99 ratio: ${(intake.p99 / Math.max(1, bare.p99)).toFixed(1)}x`);
    console.log(`stored changes: ${stored.n} (accepted 2xx answers: ${intake.requests - intake.non2xx})`);
    console.log(
      `webhook → NextEngine delta applied (${SAMPLES} sequential samples): median ${(median(delays) / 1000).toFixed(2)} s, ` +
        `min ${(Math.min(...delays) / 1000).toFixed(2)} s, max ${(Math.max(...delays) / 1000).toFixed(2)} s` +
        ' (includes the uploader\'s first NE queue poll after 2 s)',
    );
    console.log(`total bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await app?.close();
    await ne.stop();
    await sr.stop();
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
