import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import type { AppModuleOptions } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrate';
import { TenantsService } from '../../src/tenants/tenants.service';

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A fresh database: DATABASE_URL's server if set (a new database on it), else an embedded cluster in a temp dir. */
export async function benchDatabase(): Promise<BenchDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let root: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    root = mkdtempSync(join(tmpdir(), 'mallbridge-bench-'));
    chmodSync(root, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), persistent: false });
    adminUrl = embedded.adminUrl;
  }
  const name = `mb_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  return {
    url: url.toString(),
    async stop() {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      if (embedded) await embedded.stop();
      if (root) rmSync(root, { recursive: true, force: true });
    },
  };
}

export function benchConfig(databaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return new AppConfig({
    port: 0,
    databaseUrl,
    dataDir: tmpdir(),
    credentialsKey: randomBytes(32),
    publicBaseUrl: 'http://127.0.0.1:0',
    connectReturnUrl: 'http://127.0.0.1:0/docs',
    nextEngine: { clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret', signInUrl: 'http://127.0.0.1:1' },
    egressIps: [],
    logLevel: 'warn',
    workersEnabled: false,
    syncTickSeconds: 3600,
    jobPollingSeconds: 2,
    initialLookbackDays: 30,
    // on, as in production, with a limit out of reach: one tenant makes ~1,000 requests a second here
    apiRateLimitPerMinute: 1_000_000_000,
    ...overrides,
  });
}

export async function startBenchApp(config: AppConfig, options: AppModuleOptions = {}): Promise<{ app: INestApplication; url: string; apiKey: string }> {
  const app = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  config.publicBaseUrl = url;
  const { key } = await app.get(TenantsService).create('Bench seller');
  return { app, url, apiKey: key };
}

/** Runs a TypeScript file in its own process and waits for its `READY <url>` line. */
export async function startProcess(file: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  // BENCH_PROFILE=<dir>: the process writes a CPU profile there when it stops (open it in Chrome DevTools)
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '-r', '@swc-node/register', file], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const ready = /READY (\S+)/.exec(chunk.toString('utf8'));
      if (ready) resolve(ready[1]);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Samples this process's resident memory until stopped; returns the peak in MB. */
export function rssSampler(intervalMs = 25): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return Math.round(peak / 1024 / 1024);
    },
  };
}
