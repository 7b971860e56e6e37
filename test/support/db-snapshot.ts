import type { DataSource } from 'typeorm';

/**
 * Columns that a read legitimately touches, left out of the checksums: an API key's or a session's last use and
 * a session's sliding expiry, and an event's position in the log, which the relay assigns after commit.
 */
const VOLATILE_COLUMNS = ['last_used_at', 'last_seen_at', 'expires_at', 'seq'];

export interface TableSnapshot {
  rows: number;
  checksum: string;
}

/**
 * Row count and content checksum of every table in the `public` schema, to prove a barrage of
 * requests wrote nothing. `skip` names tables that legitimately change (the idempotency ledger).
 */
export async function snapshotTables(db: DataSource, skip: string[] = ['idempotency_keys']): Promise<Record<string, TableSnapshot>> {
  const tables: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, TableSnapshot> = {};
  for (const { table_name: table } of tables) {
    if (skip.includes(table)) continue;
    const strip = VOLATILE_COLUMNS.map((c) => ` - '${c}'`).join('');
    const [row] = await db.query(
      `SELECT count(*)::int AS rows,
              md5(coalesce(string_agg((to_jsonb(t)${strip})::text, ',' ORDER BY (to_jsonb(t)${strip})::text), '')) AS checksum
         FROM public."${table}" t`,
    );
    out[table] = { rows: row.rows, checksum: row.checksum };
  }
  return out;
}
