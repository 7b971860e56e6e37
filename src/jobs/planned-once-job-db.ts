import { hash } from 'node:crypto';
import { Pool, type PoolClient, type QueryResult } from 'pg';

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
  private readonly names = new Map<string, string>();

  constructor(connectionString: string | undefined, onIdleError: (error: Error) => void) {
    this.pool = new Pool({ connectionString, max: 5, application_name: 'mallbridge-jobs' });
    // a client runs its queries in order, so the SET comes before the first statement
    this.pool.on('connect', (client: PoolClient) => void client.query('SET plan_cache_mode = force_generic_plan').catch(() => undefined));
    // an idle connection's failure (the server restarted) is pg-pool's to replace; unhandled, it would end the process
    this.pool.on('error', onIdleError);
  }

  executeSql(text: string, values?: unknown[]): Promise<QueryResult> {
    if (!values || values.length === 0) return this.pool.query(text);
    const name = this.nameOf(text);
    return name ? this.pool.query({ name, text, values }) : this.pool.query(text, values);
  }

  /** After pg-boss has stopped. */
  end(): Promise<void> {
    return this.pool.ending ? Promise.resolve() : this.pool.end();
  }

  private nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED) {
      name = `boss_${hash('sha1', text, 'base64url')}`;
      this.names.set(text, name);
    }
    return name;
  }
}
