import { mkdtempSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrate';
import { stateFileForThisRun, type TestDatabaseState, withDatabase } from './test-database';

/**
 * One PostgreSQL for the whole e2e run: DATABASE_URL if set, else an embedded cluster in a
 * temporary directory on a free port. Migrations run once into a template database; every test
 * file then gets its own copy (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  const state: TestDatabaseState = { adminUrl: '', templateDb: `mb_template_${process.pid}` };
  if (process.env.DATABASE_URL) {
    state.adminUrl = process.env.DATABASE_URL;
  } else {
    const root = mkdtempSync(join(tmpdir(), 'mallbridge-test-'));
    chmodSync(root, 0o755); // the server runs as the `postgres` user when we are root
    const db = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), persistent: false });
    state.adminUrl = db.adminUrl;
    state.embeddedRoot = root;
    (globalThis as { __embeddedDb?: typeof db }).__embeddedDb = db;
  }
  const admin = new Client({ connectionString: state.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${state.templateDb}`);
    await admin.query(`CREATE DATABASE ${state.templateDb}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(state.adminUrl, state.templateDb);
  await runMigrations(templateUrl);
  // The job queue's own schema, made once here so every test database copies it instead of building it.
  const boss = new PgBoss({ connectionString: templateUrl, schema: 'pgboss', supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false, close: true, wait: true });
  const file = stateFileForThisRun();
  writeFileSync(file, JSON.stringify(state));
  process.env.MALLBRIDGE_TEST_STATE = file;
}
