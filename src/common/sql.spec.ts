import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isDataException, isStatementHeldUp, isUniqueViolation, sqlState } from './sql';

/** A pg error as the pg pool raises it (what `PreparedStatements` callers see). */
function pgError(code: string): DatabaseError {
  const error = new DatabaseError('failed', 0, 'error');
  error.code = code;
  return error;
}

/** The same error after TypeORM wrapped it (what `DataSource.query` callers see). */
function typeormError(code: string): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], pgError(code));
}

describe('SQLSTATE helpers', () => {
  it('read the state from TypeORM and from pg errors alike', () => {
    expect(sqlState(typeormError('23505'))).toBe('23505');
    expect(sqlState(pgError('22007'))).toBe('22007');
    expect(isUniqueViolation(typeormError('23505'))).toBe(true);
    expect(isUniqueViolation(pgError('23505'))).toBe(true);
    expect(isDataException(pgError('22P02'))).toBe(true);
    expect(isDataException(typeormError('22007'))).toBe(true);
  });

  it('answer no for other states and for errors that are not from the database', () => {
    expect(isUniqueViolation(pgError('23503'))).toBe(false);
    expect(isDataException(typeormError('23505'))).toBe(false);
    const lookalike = Object.assign(new Error('not SQL'), { code: '23505' });
    expect(sqlState(lookalike)).toBeUndefined();
    expect(isUniqueViolation(lookalike)).toBe(false);
    expect(isDataException(Object.assign(new Error('ENOTFOUND'), { code: '22' }))).toBe(false);
  });

  it('tell a statement PostgreSQL gave up on (timeout, lock refused) from one that failed', () => {
    expect(isStatementHeldUp(pgError('57014'))).toBe(true);
    expect(isStatementHeldUp(typeormError('55P03'))).toBe(true);
    expect(isStatementHeldUp(pgError('40P01'))).toBe(false); // a deadlock victim failed: it is not a wait
    expect(isStatementHeldUp(Object.assign(new Error('timeout'), { code: '57014' }))).toBe(false);
  });
});
