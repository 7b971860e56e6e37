import { DataSource } from 'typeorm';
import { ELEVEN_STREET_DEFAULT_ACCOUNT } from '../simulators/eleven-street';
import { snapshotTables, type TableSnapshot } from '../support/db-snapshot';
import {
  bodyVariants,
  exampleFor,
  INJECTIONS,
  jsonBodySchema,
  listOperations,
  loadOpenApi,
  type Operation,
  parameters,
  pathValueVariants,
  queryVariants,
  rawPathValueVariants,
  requestContentTypes,
} from '../support/openapi-requests';
import { createTenantResources, ResourceSimulators } from '../support/tenant-resources';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';

/**
 * Every operation of `openapi/openapi.json` gets a barrage of invalid requests generated from its
 * schema: missing and mistyped fields, 1 MB strings, unknown properties, injection strings, wrong
 * content types, malformed JSON, bad ids and bad query values. Each answer must be a 4xx
 * problem+json (400s naming the bad field), never a 5xx, and the database must be unchanged after.
 */

const doc = loadOpenApi();
const operations = listOperations(doc);

/** Operations that cannot be exercised here, with the reason. Every key must name an operation. */
const EXCLUDED: Record<string, string> = {};

/** Operations that take no API key: the document marks them with an empty security requirement. */
const isPublic = (op: Operation) => Array.isArray(op.spec.security) && op.spec.security.some((s: object) => Object.keys(s).length === 0);
/**
 * Operations whose body is a third party's payload (the site's own format, open to new fields) and that
 * authenticate the sender before reading it: a bad body may answer 401/404 rather than 400. Still no 5xx,
 * always problem+json, nothing written.
 */
const THIRD_PARTY_PAYLOADS: Record<string, string> = {
  'POST /v1/webhooks/smaregi/{linkToken}': 'Smaregi webhook: the link token and sncode are checked before the payload',
};

/** Operations guarded by the operator key instead of a tenant's. */
const ADMIN_OPERATIONS = new Set(['POST /v1/tenants']);

/** Placeholders for the ids of tenant A's rows, replaced when the request is sent. */
const ID = {
  connection: '$connection',
  sku: '$sku',
  order: '$order',
  mapping: '$mapping',
  apiKey: '$apiKey',
  syncRun: '$syncRun',
  fulfillmentOrder: '$fulfillmentOrder',
  stockLink: '$stockLink',
  neConnection: '$neConnection',
  smaregiConnection: '$smaregiConnection',
  elevenUrl: '$elevenUrl',
  user: '$user',
  webhookEndpoint: '$webhookEndpoint',
  webhookDelivery: '$webhookDelivery',
} as const;

/** A real row behind each resource path, so a request that wrongly passes validation reaches the service. */
const RESOURCE_BY_SEGMENT: Record<string, string> = {
  'api-keys': ID.apiKey,
  connections: ID.connection,
  orders: ID.order,
  skus: ID.sku,
  'sku-mappings': ID.mapping,
  'sync-runs': ID.syncRun,
  'fulfillment-orders': ID.fulfillmentOrder,
  'stock-links': ID.stockLink,
  users: ID.user,
  'webhook-endpoints': ID.webhookEndpoint,
  'webhook-deliveries': ID.webhookDelivery,
};

const ADDRESS = { name: '山田 太郎', nameKana: 'ヤマダ タロウ', postalCode: '1000001', country: 'JP', region: '東京都', city: '千代田区', line1: '1-1', line2: 'A', phone: '0312345678', email: 'a@example.com' };

/** A valid body per operation (the generated example where none is given): each variant breaks one thing of it. */
const BASE_BODIES: Record<string, () => Record<string, unknown>> = {
  createTenant: () => ({ name: 'Bad input tenant' }),
  createApiKey: () => ({ name: 'bad input key' }),
  createConnection: () => ({
    site: '11st',
    shopId: 'bad-input-new-shop',
    endpoint: ID.elevenUrl,
    credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
    options: { autoOrderIntegration: false },
    settings: {},
    orderSyncIntervalMinutes: 10,
  }),
  updateConnection: () => ({ enabled: true, orderSyncIntervalMinutes: 15, options: { autoOrderIntegration: false } }),
  renewConnectionTokens: () => ({ credentials: {} }),
  createOrder: () => ({
    connectionId: ID.connection,
    externalOrderId: 'BAD-INPUT-NEW',
    orderedAt: '2026-01-15T10:00:00+09:00',
    recipient: { ...ADDRESS },
    buyer: { ...ADDRESS },
    lines: [{ productCode: 'BI-SKU-1', optionCode: 'O1', productName: 'Product', optionName: 'Option', quantity: 2, unitPrice: '1980' }],
    note: 'entered by hand',
  }),
  createSkuMapping: () => ({ site: '11st', connectionId: ID.connection, listingKey: 'BI-NEW-LISTING', skuId: ID.sku, quantityPerUnit: 2 }),
  createSku: () => ({ code: 'BI-NEW', name: 'New product', jan: '49012345', options: [{ code: 'BI-NEW-R', optionName: 'Red', name: 'New red', jan: '4901234567894' }] }),
  updateSku: () => ({ name: 'Renamed' }),
  recordInboundScan: () => ({ barcode: 'ABCD-1234', carrier: 'yamato' }),
  issueWaybill: () => ({ carrier: 'yamato', trackingNumber: '123456789012' }),
  adjustInventory: () => ({ skuId: ID.sku, reason: 'receipt', quantity: 1, note: 'count', reference: 'slip 1' }),
  createStockLink: () => ({
    smaregiConnectionId: ID.smaregiConnection,
    nextengineConnectionId: ID.neConnection,
    stockMaster: 'smaregi',
    idMatching: 'csv',
    uploadDelaySeconds: 0,
    notificationEmail: 'stock@example.jp',
    storeId: '1',
    shipments: { storeId: '1', enabled: false, contractId: 'smaregi-demo', accessToken: 'shipment-token' },
  }),
  updateStockLink: () => ({ uploadDelaySeconds: 30 }),
};

/** For raw CSV bodies (not multipart): contents that must be refused. */
const BAD_CSV: [name: string, csv: string][] = [
  ['one column', 'smaregi-id\n8000001\n'],
  ['a NUL byte', 'smaregi-id,nextengine-code\n8000\u00001,A\n'],
  ['binary garbage', '\u0000\u0001\u0002\ufffe'],
  ['an injection string as id', "smaregi-id,nextengine-code\n' OR 1=1 --,A\n"],
];

/** For file imports: CSV bodies that must be refused as a whole (each has one bad row), and nothing written. */
const IMPORT_FILES: Record<string, [name: string, csv: string][]> = {
  importSkus: [
    ['injection strings beside a bad JAN', ['sku_code,name,jan', ...INJECTIONS.map(([, v], i) => `BI-IMP-${i},"${v.replace(/"/g, '""')}",`), 'BI-IMP-X,Bad,not-a-jan'].join('\n')],
    ['a NUL byte in a name', 'sku_code,name\nBI-NUL,a\u0000b\n'],
    ['missing required columns', 'jan\n49012345\n'],
    ['a 1 MB name', `sku_code,name\nBI-HUGE,${'h'.repeat(1_000_000)}\n`],
  ],
  importSkuMappings: [
    [
      'injection listing keys beside a bad quantity',
      ['site,listing_key,sku_code,quantity_per_unit', ...INJECTIONS.map(([, v]) => `11st,"${v.replace(/"/g, '""')}",BI-SKU-1,1`), '11st,BI-LK-X,BI-SKU-1,0'].join('\n'),
    ],
    ['a NUL byte in a listing key', 'site,listing_key,sku_code\n11st,a\u0000b,BI-SKU-1\n'],
    ['an unknown site and a non-uuid connection', 'site,connection_id,listing_key,sku_code\namazon,not-a-uuid,LK,BI-SKU-1\n'],
    ['an injection string as SKU code', "site,listing_key,sku_code\n11st,LK-1,' OR 1=1 --\n"],
  ],
};

type Auth = 'tenant' | 'admin' | 'none' | 'bogus';

interface BadRequest {
  name: string;
  path: string;
  query?: string;
  /** a JSON body (sent as application/json) */
  json?: unknown;
  /** a raw body with its content type */
  raw?: { type: string; body: string | Buffer };
  /** multipart form: [field, content, filename] */
  multipart?: [string, string | Buffer, string][];
  auth: Auth;
  /** the field a 400 must name */
  field?: string;
  expectStatus?: number[];
  /** valid for a read: a 2xx is fine (never used for operations that write) */
  maybeValid?: boolean;
}

function operationAuth(op: Operation): Auth {
  if (isPublic(op)) return 'none';
  if (ADMIN_OPERATIONS.has(op.key)) return 'admin';
  return 'tenant';
}

/** The path with every parameter filled: a real row of tenant A for resource ids. */
function fillPath(op: Operation, overrides: Record<string, string> = {}, raw = false): string {
  const segments = op.path.split('/');
  return segments
    .map((segment, i) => {
      const match = /^\{(.+)\}$/.exec(segment);
      if (!match) return segment;
      const name = match[1];
      if (name in overrides) return raw ? overrides[name] : encodeURIComponent(overrides[name]);
      if (name === 'site') return '11st';
      if (name === 'id') return RESOURCE_BY_SEGMENT[segments[i - 1]] ?? '00000000-0000-4000-8000-000000000000';
      return 'unknown-value';
    })
    .join('/');
}

function idFor(name: string): string | undefined {
  return ({ connectionId: ID.connection, skuId: ID.sku, orderId: ID.order, smaregiConnectionId: ID.smaregiConnection, nextengineConnectionId: ID.neConnection } as Record<string, string>)[
    name
  ];
}

function requestsFor(op: Operation): BadRequest[] {
  const auth = operationAuth(op);
  const writes = op.method !== 'get';
  const out: BadRequest[] = [];
  const params = parameters(doc, op);
  const path = fillPath(op);

  // bad path parameters (with an otherwise valid body, so only the id is wrong)
  const schema = jsonBodySchema(doc, op);
  const base = schema ? (BASE_BODIES[op.operationId]?.() ?? (exampleFor(doc, schema, '', idFor) as Record<string, unknown>)) : undefined;
  for (const p of params.filter((x) => x.in === 'path')) {
    for (const variant of pathValueVariants()) {
      out.push({
        name: `path ${p.name}: ${variant.name}`,
        path: fillPath(op, { [p.name]: variant.value }),
        json: base,
        auth,
        // an id the document types as a uuid is refused as one (ParseUUIDPipe): a 400 naming it, not a 404
        expectStatus: p.name === 'id' ? (variant.expectStatus ?? (p.schema.format === 'uuid' ? [400] : [400, 404])) : undefined,
        field: p.name === 'id' ? 'id' : undefined,
      });
    }
    for (const variant of rawPathValueVariants()) {
      out.push({ name: `path ${p.name}: ${variant.name}`, path: fillPath(op, { [p.name]: variant.value }, true), json: base, auth, expectStatus: [400, 404] });
    }
  }

  // bad query values
  if (params.some((p) => p.in === 'query')) {
    for (const variant of queryVariants(params)) {
      out.push({ name: `query ${variant.name}`, path, query: variant.query, json: base, auth, field: variant.field, maybeValid: variant.maybeValid && !writes });
    }
  } else if (!writes) {
    // a read without declared parameters: injection strings in a stray parameter are ignored or refused
    for (const [label, value] of INJECTIONS.filter(([l]) => l !== 'long unicode')) {
      out.push({ name: `stray query parameter with ${label}`, path, query: `x=${encodeURIComponent(value)}`, auth, maybeValid: true });
    }
  }

  // bad JSON bodies
  if (schema && base) {
    for (const variant of bodyVariants(doc, schema, base)) out.push({ name: `body ${variant.name}`, path, json: variant.body, auth, field: variant.field });
    const text = JSON.stringify(base);
    out.push(
      { name: 'JSON sent as text/plain', path, raw: { type: 'text/plain', body: text }, auth, expectStatus: [415] },
      { name: 'XML body', path, raw: { type: 'application/xml', body: '<request><name>x</name></request>' }, auth, expectStatus: [415] },
      { name: 'malformed JSON', path, raw: { type: 'application/json', body: text.slice(0, -1) + ',' }, auth, expectStatus: [400] },
      { name: 'JSON with a trailing garbage', path, raw: { type: 'application/json', body: text + 'garbage' }, auth, expectStatus: [400] },
      { name: 'a JSON string body', path, raw: { type: 'application/json', body: '"just a string"' }, auth, expectStatus: [400] },
      { name: 'JSON null', path, raw: { type: 'application/json', body: 'null' }, auth, expectStatus: [400] },
      { name: '2 MB body', path, json: { ...base, padding: 'p'.repeat(2 * 1024 * 1024) }, auth, expectStatus: [413] },
      { name: 'JSON body in a wrong charset', path, raw: { type: 'application/json; charset=iso-8859-1', body: text }, auth, expectStatus: [415] },
      { name: 'multipart form instead of JSON', path, multipart: [['name', 'x', 'x.txt']], auth, expectStatus: [415] },
    );
  }

  // file uploads
  const types = requestContentTypes(op);
  if (types.includes('multipart/form-data')) {
    out.push(
      { name: 'multipart without the file', path, multipart: [['other', 'x', 'x.txt']], auth, expectStatus: [400] },
      { name: 'JSON instead of a file', path, json: { file: 'x' }, auth, expectStatus: [415] },
      { name: 'XML instead of a file', path, raw: { type: 'application/xml', body: '<x/>' }, auth, expectStatus: [415] },
      { name: 'an empty CSV body', path, raw: { type: 'text/csv', body: '' }, auth, expectStatus: [400] },
      { name: 'a non-XLSX as XLSX', path, raw: { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', body: 'not a zip' }, auth },
      { name: 'binary garbage', path, raw: { type: 'application/octet-stream', body: Buffer.from([0, 255, 0, 1, 2, 3, 0xfe, 0xff]) }, auth },
    );
    for (const [name, csv] of IMPORT_FILES[op.operationId] ?? []) {
      out.push({ name: `file: ${name}`, path, multipart: [['file', csv, 'import.csv']], auth });
      out.push({ name: `CSV body: ${name}`, path, raw: { type: 'text/csv', body: csv }, auth });
    }
  }
  const otherTypes = types.filter((t) => !/json/.test(t) && t !== 'multipart/form-data');
  for (const type of otherTypes) {
    if (type === 'text/csv') for (const [name, csv] of BAD_CSV) out.push({ name: `CSV: ${name}`, path, raw: { type, body: csv }, auth });
    out.push(
      { name: `JSON instead of ${type}`, path, json: { x: 1 }, auth, expectStatus: [400, 415] },
      { name: `XML instead of ${type}`, path, raw: { type: 'application/xml', body: '<x/>' }, auth, expectStatus: [400, 415] },
    );
  }

  // without the right key (a few per operation)
  if (auth !== 'none') {
    out.push({ name: 'no API key', path, json: base, auth: 'none', expectStatus: [401] });
    out.push({ name: 'an unknown API key', path, json: base, auth: 'bogus', expectStatus: [401] });
  }
  if (auth === 'admin') out.push({ name: 'a tenant key on an operator route', path, json: base, auth: 'tenant', expectStatus: [401] });
  // a third party's payload is authenticated before it is validated: no 400 to insist on
  if (op.key in THIRD_PARTY_PAYLOADS) return out.map((req) => ({ ...req, field: undefined, expectStatus: undefined }));
  return out;
}

const planned = operations.filter((op) => !(op.key in EXCLUDED)).map((op) => ({ op, requests: requestsFor(op) }));
const total = planned.reduce((n, p) => n + p.requests.length, 0);

const STACK_OR_SQL = /QueryFailedError|node_modules|\.ts:\d+:\d+|\bat [A-Za-z_.]+ \(|syntax error at or near/;

describe(`Bad input: ${total} requests over ${planned.length} operations of openapi/openapi.json`, () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const sims = new ResourceSimulators();
  const ids: Record<string, string> = {};
  let before: Record<string, TableSnapshot>;
  let sent = 0;

  beforeAll(async () => {
    await sims.start();
    t = await startTestApp(sims.appConfig());
    tenant = await t.createTenant('Bad input seller');
    const created = await createTenantResources(t, sims, tenant.apiKey, doc, 'BI');
    for (const [kind, id] of Object.entries(created)) ids[`$${kind}`] = id;
    ids[ID.elevenUrl] = sims.eleven.url;
    before = await snapshotTables(t.app.get(DataSource));
  });

  afterAll(async () => {
    await t?.close();
    await sims.stop();
  });

  it('names only existing operations in its tables', () => {
    const keys = new Set(operations.map((op) => op.key));
    const ids = new Set(operations.map((op) => op.operationId));
    for (const key of [...Object.keys(EXCLUDED), ...Object.keys(THIRD_PARTY_PAYLOADS), ...ADMIN_OPERATIONS]) expect(keys).toContain(key);
    expect(operations.filter(isPublic).map((op) => op.key)).toEqual(expect.arrayContaining(['GET /health', 'GET /v1/connections/oauth/{site}/callback']));
    for (const id of [...Object.keys(BASE_BODIES), ...Object.keys(IMPORT_FILES)]) expect(ids).toContain(id);
    expect(operations.length).toBeGreaterThan(30);
  });

  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(/\$[a-zA-Z]+/g, (token) => ids[token] ?? token);
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        Object.defineProperty(out, key, { value: substitute((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };

  async function send(op: Operation, req: BadRequest) {
    const url = (substitute(req.path) as string) + (req.query ? `?${req.query}` : '');
    let call = t.http[op.method as 'get'](url);
    if (req.auth === 'tenant') call = call.set('Authorization', `Bearer ${tenant.apiKey}`);
    if (req.auth === 'admin') call = call.set('Authorization', `Bearer ${TEST_ADMIN_KEY}`);
    if (req.auth === 'bogus') call = call.set('Authorization', 'Bearer mb_not-a-key');
    if (req.multipart) {
      for (const [field, content, filename] of req.multipart) call = call.attach(field, Buffer.from(content), filename);
    } else if (req.raw) {
      call = call.set('Content-Type', req.raw.type).send(typeof req.raw.body === 'string' ? req.raw.body : req.raw.body);
    } else if (req.json !== undefined && op.method !== 'get' && op.method !== 'delete') {
      call = call.set('Content-Type', 'application/json').send(JSON.stringify(substitute(req.json)));
    }
    sent++;
    return call.redirects(0).ok(() => true);
  }

  /** What is wrong with the answer, or null. */
  function judge(op: Operation, req: BadRequest, response: { status: number; headers: Record<string, string>; body: Record<string, unknown>; text: string }): string | null {
    const status = response.status;
    if (status >= 500) return `${status} server error: ${response.text.slice(0, 300)}`;
    if (STACK_OR_SQL.test(response.text ?? '')) return `${status} leaks internals: ${response.text.slice(0, 300)}`;
    if (status < 400) {
      if (req.maybeValid) return null;
      return `${status} accepted an invalid request: ${(response.text ?? '').slice(0, 200)}`;
    }
    if (!/^application\/problem\+json/.test(response.headers['content-type'] ?? '')) return `${status} is not problem+json (${response.headers['content-type']}): ${response.text.slice(0, 200)}`;
    const body = response.body;
    if (typeof body.type !== 'string' || typeof body.title !== 'string' || body.status !== status) return `${status} problem lacks type/title/status: ${response.text.slice(0, 200)}`;
    if (req.expectStatus && !req.expectStatus.includes(status)) return `expected ${req.expectStatus.join('/')}, got ${status}: ${response.text.slice(0, 300)}`;
    // a variant built to fail validation must fail there: any other 4xx means the DTO let it through
    if (!req.expectStatus && req.field && status !== 400 && status !== 413) return `expected 400 naming ${req.field}, got ${status}: ${response.text.slice(0, 300)}`;
    if (status === 400) {
      const errors = body.errors as { field?: unknown; message?: unknown }[] | undefined;
      if (!Array.isArray(errors) || errors.length === 0) return `400 without errors[]: ${response.text.slice(0, 300)}`;
      if (errors.some((e) => typeof e.field !== 'string' || typeof e.message !== 'string')) return `400 errors without field/message: ${response.text.slice(0, 300)}`;
      if (req.field) {
        const field = req.field;
        const named = errors.some((e) => {
          const f = e.field as string;
          return f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`);
        });
        if (!named) return `400 does not name ${field}: ${JSON.stringify(errors).slice(0, 300)}`;
      }
    }
    return null;
  }

  describe.each(planned.map(({ op, requests }) => [`${op.key} (${requests.length} requests)`, op, requests] as const))('%s', (_title, op, requests) => {
    it('answers each with a 4xx problem, never a 5xx', async () => {
      const failures: string[] = [];
      const queue = [...requests];
      const worker = async () => {
        for (let req = queue.shift(); req; req = queue.shift()) {
          const response = await send(op, req);
          const problem = judge(op, req, response as never);
          if (problem) failures.push(`${op.key} — ${req.name}: ${problem}`);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      expect(failures).toEqual([]);
    });
  });

  it('wrote nothing: every table has the same rows as before the barrage', async () => {
    expect(sent).toBe(total);
    const after = await snapshotTables(t.app.get(DataSource));
    expect(after).toEqual(before);
    expect(Object.keys(before).length).toBeGreaterThan(8);
    expect(before.connections.rows).toBeGreaterThanOrEqual(1);
    expect(before.orders.rows).toBe(1);
  });
});
