import { DataSource } from 'typeorm';
import { hashSecretCode } from '../../../src/stock-links/stock-links.service';
import { NextEngineSimulator } from '../../simulators/nextengine';
import { SmaregiSimulator } from '../../simulators/smaregi';
import { startAppProcess } from '../../support/app-processes';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const LEGACY_CONTRACT = 'smaregi-demo';

interface Link {
  id: string;
  customerUrl: string;
  secretCode: string;
}

/**
 * The Smaregi webhook's group commit and cached link lookup, over real HTTP on real PostgreSQL: concurrent posts
 * share a transaction and every 200 is stored; a group whose statement fails answers 5xx to every request in it
 * and stores none; a link deleted or given a new secret — here, or behind this instance's back — is refused at once.
 */
describe('Smaregi webhook: group commit and cached link lookup', () => {
  let t: TestApp;
  let db: DataSource;
  let tenant: { tenantId: string; apiKey: string };
  let neConnectionId: string;
  let smaregiConnectionId: string;
  const ne = new NextEngineSimulator();
  const sr = new SmaregiSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 0 });
    sr.seed(SmaregiSimulator.demoSeed());
    await ne.start();
    await sr.start();
    // statements answering requests are cancelled after 2 s here (10 s by default): the held-up group below
    t = await startTestApp(syncingApp(ne.url, { requestStatementTimeoutMs: 2000 }));
    db = t.app.get(DataSource);
    tenant = await t.createTenant('Webhook seller');
    neConnectionId = await connectNextEngine(t, ne, tenant.apiKey);
    const smaregi = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({ site: 'smaregi', shopId: LEGACY_CONTRACT, endpoint: sr.url, credentials: { accessToken: 'demo-legacy-access-token' } })
      .expect(201);
    smaregiConnectionId = smaregi.body.id as string;
  });

  afterAll(async () => {
    await db?.query(`DROP TRIGGER IF EXISTS test_refuse_stock_events ON stock_events`);
    await t?.close();
    await ne.stop();
    await sr.stop();
  });

  async function createLink(settings: { storeId?: string } = {}): Promise<Link> {
    const response = await t.http
      .post('/v1/stock-links')
      // an hour's upload delay: the changes stay in stock_events, as received, for the assertions
      .send({
        smaregiConnectionId,
        nextengineConnectionId: neConnectionId,
        stockMaster: 'smaregi',
        idMatching: 'csv',
        uploadDelaySeconds: 3600,
        ...settings,
      })
      .set(auth());
    if (response.status !== 201) throw new Error(`link creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Link;
  }

  /** One API送信 push of these Stock rows, as Smaregi posts it: the form field `params`, the code in a header. */
  function push(url: string, code: string, rows: Array<Record<string, string>>): Promise<Response> {
    const params = JSON.stringify({ data: [{ table_name: 'Stock', rows }] });
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', sncode: code },
      body: new URLSearchParams({ params }).toString(),
    });
  }

  /** One API送信 push of product 8000001 at store 1 whose stock after the change is `amount` (it identifies the request). */
  function post(url: string, code: string, amount: number): Promise<Response> {
    return push(url, code, [{ productId: '8000001', storeId: '1', stockAmount: String(amount) }]);
  }

  async function storedAmounts(linkId: string): Promise<number[]> {
    const rows = (await db.query(`SELECT amount_after::int AS a FROM stock_events WHERE link_id = $1 ORDER BY amount_after`, [
      linkId,
    ])) as Array<{ a: number }>;
    return rows.map((row) => row.a);
  }

  /** A trigger that fails the insert of any change whose stock after is in `amounts`: the statement, and its group, fail. */
  async function refuseAmounts(amounts: number[]): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION test_refuse_stock_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.amount_after = ANY (ARRAY[${amounts.map(Number).join(',')}]::bigint[]) THEN
          RAISE EXCEPTION 'refused by the test';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`DROP TRIGGER IF EXISTS test_refuse_stock_events ON stock_events`);
    await db.query(
      `CREATE TRIGGER test_refuse_stock_events BEFORE INSERT ON stock_events FOR EACH ROW EXECUTE FUNCTION test_refuse_stock_events()`,
    );
  }

  async function allowAll(): Promise<void> {
    await db.query(`DROP TRIGGER IF EXISTS test_refuse_stock_events ON stock_events`);
  }

  describe('a group whose statement fails', () => {
    afterEach(allowAll);

    it('answers 503 to every request of it and stores none of them', async () => {
      const link = await createLink();
      await refuseAmounts([...Array(20).keys()].map((i) => 1000 + i));
      const answers = await Promise.all([...Array(20).keys()].map((i) => post(link.customerUrl, link.secretCode, 1000 + i)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(503));
      const problem = (await answers[0].json()) as { type: string };
      expect(problem.type).toContain('webhook-not-stored');
      expect(await storedAmounts(link.id)).toEqual([]);

      // Smaregi resends: once the database takes them, they are stored, each once
      await allowAll();
      const resent = await Promise.all([...Array(20).keys()].map((i) => post(link.customerUrl, link.secretCode, 1000 + i)));
      expect(resent.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(await storedAmounts(link.id)).toEqual([...Array(20).keys()].map((i) => 1000 + i));
    });

    it('never answers 200 for a request that shared a group with a failing one: every 200 is stored, every 503 is not', async () => {
      const link = await createLink();
      const poisoned = 2007;
      await refuseAmounts([poisoned]);
      const amounts = [...Array(30).keys()].map((i) => 2000 + i);
      const answers = await Promise.all(amounts.map((amount) => post(link.customerUrl, link.secretCode, amount)));
      const status = new Map(amounts.map((amount, i) => [amount, answers[i].status]));
      expect(status.get(poisoned)).toBe(503);
      expect([...new Set(status.values())].every((code) => code === 200 || code === 503)).toBe(true);
      const answered200 = amounts.filter((amount) => status.get(amount) === 200);
      expect(await storedAmounts(link.id)).toEqual(answered200);
    });
  });

  it('is answered ahead of the API pipeline yet refuses like any route: problem+json with a request id, and counted in /metrics', async () => {
    const link = await createLink();
    const refused = await post(link.customerUrl, 'wrong-code', 4000);
    expect([refused.status, refused.headers.get('content-type')]).toEqual([401, expect.stringMatching(/^application\/problem\+json/)]);
    expect(await refused.json()).toMatchObject({ status: 401, requestId: expect.stringMatching(/\S/) });
    const unknown = await fetch(`${t.url}/v1/webhooks/smaregi/no-such-link`, { method: 'POST', headers: { sncode: 'x' } });
    expect(unknown.status).toBe(404);
    expect((await post(link.customerUrl, link.secretCode, 4001)).status).toBe(200);
    expect(await storedAmounts(link.id)).toEqual([4001]);

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const count = (status: number) =>
      Number(
        new RegExp(
          `http_request_duration_seconds_count\\{method="POST",route="/v1/webhooks/smaregi/:linkToken",status="${status}"\\} (\\d+)`,
        ).exec(metrics)?.[1] ?? 0,
      );
    expect([count(200), count(401), count(404)].every((n) => n >= 1)).toBe(true);
  });

  it('concurrent requests are committed in shared transactions, and every one answered 200 is stored', async () => {
    const link = await createLink();
    const amounts = [...Array(40).keys()].map((i) => 3000 + i);
    const answers = await Promise.all(amounts.map((amount) => post(link.customerUrl, link.secretCode, amount)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(40).fill(200));
    expect(await Promise.all(answers.map((answer) => answer.json()))).toEqual(
      Array(40).fill({ accepted: 1, duplicates: 0, unrecognised: 0 }),
    );
    expect(await storedAmounts(link.id)).toEqual(amounts);
    // rows written by one transaction share its xmin: fewer transactions than requests means groups were formed
    const [{ transactions }] = (await db.query(
      `SELECT count(DISTINCT xmin::text)::int AS transactions FROM stock_events WHERE link_id = $1`,
      [link.id],
    )) as Array<{
      transactions: number;
    }>;
    expect(transactions).toBeLessThan(amounts.length);
  });

  it('a resend in the same group as its original is stored once (idempotent on the source key)', async () => {
    const link = await createLink();
    // a row with its own identity (updDateTime) is keyed: the same row twice is one change
    const send = () =>
      push(link.customerUrl, link.secretCode, [
        { productId: '8000001', storeId: '1', stockAmount: '5', updDateTime: '2026-12-06 10:00:00' },
      ]);
    const answers = await Promise.all([send(), send(), send(), send()]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ accepted: number; duplicates: number }>;
    expect(bodies.reduce((sum, body) => sum + body.accepted, 0)).toBe(1);
    expect(bodies.reduce((sum, body) => sum + body.duplicates, 0)).toBe(3);
    expect(await storedAmounts(link.id)).toEqual([5]);
  });

  it('a stocktake push of 1,500 keyed rows sent three times at once is stored once, and every row is counted once', async () => {
    // only store 2 travels on this link: the background fold sets these store-1 rows aside at once, instead of
    // reading 1,500 products' histories from Smaregi one by one (minutes), which would outlive the test
    const link = await createLink({ storeId: '2' });
    const rows = [...Array(1500).keys()].map((i) => ({
      productId: String(8100000 + i),
      storeId: '1',
      stockAmount: String(i % 17),
      updDateTime: '2026-12-07 09:00:00',
    }));
    const send = () => push(link.customerUrl, link.secretCode, rows);
    // a first part of it arrived before (then the connection dropped, say): those rows are duplicates now
    const first = await push(link.customerUrl, link.secretCode, rows.slice(0, 100));
    expect(await first.json()).toEqual({ accepted: 100, duplicates: 0, unrecognised: 0 });

    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ accepted: number; duplicates: number }>;
    expect(bodies.reduce((sum, body) => sum + body.accepted, 0)).toBe(1400);
    expect(bodies.reduce((sum, body) => sum + body.duplicates, 0)).toBe(3 * 1500 - 1400);
    const [{ stored, products }] = (await db.query(
      `SELECT count(*)::int AS stored, count(DISTINCT product_id)::int AS products FROM stock_events WHERE link_id = $1`,
      [link.id],
    )) as Array<{ stored: number; products: number }>;
    expect({ stored, products }).toEqual({ stored: 1500, products: 1500 });

    // the test owns its background work: no job of it outlives the app
    await waitFor(
      async () =>
        (
          (await db.query(`SELECT count(*)::int AS n FROM stock_events WHERE link_id = $1 AND status = 'received'`, [link.id])) as Array<{
            n: number;
          }>
        )[0].n === 0,
      { what: 'the stocktake to be set aside by the fold' },
    );
  });

  it('a group held up by a lock (a migration building an index) answers 503 at the request timeout and stores nothing; sent again, it is stored', async () => {
    const link = await createLink();
    const locker = db.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    let answer: Response;
    try {
      // what CREATE INDEX holds on its table for as long as it builds: inserts wait
      await locker.query('LOCK TABLE stock_events IN SHARE MODE');
      answer = await post(link.customerUrl, link.secretCode, 4100);
    } finally {
      await locker.rollbackTransaction();
      await locker.release();
    }
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ type: expect.stringMatching(/\/webhook-not-stored$/), status: 503 });
    expect(await storedAmounts(link.id)).toEqual([]);

    // Smaregi's resend
    const again = await post(link.customerUrl, link.secretCode, 4100);
    expect(again.status).toBe(200);
    expect(await storedAmounts(link.id)).toEqual([4100]);
  });

  describe('the cached link lookup', () => {
    it('a link deleted through the API answers 404 at once, though its lookup was cached', async () => {
      const link = await createLink();
      expect((await post(link.customerUrl, link.secretCode, 1)).status).toBe(200);
      await t.http.delete(`/v1/stock-links/${link.id}`).set(auth()).expect(204);
      expect((await post(link.customerUrl, link.secretCode, 2)).status).toBe(404);
      expect(await storedAmounts(link.id)).toEqual([1]);
    });

    it('a link deleted behind this instance (another instance, no local invalidation) stores nothing more and answers 404', async () => {
      const link = await createLink();
      expect((await post(link.customerUrl, link.secretCode, 1)).status).toBe(200);
      await db.query(`UPDATE stock_links SET deleted_at = now() WHERE id = $1`, [link.id]);
      expect((await post(link.customerUrl, link.secretCode, 2)).status).toBe(404);
      expect(await storedAmounts(link.id)).toEqual([1]);
    });

    it('a new secret (set behind this instance) refuses the old code with 401 at once and takes the new one', async () => {
      const link = await createLink();
      expect((await post(link.customerUrl, link.secretCode, 1)).status).toBe(200);
      const newCode = 'a-new-secret-code-for-this-link-0001';
      await db.query(`UPDATE stock_links SET secret_hash = $2 WHERE id = $1`, [link.id, hashSecretCode(newCode)]);
      const old = await post(link.customerUrl, link.secretCode, 2);
      expect(old.status).toBe(401);
      expect(((await old.json()) as { type: string }).type).toContain('webhook-secret-invalid');
      expect((await post(link.customerUrl, newCode, 3)).status).toBe(200);
      expect(await storedAmounts(link.id)).toEqual([1, 3]);
    });

    it('an update of the link through the API drops the cached lookup, and posts keep working', async () => {
      const link = await createLink();
      expect((await post(link.customerUrl, link.secretCode, 1)).status).toBe(200);
      await t.http.patch(`/v1/stock-links/${link.id}`).set(auth()).send({ uploadDelaySeconds: 1800 }).expect(200);
      expect((await post(link.customerUrl, link.secretCode, 2)).status).toBe(200);
      expect((await post(link.customerUrl, 'wrong-code', 3)).status).toBe(401);
      expect(await storedAmounts(link.id)).toEqual([1, 2]);
    });
  });

  it('a kill -9 of the instance loses no change it answered 200', async () => {
    const link = await createLink();
    const other = await startAppProcess(t, { WORKERS_ENABLED: 'false' });
    const url = link.customerUrl.replace(/^https?:\/\/[^/]+/, other.url.replace('[::1]', '127.0.0.1'));
    const answered: number[] = [];
    let next = 10_000;
    let killed = false;
    // 8 senders post until the instance dies; each remembers what was answered 200
    const sender = async () => {
      while (!killed) {
        const amount = next++;
        try {
          const response = await post(url, link.secretCode, amount);
          if (response.status === 200) answered.push(amount);
        } catch {
          return; // the connection died with the instance
        }
      }
    };
    const senders = [...Array(8).keys()].map(() => sender());
    await waitFor(async () => answered.length >= 200, { what: '200 answered posts', timeoutMs: 30_000, intervalMs: 5 });
    await other.kill();
    killed = true;
    await Promise.all(senders);
    const stored = new Set(await storedAmounts(link.id));
    expect(answered.filter((amount) => !stored.has(amount))).toEqual([]);
  });
});
