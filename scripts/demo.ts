/**
 * `npm run demo` — Mallbridge against the five site simulators, with a console story of the whole loop:
 * orders pulled, confirmed on the site, turned into fulfillment orders, waybills issued (the demo plays the
 * warehouse), tracking numbers pushed back, parcels shipped and stock sent to the sites — each step shown
 * beside what the site simulator received (`GET <sim>/_sim/state`).
 *
 * `npm run demo -- --from-source` runs src/main.ts through swc instead of building dist/.
 *
 * `npm run demo -- --check` runs the same demo until every step was seen on every site (or 90 s), prints a
 * pass/fail table and exits 0/1.
 *
 * Mallbridge runs as a child process through `scripts/start.js` (the same boot as `npm start`: build if
 * needed, embedded PostgreSQL, migrations), on its own data directory `.data/demo`, reset at every run: the
 * simulators keep their state in memory and start from their seeds, so the database must start empty too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { stopLeftoverServer } from '../src/database/embedded-postgres';
import { demoSimulators, SIMULATOR_PORTS } from '../test/simulators/run-all';
import type { SmaregiSimulator } from '../test/simulators/smaregi';
import { ALL_OPTIONS, DEMO_MAPPINGS, DEMO_SKUS, keyedConnections, NO_CONFIRM_OPTIONS, ORDER_SITES } from './demo-catalog';
import { Api, ApiError } from './demo-api';
import { DemoStory } from './demo-story';
import { freePort } from '../test/support/free-port';

const ROOT = join(__dirname, '..');
const CHECK = process.argv.includes('--check');
const FROM_SOURCE = process.argv.includes('--from-source');
const CHECK_DEADLINE_MS = 90_000;
const DATA_DIR = join(ROOT, '.data', 'demo');
const LOG_FILE = join(DATA_DIR, 'mallbridge.log');
const SYNC_INTERVAL_MINUTES = 1;

const say = (line = '') => process.stdout.write(line + '\n');
const c = {
  bold: (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s),
  dim: (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s),
};

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

interface AppChild {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `scripts/start.js` with the demo's environment; resolves once it listens, its output going to the log file. */
async function startMallbridge(env: Record<string, string>): Promise<AppChild> {
  const log = createWriteStream(LOG_FILE);
  // --from-source skips the build (handy while sources do not compile); Swagger UI then lacks the DTO schemas
  // the Nest CLI plugin adds at build time.
  const entry = FROM_SOURCE ? ['-r', '@swc-node/register', join(ROOT, 'src', 'main.ts')] : [join(ROOT, 'scripts', 'start.js')];
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      const text = chunk.toString('utf8');
      if (output.length < 20_000) output += text;
      if (text.includes('Building')) say(c.dim('  building Mallbridge (first run, or sources changed)...'));
      if (/Mallbridge is listening/.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (output.length < 20_000) output += chunk.toString('utf8');
    });
    child.once('exit', (code) =>
      reject(new Error(`Mallbridge exited with code ${code} before listening:\n${output.trim().split('\n').slice(-20).join('\n')}`)),
    );
  });
  await ready;
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    child,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** Our authorize redirect → the simulated NextEngine sign-in → our callback, as a seller's browser does. */
async function connectNextEngine(api: Api, neUrl: string): Promise<string> {
  const created = await api.post<{ id: string }>('/v1/connections', {
    site: 'nextengine',
    shopId: 'NE123456',
    endpoint: neUrl,
    credentials: {},
    options: NO_CONFIRM_OPTIONS,
    settings: { deliveryMethodIds: { yamato: '20' } },
    orderSyncIntervalMinutes: SYNC_INTERVAL_MINUTES,
  });
  const { authorizationUrl } = await api.get<{ authorizationUrl: string }>(`/v1/connections/${created.id}/authorize?mode=json`);
  const signedIn = await fetch(authorizationUrl, { redirect: 'manual' });
  const callback = signedIn.headers.get('location');
  if (!callback) throw new Error(`NextEngine sign-in did not redirect (HTTP ${signedIn.status})`);
  const completed = await fetch(callback, { redirect: 'manual' });
  const landed = new URL(completed.headers.get('location') ?? 'http://invalid/');
  if (landed.searchParams.get('result') !== 'connected') throw new Error(`NextEngine authorization failed: ${landed.search}`);
  return created.id;
}

async function setUpCatalog(api: Api): Promise<Map<string, string>> {
  const skuIds = new Map<string, string>();
  for (const sku of DEMO_SKUS) {
    const created = await api.post<{ id: string; code: string; options?: { id: string; code: string }[] }>('/v1/skus', {
      code: sku.code,
      name: sku.name,
      ...(sku.jan ? { jan: sku.jan } : {}),
      ...(sku.options ? { options: sku.options.map(({ code, optionName, jan }) => ({ code, optionName, ...(jan ? { jan } : {}) })) } : {}),
    });
    skuIds.set(created.code, created.id);
    for (const option of created.options ?? []) skuIds.set(option.code, option.id);
  }
  for (const mapping of DEMO_MAPPINGS) {
    await api.post('/v1/sku-mappings', {
      site: mapping.site,
      listingKey: mapping.listingKey,
      skuId: skuIds.get(mapping.skuCode),
      ...(mapping.quantityPerUnit ? { quantityPerUnit: mapping.quantityPerUnit } : {}),
    });
  }
  let received = 0;
  for (const sku of DEMO_SKUS) {
    const stocked = sku.options ?? [{ code: sku.code, stock: sku.stock ?? 0 }];
    for (const { code, stock } of stocked) {
      if (!stock) continue;
      await api.post('/v1/inventory/adjustments', {
        skuId: skuIds.get(code),
        reason: 'receipt',
        quantity: stock,
        reference: 'DEMO-入荷-001',
      });
      received += stock;
    }
  }
  say(
    `  catalog: ${skuIds.size} SKUs (${DEMO_SKUS.length} products), ${DEMO_MAPPINGS.length} mappings (a Qoo10 2-pack, Crossmall option keys), ${received} units received`,
  );
  return skuIds;
}

async function main(): Promise<void> {
  say(c.bold(`Mallbridge demo${CHECK ? ' (check mode)' : ''}`));

  const simulators = demoSimulators();
  const simUrls: Record<string, string> = {};
  for (const [site, port] of Object.entries(SIMULATOR_PORTS)) {
    if (!(await portIsFree(port)))
      throw new Error(`Port ${port} (the ${site} simulator) is in use — is another demo or \`npm run simulators\` running?`);
  }
  for (const [site, simulator] of Object.entries(simulators)) {
    simUrls[site] = await simulator.start(SIMULATOR_PORTS[site as keyof typeof SIMULATOR_PORTS], '127.0.0.1');
  }
  say(
    `  simulators: ${Object.entries(simUrls)
      .map(([site, url]) => `${site} ${url}`)
      .join(', ')}`,
  );

  const port = CHECK ? await freePort() : Number(process.env.DEMO_PORT ?? 3000);
  if (!(await portIsFree(port)))
    throw new Error(`Port ${port} is in use (is \`npm start\` running?). Choose another: DEMO_PORT=3100 npm run demo`);
  const base = `http://localhost:${port}`;

  if (existsSync(DATA_DIR)) {
    await stopLeftoverServer(join(DATA_DIR, 'pg'), (line) => say(`  ${line}`));
    rmSync(DATA_DIR, { recursive: true, force: true });
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const adminKey = `demo-admin-${randomBytes(12).toString('hex')}`;
  say(`  starting Mallbridge on ${base} (embedded PostgreSQL in ${relative(ROOT, DATA_DIR)}/pg, log ${relative(ROOT, LOG_FILE)})...`);
  const started = Date.now();
  const app = await startMallbridge({
    PORT: String(port),
    DATA_DIR,
    ADMIN_API_KEY: adminKey,
    PUBLIC_BASE_URL: base,
    CONNECT_RETURN_URL: `${base}/docs`,
    NEXTENGINE_CLIENT_ID: 'sim-ne-client-id',
    NEXTENGINE_CLIENT_SECRET: 'sim-ne-client-secret',
    NEXTENGINE_SIGN_IN_URL: simUrls.nextengine,
    SYNC_TICK_SECONDS: '2',
    JOB_POLLING_SECONDS: '0.5',
    SITE_RETRY_BASE_DELAY_MS: '200',
    INITIAL_LOOKBACK_DAYS: '30',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    WORKERS_ENABLED: 'true',
  });
  say(`  Mallbridge is up (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say(c.dim('\nStopping Mallbridge and the simulators...'));
    await app.stop().catch(() => undefined);
    await Promise.all(Object.values(simulators).map((simulator) => simulator.stop().catch(() => undefined)));
    say(
      c.dim(
        `Demo data kept in ${relative(ROOT, DATA_DIR)} (log: ${relative(ROOT, LOG_FILE)}); the next \`npm run demo\` starts from scratch, \`rm -rf .data/demo\` removes it.`,
      ),
    );
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  app.child.once('exit', (code) => {
    if (stopping) return;
    say(`Mallbridge stopped unexpectedly (code ${code}); see ${relative(ROOT, LOG_FILE)}.`);
    void stopAll(1);
  });

  try {
    const tenant = await new Api(base, adminKey).post<{ apiKey: { key: string } }>('/v1/tenants', { name: 'Demo seller' });
    const api = new Api(base, tenant.apiKey.key);
    say(`  tenant "Demo seller" created`);

    const skuIds = await setUpCatalog(api);
    const connectionIds: Record<string, string> = {};
    connectionIds.nextengine = await connectNextEngine(api, simUrls.nextengine);
    say(`  connected nextengine   (authorize → simulated NE sign-in → callback)`);
    const keyed = keyedConnections(simUrls, SYNC_INTERVAL_MINUTES);
    for (const [site, body] of Object.entries(keyed)) {
      const created = await api.post<{ id: string; status: string }>('/v1/connections', body);
      connectionIds[site] = created.id;
      say(
        `  connected ${site.padEnd(12)} (${site === 'qoo10-jp' ? 'API key + QSM password → seller authorization key' : 'simulator default credentials'}, status ${created.status})`,
      );
    }
    say(
      `  options: ${Object.keys(ALL_OPTIONS).join(', ')} (where the site supports them); order sync every ${SYNC_INTERVAL_MINUTES} min, scheduler tick 2 s`,
    );

    const story = new DemoStory({
      api,
      simUrls,
      connectionIds,
      skuIds,
      smaregi: simulators.smaregi as SmaregiSimulator,
      say,
      sites: ORDER_SITES,
    });
    await story.setUpStockLink();

    say('');
    say(c.bold('Try it:'));
    say(`  Swagger UI   ${base}/docs   (Authorize with the key below)`);
    say(`  API key      ${tenant.apiKey.key}`);
    say(`  curl -s -H "Authorization: Bearer ${tenant.apiKey.key}" '${base}/v1/orders?limit=5'`);
    say(
      `  simulators   ${Object.entries(simUrls)
        .map(([site, url]) => `${site} ${url}/_sim/state`)
        .join('  ')}`,
    );
    say('');
    say(c.bold('What happens (the scheduler pulls every connection; the demo plays the warehouse):'));

    await story.run({ deadlineMs: CHECK ? CHECK_DEADLINE_MS : undefined, until: () => stopping });
    if (CHECK) {
      const ok = story.printSummary();
      await stopAll(ok ? 0 : 1);
    }
  } catch (error) {
    say(`\nDemo failed: ${error instanceof ApiError ? error.message : error instanceof Error ? error.stack : String(error)}`);
    if (existsSync(LOG_FILE)) say(c.dim(readFileSync(LOG_FILE, 'utf8').trim().split('\n').slice(-15).join('\n')));
    await stopAll(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
