import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConnectionContextFactory } from '../../../src/connections/connection-context.factory';
import type { Connection } from '../../../src/connections/connection.entity';
import { QOO10_DEFAULT_ACCOUNT, Qoo10Simulator } from '../../simulators/qoo10';
import { snapshotTables } from '../../support/db-snapshot';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/**
 * Qoo10's "Get Auth" through Mallbridge's sign-in window (DESIGN §1): `GET /v1/connections/{id}/authorize` →
 * our page → the seller's QSM login → `CreateCertificationKey` on the simulator → back to CONNECT_RETURN_URL.
 * Real app, real Postgres, the Qoo10 simulator over HTTP, and the browser's part played with fetch and cookies.
 */

const CREATE_KEY = 'CertificationAPI.CreateCertificationKey';
// A password no other test uses, so that finding it anywhere is this suite's leak.
const PASSWORD = `qsm-${randomBytes(9).toString('base64url')}`;
const ACCOUNT = { ...QOO10_DEFAULT_ACCOUNT, password: PASSWORD };

interface OpenedWindow {
  status: number;
  headers: Headers;
  html: string;
  cookie: string;
  state: string;
  csrfToken: string;
  action: string;
}

function hiddenInput(html: string, name: string): string {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
}

function jst(date: Date): string {
  return new Date(date.getTime() + 9 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

function suite(mode: { serviceApiKey: boolean }) {
  const qoo10 = new Qoo10Simulator();
  let t: TestApp;
  let apiKey: string;
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });

  beforeAll(async () => {
    qoo10.seed({ accounts: [ACCOUNT] });
    await qoo10.start();
    t = await startTestApp({
      workersEnabled: true,
      syncTickSeconds: 1,
      jobPollingSeconds: 0.5,
      ...(mode.serviceApiKey ? { qoo10ApiKey: ACCOUNT.apiKey } : {}),
    });
    t.config.connectReturnUrl = 'http://console.example.test/connected';
    ({ apiKey } = await t.createTenant());
  });

  afterAll(async () => {
    await t?.close();
    await qoo10.stop();
  });

  async function register(shopId = ACCOUNT.userId) {
    const credentials = mode.serviceApiKey ? {} : { apiKey: ACCOUNT.apiKey };
    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({ site: 'qoo10-jp', shopId, endpoint: qoo10.url, credentials });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending_authorization');
    return created.body.id as string;
  }

  /** The owner starts the sign-in; the seller's browser follows the 302 and loads our page. */
  async function openWindow(connectionId: string): Promise<OpenedWindow> {
    const started = await t.http.get(`/v1/connections/${connectionId}/authorize`).set(auth()).expect(302);
    const pageUrl = new URL(started.headers.location);
    expect(pageUrl.origin).toBe(new URL(t.config.publicBaseUrl).origin);
    const page = await fetch(pageUrl, { redirect: 'manual' });
    const html = await page.text();
    const cookie = page.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    return {
      status: page.status,
      headers: page.headers,
      html,
      cookie,
      state: hiddenInput(html, 'state'),
      csrfToken: hiddenInput(html, 'csrfToken'),
      action: new URL(/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '/', t.config.publicBaseUrl).toString(),
    };
  }

  /** The browser posts the form (with or without the page's cookie) and does not follow the redirect. */
  function submit(window: OpenedWindow, fields: Record<string, string>, cookie: string | null = window.cookie) {
    return fetch(window.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
      body: new URLSearchParams({ state: window.state, csrfToken: window.csrfToken, loginId: ACCOUNT.userId, ...fields }),
    });
  }

  async function connection(id: string) {
    return (await t.http.get(`/v1/connections/${id}`).set(auth()).expect(200)).body;
  }

  async function storedCredentials(id: string): Promise<Record<string, string>> {
    const [row] = await t.app.get(DataSource).query(`SELECT id, credentials_ciphertext FROM connections WHERE id = $1`, [id]);
    return t.app.get(ConnectionContextFactory).decryptCredentials({ id: row.id, credentialsCiphertext: row.credentials_ciphertext } as Connection);
  }

  async function syncNow(connectionId: string) {
    const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
    return waitFor(
      async () => {
        const run = (await t.http.get(`/v1/sync-runs/${started.body.runId}`).set(auth()).expect(200)).body;
        return ['succeeded', 'failed'].includes(run.status) ? run : null;
      },
      { what: 'the order pull' },
    );
  }

  it('GET /v1/sales-sites says whether the seller must bring an API key', async () => {
    const sites = (await t.http.get('/v1/sales-sites').set(auth()).expect(200)).body.data;
    const fields = sites.find((site: { site: string }) => site.site === 'qoo10-jp').credentialFields;
    expect(fields.find((field: { name: string }) => field.name === 'apiKey').required).toBe(!mode.serviceApiKey);
    expect(fields.find((field: { name: string }) => field.name === 'password').required).toBe(false);
  });

  describe('refused before anything happens', () => {
    let connectionId: string;
    let window: OpenedWindow;

    beforeAll(async () => {
      connectionId = await register('qoo10-refusals');
      window = await openWindow(connectionId);
    });

    async function unchanged(attempt: () => Promise<Response>, expectedStatus: number) {
      const db = t.app.get(DataSource);
      const before = await snapshotTables(db);
      const keyCalls = qoo10.calls(CREATE_KEY).length;
      const response = await attempt();
      expect(response.status).toBe(expectedStatus);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(qoo10.calls(CREATE_KEY).length).toBe(keyCalls);
      expect(await snapshotTables(db)).toEqual(before);
      return (await response.json()) as { errors: { field: string }[] };
    }

    it('a post without the page cookie', async () => {
      const problem = await unchanged(() => submit(window, { password: PASSWORD }, null), 403);
      expect(problem.errors[0].field).toBe('csrfToken');
    });

    it('a post without the token, or with a wrong one', async () => {
      const missing = new URLSearchParams({ state: window.state, password: PASSWORD });
      await unchanged(
        () =>
          fetch(window.action, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: window.cookie },
            body: missing,
          }),
        400,
      );
      await unchanged(() => submit(window, { password: PASSWORD, csrfToken: 'x'.repeat(window.csrfToken.length) }), 403);
    });

    it("another page's cookie and token do not fit this state", async () => {
      const other = await openWindow(await register('qoo10-other-page'));
      await unchanged(() => submit({ ...window, csrfToken: other.csrfToken }, { password: PASSWORD }, other.cookie), 403);
    });

    it('a state that expired: neither the page nor the form works', async () => {
      const stale = await openWindow(await register('qoo10-stale'));
      await t.app
        .get(DataSource)
        .query(`UPDATE connections SET authorization_state_expires_at = now() - interval '1 second' WHERE authorization_state_hash IS NOT NULL AND shop_id = 'qoo10-stale'`);
      const page = await fetch(new URL(`${stale.action}?state=${stale.state}`), { redirect: 'manual' });
      expect(page.status).toBe(400);
      await unchanged(() => submit(stale, { password: PASSWORD }), 400);
    });

    it("a login id that is not the connection's shop id (the page shows it read-only)", async () => {
      const problem = await unchanged(() => submit(window, { password: PASSWORD, loginId: 'someone-else' }), 400);
      expect(problem.errors[0].field).toBe('loginId');
    });

    it('a token made for another state', async () => {
      await unchanged(() => submit({ ...window, state: 'not-a-state' }, { password: PASSWORD }), 403);
    });

    it('the refused posts left the page usable', async () => {
      expect(window.status).toBe(200);
      expect((await connection(connectionId)).status).toBe('pending_authorization');
      // The shop id is not the simulator's login: Qoo10 refuses it, which proves the state was still good.
      const response = await submit(window, { password: PASSWORD, loginId: 'qoo10-refusals' });
      expect(response.status).toBe(303);
      expect(new URL(response.headers.get('location')!).searchParams.get('result')).toBe('failed');
    });
  });

  describe('a wrong login', () => {
    it("returns to the console with Qoo10's own message; the connection stays pending and its test says the same", async () => {
      const id = await register();
      const window = await openWindow(id);
      const callsBefore = qoo10.calls(CREATE_KEY).length;
      const response = await submit(window, { password: 'not-the-password' });
      expect(response.status).toBe(303);
      const landed = new URL(response.headers.get('location')!);
      expect(`${landed.origin}${landed.pathname}`).toBe(t.config.connectReturnUrl);
      expect(landed.searchParams.get('connectionId')).toBe(id);
      expect(landed.searchParams.get('site')).toBe('qoo10-jp');
      expect(landed.searchParams.get('result')).toBe('failed');
      // What the simulator answered CreateCertificationKey, word for word.
      expect(qoo10.calls(CREATE_KEY).length).toBe(callsBefore + 1);
      expect(landed.searchParams.get('message')).toBe('Not exists seller info');

      const shown = await connection(id);
      expect(shown.status).toBe('pending_authorization');
      expect(shown.lastError).toBe('Not exists seller info');
      const test = await t.http.post(`/v1/connections/${id}/test`).set(auth()).expect(200);
      expect(test.body).toMatchObject({ ok: false, status: 'pending_authorization', message: 'Not exists seller info' });

      // The state is spent: the same form again changes nothing.
      expect((await submit(window, { password: PASSWORD })).status).toBe(400);
      expect((await connection(id)).status).toBe('pending_authorization');
      await t.http.delete(`/v1/connections/${id}`).set(auth()).expect(204);
    });

    it('the same form posted twice at once reaches Qoo10 once', async () => {
      const id = await register('qoo10-twice');
      const window = await openWindow(id);
      const callsBefore = qoo10.calls(CREATE_KEY).length;
      const answers = await Promise.all([submit(window, { password: PASSWORD, loginId: 'qoo10-twice' }), submit(window, { password: PASSWORD, loginId: 'qoo10-twice' })]);
      const statuses = answers.map((answer) => answer.status).sort((a, b) => a - b);
      expect(statuses[0]).toBe(303);
      expect([400, 409]).toContain(statuses[1]);
      expect(qoo10.calls(CREATE_KEY).length).toBe(callsBefore + 1);
    });

    it("a refused key exchange at registration answers with Qoo10's message and registers nothing", async () => {
      const credentials = { ...(mode.serviceApiKey ? {} : { apiKey: ACCOUNT.apiKey }), password: 'not-the-password' };
      const refused = await t.http
        .post('/v1/connections')
        .set(auth())
        .send({ site: 'qoo10-jp', shopId: 'qoo10-registration', endpoint: qoo10.url, credentials });
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({ detail: 'Not exists seller info', siteCode: '-10001' });
      const list = await t.http.get('/v1/connections?includeDeleted=true&limit=200').set(auth()).expect(200);
      expect(list.body.data.map((c: { shopId: string }) => c.shopId)).not.toContain('qoo10-registration');
    });
  });

  describe('the sign-in registers the connection', () => {
    let id: string;
    let orderId: string;

    it('asks for the login and password (and no API key: the connection or the service has one)', async () => {
      id = await register();
      const window = await openWindow(id);
      expect(window.status).toBe(200);
      expect(window.html).toContain('name="password"');
      expect(window.html).toContain(`value="${ACCOUNT.userId}"`);
      expect(window.html).not.toContain('name="apiKey"');
      expect(window.cookie).toMatch(/^mb_sign_in_csrf=/);
      expect(window.headers.get('cache-control')).toBe('no-store');
      const csp = window.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain(`form-action 'self' ${new URL(t.config.connectReturnUrl).origin}`);

      const response = await submit(window, { password: PASSWORD });
      expect(response.status).toBe(303);
      const landed = new URL(response.headers.get('location')!);
      expect(Object.fromEntries(landed.searchParams)).toEqual({ connectionId: id, site: 'qoo10-jp', result: 'connected' });

      const shown = await connection(id);
      expect(shown.status).toBe('active');
      expect(shown.tokenExpiresAt).toBeTruthy();
      const stored = await storedCredentials(id);
      expect(Object.keys(stored).sort()).toEqual(mode.serviceApiKey ? ['certificationKey'] : ['apiKey', 'certificationKey']);
      const exchange = qoo10.calls(CREATE_KEY).at(-1)!;
      expect(exchange).toMatchObject({ user_id: ACCOUNT.userId, pwd: PASSWORD });
      const sentWith = qoo10.requests.filter((r) => r.path.endsWith(CREATE_KEY)).at(-1)!.headers.giosiscertificationkey;
      expect(sentWith).toBe(ACCOUNT.apiKey);
    });

    it('the orders pull then works with the stored key', async () => {
      const orderDate = jst(new Date(qoo10.clock.now().getTime() - 3600_000));
      qoo10.addOrder({
        orderNo: 8801,
        packNo: 6601,
        status: 2,
        orderDate,
        buyer: '佐藤 花子',
        receiver: '佐藤 花子',
        zipCode: '150-0001',
        address1: '東京都渋谷区神宮前1-1-1',
        itemCode: '555',
        sellerItemCode: 'TEE-1',
        itemTitle: 'Tシャツ',
        orderPrice: 1980,
        orderQty: 1,
      });
      const run = await syncNow(id);
      expect(run.status).toBe('succeeded');
      const orders = (await t.http.get(`/v1/orders?connectionId=${id}`).set(auth()).expect(200)).body.data;
      expect(orders.map((o: { externalOrderId: string }) => o.externalOrderId)).toEqual(['6601']);
      orderId = orders[0].id;
      const key = (await storedCredentials(id)).certificationKey;
      expect(qoo10.requests.filter((r) => r.path.endsWith('GetShippingInfo_v3')).at(-1)!.headers.giosiscertificationkey).toBe(key);
    });

    it('a deleted connection stays readable where its orders point', async () => {
      await t.http.delete(`/v1/connections/${id}`).set(auth()).expect(204);
      const order = (await t.http.get(`/v1/orders/${orderId}`).set(auth()).expect(200)).body;
      const deleted = await connection(order.connectionId);
      expect(deleted).toMatchObject({ id, status: 'deleted', shopId: ACCOUNT.userId });
      expect(Date.parse(deleted.deletedAt)).not.toBeNaN();

      const live = await t.http.get('/v1/connections?limit=200').set(auth()).expect(200);
      expect(live.body.data.map((c: { id: string }) => c.id)).not.toContain(id);
      const all = await t.http.get('/v1/connections?limit=200&includeDeleted=true').set(auth()).expect(200);
      expect(all.body.data.find((c: { id: string }) => c.id === id)).toMatchObject({ status: 'deleted' });
      // Readable, not usable; and still another tenant's 404.
      await t.http.patch(`/v1/connections/${id}`).set(auth()).send({ enabled: true }).expect(404);
      await t.http.get(`/v1/connections/${id}/authorize`).set(auth()).expect(404);
      const other = await t.createTenant('Another seller');
      await t.http.get(`/v1/connections/${id}`).set({ Authorization: `Bearer ${other.apiKey}` }).expect(404);
    });
  });

  it('the password is nowhere: not in any table, not in the logs', async () => {
    expect(qoo10.calls(CREATE_KEY).some((params) => params.pwd === PASSWORD)).toBe(true);
    const db = t.app.get(DataSource);
    const tables: { table_name: string }[] = await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name: table } of tables) {
      const [dump] = await db.query(`SELECT coalesce(string_agg(to_jsonb(t)::text, ','), '') AS text FROM public."${table}" t`);
      expect({ table, leaked: dump.text.includes(PASSWORD) }).toEqual({ table, leaked: false });
    }
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.filter((line) => line.includes(PASSWORD))).toEqual([]);
  });
}

describe('Qoo10 sign-in window, connections bringing their own API key', () => suite({ serviceApiKey: false }));
describe('Qoo10 sign-in window, with the service key (QOO10_API_KEY)', () => suite({ serviceApiKey: true }));
