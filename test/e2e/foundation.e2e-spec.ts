import request from 'supertest';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('Foundation: tenants, API keys, errors, idempotency, operations', () => {
  let t: TestApp;
  let tenantA: { tenantId: string; apiKey: string };
  let tenantB: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    t = await startTestApp();
    tenantA = await t.createTenant('Seller A');
    tenantB = await t.createTenant('Seller B');
  });

  afterAll(async () => {
    await t.close();
  });

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  describe('authentication', () => {
    it('refuses a request without a key with 401 problem+json', async () => {
      const response = await t.http.get('/v1/api-keys').expect(401);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized', type: expect.stringContaining('unauthorized') });
    });

    it('refuses an unknown key', async () => {
      const response = await t.http.get('/v1/api-keys').set(as('mb_not-a-real-key')).expect(401);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    });

    it('refuses a key once it is revoked, and keeps the other keys working', async () => {
      const created = await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).send({ name: 'temporary' }).expect(201);
      expect(created.body.key).toMatch(/^mb_/);
      await t.http.get('/v1/api-keys').set(as(created.body.key)).expect(200);

      await t.http.delete(`/v1/api-keys/${created.body.id}`).set(as(tenantA.apiKey)).expect(204);

      const refused = await t.http.get('/v1/api-keys').set(as(created.body.key)).expect(401);
      expect(refused.headers['content-type']).toMatch(PROBLEM_JSON);
      await t.http.get('/v1/api-keys').set(as(tenantA.apiKey)).expect(200);
    });

    it('records a key\'s first use (lastUsedAt from null to a time), and not again on every request', async () => {
      const created = await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).send({ name: 'last use' }).expect(201);
      const lastUsed = async () => {
        const keys = await t.http.get('/v1/api-keys').set(as(tenantA.apiKey)).expect(200);
        return (keys.body.data as { id: string; lastUsedAt: string | null }[]).find((key) => key.id === created.body.id)!.lastUsedAt;
      };
      expect(await lastUsed()).toBeNull();
      await t.http.get('/v1/orders').set(as(created.body.key)).expect(200);
      const first = await lastUsed();
      expect(first).toEqual(expect.any(String));
      await t.http.get('/v1/orders').set(as(created.body.key)).expect(200);
      expect(await lastUsed()).toBe(first); // written at most once a minute: a read-heavy console is not a write per request
    });

    it('stores keys hashed: the plain key is nowhere in the database', async () => {
      const created = await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).send({ name: 'hash check' }).expect(201);
      const dataSource = t.app.get(require('typeorm').DataSource);
      const rows = await dataSource.query(`SELECT * FROM api_keys WHERE id = $1`, [created.body.id]);
      expect(JSON.stringify(rows)).not.toContain(created.body.key);
      expect(rows[0].key_hash).toBeInstanceOf(Buffer);
    });

    it('only the admin key creates tenants', async () => {
      await t.http.post('/v1/tenants').send({ name: 'x' }).expect(401);
      await t.http.post('/v1/tenants').set(as(tenantA.apiKey)).send({ name: 'x' }).expect(401);
      await request(t.app.getHttpServer()).post('/v1/tenants').set(as(TEST_ADMIN_KEY)).send({ name: 'y' }).expect(201);
    });
  });

  describe('tenant isolation', () => {
    it('lists only the calling tenant\'s keys', async () => {
      const a = await t.http.get('/v1/api-keys?limit=200').set(as(tenantA.apiKey)).expect(200);
      const b = await t.http.get('/v1/api-keys?limit=200').set(as(tenantB.apiKey)).expect(200);
      const aIds = new Set(a.body.data.map((k: { id: string }) => k.id));
      expect(b.body.data.length).toBeGreaterThan(0);
      for (const key of b.body.data) expect(aIds.has(key.id)).toBe(false);
    });

    it('answers 404 when tenant A tries to revoke tenant B\'s key, and the key keeps working', async () => {
      const bKeys = await t.http.get('/v1/api-keys').set(as(tenantB.apiKey)).expect(200);
      const bKeyId = bKeys.body.data[0].id;
      const response = await t.http.delete(`/v1/api-keys/${bKeyId}`).set(as(tenantA.apiKey)).expect(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      await t.http.get('/v1/api-keys').set(as(tenantB.apiKey)).expect(200);
    });

    it('answers 404 for a key id that does not exist, and 400 for one that is not a uuid', async () => {
      await t.http.delete('/v1/api-keys/00000000-0000-4000-8000-000000000000').set(as(tenantA.apiKey)).expect(404);
      await t.http.delete('/v1/api-keys/not-a-uuid').set(as(tenantA.apiKey)).expect(400);
    });
  });

  describe('errors', () => {
    it('lists every bad field of a body', async () => {
      const response = await t.http
        .post('/v1/api-keys')
        .set(as(tenantA.apiKey))
        .send({ name: 'x'.repeat(101), extra: true })
        .expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'extra']));
    });

    it('reports a missing required field by name', async () => {
      const response = await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).send({}).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('name');
    });

    it('answers malformed JSON with 400 problem+json and no parser internals', async () => {
      const response = await t.http
        .post('/v1/api-keys')
        .set(as(tenantA.apiKey))
        .set('Content-Type', 'application/json')
        .send('{"name": ')
        .expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|node_modules/);
    });

    it('refuses a body over the size limit with 413', async () => {
      const response = await t.http
        .post('/v1/api-keys')
        .set(as(tenantA.apiKey))
        .send({ name: 'x'.repeat(2 * 1024 * 1024) })
        .expect(413);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    });

    it('answers unknown routes with 404 problem+json', async () => {
      const response = await t.http.get('/v1/nothing-here').set(as(tenantA.apiKey)).expect(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body.status).toBe(404);
    });

    it('rejects a bad pagination cursor and limit with field errors', async () => {
      const response = await t.http.get('/v1/api-keys?limit=500&cursor=%%%').set(as(tenantA.apiKey)).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('limit');
      const cursor = await t.http.get('/v1/api-keys?cursor=bm90LWEtY3Vyc29y').set(as(tenantA.apiKey)).expect(400);
      expect(cursor.body.errors[0].field).toBe('cursor');
    });
  });

  describe('pagination', () => {
    it('walks every key exactly once across pages', async () => {
      const tenant = await t.createTenant('Paging seller');
      for (let i = 0; i < 4; i++) await t.http.post('/v1/api-keys').set(as(tenant.apiKey)).send({ name: `k${i}` }).expect(201);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response: request.Response = await t.http
          .get('/v1/api-keys')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(as(tenant.apiKey))
          .expect(200);
        seen.push(...response.body.data.map((k: { id: string }) => k.id));
        cursor = response.body.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(pages).toBe(3);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response and creates nothing more', async () => {
      const tenant = await t.createTenant('Idempotent seller');
      const count = async () =>
        (await t.http.get('/v1/api-keys?limit=200').set(as(tenant.apiKey)).expect(200)).body.data.length as number;
      const before = await count();
      const first = await t.http.post('/v1/api-keys').set(as(tenant.apiKey)).set('Idempotency-Key', 'abc-1').send({ name: 'once' });
      const replay = await t.http.post('/v1/api-keys').set(as(tenant.apiKey)).set('Idempotency-Key', 'abc-1').send({ name: 'once' });
      expect(first.status).toBe(201);
      expect(replay.status).toBe(first.status);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(await count()).toBe(before + 1);
    });

    it('refuses the same key with a different body (422)', async () => {
      await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).set('Idempotency-Key', 'abc-2').send({ name: 'one' }).expect(201);
      const response = await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).set('Idempotency-Key', 'abc-2').send({ name: 'two' }).expect(422);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    });

    it('keeps keys per tenant: the same key in another tenant is a new request', async () => {
      const a = await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).set('Idempotency-Key', 'shared').send({ name: 'same' }).expect(201);
      const b = await t.http.post('/v1/api-keys').set(as(tenantB.apiKey)).set('Idempotency-Key', 'shared').send({ name: 'same' }).expect(201);
      expect(b.body.id).not.toBe(a.body.id);
    });

    it('lets a request that failed validation be retried with the same key', async () => {
      await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).set('Idempotency-Key', 'abc-3').send({}).expect(400);
      await t.http.post('/v1/api-keys').set(as(tenantA.apiKey)).set('Idempotency-Key', 'abc-3').send({}).expect(400);
    });
  });

  describe('operations', () => {
    it('reports health with a database ping', async () => {
      const response = await t.http.get('/health').expect(200);
      expect(response.body.info.database.status).toBe('up');
    });

    it('exposes request durations by route pattern, not raw URL', async () => {
      await t.http.get('/v1/api-keys').set(as(tenantA.apiKey)).expect(200);
      const response = await t.http.get('/metrics').expect(200);
      expect(response.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/api-keys",status="200"\}/);
      expect(response.text).toContain('process_cpu_user_seconds_total');
      expect(response.text).not.toMatch(/route="\/v1\/api-keys\/[0-9a-f-]{36}"/);
    });

    it('serves Swagger UI and the OpenAPI document with bearer auth', async () => {
      await t.http.get('/docs').redirects(1).expect(200);
      const document = await t.http.get('/docs-json').expect(200);
      expect(document.body.paths['/v1/api-keys']).toBeDefined();
      expect(document.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('never writes an API key or the authorization header into the logs', async () => {
      await t.http.get('/v1/api-keys').set(as(tenantA.apiKey)).expect(200);
      const logs = t.logs.join('\n');
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).not.toContain(tenantA.apiKey);
      expect(logs).not.toContain(TEST_ADMIN_KEY);
    });
  });
});
