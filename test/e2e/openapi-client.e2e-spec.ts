import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, ElevenStreetSimulator } from '../simulators/eleven-street';
import type { ConsoleReport } from '../client/console-report';
import { connectElevenStreet } from '../support/site-connections';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';

/**
 * What a client generated from `openapi/openapi.json` relies on: `null` is a value (an optional field that
 * does not document null refuses it, naming the field, rather than crashing or doing nothing), and the
 * console program written against the generated client (test/client/console.ts) works on the real server.
 */

const PROBLEM_JSON = /^application\/problem\+json/;
const root = join(__dirname, '..', '..');

/** Runs the console program in its own process, the way a client would, and returns its report. */
function runConsoleProgram(env: Record<string, string>): Promise<ConsoleReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'test/client/console.ts')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as ConsoleReport) : reject(new Error(`console exited ${code}: ${err}`)),
    );
  });
}

describe('A generated client can trust the OpenAPI document', () => {
  let t: TestApp;
  const eleven = new ElevenStreetSimulator();
  let apiKey: string;
  let connectionId: string;
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });

  beforeAll(async () => {
    eleven.seed(undefined);
    await eleven.start();
    // the rate limit on, so its headers are sent (tests usually turn it off)
    t = await startTestApp({ apiRateLimitPerMinute: 10_000 });
    apiKey = (await t.createTenant('Generated client seller')).apiKey;
    connectionId = await connectElevenStreet(t, eleven, apiKey);
  });

  afterAll(async () => {
    await t?.close();
    await eleven.stop();
  });

  function expectFieldRefused(
    response: { status: number; headers: Record<string, string>; body: { errors?: { field: string }[] } },
    field: string,
  ) {
    expect({ status: response.status, type: response.headers['content-type'] }).toEqual({
      status: 400,
      type: expect.stringMatching(PROBLEM_JSON),
    });
    expect(response.body.errors?.map((e) => e.field)).toContain(field);
  }

  describe('null where a field is optional', () => {
    it('refuses `credentials: null` on renew-tokens, naming it, and changes nothing', async () => {
      const before = (await t.http.get(`/v1/connections/${connectionId}`).set(auth()).expect(200)).body;
      const response = await t.http.post(`/v1/connections/${connectionId}/renew-tokens`).set(auth()).send({ credentials: null });
      expectFieldRefused(response, 'credentials');
      expect((await t.http.get(`/v1/connections/${connectionId}`).set(auth()).expect(200)).body).toEqual(before);
    });

    it('refuses `options: null` when creating a connection, and creates none', async () => {
      const response = await t.http
        .post('/v1/connections')
        .set(auth())
        .send({
          site: '11st',
          shopId: 'null-options-shop',
          endpoint: eleven.url,
          credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
          options: null,
        });
      expectFieldRefused(response, 'options');
      const listed = (await t.http.get('/v1/connections').set(auth()).expect(200)).body.data as { shopId: string }[];
      expect(listed.map((c) => c.shopId)).not.toContain('null-options-shop');
    });

    it('refuses `settings: null`, `options: null` and `credentials: null` when updating a connection', async () => {
      for (const field of ['settings', 'options', 'credentials', 'enabled', 'endpoint', 'orderSyncIntervalMinutes']) {
        expectFieldRefused(
          await t.http
            .patch(`/v1/connections/${connectionId}`)
            .set(auth())
            .send({ [field]: null }),
          field,
        );
      }
    });

    it('refuses `name: null` on a SKU update and keeps the name; a documented `jan: null` still clears the JAN', async () => {
      const sku = (
        await t.http.post('/v1/skus').set(auth()).send({ code: 'NULL-NAME', name: 'Kept name', jan: '4901234567894' }).expect(201)
      ).body;
      expectFieldRefused(await t.http.patch(`/v1/skus/${sku.id}`).set(auth()).send({ name: null }), 'name');
      expectFieldRefused(await t.http.patch(`/v1/skus/${sku.id}`).set(auth()).send({ code: null }), 'code');
      expect((await t.http.get(`/v1/skus/${sku.id}`).set(auth()).expect(200)).body).toMatchObject({
        name: 'Kept name',
        jan: '4901234567894',
      });

      const cleared = await t.http.patch(`/v1/skus/${sku.id}`).set(auth()).send({ jan: null }).expect(200);
      expect(cleared.body).toMatchObject({ name: 'Kept name', jan: null });
    });

    it('refuses `options: null` when creating a SKU and `connectionId: null` on a mapping', async () => {
      expectFieldRefused(await t.http.post('/v1/skus').set(auth()).send({ code: 'NULL-OPTIONS', name: 'x', options: null }), 'options');
      const sku = (await t.http.post('/v1/skus').set(auth()).send({ code: 'MAPPED', name: 'Mapped' }).expect(201)).body;
      expectFieldRefused(
        await t.http
          .post('/v1/sku-mappings')
          .set(auth())
          .send({ site: '11st', connectionId: null, listingKey: 'NULL-CONN', skuId: sku.id }),
        'connectionId',
      );
      const mappings = (await t.http.get('/v1/sku-mappings').set(auth()).expect(200)).body.data as { listingKey: string }[];
      expect(mappings.map((m) => m.listingKey)).not.toContain('NULL-CONN');
    });
  });

  it('refuses a blank tenant name like an empty one', async () => {
    const tenants = async () => Number((await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM tenants'))[0].n);
    const before = await tenants();
    for (const name of ['', '   ', '\t\n']) {
      const response = await t.http.post('/v1/tenants').set('Authorization', `Bearer ${TEST_ADMIN_KEY}`).send({ name });
      expectFieldRefused(response, 'name');
    }
    expect(await tenants()).toBe(before);
  });

  it('answers a GET with an ETag, and 304 to a matching If-None-Match, as documented', async () => {
    const first = await t.http.get(`/v1/connections/${connectionId}`).set(auth()).expect(200);
    expect(first.headers.etag).toEqual(expect.any(String));
    const again = await t.http.get(`/v1/connections/${connectionId}`).set(auth()).set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
  });

  it('runs the console program (openapi-fetch + the generated types) against the server: cursors, a typed 201, a problem', async () => {
    const created: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const order = await t.http
        .post('/v1/orders')
        .set(auth())
        .send({
          connectionId,
          externalOrderId: `CLIENT-ORDER-${i}`,
          orderedAt: `2026-01-1${i}T10:00:00+09:00`,
          recipient: { name: 'Recipient', postalCode: '1000001', region: '東京都', line1: '千代田1-1' },
          lines: [{ productCode: 'CLIENT-LISTING', productName: 'Client product', quantity: 1 }],
        })
        .expect(201);
      created.push(order.body.id);
    }

    const report = await runConsoleProgram({ MALLBRIDGE_URL: t.url, MALLBRIDGE_API_KEY: apiKey, PAGE_SIZE: '2', SKU_CODE: 'CONSOLE-SKU' });

    // five orders, two a page: three pages, each order once
    expect(report.orderPages).toBe(3);
    expect([...report.orderIds].sort()).toEqual([...created].sort());
    expect(report.connections.map((c) => c.id)).toContain(connectionId);
    const stored = (await t.http.get(`/v1/skus/${report.createdSku.id}`).set(auth()).expect(200)).body;
    expect(report.createdSku).toEqual({ id: stored.id, code: 'CONSOLE-SKU', name: stored.name, optionName: null });
    expect(report.problem).toMatchObject({ status: 400, fields: ['code'] });
    expect(report.rateLimitRemaining).toEqual(expect.any(Number));
    expect(report.rateLimitRemaining).toBeLessThan(10_000);
  });
});
