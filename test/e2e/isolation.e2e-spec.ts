import { DataSource } from 'typeorm';
import { snapshotTables } from '../support/db-snapshot';
import {
  exampleFor,
  jsonBodySchema,
  listOperations,
  loadOpenApi,
  type Operation,
  parameters,
  requestContentTypes,
} from '../support/openapi-requests';
import {
  createTenantResources,
  QUERY_SCOPES,
  RESOURCE_BY_PATH_SEGMENT as CREATORS,
  ResourceSimulators,
  type TenantResources,
} from '../support/tenant-resources';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Tenant isolation, derived from `openapi/openapi.json`: for every operation on a path with a resource
 * parameter, tenant B using tenant A's id gets 404 problem+json — read, change, delete and every action —
 * and A's rows are unchanged afterwards. A path whose resource has no creator below fails the suite, so
 * a new route cannot go untested.
 */

const doc = loadOpenApi();
const operations = listOperations(doc);

/** Path parameters that name no tenant-owned row by id, with how the route is covered instead. */
const OTHER_PARAMETERS: Record<string, string> = {
  'GET /v1/connections/oauth/{site}/callback {site}':
    'a site name, public; bound to a connection only by the single-use state (connections suite)',
  'POST /v1/webhooks/smaregi/{linkToken} {linkToken}': "public; A's link token with B's secret code is refused below",
};

/** A valid body for B's attempt, so the request reaches the lookup (a 400 would prove nothing). */
const BODIES: Record<string, unknown> = {
  updateConnection: { enabled: false },
  renewConnectionTokens: { credentials: {} },
  updateSku: { name: 'taken over' },
  issueWaybill: { carrier: 'yamato', trackingNumber: '123456789012' },
  recordInboundScan: { barcode: 'ABCD-1234', carrier: 'yamato' },
  updateStockLink: { uploadDelaySeconds: 5, notificationEmail: 'thief@example.jp' },
};
const CSV_BODY = 'smaregi-id,nextengine-code\n8000001,TSHIRT-RED-M\n';

interface Attempt {
  op: Operation;
  kind: string;
}

function resourceAttempts(): { attempts: Attempt[]; uncovered: string[] } {
  const attempts: Attempt[] = [];
  const uncovered: string[] = [];
  for (const op of operations) {
    const segments = op.path.split('/');
    const params = parameters(doc, op).filter((p) => p.in === 'path');
    if (params.length === 0) continue;
    for (const p of params) {
      const index = segments.indexOf(`{${p.name}}`);
      if (p.name === 'id' && CREATORS[segments[index - 1]]) attempts.push({ op, kind: CREATORS[segments[index - 1]] });
      else if (!(`${op.key} {${p.name}}` in OTHER_PARAMETERS)) uncovered.push(`${op.key} {${p.name}}`);
    }
  }
  return { attempts, uncovered };
}

const { attempts, uncovered } = resourceAttempts();

describe(`Tenant isolation: ${attempts.length} operations on resource ids of openapi/openapi.json`, () => {
  let t: TestApp;
  const sims = new ResourceSimulators();
  let a: { tenantId: string; apiKey: string };
  let b: { tenantId: string; apiKey: string };
  let aIds: TenantResources;
  let bIds: TenantResources;

  beforeAll(async () => {
    await sims.start();
    t = await startTestApp(sims.appConfig());
    a = await t.createTenant('Tenant A');
    b = await t.createTenant('Tenant B');
    aIds = await createTenantResources(t, sims, a.apiKey, doc, 'ISO-A');
    bIds = await createTenantResources(t, sims, b.apiKey, doc, 'ISO-B');
  });

  afterAll(async () => {
    await t?.close();
    await sims.stop();
  });

  it('has a creator for every resource parameter of the document, and its tables name real operations', () => {
    expect(uncovered).toEqual([]);
    const keys = new Set(operations.map((op) => `${op.key}`));
    for (const entry of Object.keys(OTHER_PARAMETERS)) expect(keys).toContain(entry.replace(/ \{[^}]+\}$/, ''));
    const ids = new Set(operations.map((op) => op.operationId));
    for (const id of Object.keys(BODIES)) expect(ids).toContain(id);
    const segments = new Set(operations.flatMap((op) => op.path.split('/')));
    for (const segment of Object.keys(CREATORS)) expect(segments).toContain(segment);
    expect(attempts.length).toBeGreaterThan(15);
  });

  /** What tenant A sees of a resource, without fields a read itself changes. */
  async function viewAsA(kind: string, id: string): Promise<unknown> {
    const op = attempts.find((x) => x.kind === kind && x.op.method === 'get' && /\{id\}$/.test(x.op.path));
    if (!op) {
      const rows = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM api_keys WHERE id = $1 AND revoked_at IS NULL`, [id]);
      return rows[0];
    }
    const response = await t.http.get(op.op.path.replace('{id}', id)).set('Authorization', `Bearer ${a.apiKey}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  it("answers 404 problem+json to tenant B for every operation on tenant A's resources, and changes nothing", async () => {
    const db = t.app.get(DataSource);
    const kinds = [...new Set(attempts.map((x) => x.kind))];
    for (const kind of kinds) expect(aIds[kind]).toEqual(expect.any(String));
    const before = await snapshotTables(db);
    const viewsBefore = Object.fromEntries(await Promise.all(kinds.map(async (kind) => [kind, await viewAsA(kind, aIds[kind])])));

    const failures: string[] = [];
    for (const { op, kind } of attempts) {
      const url = op.path.replace('{id}', aIds[kind]);
      let call = t.http[op.method as 'get'](url).set('Authorization', `Bearer ${b.apiKey}`).redirects(0);
      const types = requestContentTypes(op);
      if (types.includes('text/csv')) call = call.set('Content-Type', 'text/csv').send(CSV_BODY);
      else if (types.some((type) => /json/.test(type))) {
        const schema = jsonBodySchema(doc, op);
        call = call.send((BODIES[op.operationId] ?? exampleFor(doc, schema ?? {})) as object);
      }
      const response = await call;
      const isProblem = /^application\/problem\+json/.test(response.headers['content-type'] ?? '');
      if (response.status !== 404 || !isProblem || response.body.status !== 404) {
        failures.push(
          `${op.key} as B on A's ${kind}: ${response.status} ${response.headers['content-type']} ${response.text.slice(0, 200)}`,
        );
      }
    }
    expect(failures).toEqual([]);

    const viewsAfter = Object.fromEntries(await Promise.all(kinds.map(async (kind) => [kind, await viewAsA(kind, aIds[kind])])));
    const stripVolatile = (views: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(views, (key, value) => (key === 'lastUsedAt' ? undefined : value)));
    expect(stripVolatile(viewsAfter)).toEqual(stripVolatile(viewsBefore));
    expect(await snapshotTables(db)).toEqual(before);
  });

  it("reaches B's own resources through the same routes (the 404s are about ownership, not the route)", async () => {
    const reads = attempts.filter((x) => x.op.method === 'get' && /\{id\}$/.test(x.op.path));
    expect(reads.length).toBeGreaterThan(4);
    for (const { op, kind } of reads) {
      const response = await t.http.get(op.path.replace('{id}', bIds[kind])).set('Authorization', `Bearer ${b.apiKey}`);
      expect([op.key, response.status]).toEqual([op.key, 200]);
      expect(response.body.id).toBe(bIds[kind]);
    }
  });

  it("lists never show tenant A's rows to tenant B", async () => {
    const lists = operations.filter(
      (op) => op.method === 'get' && !op.path.includes('{') && parameters(doc, op).some((p) => p.name === 'limit'),
    );
    expect(lists.length).toBeGreaterThan(5);
    const aValues = Object.values(aIds);
    for (const op of lists) {
      // A list scoped by a required id (the stock reconciliation of one connection): A's id is refused to B like
      // any other of A's ids, and B's own id lists B's rows only.
      const scopes = parameters(doc, op).filter((p) => p.in === 'query' && p.required);
      for (const p of scopes) expect([op.key, p.name, QUERY_SCOPES[p.name]]).toEqual([op.key, p.name, expect.any(String)]);
      const scopedTo = (ids: TenantResources) => scopes.map((p) => `&${p.name}=${ids[QUERY_SCOPES[p.name]]}`).join('');
      if (scopes.length) {
        const refused = await t.http.get(`${op.path}?limit=200${scopedTo(aIds)}`).set('Authorization', `Bearer ${b.apiKey}`);
        expect([op.key, refused.status, refused.headers['content-type']]).toEqual([
          op.key,
          404,
          expect.stringMatching(/^application\/problem\+json/),
        ]);
      }
      const response = await t.http.get(`${op.path}?limit=200${scopedTo(bIds)}`).set('Authorization', `Bearer ${b.apiKey}`);
      expect([op.key, response.status]).toEqual([op.key, 200]);
      for (const id of aValues) expect([op.key, response.text.includes(id)]).toEqual([op.key, false]);
    }
  });

  it("refuses tenant A's Smaregi webhook link with tenant B's secret code, and stores nothing", async () => {
    const webhook = operations.find((op) => op.path === '/v1/webhooks/smaregi/{linkToken}');
    if (!webhook) return expect(operations.some((op) => op.path.startsWith('/v1/stock-links'))).toBe(false);
    const db = t.app.get(DataSource);
    const before = await snapshotTables(db);
    const response = await t.http
      .post(`/v1/webhooks/smaregi/${aIds.stockLinkToken}`)
      .set('sncode', bIds.stockLinkSecret)
      .send({ event: 'pos:stock', action: 'edited', contractId: 'smaregi-demo', ids: [{ productId: '8000001', storeId: '1' }] });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await snapshotTables(db)).toEqual(before);
  });
});
