import { DataSource } from 'typeorm';
import { PreparedStatements } from '../../src/database/prepared-statements';
import { startTestApp, type TestApp } from '../support/test-app';
import { endBackends } from '../support/end-backends';
import { waitFor } from '../support/wait-for';

/**
 * Hot-path statements run planned once, for any values, on a pool of their own; a statement whose plan
 * depends on its values (`planForValues`) and the rest of the app keep PostgreSQL's choice.
 */
describe('PreparedStatements', () => {
  let t: TestApp;
  let statements: PreparedStatements;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    statements = t.app.get(PreparedStatements);
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  const planCacheMode = `SELECT current_setting('plan_cache_mode') AS mode, $1::int AS n`;

  it('runs a statement on connections set to plan it once, whichever connection of the pool it lands on', async () => {
    // more at once than the pool's kept connections, so new ones are opened and each must be set
    const rows = await Promise.all(Array.from({ length: 12 }, (_, n) => statements.query<{ mode: string; n: number }>(planCacheMode, [n])));
    expect(rows.map(([row]) => row)).toEqual(Array.from({ length: 12 }, (_, n) => ({ mode: 'force_generic_plan', n })));
  });

  it('leaves a statement asked with planForValues, and TypeORM’s own queries, to PostgreSQL’s choice', async () => {
    const [row] = await statements.query<{ mode: string }>(planCacheMode, [1], { planForValues: true });
    expect(row.mode).toBe('auto');
    const [own] = await db.query(`SELECT current_setting('plan_cache_mode') AS mode`);
    expect(own.mode).toBe('auto');
  });

  it('lists orders searched by text and filtered by status alike (the two pools answer the same API)', async () => {
    const tenant = await t.createTenant('Plans');
    const auth = { Authorization: `Bearer ${tenant.apiKey}` };
    const filtered = await t.http.get('/v1/orders?status=new&limit=5').set(auth).expect(200);
    const searched = await t.http.get('/v1/orders?q=nothing-like-this&limit=5').set(auth).expect(200);
    expect(filtered.body).toEqual({ data: [], nextCursor: null });
    expect(searched.body).toEqual({ data: [], nextCursor: null });
  });

  it('keeps serving when PostgreSQL ends its connections (a restart, a failover, a proxy’s idle timeout)', async () => {
    const tenant = await t.createTenant('Ended connections');
    const auth = { Authorization: `Bearer ${tenant.apiKey}` };
    await t.http.get('/v1/orders?status=new&limit=5').set(auth).expect(200);
    expect(await endBackends(db, 'mallbridge-prepared')).toBeGreaterThan(0);

    // every pooled connection is gone: the key check and the page query run on new ones, and the process lives
    const after = await Promise.all(Array.from({ length: 6 }, () => t.http.get('/v1/orders?status=new&limit=5').set(auth)));
    expect(after.map((response) => response.status)).toEqual(Array(6).fill(200));
    const [row] = await statements.query<{ mode: string }>(planCacheMode, [1]);
    expect(row.mode).toBe('force_generic_plan');
  });

  it('closes its pool with the app: no connection of it is left on the server', async () => {
    const other = await startTestApp();
    const [{ name }] = await other.app.get(DataSource).query(`SELECT current_database() AS name`);
    await other.app.get(PreparedStatements).query(planCacheMode, [1]);
    const open = async () =>
      (
        await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'mallbridge-prepared' AND datname = $1`, [
          name,
        ])
      )[0].n as number;
    expect(await open()).toBeGreaterThan(0);
    await other.close();
    // a backend leaves pg_stat_activity as it exits, a moment after its client hung up
    await waitFor(async () => (await open()) === 0, { what: 'the closed app’s prepared-statement connections to end' });
  });

  describe('a statement held up past the request timeout', () => {
    let held: TestApp;

    beforeAll(async () => {
      held = await startTestApp({ requestStatementTimeoutMs: 500 });
    });

    afterAll(async () => {
      await held?.close();
    });

    it('is cancelled by PostgreSQL, and its request answers 503 problem+json with Retry-After; once the lock is gone it serves', async () => {
      const tenant = await held.createTenant('Held up');
      const auth = { Authorization: `Bearer ${tenant.apiKey}` };
      await held.http.get('/v1/orders?status=new&limit=5').set(auth).expect(200);

      // what a migration's table rewrite holds: the page query waits for it, and would wait as long as it lasts
      const locker = held.app.get(DataSource).createQueryRunner();
      await locker.connect();
      await locker.startTransaction();
      let answer: { status: number; headers: Record<string, string>; body: Record<string, unknown> };
      try {
        await locker.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
        answer = await held.http.get('/v1/orders?status=new&limit=5').set(auth);
      } finally {
        await locker.rollbackTransaction();
        await locker.release();
      }
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['retry-after']).toBe('2');
      expect(answer.body).toMatchObject({ type: expect.stringMatching(/\/database-busy$/), status: 503, instance: '/v1/orders' });
      expect(held.logs.some((line) => line.includes('canceling statement due to statement timeout'))).toBe(true);

      await held.http.get('/v1/orders?status=new&limit=5').set(auth).expect(200);
    });

    it('bounds only the statements that answer requests: TypeORM’s connections (jobs, transactions) keep none', async () => {
      const [prepared] = await held.app
        .get(PreparedStatements)
        .query<{ timeout: string }>(`SELECT current_setting('statement_timeout') AS timeout, $1::int AS n`, [1]);
      const [own] = await held.app.get(DataSource).query(`SELECT current_setting('statement_timeout') AS timeout`);
      expect({ prepared: prepared.timeout, own: own.timeout }).toEqual({ prepared: '500ms', own: '0' });
    });
  });
});
