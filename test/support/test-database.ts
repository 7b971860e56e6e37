import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface TestDatabaseState {
  /** URL of the maintenance database of the test server */
  adminUrl: string;
  /** the migrated template every test database is copied from */
  templateDb: string;
  embeddedRoot?: string;
}

/**
 * global-setup writes the state to a file and names it in MALLBRIDGE_TEST_STATE, which the test
 * workers (separate processes, started after global-setup) inherit.
 */
export function stateFileForThisRun(): string {
  return join(tmpdir(), `mallbridge-test-state-${process.pid}.json`);
}

export function stateFile(): string {
  const file = process.env.MALLBRIDGE_TEST_STATE;
  if (!file) throw new Error('MALLBRIDGE_TEST_STATE is not set: run e2e tests through jest (npm test), whose global setup starts the database.');
  return file;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function readState(): TestDatabaseState {
  return JSON.parse(readFileSync(stateFile(), 'utf8')) as TestDatabaseState;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, fully migrated database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const state = readState();
  const name = `mb_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: state.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${state.templateDb}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(state.adminUrl, name),
    name,
    drop: async () => {
      const client = new Client({ connectionString: state.adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
