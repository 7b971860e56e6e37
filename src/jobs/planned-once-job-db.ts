import type { Pool, QueryResult } from 'pg';
import { plannedOncePool, StatementNames } from '../database/planned-once-pool';

/** More distinct texts than pg-boss has statements means some text carries a value: run the rest unnamed. */
const MAX_NAMED = 200;

/**
 * pg-boss's connection (its `db` option), with each parameterised statement prepared once per connection and planned
 * once, as PreparedStatements does for the app's hot statements.
 *
 * Every idle worker polls with the same fetch statement, and pg-boss sends it unnamed, so PostgreSQL parsed and
 * planned it each time against the partitioned `pgboss.job`: ~0.5 ms of PostgreSQL per poll, over ten times its
 * execution. 16 workers at JOB_POLLING_SECONDS=0.5 spent 38 ms of PostgreSQL CPU a second doing nothing
 * (pg_stat_statements, during bench:webhook). Named, with the generic plan forced — in auto mode PostgreSQL keeps
 * re-planning it, a generic plan over all partitions looking dearer before run-time pruning — a poll costs 67–107 µs
 * instead of 487–627 (1,500 fetches each way, the backend's CPU from /proc).
 *
 * Statements without values (pg-boss's migrations: several commands in one text) go as they are, by the simple
 * protocol, exactly as pg-boss's own pool sends them.
 */
export class PlannedOnceJobDb {
  private readonly pool: Pool;
  private readonly names = new StatementNames('boss_', MAX_NAMED);

  constructor(connectionString: string | undefined, onIdleError: (error: Error) => void) {
    this.pool = plannedOncePool({ connectionString, max: 5, application_name: 'mallbridge-jobs' }, onIdleError);
  }

  /**
   * After `end`, nothing is sent and the answer is undefined, as from pg-boss's own connection once closed: a job
   * still running when pg-boss stopped (its graceful wait over) then completes or fails without a write — the
   * job stays active, expires and runs again — and pg-boss, which does not wait for those writes, gets no
   * rejection nobody handles (that ended the process, at shutdown, before).
   */
  executeSql(text: string, values?: unknown[]): Promise<QueryResult> {
    // undefined whatever pg-boss's type says: its own connection answers so once closed, and pg-boss allows for it
    if (this.pool.ending) return Promise.resolve(undefined as unknown as QueryResult);
    if (!values || values.length === 0) return this.pool.query(text);
    const name = this.names.of(text);
    return name ? this.pool.query({ name, text, values }) : this.pool.query(text, values);
  }

  /** After pg-boss has stopped. */
  end(): Promise<void> {
    return this.pool.ending ? Promise.resolve() : this.pool.end();
  }
}
