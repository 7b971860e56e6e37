import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';

/**
 * The rows of a raw query. TypeORM's Postgres driver answers UPDATE/DELETE … RETURNING with
 * `[rows, affectedCount]`, but INSERT … RETURNING and SELECT with the rows alone.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/**
 * PostgreSQL's SQLSTATE of a failed statement: from TypeORM (`QueryFailedError` copies it) or from pg itself
 * (`PreparedStatements` runs on the pg pool), undefined for any other error.
 */
export function sqlState(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError) && !(error instanceof DatabaseError)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The statement broke a unique constraint (PostgreSQL 23505): the row it would write exists already. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** A value the statement could not take (PostgreSQL class 22, data exception: a bad timestamp, a bad uuid…). */
export function isDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') ?? false;
}

/**
 * PostgreSQL gave up on the statement rather than fail it: cancelled at the statement timeout (57014) or refused a
 * lock it would have waited for (55P03). Nothing of it happened; the same request may succeed a moment later.
 */
export function isStatementHeldUp(error: unknown): boolean {
  const state = sqlState(error);
  return state === '57014' || state === '55P03';
}
