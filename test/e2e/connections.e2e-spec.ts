import { DataSource } from 'typeorm';
import { ConnectionContextFactory } from '../../src/connections/connection-context.factory';
import type { Connection } from '../../src/connections/connection.entity';
import { CrossmallSimulator, CROSSMALL_DEFAULT_ACCOUNT } from '../simulators/crossmall';
import { ElevenStreetSimulator, ELEVEN_STREET_DEFAULT_ACCOUNT } from '../simulators/eleven-street';
import { NextEngineSimulator, NE_DEFAULT_APP } from '../simulators/nextengine';
import { Qoo10Simulator, QOO10_DEFAULT_ACCOUNT } from '../simulators/qoo10';
import { SmaregiSimulator } from '../simulators/smaregi';
import { startTestApp, type TestApp } from '../support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;

/**
 * Connections against the five site simulators over real HTTP: registration, connection tests,
 * NextEngine's browser authorization with token rotation, Qoo10's key exchange and renewal,
 * and credentials that never leak.
 */
describe('Connections', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let other: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const qoo10 = new Qoo10Simulator();
  const eleven = new ElevenStreetSimulator();
  const crossmall = new CrossmallSimulator();
  const smaregi = new SmaregiSimulator();
  /** every secret value sent in this file, to prove none comes back or reaches a log */
  const secretsSent = new Set<string>();

  beforeAll(async () => {
    for (const sim of [ne, qoo10, eleven, crossmall, smaregi]) {
      sim.seed(undefined);
      await sim.start();
    }
    t = await startTestApp({
      nextEngine: { clientId: NE_DEFAULT_APP.clientId, clientSecret: NE_DEFAULT_APP.clientSecret, signInUrl: ne.url },
    });
    tenant = await t.createTenant('Connections seller');
    other = await t.createTenant('Other seller');
  });

  afterAll(async () => {
    await t?.close();
    for (const sim of [ne, qoo10, eleven, crossmall, smaregi]) await sim.stop();
  });

  const auth = (key = tenant.apiKey) => ({ Authorization: `Bearer ${key}` });

  async function register(body: Record<string, unknown>, key = tenant.apiKey) {
    for (const value of Object.values((body.credentials ?? {}) as Record<string, string>)) secretsSent.add(value);
    return t.http.post('/v1/connections').set(auth(key)).send(body);
  }

  async function storedRow(id: string): Promise<Connection> {
    const [row] = await t.app.get(DataSource).query(`SELECT * FROM connections WHERE id = $1`, [id]);
    return { ...row, id: row.id, credentialsCiphertext: row.credentials_ciphertext } as Connection;
  }

  function storedCredentials(row: Connection): Record<string, string> {
    return t.app.get(ConnectionContextFactory).decryptCredentials(row);
  }

  describe('GET /v1/sales-sites', () => {
    it('lists the five sites with their fields, and the egress IPs where the site restricts by IP', async () => {
      const response = await t.http.get('/v1/sales-sites').set(auth()).expect(200);
      const sites = Object.fromEntries(response.body.data.map((s: { site: string }) => [s.site, s]));
      expect(Object.keys(sites).sort()).toEqual(['11st', 'crossmall', 'nextengine', 'qoo10-jp', 'smaregi']);
      expect(sites['11st'].egressIps).toEqual(t.config.egressIps);
      expect(sites.crossmall.egressIps).toEqual(t.config.egressIps);
      expect(sites['qoo10-jp'].egressIps).toEqual([]);
      expect(sites.nextengine.capabilities.authorization).toBe('redirect');
      expect(sites['qoo10-jp'].credentialFields.find((f: { name: string }) => f.name === 'password').lifecycle).toBe('once');
      expect(sites.smaregi.options).not.toContain('autoOrderIntegration');
    });
  });

  describe('each site registers and passes its connection test', () => {
    const cases: [string, () => Record<string, unknown>][] = [
      [
        '11st',
        () => ({ site: '11st', shopId: ELEVEN_STREET_DEFAULT_ACCOUNT.sellerId, endpoint: eleven.url, credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey } }),
      ],
      [
        'crossmall',
        () => ({
          site: 'crossmall',
          shopId: 'cm-shop',
          endpoint: crossmall.url,
          credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
        }),
      ],
      ['smaregi (legacy API)', () => ({ site: 'smaregi', shopId: 'sim-contract', endpoint: smaregi.url, credentials: { accessToken: 'sim-legacy-token' } })],
      [
        'smaregi (Platform API)',
        () => ({
          site: 'smaregi',
          shopId: 'sim-contract',
          endpoint: smaregi.url,
          credentials: { clientId: 'sim-sr-client-id', clientSecret: 'sim-sr-client-secret' },
        }),
      ],
    ];

    it.each(cases)('%s', async (_name, body) => {
      const created = await register(body());
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('active');
      const test = await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200);
      expect(test.body).toMatchObject({ ok: true, status: 'active' });
      expect(test.body.latencyMs).toBeGreaterThanOrEqual(0);
      const shown = await t.http.get(`/v1/connections/${created.body.id}`).set(auth()).expect(200);
      expect(shown.body.lastTest).toMatchObject({ ok: true });
      await t.http.delete(`/v1/connections/${created.body.id}`).set(auth()).expect(204);
    });

    it('qoo10-jp: the one-time password creates a key at registration and is never stored', async () => {
      const created = await register({
        site: 'qoo10-jp',
        shopId: QOO10_DEFAULT_ACCOUNT.userId,
        endpoint: qoo10.url,
        credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
      });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('active');
      expect(Object.keys(created.body.credentials).sort()).toEqual(['apiKey', 'certificationKey']);
      const stored = storedCredentials(await storedRow(created.body.id));
      expect(stored.password).toBeUndefined();
      expect(stored.certificationKey).toBeTruthy();
      const test = await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200);
      expect(test.body.ok).toBe(true);
      await t.http.delete(`/v1/connections/${created.body.id}`).set(auth()).expect(204);
    });
  });

  describe('a wrong key', () => {
    it('fails the test with the site\'s own message, and the connection shows it', async () => {
      const created = await register({ site: '11st', shopId: 'wrong-key-shop', endpoint: eleven.url, credentials: { openApiKey: 'not-the-key' } });
      expect(created.status).toBe(201);
      const test = await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200);
      expect(test.body.ok).toBe(false);
      expect(test.body.message).toEqual(expect.any(String));
      expect(test.body.message.length).toBeGreaterThan(0);
      expect(test.body.status).toBe('auth_expired');
      const shown = await t.http.get(`/v1/connections/${created.body.id}`).set(auth()).expect(200);
      expect(shown.body.status).toBe('auth_expired');
      expect(shown.body.lastError).toBe(test.body.message);
      expect(shown.body.lastTest).toMatchObject({ ok: false, message: test.body.message });
    });

    it('crossmall with a wrong key fails the same way', async () => {
      const created = await register({
        site: 'crossmall',
        shopId: 'cm-wrong',
        endpoint: crossmall.url,
        credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: 'wrongKey' },
      });
      const test = await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200);
      expect(test.body.ok).toBe(false);
      expect(test.body.message).toBeTruthy();
      expect(['auth_expired', 'active']).toContain(test.body.status);
    });

    it('qoo10-jp with a wrong password is refused with the site\'s message; registered without one, renew-tokens signs it in', async () => {
      const refused = await register({
        site: 'qoo10-jp',
        shopId: QOO10_DEFAULT_ACCOUNT.userId,
        endpoint: qoo10.url,
        credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: 'wrong-password' },
      });
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toBeTruthy();

      // Nothing was registered: the same shop registers again, this time waiting for its sign-in.
      const fixed = await register({
        site: 'qoo10-jp',
        shopId: QOO10_DEFAULT_ACCOUNT.userId,
        endpoint: qoo10.url,
        credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey },
      });
      expect(fixed.status).toBe(201);
      expect(fixed.body.status).toBe('pending_authorization');
      secretsSent.add(QOO10_DEFAULT_ACCOUNT.password);
      const renewed = await t.http
        .post(`/v1/connections/${fixed.body.id}/renew-tokens`)
        .set(auth())
        .send({ credentials: { password: QOO10_DEFAULT_ACCOUNT.password } })
        .expect(200);
      expect(renewed.body.status).toBe('active');
      expect(renewed.body.lastError).toBeNull();
      const stored = storedCredentials(await storedRow(fixed.body.id));
      expect(stored.password).toBeUndefined();
      await t.http.post(`/v1/connections/${fixed.body.id}/test`).set(auth()).expect(200).expect((r) => expect(r.body.ok).toBe(true));
      await t.http.delete(`/v1/connections/${fixed.body.id}`).set(auth()).expect(204);
    });
  });

  describe('Qoo10 key expiry', () => {
    it('marks the connection auth_expired when the key expires, and renew-tokens brings it back', async () => {
      const created = await register({
        site: 'qoo10-jp',
        shopId: QOO10_DEFAULT_ACCOUNT.userId,
        endpoint: qoo10.url,
        credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
      });
      expect(created.status).toBe(201);
      const keyBefore = storedCredentials(await storedRow(created.body.id)).certificationKey;
      qoo10.expireKey(keyBefore);
      const test = await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200);
      expect(test.body).toMatchObject({ ok: false, status: 'auth_expired' });

      await t.http
        .post(`/v1/connections/${created.body.id}/renew-tokens`)
        .set(auth())
        .send({ credentials: { password: QOO10_DEFAULT_ACCOUNT.password } })
        .expect(200);
      const keyAfter = storedCredentials(await storedRow(created.body.id)).certificationKey;
      expect(keyAfter).toBeTruthy();
      expect(keyAfter).not.toBe(keyBefore);
      const again = await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200);
      expect(again.body).toMatchObject({ ok: true, status: 'active' });
      await t.http.delete(`/v1/connections/${created.body.id}`).set(auth()).expect(204);
    });
  });

  describe('NextEngine browser authorization', () => {
    let connectionId: string;

    it('starts pending, and authorize → sign-in → callback stores both tokens', async () => {
      const created = await register({ site: 'nextengine', shopId: 'NE100001', endpoint: ne.url, credentials: {} });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('pending_authorization');
      connectionId = created.body.id;

      const redirect = await t.http.get(`/v1/connections/${connectionId}/authorize`).set(auth()).expect(302);
      const signIn = new URL(redirect.headers.location);
      expect(signIn.origin).toBe(ne.url);
      expect(signIn.searchParams.get('client_id')).toBe(NE_DEFAULT_APP.clientId);

      // The seller's browser: the simulated NE sign-in answers 302 back to our callback.
      const signedIn = await fetch(signIn, { redirect: 'manual' });
      expect(signedIn.status).toBe(302);
      const callback = new URL(signedIn.headers.get('location')!);
      expect(callback.pathname).toBe('/v1/connections/oauth/nextengine/callback');
      const completed = await fetch(callback, { redirect: 'manual' });
      expect(completed.status).toBe(302);
      const landed = new URL(completed.headers.get('location')!);
      expect(landed.searchParams.get('result')).toBe('connected');
      expect(landed.searchParams.get('connectionId')).toBe(connectionId);

      const shown = await t.http.get(`/v1/connections/${connectionId}`).set(auth()).expect(200);
      expect(shown.body.status).toBe('active');
      expect(shown.body.tokenExpiresAt).toBeTruthy();
      const stored = storedCredentials(await storedRow(connectionId));
      const session = (ne.inspect() as { sessions: { accessToken: string; refreshToken: string }[] }).sessions.at(-1)!;
      expect(stored.accessToken).toBe(session.accessToken);
      expect(stored.refreshToken).toBe(session.refreshToken);
      secretsSent.add(stored.accessToken);
      secretsSent.add(stored.refreshToken);

      // The same callback a second time is refused: the state was single-use.
      const replay = await fetch(callback, { redirect: 'manual' });
      expect(replay.status).toBe(400);
      expect(replay.headers.get('content-type')).toMatch(PROBLEM_JSON);
    });

    it('after access-token expiry, a call rotates and persists both tokens', async () => {
      const before = storedCredentials(await storedRow(connectionId));
      ne.clock.advance(25 * 3600_000); // past the 1-day access token, within the 3-day refresh token
      const test = await t.http.post(`/v1/connections/${connectionId}/test`).set(auth()).expect(200);
      expect(test.body.ok).toBe(true);
      const after = storedCredentials(await storedRow(connectionId));
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      const live = (ne.inspect() as { sessions: { accessToken: string; refreshToken: string; accessTokenExpired: boolean }[] }).sessions.find(
        (s) => s.accessToken === after.accessToken,
      );
      expect(live).toBeDefined();
      expect(live!.accessTokenExpired).toBe(false);
      expect(live!.refreshToken).toBe(after.refreshToken);
      secretsSent.add(after.accessToken);
      secretsSent.add(after.refreshToken);
      // and the rotated tokens work for the next call
      await t.http.post(`/v1/connections/${connectionId}/test`).set(auth()).expect(200).expect((r) => expect(r.body.ok).toBe(true));
    });

    it('past the refresh token, the connection becomes auth_expired', async () => {
      ne.clock.advance(4 * 24 * 3600_000);
      const test = await t.http.post(`/v1/connections/${connectionId}/test`).set(auth()).expect(200);
      expect(test.body).toMatchObject({ ok: false, status: 'auth_expired' });
      ne.clock.reset();
    });

    it('refuses an unknown or forged state', async () => {
      const response = await t.http.get('/v1/connections/oauth/nextengine/callback?uid=x&state=y&mb_state=forged').expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    });

    it('answers mode=json with the URL instead of a redirect', async () => {
      const response = await t.http.get(`/v1/connections/${connectionId}/authorize?mode=json`).set(auth()).expect(200);
      expect(new URL(response.body.authorizationUrl).origin).toBe(ne.url);
    });
  });

  describe('validation', () => {
    it('names every missing or unknown credential, setting and unsupported option', async () => {
      const response = await register({
        site: 'crossmall',
        shopId: 'bad',
        credentials: { apiKey: 'k', surprise: 'x' },
        settings: { notASetting: 1 },
        options: { autoOrderConfirmation: true },
      });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(['credentials.companyCode', 'credentials.surprise', 'settings.notASetting', 'options.autoOrderConfirmation']),
      );
    });

    it('refuses an unknown site, a bad endpoint and a non-boolean option', async () => {
      const response = await register({ site: 'amazon', shopId: 'x', credentials: {}, endpoint: 'ftp://x', options: { autoStockSync: 'yes' } });
      expect(response.status).toBe(400);
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['site', 'endpoint', 'options.autoStockSync']));
    });

    it('refuses credentials the site issues itself (tokens) at registration', async () => {
      const response = await register({ site: 'nextengine', shopId: 'x', credentials: { accessToken: 'forged' } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('credentials.accessToken');
    });

    it('keeps one live connection per tenant, site and shop id; deleting frees it', async () => {
      const body = () => ({ site: '11st', shopId: 'dup-shop', endpoint: eleven.url, credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey } });
      const first = await register(body());
      expect(first.status).toBe(201);
      const second = await register(body());
      expect(second.status).toBe(409);
      expect(second.headers['content-type']).toMatch(PROBLEM_JSON);
      const elsewhere = await register(body(), other.apiKey);
      expect(elsewhere.status).toBe(201);
      await t.http.delete(`/v1/connections/${first.body.id}`).set(auth()).expect(204);
      expect((await register(body())).status).toBe(201);
    });
  });

  describe('changes and isolation', () => {
    it('updates options, settings and credentials; disables and re-enables', async () => {
      const created = await register({ site: '11st', shopId: 'patch-shop', endpoint: eleven.url, credentials: { openApiKey: 'old-key-value' } });
      secretsSent.add(ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey);
      const patched = await t.http
        .patch(`/v1/connections/${created.body.id}`)
        .set(auth())
        .send({ options: { autoOrderIntegration: true, autoStockSync: true }, credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey } })
        .expect(200);
      expect(patched.body.options).toMatchObject({ autoOrderIntegration: true, autoStockSync: true, autoOrderConfirmation: false });
      expect(patched.body.credentials.openApiKey).toBe('••••' + ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey.slice(-4));
      await t.http.post(`/v1/connections/${created.body.id}/test`).set(auth()).expect(200).expect((r) => expect(r.body.ok).toBe(true));

      const disabled = await t.http.patch(`/v1/connections/${created.body.id}`).set(auth()).send({ enabled: false }).expect(200);
      expect(disabled.body.status).toBe('disabled');
      const enabled = await t.http.patch(`/v1/connections/${created.body.id}`).set(auth()).send({ enabled: true }).expect(200);
      expect(enabled.body.status).toBe('active');
    });

    it('lists with filters and hides other tenants\' connections (404 on read, change, delete, test)', async () => {
      const mine = await register({ site: '11st', shopId: 'iso-shop', endpoint: eleven.url, credentials: { openApiKey: 'iso-key-1234' } });
      const list = await t.http.get('/v1/connections?site=11st&limit=200').set(auth()).expect(200);
      expect(list.body.data.every((c: { site: string }) => c.site === '11st')).toBe(true);
      expect(list.body.data.map((c: { id: string }) => c.id)).toContain(mine.body.id);
      const theirs = await t.http.get('/v1/connections?limit=200').set(auth(other.apiKey)).expect(200);
      expect(theirs.body.data.map((c: { id: string }) => c.id)).not.toContain(mine.body.id);

      const id = mine.body.id;
      await t.http.get(`/v1/connections/${id}`).set(auth(other.apiKey)).expect(404);
      await t.http.patch(`/v1/connections/${id}`).set(auth(other.apiKey)).send({ enabled: false }).expect(404);
      await t.http.post(`/v1/connections/${id}/test`).set(auth(other.apiKey)).expect(404);
      await t.http.delete(`/v1/connections/${id}`).set(auth(other.apiKey)).expect(404);
      await t.http.get(`/v1/connections/${id}`).set(auth()).expect(200);
    });
  });

  describe('credentials at rest and in the open', () => {
    it('stores only ciphertext', async () => {
      const rows = await t.app.get(DataSource).query(`SELECT credentials_ciphertext FROM connections`);
      expect(rows.length).toBeGreaterThan(3);
      for (const row of rows) {
        expect(row.credentials_ciphertext).toMatch(/^v1:/);
        for (const secret of secretsSent) if (secret.length >= 6) expect(row.credentials_ciphertext).not.toContain(secret);
      }
    });

    it('never returns a credential value in any response, nor writes one to the logs', async () => {
      const list = await t.http.get('/v1/connections?limit=200').set(auth()).expect(200);
      const text = JSON.stringify(list.body);
      const logs = t.logs.join('\n');
      expect(secretsSent.size).toBeGreaterThan(5);
      for (const secret of secretsSent) {
        if (secret.length < 6) continue; // too short to be told apart from ordinary text
        expect(text).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
    });
  });
});
