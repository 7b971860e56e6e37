import { Clock } from '../../src/common/clock';
import { NextEngineSimulator, type NeCompanySeed } from '../simulators/nextengine';
import { startAppProcess, type AppProcess } from '../support/app-processes';
import { connectNextEngine } from '../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ACCOUNT_INFO = '/api_v1_login_user/info';

/** One NE company (account) with one user; one Mallbridge connection per account. */
function company(name: string, n: number): NeCompanySeed {
  return {
    companyId: String(300 + n),
    companyNeId: `NE30000${n}`,
    companyName: `会社 ${name}`,
    companyKana: `カイシャ ${name}`,
    users: [
      {
        uid: `uid-${name}`,
        picId: String(n),
        picNeId: `P${n}`,
        picName: `担当 ${name}`,
        picKana: 'タントウ',
        picMailAddress: `${name}@example.jp`,
      },
    ],
    shops: [{ shopId: '1', shopName: `店舗 ${name}` }],
  };
}

interface NeSession {
  uid: string;
  accessToken: string;
  refreshToken: string;
  refreshTokenEndDate: string;
  rotations: number;
}
interface NeState {
  answers: Record<string, number>;
  sessions: NeSession[];
}

interface ConnectionView {
  id: string;
  status: string;
  tokenExpiresAt: string | null;
  credentials: Record<string, string>;
}

interface TestAnswer {
  ok: boolean;
  status: string;
  siteCode?: string;
  message?: string;
}

/** The simulator as any client sees it: its `/_sim` inspection API over HTTP. */
async function simState(ne: NextEngineSimulator): Promise<NeState> {
  const response = await fetch(`${ne.url}/_sim/state`);
  if (response.status !== 200) throw new Error(`/_sim/state answered ${response.status}`);
  return (await response.json()) as NeState;
}

function sessionOf(state: NeState, uid: string): NeSession {
  const session = state.sessions.find((s) => s.uid === uid);
  if (!session) throw new Error(`no NE session for ${uid}: ${JSON.stringify(state.sessions)}`);
  return session;
}

async function callApi<T>(
  baseUrl: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * NextEngine rotates an account's token pair (spec nextengine.md §2): an expired access token with a valid refresh token
 * makes the call succeed with a new pair, and the old access token then gets 002002. Mallbridge therefore runs one
 * call at a time per connection, across every instance, always with the newest stored pair; and it keeps idle
 * connections signed in, because the refresh token lapses 3 days after the last rotation.
 */
describe('NextEngine token rotation', () => {
  describe('two app instances calling one account whose tokens rotate on every call', () => {
    // A rotation on every call: the day's worth of rotations a busy account meets, all in one burst.
    const ne = new NextEngineSimulator();
    let t: TestApp;
    let other: AppProcess | undefined;
    let apiKey: string;
    let connectionId: string;

    beforeAll(async () => {
      ne.seed({ companies: [company('a', 1)], accessTokenTtlMs: 0 });
      await ne.start();
      t = await startTestApp(syncingApp(ne.url));
      apiKey = (await t.createTenant('Token seller')).apiKey;
      connectionId = await connectNextEngine(t, ne, apiKey, { shopId: 'NE300001', signInAs: 'uid-a' });
      other = await startAppProcess(t);
    }, 120_000);

    afterAll(async () => {
      await other?.stop();
      await t?.close();
      await ne.stop();
    });

    it('answers every concurrent call on both instances, each call rotating the pair the previous one left', async () => {
      const perInstance = 15;
      const before = await simState(ne);
      const infoCallsBefore = ne.requests.filter((r) => r.path === ACCOUNT_INFO).length;

      // 15 connection tests on each instance at once, interleaved: each is one login_user/info call.
      const instances = [t.url, other!.url];
      const answers = await Promise.all(
        Array.from({ length: perInstance * instances.length }, (_, i) =>
          callApi<TestAnswer>(instances[i % instances.length], apiKey, 'POST', `/v1/connections/${connectionId}/test`),
        ),
      );

      const calls = perInstance * instances.length;
      const failures = answers.filter((a) => a.status !== 200 || a.body.ok !== true || a.body.status !== 'active');
      expect(failures).toEqual([]);
      expect(answers).toHaveLength(calls);

      const after = await simState(ne);
      // NextEngine saw exactly one call per test, and answered every one with success: never 002002 (a stale pair)
      expect(ne.requests.filter((r) => r.path === ACCOUNT_INFO).length - infoCallsBefore).toBe(calls);
      expect(after.answers['002002']).toBeUndefined();
      expect(after.answers).toEqual({ success: (before.answers.success ?? 0) + calls });
      // and every call rotated the pair: each one was sent with the pair the previous call (on either instance) got
      expect(sessionOf(after, 'uid-a').rotations - sessionOf(before, 'uid-a').rotations).toBe(calls);

      // the newest pair is the one stored, and the connection is still active
      const shown = await callApi<ConnectionView>(other!.url, apiKey, 'GET', `/v1/connections/${connectionId}`);
      expect(shown.body.status).toBe('active');
      expect(shown.body.credentials.accessToken).toBe(`••••${sessionOf(after, 'uid-a').accessToken.slice(-4)}`);
      expect(shown.body.credentials.refreshToken).toBe(`••••${sessionOf(after, 'uid-a').refreshToken.slice(-4)}`);
    });
  });

  describe('keep-alive on a simulated clock', () => {
    const ne = new NextEngineSimulator();
    let t: TestApp;
    let apiKey: string;

    beforeAll(async () => {
      ne.seed({ companies: [company('a', 1), company('b', 2)] });
      await ne.start();
      t = await startTestApp(syncingApp(ne.url));
      apiKey = (await t.createTenant('Idle seller')).apiKey;
    });

    afterAll(async () => {
      await t?.close();
      await ne.stop();
    });

    const connection = async (id: string) => (await callApi<ConnectionView>(t.url, apiKey, 'GET', `/v1/connections/${id}`)).body;

    /** Business time passes on both sides: Mallbridge's Clock and the simulator's (through its `/_sim` control API). */
    async function advance(ms: number): Promise<void> {
      t.app.get(Clock).advance(ms);
      const response = await fetch(`${ne.url}/_sim/clock`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ advanceMs: ms }),
      });
      expect(response.status).toBe(200);
    }

    it('keeps an idle connection signed in past its first refresh token; a connection left out of it lapses', async () => {
      // Two idle connections, each signed in to its own account (access token 1 day, refresh token 3 days); no
      // automatic option is on, so nothing but the keep-alive ever calls NextEngine for them.
      const idle = await connectNextEngine(t, ne, apiKey, { shopId: 'NE300001', signInAs: 'uid-a' });
      const left = await connectNextEngine(t, ne, apiKey, { shopId: 'NE300002', signInAs: 'uid-b' });
      // Disabled connections get no keep-alive.
      const disabled = await callApi<ConnectionView>(t.url, apiKey, 'PATCH', `/v1/connections/${left}`, { enabled: false });
      expect(disabled.body.status).toBe('disabled');

      const seeded = await simState(ne);
      const signedIn = await connection(idle);
      expect(signedIn.status).toBe('active');
      const firstExpiry = new Date(signedIn.tokenExpiresAt!).getTime();
      expect(Math.abs(firstExpiry - (ne.clock.now().getTime() + 3 * DAY))).toBeLessThan(60_000);
      expect(sessionOf(seeded, 'uid-a').rotations).toBe(0);
      const requestsBefore = ne.requests.length;

      // 25 hours later the access token has lapsed and the refresh token has under 2 days left: the keep-alive
      // schedule (every 10 s here) makes its call, which rotates the pair. The test itself calls nothing.
      await advance(25 * HOUR);
      const renewed = await waitFor(
        async () => {
          const shown = await connection(idle);
          return new Date(shown.tokenExpiresAt!).getTime() > firstExpiry ? shown : null;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'the keep-alive to renew the idle connection' },
      );
      expect(renewed.status).toBe('active');
      // the new refresh token's end: 3 days from the rotation, 25 hours after the first one's
      expect(Math.abs(new Date(renewed.tokenExpiresAt!).getTime() - firstExpiry - 25 * HOUR)).toBeLessThan(60_000);
      const afterKeepAlive = await simState(ne);
      expect(sessionOf(afterKeepAlive, 'uid-a').rotations).toBe(1);
      expect(sessionOf(afterKeepAlive, 'uid-a').accessToken).not.toBe(sessionOf(seeded, 'uid-a').accessToken);
      expect(ne.requests.slice(requestsBefore).map((r) => r.path)).toEqual([ACCOUNT_INFO]);
      // the disabled connection was left alone: its first pair is untouched
      const { accessToken, refreshToken, refreshTokenEndDate } = sessionOf(seeded, 'uid-b');
      expect(sessionOf(afterKeepAlive, 'uid-b')).toMatchObject({ accessToken, refreshToken, refreshTokenEndDate, rotations: 0 });

      // 3.5 days after the sign-in: the first refresh token has lapsed (both connections' would have).
      await advance(59 * HOUR);
      expect(ne.clock.now().getTime()).toBeGreaterThan(firstExpiry);

      const kept = await callApi<TestAnswer>(t.url, apiKey, 'POST', `/v1/connections/${idle}/test`);
      expect(kept.body).toMatchObject({ ok: true, status: 'active' });
      expect((await connection(idle)).status).toBe('active');

      // The connection the keep-alive skipped died: enabled again, NextEngine refuses its expired pair.
      const enabled = await callApi<ConnectionView>(t.url, apiKey, 'PATCH', `/v1/connections/${left}`, { enabled: true });
      expect(enabled.status).toBe(200);
      const lapsed = await callApi<TestAnswer>(t.url, apiKey, 'POST', `/v1/connections/${left}/test`);
      expect(lapsed.body).toMatchObject({ ok: false, siteCode: '002004', status: 'auth_expired' });
      expect((await connection(left)).status).toBe('auth_expired');

      const final = await simState(ne);
      expect(final.answers['002002']).toBeUndefined();
      expect(final.answers['002004']).toBeGreaterThanOrEqual(1);
    });
  });
});
