import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '../config/app-config';
import { DEFAULT_REQUEST_STATEMENT_TIMEOUT_MS } from '../config/config.loader';
import { plannedOncePool, StatementNames } from './planned-once-pool';

export interface StatementOptions {
  /**
   * Plan the statement for its values on each run, as PostgreSQL chooses for a prepared statement: for one
   * whose best plan depends on the values (a text search's pattern). Otherwise it is planned once per
   * connection, for any values.
   */
  planForValues?: boolean;
}

/**
 * Statements on a hot path as named prepared statements on pg pools, beside TypeORM.
 *
 * `DataSource.query` sends each statement to be parsed and planned again, and wraps it in a query runner. For
 * a statement run many times a second (the API-key check, the orders list's page query, the Smaregi
 * webhook's group insert) PostgreSQL's parse and plan cost about as much as running it, and on a small machine
 * PostgreSQL shares the cores with the app. A named statement is prepared once per pooled connection (pg
 * remembers which are) and then only bound and run. Statements are named by their text, so the same text
 * always has the same name; callers keep the number of texts bounded (one per filter combination, values
 * always as parameters). Each runs on its own, outside any transaction of the caller's (one statement is one
 * transaction).
 *
 * Planned once: a prepared statement still gets a new plan for its values on every run while PostgreSQL
 * judges that plan cheaper than its generic one, and for the orders list's page query it always did: planning
 * it against the dozen indexes of `orders` cost PostgreSQL ~190 µs a request, more than running it (bench:api's
 * machine, CPU per request read from /proc). These statements' plans do not depend on their values (equality
 * on indexed columns, a keyset walk with LIMIT, a lookup by key), so they run on a pool of their own whose
 * connections use the generic plan (`plan_cache_mode = force_generic_plan`, set on each new connection); the
 * rest of the app keeps PostgreSQL's choice, and so does a statement asked with `planForValues`.
 */
@Injectable()
export class PreparedStatements implements OnApplicationShutdown {
  private readonly names = new StatementNames('mb_');
  private plannedOnce?: Pool;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  async query<Row>(text: string, values: unknown[], options: StatementOptions = {}): Promise<Row[]> {
    // callers keep their texts bounded (values always as parameters), so every text is named
    const name = this.names.of(text)!;
    const pool = options.planForValues ? this.typeOrmPool() : this.plannedOncePool();
    return (await pool.query({ name, text, values })).rows as Row[];
  }

  /** When TypeORM closes its pool (its module's shutdown hook): after the last request has been answered. */
  async onApplicationShutdown(): Promise<void> {
    await this.plannedOnce?.end();
  }

  private typeOrmPool(): Pool {
    return (this.db.driver as PostgresDriver).master as Pool;
  }

  private plannedOncePool(): Pool {
    // TypeORM's pool options (the database URL, TLS, how long idle connections are kept: data-source-options.ts),
    // in a smaller pool, named apart in pg_stat_activity. These statements answer requests: one held up (a lock
    // taken by a migration's index build, a stalled disk) is cancelled by PostgreSQL after the request timeout and
    // its request answers 503 (the Smaregi webhook: not stored, so Smaregi sends it again), instead of holding the
    // request, and the webhook's group slots, for as long as the hold lasts.
    this.plannedOnce ??= plannedOncePool(
      {
        ...this.typeOrmPool().options,
        max: 10,
        min: 4,
        application_name: 'mallbridge-prepared',
        statement_timeout: this.config.requestStatementTimeoutMs ?? DEFAULT_REQUEST_STATEMENT_TIMEOUT_MS,
      },
      () => undefined,
    );
    return this.plannedOnce;
  }
}
