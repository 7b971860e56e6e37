import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** Options shared by the app's TypeORM connection and the migration runner. Never `synchronize`. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    namingStrategy: new SnakeNamingStrategy(),
    migrations,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Connections, once opened, are kept (up to `min`; the rest a minute, not pg-pool's 10 s): with pg-pool's
    // defaults a steady load after a busy spell found its idle connections closed, opened new ones at the next
    // burst (a PostgreSQL backend forked, authenticated, its caches cold), and the requests behind them waited:
    // in `bench:api`'s 200 req/s phase the worst stall (188 ms) came as the pool grew from 7 to 11 again.
    extra: { max: 20, min: 10, idleTimeoutMillis: 60_000, application_name: 'mallbridge' },
  };
}
