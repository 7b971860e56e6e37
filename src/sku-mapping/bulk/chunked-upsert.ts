import type { EntityManager } from 'typeorm';

/** Rows per statement: large enough that 10,000 rows take a handful of round trips. */
export const UPSERT_CHUNK = 2000;

/** Outcome of an upsert that only touches rows whose values differ (`RETURNING (xmax = 0) AS inserted`). */
export interface UpsertCounts {
  created: number;
  updated: number;
}

/**
 * Runs an `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM … RETURNING
 * (xmax = 0) AS inserted` over the rows in chunks: `columns` turns a chunk into the statement's array
 * parameters (after `fixed`). Rows that are already equal return nothing, so they count as neither.
 */
export async function chunkedUpsert<T>(
  manager: EntityManager,
  sql: string,
  fixed: unknown[],
  rows: readonly T[],
  columns: (chunk: readonly T[]) => unknown[][],
): Promise<UpsertCounts> {
  const counts: UpsertCounts = { created: 0, updated: 0 };
  for (let start = 0; start < rows.length; start += UPSERT_CHUNK) {
    const chunk = rows.slice(start, start + UPSERT_CHUNK);
    const result: { inserted: boolean }[] = await manager.query(sql, [...fixed, ...columns(chunk)]);
    for (const row of result) {
      if (row.inserted) counts.created++;
      else counts.updated++;
    }
  }
  return counts;
}
