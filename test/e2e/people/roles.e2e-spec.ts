import type request from 'supertest';
import { DataSource } from 'typeorm';
import { ROLES, type Role } from '../../../src/auth/roles';
import { snapshotTables, type TableSnapshot } from '../../support/db-snapshot';
import {
  exampleFor,
  jsonBodySchema,
  listOperations,
  loadOpenApi,
  type Operation,
  parameters,
  requestContentTypes,
  UUID_OF_NOTHING,
} from '../../support/openapi-requests';
import { bearer, type Person, staffOf } from '../../support/people';
import {
  createTenantResources,
  QUERY_SCOPES,
  RESOURCE_BY_PATH_SEGMENT,
  ResourceSimulators,
  type TenantResources,
} from '../../support/tenant-resources';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/**
 * Roles, derived from `openapi/openapi.json`: an owner (created with the tenant's API key) adds an operator and
 * a viewer, each signs in; the viewer is refused every write, the operator every owner route, each with 403
 * problem+json and nothing written; what their role allows still works. A route added to the document is
 * covered without editing this file.
 */

const doc = loadOpenApi();
const operations = listOperations(doc);

const isPublic = (op: Operation) => Array.isArray(op.spec.security) && op.spec.security.some((s: object) => Object.keys(s).length === 0);
/** Routes guarded by the admin key, not a tenant's bearer credential. */
const isAdmin = (op: Operation) => Array.isArray(op.spec.security) && op.spec.security.some((s: object) => 'adminKey' in s);
const takesBearer = (op: Operation) => !isPublic(op) && !isAdmin(op);
const requiredRole = (op: Operation) => op.spec['x-required-role'] as Role | undefined;
const isWrite = (op: Operation) => ['post', 'put', 'patch', 'delete'].includes(op.method);
/** A stream never ends, so it is read only for its status by the live-events suite. */
const isStream = (op: Operation) => Object.keys(op.spec.responses?.['200']?.content ?? {}).includes('text/event-stream');

/** The only writes a viewer may make: about their own session and password, never about the tenant's data. */
const VIEWER_WRITES = ['POST /v1/auth/sign-out', 'PUT /v1/me/password'];

const CSV_BODY = 'smaregi-id,nextengine-code\n8000001,TSHIRT-RED-M\n';

describe(`People: roles over the ${operations.length} operations of openapi/openapi.json`, () => {
  let t: TestApp;
  let db: DataSource;
  const sims = new ResourceSimulators();
  let apiKey: string;
  let ids: TenantResources;
  let staff: Record<Role, Person & { token: string }>;

  beforeAll(async () => {
    await sims.start();
    t = await startTestApp(sims.appConfig());
    db = t.app.get(DataSource);
    ({ apiKey } = await t.createTenant('Roles'));
    ids = await createTenantResources(t, sims, apiKey, doc, 'ROLES');
    staff = await staffOf(t.url, apiKey);
  });

  afterAll(async () => {
    await t?.close();
    await sims.stop();
  });

  function pathOf(op: Operation, own: TenantResources = ids): string {
    const segments = op.path.split('/');
    return segments
      .map((segment, i) => {
        if (!/^\{.+\}$/.test(segment)) return segment;
        return own[RESOURCE_BY_PATH_SEGMENT[segments[i - 1]]] ?? UUID_OF_NOTHING;
      })
      .join('/');
  }

  /** The operation as `token`'s holder, with a real row in the path and a plausible body, so only the role can stop it. */
  function send(op: Operation, token: string): request.Test {
    const scopes = parameters(doc, op).filter((p) => p.in === 'query' && p.required);
    const query = scopes.map((p) => `${p.name}=${ids[QUERY_SCOPES[p.name]] ?? UUID_OF_NOTHING}`).join('&');
    let call = t.http[op.method as 'get'](pathOf(op) + (query ? `?${query}` : ''))
      .set(bearer(token))
      .redirects(0);
    const types = requestContentTypes(op);
    if (types.includes('text/csv')) call = call.set('Content-Type', 'text/csv').send(CSV_BODY);
    else if (types.some((type) => /json/.test(type))) call = call.send(exampleFor(doc, jsonBodySchema(doc, op) ?? {}) as object);
    return call;
  }

  /** The database once nothing is moving any more (background work from creating the resources has settled). */
  async function settledSnapshot(): Promise<Record<string, TableSnapshot>> {
    // sessions slide with use (expiry and last use); who holds which session is compared separately
    const take = async () => ({
      tables: await snapshotTables(db, ['idempotency_keys', 'user_sessions']),
      sessions: await db.query(`SELECT id, user_id, revoked_at FROM user_sessions ORDER BY id`),
    });
    let previous = await take();
    return waitFor(
      async () => {
        const current = await take();
        const same = JSON.stringify(current) === JSON.stringify(previous);
        previous = current;
        return same ? (current as never) : null;
      },
      { what: 'the database to settle', intervalMs: 300 },
    );
  }

  async function expectRefusedEverywhere(role: Role, refused: Operation[]): Promise<void> {
    const before = await settledSnapshot();
    const failures: string[] = [];
    for (const op of refused) {
      const response = await send(op, staff[role].token);
      const isProblem = /^application\/problem\+json/.test(response.headers['content-type'] ?? '');
      if (response.status !== 403 || !isProblem || response.body.status !== 403) {
        failures.push(`${op.key} as ${role}: ${response.status} ${response.headers['content-type']} ${response.text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await settledSnapshot()).toEqual(before);
  }

  it('shows each signed-in person their role', async () => {
    for (const role of ROLES) {
      const response = await t.http.get('/v1/me').set(bearer(staff[role].token)).expect(200);
      expect([role, response.body.kind, response.body.role, response.body.user.id]).toEqual([role, 'user', role, staff[role].id]);
    }
  });

  it('has a declared role on every operation that takes a bearer credential, and viewers write nothing but their own sign-out', () => {
    const bearerOperations = operations.filter(takesBearer);
    expect(bearerOperations.length).toBeGreaterThan(40);
    expect(bearerOperations.filter((op) => !ROLES.includes(requiredRole(op)!)).map((op) => op.key)).toEqual([]);
    expect(bearerOperations.filter((op) => isWrite(op) && requiredRole(op) === 'viewer').map((op) => op.key)).toEqual(VIEWER_WRITES);
    for (const op of operations.filter(takesBearer)) expect([op.key, op.spec.responses['403']]).toEqual([op.key, expect.anything()]);
  });

  it('refuses the viewer every write with 403 problem+json, and writes nothing', async () => {
    const writes = operations.filter((op) => takesBearer(op) && isWrite(op) && !VIEWER_WRITES.includes(op.key));
    expect(writes.length).toBeGreaterThan(30);
    await expectRefusedEverywhere('viewer', writes);
  });

  it('refuses the operator every owner route, reads included, and writes nothing', async () => {
    const ownerRoutes = operations.filter((op) => takesBearer(op) && requiredRole(op) === 'owner');
    expect(ownerRoutes.map((op) => op.key)).toEqual(
      expect.arrayContaining(['POST /v1/users', 'GET /v1/users', 'POST /v1/api-keys', 'POST /v1/connections']),
    );
    await expectRefusedEverywhere('operator', ownerRoutes);
  });

  it("lets the viewer read every list and every one of the tenant's rows", async () => {
    const reads = operations.filter((op) => takesBearer(op) && op.method === 'get' && requiredRole(op) === 'viewer' && !isStream(op));
    // A resource this suite has no row of (a module newer than createTenantResources) answers 404: past the role check.
    const hasRows = (op: Operation) =>
      op.path.split('/').every((segment, i, all) => !/^\{.+\}$/.test(segment) || ids[RESOURCE_BY_PATH_SEGMENT[all[i - 1]]]);
    const failures: string[] = [];
    for (const op of reads) {
      const response = await send(op, staff.viewer.token);
      const expected = hasRows(op) ? 200 : 404;
      if (response.status !== expected) failures.push(`${op.key}: ${response.status} (not ${expected}) ${response.text.slice(0, 200)}`);
    }
    expect(reads.filter(hasRows).length).toBeGreaterThan(10);
    expect(failures).toEqual([]);
    expect(reads.map((op) => op.key)).toEqual(expect.arrayContaining(['GET /v1/orders', 'GET /v1/orders/{id}', 'GET /v1/me']));
  });

  it('lets the operator work (a SKU and its mapping) and the owner manage people', async () => {
    const sku = await t.http
      .post('/v1/skus')
      .set(bearer(staff.operator.token))
      .send({ code: 'ROLES-OPERATOR-1', name: 'By the operator' })
      .expect(201);
    await t.http
      .post('/v1/sku-mappings')
      .set(bearer(staff.operator.token))
      .send({ site: '11st', connectionId: ids.connection, listingKey: 'ROLES-OPERATOR-LISTING', skuId: sku.body.id })
      .expect(201);
    const people = await t.http.get('/v1/users').set(bearer(staff.owner.token)).expect(200);
    expect(people.body.data.map((person: { id: string }) => person.id)).toEqual(
      expect.arrayContaining(ROLES.map((role) => staff[role].id)),
    );
    await t.http.patch(`/v1/users/${staff.viewer.id}`).set(bearer(staff.owner.token)).send({ name: 'Renamed by the owner' }).expect(200);
  });
});
