import type { DataSource } from 'typeorm';
import type { PreparedStatements } from '../database/prepared-statements';
import type { ParsedChange } from './stock-payload';
import { countInserted, WebhookGroupCommit, WebhookLinkCache } from './stock-webhook-group-commit';

const change = (amount: number, sourceKey: string | null = null): ParsedChange => ({
  kind: 'legacy',
  sourceKey,
  contentHash: `h${amount}`,
  productId: '8000001',
  storeId: '1',
  amountAfter: amount,
  raw: { stockAmount: String(amount) },
});

/** A database double that records each statement and answers it when the test says so. */
function fakeDb() {
  const calls: Array<{ params: unknown[]; answer(rows: unknown): void; fail(error: Error): void }> = [];
  const db = {
    query: (_sql: string, params: unknown[]) => new Promise((resolve, reject) => calls.push({ params, answer: resolve, fail: reject })),
  };
  return { db: db as unknown as PreparedStatements, calls };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

describe('WebhookGroupCommit', () => {
  const link = { id: '00000000-0000-4000-8000-000000000001', secretHash: 'a'.repeat(64) };

  it('a failing statement rejects every request of its group, and none is resolved', async () => {
    const { db, calls } = fakeDb();
    const groups = new WebhookGroupCommit(db);
    const settled: string[] = [];
    const requests = [1, 2, 3].map((amount) =>
      groups.store(link, [change(amount)]).then(
        () => settled.push('stored'),
        () => settled.push('rejected'),
      ),
    );
    await until(() => calls.length === 1);
    calls[0].fail(new Error('connection lost'));
    await Promise.all(requests);
    expect(settled).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('requests arriving while a group is in flight wait and are written together in one statement, in arrival order', async () => {
    const { db, calls } = fakeDb();
    const groups = new WebhookGroupCommit(db);
    const first = groups.store(link, [change(1)]);
    await until(() => calls.length === 1);
    // the one slot is busy: these three wait, then go as one group
    const waiting = [3, 4, 5].map((amount) => groups.store(link, [change(amount, `lg:${amount}`)]));
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    calls[0].answer([{ live: [true], insertedKeys: [] }]);
    await until(() => calls.length === 2);
    expect(calls[1].params[2]).toEqual([1, 2, 3]); // the request of each change
    expect(calls[1].params[8]).toEqual([3, 4, 5]); // the amounts, in arrival order
    // request 4's key was stored before; request 5's link was deleted meanwhile
    calls[1].answer([{ live: [true, true, false], insertedKeys: [`${link.id}:lg:3`] }]);
    expect(await first).toEqual({ kind: 'stored', inserted: 1 });
    expect(await Promise.all(waiting)).toEqual([
      { kind: 'stored', inserted: 1 },
      { kind: 'stored', inserted: 0 },
      { kind: 'link-changed' },
    ]);
  });

  it('a group that fails frees its slot: the requests that waited behind it are written next', async () => {
    const { db, calls } = fakeDb();
    const groups = new WebhookGroupCommit(db);
    const first = groups.store(link, [change(1)]).catch((error: Error) => error.message);
    await until(() => calls.length === 1);
    const second = groups.store(link, [change(2)]);
    calls[0].fail(new Error('connection lost'));
    await until(() => calls.length === 2);
    calls[1].answer([{ live: [true], insertedKeys: [] }]);
    expect(await first).toBe('connection lost');
    expect(await second).toEqual({ kind: 'stored', inserted: 1 });
  });
});

describe('countInserted', () => {
  const other = { id: '00000000-0000-4000-8000-000000000002', secretHash: 'b'.repeat(64) };
  const one = { id: '00000000-0000-4000-8000-000000000001', secretHash: 'a'.repeat(64) };

  it('a key repeated in the group counts for its first occurrence only, and per link', () => {
    const group = [
      { link: one, changes: [change(1, 'pf:1'), change(2, 'pf:2')] },
      { link: one, changes: [change(1, 'pf:1')] }, // a resend of request 1's first change, same group
      { link: other, changes: [change(1, 'pf:1')] }, // the same key on another link is another change
    ];
    const outcomes = countInserted(group, [true, true, true], [`${one.id}:pf:1`, `${one.id}:pf:2`, `${other.id}:pf:1`]);
    expect(outcomes).toEqual([
      { kind: 'stored', inserted: 2 },
      { kind: 'stored', inserted: 0 },
      { kind: 'stored', inserted: 1 },
    ]);
  });

  it('changes without a key always count; unrecognised ones too; a dead link counts nothing', () => {
    const unrecognised: ParsedChange = { kind: 'unrecognised', reason: 'not a Stock table', raw: {} };
    const group = [
      { link: one, changes: [change(1), change(1), unrecognised] },
      { link: other, changes: [change(2)] },
    ];
    expect(countInserted(group, [true, false], [])).toEqual([{ kind: 'stored', inserted: 3 }, { kind: 'link-changed' }]);
  });
});

describe('WebhookLinkCache', () => {
  it('serves a link from memory until invalidated, then reads it again', async () => {
    const rows = [{ id: 'L1', secretHash: 'h1' }];
    const query = jest.fn(async () => rows.splice(0, 1));
    const cache = new WebhookLinkCache({ query } as unknown as DataSource);
    expect(await cache.lookup('tok')).toEqual({ link: { id: 'L1', secretHash: 'h1' }, cached: false });
    expect(await cache.lookup('tok')).toEqual({ link: { id: 'L1', secretHash: 'h1' }, cached: true });
    expect(query).toHaveBeenCalledTimes(1);
    cache.invalidate('tok');
    expect(await cache.lookup('tok')).toEqual({ link: null, cached: false });
    expect(await cache.lookup('tok')).toEqual({ link: null, cached: true });
  });
});
