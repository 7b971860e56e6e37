import { QueryFailedError } from 'typeorm';

/**
 * The rows of a raw query. TypeORM's Postgres driver answers UPDATE/DELETE … RETURNING with
 * `[rows, affectedCount]`, but INSERT … RETURNING and SELECT with the rows alone.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** The statement broke a unique constraint (PostgreSQL 23505): the row it would write exists already. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error as QueryFailedError & { code?: string }).code === '23505';
}
