import request from 'supertest';
import { DataSource } from 'typeorm';
import { SIGN_IN_LIMITS } from '../../../src/users/sign-in-throttle';
import { type AppProcess, startAppProcess } from '../../support/app-processes';
import { addPerson, type Person, signInRequest } from '../../support/people';
import { startTestApp, type TestApp } from '../../support/test-app';

/**
 * Sign-in refuses guessing: a failure never tells whether the e-mail or the password was wrong, and the
 * attempts are limited per e-mail and per client address (every request here comes from 127.0.0.1),
 * in counts kept in Postgres and so shared by every app instance.
 */
describe('People: sign-in failures and throttling', () => {
  let t: TestApp;
  let db: DataSource;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    ({ apiKey } = await t.createTenant('Throttled sign-in'));
  });

  // each test starts with a clean slate for the shared address
  beforeEach(async () => {
    await db.query(`DELETE FROM sign_in_attempts`);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The window of every count ends now, as if fifteen minutes had passed. */
  const windowsPass = () => db.query(`UPDATE sign_in_attempts SET window_ends_at = now() - interval '1 millisecond'`);
  const withoutRequestId = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

  function expectThrottled(response: request.Response): void {
    expect([response.status, response.headers['content-type'], response.body.type]).toEqual([
      429,
      expect.stringMatching(/^application\/problem\+json/),
      expect.stringMatching(/too-many-sign-in-attempts$/),
    ]);
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(SIGN_IN_LIMITS.windowMs / 1000 - 60);
    expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_LIMITS.windowMs / 1000);
    expect(response.body.retryAfterSeconds).toBe(retryAfter);
  }

  it('answers an unknown e-mail and a wrong password with the same body, in comparable time', async () => {
    const person = await addPerson(t.url, apiKey, 'viewer');
    const timed = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await signInRequest(t.url, email, 'not the password at all');
      return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const wrongPassword = [];
    const unknownEmail = [];
    for (let n = 0; n < SIGN_IN_LIMITS.perEmail - 1; n++) {
      wrongPassword.push(await timed(person.email));
      unknownEmail.push(await timed(`nobody-${n}@example.jp`));
    }
    for (const { response } of [...wrongPassword, ...unknownEmail]) {
      expect([response.status, response.headers['content-type']]).toEqual([401, expect.stringMatching(/^application\/problem\+json/)]);
      expect(withoutRequestId(response.body)).toEqual(withoutRequestId(wrongPassword[0].response.body));
    }
    expect(JSON.stringify(wrongPassword[0].response.body)).not.toMatch(/unknown|not found|no user/i);
    // Without a dummy verification an unknown e-mail answers in a few milliseconds, a wrong password in tens.
    const median = (runs: { ms: number }[]) => runs.map((run) => run.ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
    expect(median(unknownEmail)).toBeGreaterThan(median(wrongPassword) * 0.3);
  });

  it('refuses an e-mail past its limit, even with the right password, until the window ends; others are not affected', async () => {
    const person = await addPerson(t.url, apiKey, 'operator');
    const bystander = await addPerson(t.url, apiKey, 'viewer');
    for (let n = 0; n < SIGN_IN_LIMITS.perEmail; n++) await signInRequest(t.url, person.email, `wrong guess ${n}`).expect(401);
    expectThrottled(await signInRequest(t.url, person.email, person.password));
    expectThrottled(await signInRequest(t.url, person.email.toUpperCase(), person.password));
    await signInRequest(t.url, bystander.email, bystander.password).expect(200);

    await windowsPass();
    await signInRequest(t.url, person.email, person.password).expect(200);
  });

  it("forgets an e-mail's failures when it signs in", async () => {
    const person = await addPerson(t.url, apiKey, 'viewer');
    for (let n = 0; n < SIGN_IN_LIMITS.perEmail - 1; n++) await signInRequest(t.url, person.email, `wrong guess ${n}`).expect(401);
    await signInRequest(t.url, person.email, person.password).expect(200);
    for (let n = 0; n < SIGN_IN_LIMITS.perEmail; n++) await signInRequest(t.url, person.email, `wrong again ${n}`).expect(401);
    expectThrottled(await signInRequest(t.url, person.email, `wrong again`));
  });

  it('refuses a malformed sign-in with the field named, without counting it as an attempt', async () => {
    const person = await addPerson(t.url, apiKey, 'viewer');
    for (const [body, field] of [
      [{ email: person.email }, 'password'],
      [{ email: person.email, password: '' }, 'password'],
      [{ email: person.email, password: 12345678901234 }, 'password'],
      [{ email: 'not an e-mail', password: person.password }, 'email'],
      [{ email: person.email, password: person.password, role: 'owner' }, 'role'],
      [{ email: person.email, password: person.password, tenantId: 'not-a-uuid' }, 'tenantId'],
    ] as const) {
      const response = await request(t.url).post('/v1/auth/sign-in').send(body);
      expect([response.status, response.body.errors?.map((error: { field: string }) => error.field)]).toEqual([
        400,
        expect.arrayContaining([field]),
      ]);
    }
    const text = await request(t.url)
      .post('/v1/auth/sign-in')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ email: person.email, password: 'x' }));
    expect(text.status).toBe(415);
    expect(await db.query(`SELECT count(*)::int AS n FROM sign_in_attempts`)).toEqual([{ n: 0 }]);
    await signInRequest(t.url, person.email, person.password).expect(200);
  });

  it('lets no more guesses through than the limit when they arrive at once', async () => {
    const person = await addPerson(t.url, apiKey, 'viewer');
    const burst = await Promise.all(Array.from({ length: 12 }, (_, n) => signInRequest(t.url, person.email, `parallel guess ${n}`)));
    const statuses = burst.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(SIGN_IN_LIMITS.perEmail).fill(401), ...Array(12 - SIGN_IN_LIMITS.perEmail).fill(429)]);
  });

  it('refuses an address past its limit across many e-mails, for any e-mail, until the window ends', async () => {
    const people: Person[] = [];
    for (let n = 0; n < 3; n++) people.push(await addPerson(t.url, apiKey, 'viewer'));
    // below each e-mail's limit, but together past the address's
    for (let n = 0; n < SIGN_IN_LIMITS.perAddress; n++) {
      const email = n % 2 === 0 ? people[n % 3].email : `stranger-${n}@example.jp`;
      const response = await signInRequest(t.url, email, `guess ${n}`);
      expect([n, response.status]).toEqual([n, 401]);
    }
    expectThrottled(await signInRequest(t.url, people[2].email, people[2].password));
    expectThrottled(await signInRequest(t.url, 'fresh@example.jp', 'any password'));

    await windowsPass();
    await signInRequest(t.url, people[2].email, people[2].password).expect(200);
  });

  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot pick its own address', async () => {
    for (let n = 0; n < SIGN_IN_LIMITS.perAddress; n++) {
      await signInRequest(t.url, `spoofer-${n}@example.jp`, 'guess').set('X-Forwarded-For', `198.51.100.${n}`).expect(401);
    }
    expectThrottled(await signInRequest(t.url, 'spoofer-next@example.jp', 'guess').set('X-Forwarded-For', '198.51.100.250'));
  });

  // its own process: passport's strategies are registered process-wide, so a second app in this process would
  // take over the first one's sign-in
  describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    let proxied: AppProcess;

    beforeAll(async () => {
      proxied = await startAppProcess(t, { TRUST_PROXY: 'loopback', WORKERS_ENABLED: 'false' });
    });

    afterAll(async () => {
      await proxied?.stop();
    });

    it("counts each client address the proxy reports, so one client's guesses do not lock out the others", async () => {
      const fromClient = (address: string, n: number) =>
        signInRequest(proxied.url, `guess-${address}-${n}@example.jp`, 'guess').set('X-Forwarded-For', address);
      for (let n = 0; n < SIGN_IN_LIMITS.perAddress; n++) await fromClient('203.0.113.5', n).expect(401);
      expectThrottled(await fromClient('203.0.113.5', SIGN_IN_LIMITS.perAddress));
      await fromClient('203.0.113.6', 0).expect(401);
    });
  });

  describe('with a second app instance', () => {
    let second: AppProcess;

    beforeAll(async () => {
      second = await startAppProcess(t);
    });

    afterAll(async () => {
      await second?.stop();
    });

    it('counts the attempts made on either instance together', async () => {
      const person = await addPerson(t.url, apiKey, 'viewer');
      for (let n = 0; n < SIGN_IN_LIMITS.perEmail; n++) {
        await signInRequest(n % 2 === 0 ? t.url : second.url, person.email, `guess ${n}`).expect(401);
      }
      expectThrottled(await signInRequest(second.url, person.email, person.password));
      expectThrottled(await signInRequest(t.url, person.email, person.password));
      await windowsPass();
      await signInRequest(second.url, person.email, person.password).expect(200);
    });
  });
});
