import { hash } from 'node:crypto';
import { Pool, type PoolClient, type PoolConfig } from 'pg';

/**
 * A pool whose connections plan every prepared statement once, for any values (`plan_cache_mode =
 * force_generic_plan`): for statements whose plan does not depend on their values, run often enough that
 * PostgreSQL's parse and plan cost as much as running them (see PreparedStatements, PlannedOnceJobDb).
 */
export function plannedOncePool(options: PoolConfig, onIdleError: (error: Error) => void): Pool {
  const pool = new Pool(options);
  // a SET, not the `options` startup parameter, which options in the database URL would override; a client runs
  // its queries in order, so the SET comes before the first statement (a connection it failed on is broken, and so
  // is the statement that follows on it)
  pool.on('connect', (client: PoolClient) => void client.query('SET plan_cache_mode = force_generic_plan').catch(() => undefined));
  // an idle connection's failure (the server restarted) is pg-pool's to replace; unhandled, it would end the process
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Names for statement texts: the same text always has the same name, so each connection prepares it once (pg
 * remembers which it has). Past `max` texts, new ones get no name (run unnamed), so a caller that put a value into
 * its text cannot make every connection keep a statement per value.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly max = Number.POSITIVE_INFINITY,
  ) {}

  of(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.max) {
      name = `${this.prefix}${hash('sha1', text, 'base64url')}`;
      this.names.set(text, name);
    }
    return name;
  }
}
