import { QueryFailedError, type SelectQueryBuilder } from 'typeorm';
import { paginate, paginateSql } from './pagination';
import { ValidationProblem } from './problem';

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ID = '6f1c1e9e-2f43-4b5e-9d3a-0c1e2b3a4d5e';

/** A query builder that records the calls and answers (or fails) like the database. */
function builder(result: () => Promise<unknown[]>) {
  const calls: string[] = [];
  const query = {
    andWhere: (sql: string) => (calls.push(sql), query),
    orderBy: () => query,
    addOrderBy: () => query,
    limit: () => query,
    getMany: result,
  };
  return { query: query as unknown as SelectQueryBuilder<{ id: string; createdAt: Date }>, calls };
}

const options = { alias: 'r', sortColumn: 'created_at', sortProperty: 'createdAt' as const };

describe('paginate', () => {
  it.each([
    ['not base64 JSON', '!!!'],
    ['a non-uuid id', cursor({ v: '2026-01-01T00:00:00.000Z', id: 'not-a-uuid' })],
    ['SQL in the id', cursor({ v: '2026-01-01T00:00:00.000Z', id: "' OR 1=1 --" })],
    ['an object value', cursor({ v: { a: 1 }, id: ID })],
    ['a NUL in the value', cursor({ v: 'a\u0000b', id: ID })],
  ])('refuses a cursor with %s as a 400 on `cursor`, before any query', async (_label, value) => {
    const { query, calls } = builder(async () => []);
    const error = await paginate(query, { cursor: value }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationProblem);
    expect((error as ValidationProblem).fieldErrors).toEqual([expect.objectContaining({ field: 'cursor' })]);
    expect(calls).toEqual([]);
  });

  it('turns a value the sort column cannot take (text for a time) into a 400 on `cursor`', async () => {
    const invalidTime = Object.assign(new QueryFailedError('SELECT …', [], new Error('invalid input syntax for type timestamp')), {
      code: '22007',
    });
    const { query } = builder(() => Promise.reject(invalidTime));
    const error = await paginate(query, { cursor: cursor({ v: 'not-a-time', id: ID }) }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationProblem);
  });

  it('lets other database errors through', async () => {
    const broken = Object.assign(new QueryFailedError('SELECT …', [], new Error('connection lost')), { code: '08006' });
    const { query } = builder(() => Promise.reject(broken));
    await expect(paginate(query, { cursor: cursor({ v: '2026-01-01T00:00:00.000Z', id: ID }) }, options)).rejects.toBe(broken);
  });

  describe('over plain SQL', () => {
    const rows = [3, 2, 1].map((day) => ({ id: ID.replace(/.$/, String(day)), created_at: new Date(Date.UTC(2026, 0, day)) }));
    const sqlOptions = {
      select: 'r.id, r.created_at',
      from: 'runs r',
      where: ['r.tenant_id = $1'],
      params: ['tenant'],
      sortColumn: 'r.created_at',
      idColumn: 'r.id',
      items: (page: typeof rows) => page.map(toItem),
      sortProperty: 'createdAt' as const,
    };
    const toItem = (row: (typeof rows)[number]) => ({ id: row.id, createdAt: row.created_at });

    it("appends the keyset condition, order and limit + 1 after the caller's parameters, and keeps the cursor format", async () => {
      const run = jest.fn(async () => rows);
      const page = await paginateSql(run, { limit: 2, cursor: cursor({ v: '2026-02-01T00:00:00.000Z', id: ID }) }, sqlOptions);
      expect(run).toHaveBeenCalledWith(
        'SELECT r.id, r.created_at FROM runs r WHERE r.tenant_id = $1 AND (r.created_at, r.id) < ($2, $3) ORDER BY r.created_at DESC, r.id DESC LIMIT $4',
        ['tenant', '2026-02-01T00:00:00.000Z', ID, 3],
      );
      expect(page.data).toEqual(rows.slice(0, 2).map(toItem));
      expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({
        v: '2026-01-02T00:00:00.000Z',
        id: rows[1].id,
      });
      expect(sqlOptions.params).toEqual(['tenant']);
    });

    it('answers the last page with no cursor', async () => {
      const page = await paginateSql(async () => rows, { limit: 3 }, sqlOptions);
      expect(page).toEqual({ data: rows.map(toItem), nextCursor: null });
    });

    it('gives the items the page rows only (not the extra one that tells a next page exists), and takes the cursor from the last item', async () => {
      const items = jest.fn(async (page: typeof rows) => page.map((row) => ({ id: row.id, sortKey: `key of ${row.id}` })));
      const page = await paginateSql(async () => rows, { limit: 2 }, { ...sqlOptions, items, sortProperty: 'sortKey' as const });
      expect(items).toHaveBeenCalledWith(rows.slice(0, 2));
      expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({
        v: `key of ${rows[1].id}`,
        id: rows[1].id,
      });
    });

    it('takes the cursor from the last item there is when the last row vanished before its item was read', async () => {
      const page = await paginateSql(
        async () => rows,
        { limit: 2 },
        { ...sqlOptions, items: (page: typeof rows) => page.slice(0, 1).map(toItem) },
      );
      expect(page.data).toEqual([toItem(rows[0])]);
      expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({
        v: rows[0].created_at.toISOString(),
        id: rows[0].id,
      });
    });

    it('asks again for a page whose every row vanished, instead of ending the list there', async () => {
      const run = jest.fn().mockResolvedValueOnce(rows).mockResolvedValueOnce(rows.slice(1));
      const items = async (page: typeof rows) => page.filter((row) => row !== rows[0]).map(toItem);
      const page = await paginateSql(run, { limit: 1 }, { ...sqlOptions, items });
      expect(run).toHaveBeenCalledTimes(2);
      expect(page.data).toEqual([toItem(rows[1])]);
      expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toMatchObject({ id: rows[1].id });
    });

    it('turns a value the sort column cannot take into a 400 on `cursor`', async () => {
      const invalidTime = Object.assign(new QueryFailedError('SELECT …', [], new Error('invalid input syntax for type timestamp')), {
        code: '22007',
      });
      const error = await paginateSql(() => Promise.reject(invalidTime), { cursor: cursor({ v: 'not-a-time', id: ID }) }, sqlOptions).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationProblem);
    });
  });
});
