import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

// Any constant works; it only has to be the same for every instance of the app.
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Run pending migrations under a PostgreSQL advisory lock, so instances booting together against
 * one database do not run the same migration twice. Returns the names of the migrations applied.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions(databaseUrl), extra: { max: 1 } });
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}
