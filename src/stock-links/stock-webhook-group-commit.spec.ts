import type { DataSource } from 'typeorm';
import type { PreparedStatements } from '../database/prepared-statements';
import type { ParsedChange } from './stock-payload';
import { WebhookGroupCommit, WebhookLinkCache } from './stock-webhook-group-commit';

const change = (amount: number): ParsedChange => ({
  kind: 'legacy',
  sourceKey: null,
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

  it('requests arriving while groups are in flight wait and are written together in one statement, in arrival order', async () => {
    const { db, calls } = fakeDb();
    const groups = new WebhookGroupCommit(db);
    const first = groups.store(link, [change(1)]);
    await until(() => calls.length === 1);
    const second = groups.store(link, [change(2)]);
    await until(() => calls.length === 2);
    // both slots busy: these three wait, then go as one group
    const waiting = [3, 4, 5].map((amount) => groups.store(link, [change(amount)]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);
    calls[0].answer([{ g: 0, inserted: 1 }]);
    await until(() => calls.length === 3);
    expect(calls[2].params[3]).toEqual([0, 1, 2]); // the request index of each change
    expect(calls[2].params[9]).toEqual([3, 4, 5]); // the amounts, in arrival order
    calls[1].answer([{ g: 0, inserted: 1 }]);
    calls[2].answer([
      { g: 0, inserted: 1 },
      { g: 1, inserted: 0 },
    ]); // request 2's link was deleted meanwhile
    expect(await first).toEqual({ kind: 'stored', inserted: 1 });
    expect(await second).toEqual({ kind: 'stored', inserted: 1 });
    expect(await Promise.all(waiting)).toEqual([
      { kind: 'stored', inserted: 1 },
      { kind: 'stored', inserted: 0 },
      { kind: 'link-changed' },
    ]);
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
