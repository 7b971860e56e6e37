import { DataSource } from 'typeorm';
import { addPerson, bearer, type Person, signIn, signInRequest, staffOf } from '../../support/people';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/**
 * Console sessions: what sign-in hands out and keeps, sign-out, a password change or a removal ending
 * sessions, the last owner kept, and (on an app with a one-second lifetime) expiry and its slide with use.
 */
describe('People: sessions', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await t.createTenant('People sessions');
  });

  afterAll(async () => {
    await t?.close();
  });

  const me = (token: string) => t.http.get('/v1/me').set(bearer(token));

  it('signs a person in with an opaque token kept only as a hash, and never shows a password hash', async () => {
    const person = await addPerson(t.url, tenant.apiKey, 'operator', 'Mixed.Case@Example.JP');
    expect(person.email).toBe('mixed.case@example.jp');
    const response = await signInRequest(t.url, 'MIXED.case@example.jp', person.password).expect(200);
    expect(response.body).toEqual({
      token: expect.stringMatching(/^mbs_[A-Za-z0-9_-]{40,}$/),
      expiresAt: expect.any(String),
      user: {
        id: person.id,
        email: person.email,
        name: 'The operator',
        role: 'operator',
        createdAt: expect.any(String),
        passwordChangedAt: expect.any(String),
      },
    });
    const hoursLeft = (Date.parse(response.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(11.9);
    expect(hoursLeft).toBeLessThanOrEqual(12);

    const db = t.app.get(DataSource);
    const stored = JSON.stringify(await db.query(`SELECT * FROM user_sessions`)) + JSON.stringify(await db.query(`SELECT * FROM users`));
    expect(stored).not.toContain(response.body.token);
    expect(stored).not.toContain(person.password);
    const listed = await t.http.get('/v1/users').set(bearer(tenant.apiKey)).expect(200);
    expect(listed.text).not.toMatch(/argon2|passwordHash/);

    const described = await me(response.body.token).expect(200);
    expect(described.body).toEqual({
      kind: 'user',
      tenantId: tenant.tenantId,
      role: 'operator',
      user: response.body.user,
      session: { id: expect.any(String), expiresAt: expect.any(String) },
      apiKey: null,
    });
  });

  it('signs an e-mail used in two tenants into the one its password opens, and asks for the tenant when both match', async () => {
    const email = `shared-${Date.now()}@example.jp`;
    const other = await t.createTenant('Second employer');
    const here = await addPerson(t.url, tenant.apiKey, 'viewer', email);
    const there = await addPerson(t.url, other.apiKey, 'operator', email);
    expect((await signInRequest(t.url, email, here.password).expect(200)).body.user.id).toBe(here.id);
    expect((await signInRequest(t.url, email, there.password).expect(200)).body.user.id).toBe(there.id);

    await t.http.patch(`/v1/users/${there.id}`).set(bearer(other.apiKey)).send({ password: here.password }).expect(200);
    const ambiguous = await signInRequest(t.url, email, here.password).expect(409);
    expect(ambiguous.body.type).toMatch(/tenant-ambiguous$/);
    const chosen = await signInRequest(t.url, email, here.password, { tenantId: other.tenantId }).expect(200);
    expect([chosen.body.user.id, chosen.body.user.role]).toEqual([there.id, 'operator']);
  });

  it('creates a tenant with a first owner who can sign in at once, or creates nothing when the owner is refused', async () => {
    const firstOwner = { email: `founder-${Date.now()}@example.jp`, name: 'Founder', password: 'the founders password' };
    const created = await t.http.post('/v1/tenants').set(bearer(TEST_ADMIN_KEY)).send({ name: 'With an owner', firstOwner }).expect(201);
    expect(created.body.firstOwner).toMatchObject({ email: firstOwner.email, name: 'Founder', role: 'owner' });
    const signedIn = await signInRequest(t.url, firstOwner.email, firstOwner.password).expect(200);
    const described = await me(signedIn.body.token).expect(200);
    expect([described.body.tenantId, described.body.role]).toEqual([created.body.tenant.id, 'owner']);
    expect((await t.http.post('/v1/tenants').set(bearer(TEST_ADMIN_KEY)).send({ name: 'Without' }).expect(201)).body.firstOwner).toBeNull();

    const db = t.app.get(DataSource);
    const tenantsBefore = await db.query(`SELECT count(*)::int AS n FROM tenants`);
    for (const [bad, field] of [
      [{ ...firstOwner, password: 'too short' }, 'firstOwner.password'],
      [{ ...firstOwner, role: 'viewer' }, 'firstOwner.role'],
      [null, 'firstOwner'],
    ] as const) {
      const refused = await t.http.post('/v1/tenants').set(bearer(TEST_ADMIN_KEY)).send({ name: 'Refused', firstOwner: bad }).expect(400);
      expect(refused.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect(await db.query(`SELECT count(*)::int AS n FROM tenants`)).toEqual(tenantsBefore);
  });

  it('describes an API key caller as an owner without a person', async () => {
    const described = await me(tenant.apiKey).expect(200);
    expect(described.body).toEqual({
      kind: 'api-key',
      tenantId: tenant.tenantId,
      role: 'owner',
      user: null,
      session: null,
      apiKey: { id: expect.any(String), name: expect.any(String), prefix: tenant.apiKey.slice(0, described.body.apiKey.prefix.length) },
    });
  });

  it('refuses a second person with the same e-mail in any case, but allows it in another tenant', async () => {
    const first = await addPerson(t.url, tenant.apiKey, 'viewer');
    const again = await t.http
      .post('/v1/users')
      .set(bearer(tenant.apiKey))
      .send({ email: first.email.toUpperCase(), role: 'viewer', password: 'another password 1' })
      .expect(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    const other = await t.createTenant('Other tenant');
    await addPerson(t.url, other.apiKey, 'viewer', first.email);
  });

  it('refuses short passwords and unknown roles with the field named', async () => {
    for (const [body, field] of [
      [{ email: 'short@example.jp', role: 'viewer', password: 'elevenchars' }, 'password'],
      [{ email: 'role@example.jp', role: 'admin', password: 'long enough password' }, 'role'],
      [{ email: 'not-an-email', role: 'viewer', password: 'long enough password' }, 'email'],
    ] as const) {
      const response = await t.http.post('/v1/users').set(bearer(tenant.apiKey)).send(body).expect(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
  });

  it('ends the session at sign-out, and only that one; an API key cannot sign out', async () => {
    const person = await addPerson(t.url, tenant.apiKey, 'viewer');
    const [first, second] = [await signIn(t.url, person), await signIn(t.url, person)];
    await t.http.post('/v1/auth/sign-out').set(bearer(first)).expect(204);
    const refused = await me(first).expect(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.detail).toMatch(/API key or session token/);
    await t.http.post('/v1/auth/sign-out').set(bearer(first)).expect(401);
    await me(second).expect(200);

    const byKey = await t.http.post('/v1/auth/sign-out').set(bearer(tenant.apiKey)).expect(400);
    expect(byKey.body).toMatchObject({ type: expect.stringMatching(/not-a-session$/), status: 400 });
    await me(tenant.apiKey).expect(200);
  });

  it("ends a person's sessions when an owner sets their password; the old password stops working", async () => {
    const person = await addPerson(t.url, tenant.apiKey, 'operator');
    const sessions = [await signIn(t.url, person), await signIn(t.url, person)];
    const changed = await t.http
      .patch(`/v1/users/${person.id}`)
      .set(bearer(tenant.apiKey))
      .send({ password: 'a brand new password' })
      .expect(200);
    expect(Date.parse(changed.body.passwordChangedAt)).toBeGreaterThan(Date.now() - 60_000);
    for (const token of sessions) await me(token).expect(401);
    await signInRequest(t.url, person.email, person.password).expect(401);
    await signIn(t.url, { email: person.email, password: 'a brand new password' });
  });

  it('keeps the session that changes its own password open and ends the others', async () => {
    const owner = await addPerson(t.url, tenant.apiKey, 'owner');
    const changing = await signIn(t.url, owner);
    const elsewhere = await signIn(t.url, owner);
    await t.http.patch(`/v1/users/${owner.id}`).set(bearer(changing)).send({ password: 'my own new password' }).expect(200);
    await me(changing).expect(200);
    await me(elsewhere).expect(401);
  });

  it('lets a viewer change their own password only by giving the current one; their other sessions end', async () => {
    const viewer = await addPerson(t.url, tenant.apiKey, 'viewer');
    const changing = await signIn(t.url, viewer);
    const elsewhere = await signIn(t.url, viewer);
    const change = (token: string, body: object) => t.http.put('/v1/me/password').set(bearer(token)).send(body);

    const wrong = await change(changing, { currentPassword: 'not my password', newPassword: 'a viewer new password' }).expect(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
    await me(elsewhere).expect(200);
    await signIn(t.url, viewer);
    const short = await change(changing, { currentPassword: viewer.password, newPassword: 'short' }).expect(400);
    expect(short.body.errors.map((error: { field: string }) => error.field)).toEqual(['newPassword']);
    await change(tenant.apiKey, { currentPassword: 'x', newPassword: 'an api key has none' }).expect(400);

    await change(changing, { currentPassword: viewer.password, newPassword: 'a viewer new password' }).expect(204);
    await me(changing).expect(200);
    await me(elsewhere).expect(401);
    await signInRequest(t.url, viewer.email, viewer.password).expect(401);
    await signIn(t.url, { email: viewer.email, password: 'a viewer new password' });
  });

  it('applies a new role to open sessions at once', async () => {
    const person = await addPerson(t.url, tenant.apiKey, 'operator');
    const token = await signIn(t.url, person);
    await t.http.post('/v1/skus').set(bearer(token)).send({ code: 'ROLE-CHANGE-1', name: 'Allowed' }).expect(201);
    await t.http.patch(`/v1/users/${person.id}`).set(bearer(tenant.apiKey)).send({ role: 'viewer' }).expect(200);
    expect((await me(token).expect(200)).body.role).toBe('viewer');
    await t.http.post('/v1/skus').set(bearer(token)).send({ code: 'ROLE-CHANGE-2', name: 'Refused' }).expect(403);
  });

  it('removes a person: their sessions end, they cannot sign in, and their e-mail is free again', async () => {
    const person = await addPerson(t.url, tenant.apiKey, 'viewer');
    const token = await signIn(t.url, person);
    await t.http.delete(`/v1/users/${person.id}`).set(bearer(tenant.apiKey)).expect(204);
    await me(token).expect(401);
    await signInRequest(t.url, person.email, person.password).expect(401);
    await t.http.get(`/v1/users/${person.id}`).set(bearer(tenant.apiKey)).expect(404);
    await t.http.delete(`/v1/users/${person.id}`).set(bearer(tenant.apiKey)).expect(404);
    await addPerson(t.url, tenant.apiKey, 'viewer', person.email);
  });

  it("answers 404 for another tenant's person, exactly like a missing one, and changes nothing", async () => {
    const person = await addPerson(t.url, tenant.apiKey, 'viewer');
    const thief = await t.createTenant('Thief');
    const attempts = [
      t.http.get(`/v1/users/${person.id}`),
      t.http.patch(`/v1/users/${person.id}`).send({ role: 'owner' }),
      t.http.delete(`/v1/users/${person.id}`),
    ];
    for (const attempt of attempts) {
      const response = await attempt.set(bearer(thief.apiKey));
      expect([response.status, response.body.type]).toEqual([404, expect.stringMatching(/not-found$/)]);
    }
    expect((await t.http.get(`/v1/users/${person.id}`).set(bearer(tenant.apiKey)).expect(200)).body.role).toBe('viewer');
    const theirs = await t.http.get('/v1/users').set(bearer(thief.apiKey)).expect(200);
    expect(theirs.body.data).toEqual([]);
  });

  describe('the last owner', () => {
    let lonely: { tenantId: string; apiKey: string };
    let owner: Person;

    beforeAll(async () => {
      lonely = await t.createTenant('One owner');
      owner = await addPerson(t.url, lonely.apiKey, 'owner');
    });

    it('cannot be demoted or removed, by themselves or by an API key', async () => {
      const token = await signIn(t.url, owner);
      for (const call of [
        t.http.patch(`/v1/users/${owner.id}`).set(bearer(token)).send({ role: 'operator' }),
        t.http.patch(`/v1/users/${owner.id}`).set(bearer(lonely.apiKey)).send({ role: 'viewer' }),
        t.http.delete(`/v1/users/${owner.id}`).set(bearer(lonely.apiKey)),
      ]) {
        const response = await call;
        expect([response.status, response.body.type]).toEqual([409, expect.stringMatching(/last-owner$/)]);
      }
      expect((await me(token).expect(200)).body.role).toBe('owner');
    });

    it('is kept when two owners demote each other at the same moment', async () => {
      const second = await addPerson(t.url, lonely.apiKey, 'owner');
      const [a, b] = [await signIn(t.url, owner), await signIn(t.url, second)];
      const results = await Promise.all([
        t.http.patch(`/v1/users/${second.id}`).set(bearer(a)).send({ role: 'viewer' }),
        t.http.patch(`/v1/users/${owner.id}`).set(bearer(b)).send({ role: 'viewer' }),
      ]);
      expect(results.map((response) => response.status).sort()).toEqual([200, 409]);
      const people = await t.http.get('/v1/users').set(bearer(lonely.apiKey)).expect(200);
      expect(people.body.data.filter((person: { role: string }) => person.role === 'owner')).toHaveLength(1);
    });
  });
});

describe('People: session lifetime', () => {
  const TTL_HOURS = 0.0003; // about 1.1 s
  const ttlMs = TTL_HOURS * 3_600_000;
  let t: TestApp;
  let viewer: Person & { token: string };

  beforeAll(async () => {
    t = await startTestApp({ sessionTtlHours: TTL_HOURS });
    const tenant = await t.createTenant('Short sessions');
    ({ viewer } = await staffOf(t.url, tenant.apiKey));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('slides while the session is used, and expires once it is left alone', async () => {
    const token = await signIn(t.url, viewer);
    // Back-to-back use for three lifetimes: without the slide, the session would end after the first.
    const start = Date.now();
    let uses = 0;
    while (Date.now() - start < 3 * ttlMs) {
      const response = await t.http.get('/v1/me').set(bearer(token));
      expect([uses, response.status]).toEqual([uses, 200]);
      uses++;
    }
    const sessionId = (await t.http.get('/v1/me').set(bearer(token)).expect(200)).body.session.id as string;
    const unusedSince = Date.now();
    // Polling with the token would keep the session alive: watch its expiry in the database instead.
    const db = t.app.get(DataSource);
    const [slid] = await db.query(`SELECT expires_at FROM user_sessions WHERE id = $1`, [sessionId]);
    expect(slid.expires_at.getTime()).toBeGreaterThan(start + 2 * ttlMs);
    await waitFor(
      async () => (await db.query(`SELECT expires_at <= now() AS ended FROM user_sessions WHERE id = $1`, [sessionId]))[0].ended,
      {
        what: 'the idle session to pass its expiry',
        timeoutMs: 10_000,
      },
    );
    const refused = await t.http.get('/v1/me').set(bearer(token)).expect(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Date.now() - unusedSince).toBeGreaterThan(ttlMs * 0.5);
    // signing in again opens a new session
    await t.http
      .get('/v1/me')
      .set(bearer(await signIn(t.url, viewer)))
      .expect(200);
  });
});
