import { rmSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { stateFile, type TestDatabaseState } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const file = stateFile();
  const state = JSON.parse(readFileSync(file, 'utf8')) as TestDatabaseState;
  const db = (globalThis as { __embeddedDb?: { stop(): Promise<void> } }).__embeddedDb;
  if (db) {
    await db.stop();
    if (state.embeddedRoot) rmSync(state.embeddedRoot, { recursive: true, force: true });
  } else {
    const admin = new Client({ connectionString: state.adminUrl });
    await admin.connect();
    try {
      // Databases a crashed test file left behind are ours too.
      const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'mb_test_%' OR datname = $1`, [state.templateDb]);
      for (const row of rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  rmSync(file, { force: true });
}
