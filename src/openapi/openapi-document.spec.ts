import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATION_IDS } from './operation-ids';

/**
 * What generated clients rely on, checked on the committed `openapi/openapi.json` (CI regenerates it and
 * fails when it differs from the code, so this is the document the code produces).
 */

type Json = Record<string, any>;
const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8')) as Json;
const operations = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${path}`,
    method,
    path,
    operation: operation as Json,
  })),
);
const isPublic = (operation: Json) =>
  Array.isArray(operation.security) && operation.security.every((r: Json) => Object.keys(r).length === 0);
const isAdmin = (operation: Json) => Array.isArray(operation.security) && operation.security.some((r: Json) => 'adminKey' in r);

function refsUnder(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => refsUnder(item, out));
  else if (node && typeof node === 'object') {
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && !out.has(ref)) {
      out.add(ref);
      refsUnder(document.components.schemas[ref.replace('#/components/schemas/', '')], out);
    }
    for (const value of Object.values(node)) refsUnder(value, out);
  }
  return out;
}

describe('openapi/openapi.json', () => {
  it('names operations from the table, each once, the way a client would call them', () => {
    const ids = operations.map((o) => o.operation.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    const named = new Set(Object.values(OPERATION_IDS));
    expect(ids.filter((id) => !named.has(id))).toEqual([]);
    expect(ids.filter((id) => !/^[a-z][a-zA-Z]+$/.test(id))).toEqual([]);
    expect(document.paths['/v1/orders'].get.operationId).toBe('listOrders');
    expect(document.paths['/v1/orders/{id}/fulfillment'].post.operationId).toBe('createFulfillment');
  });

  it('names schemas without the class suffixes, and every $ref resolves', () => {
    const names = Object.keys(document.components.schemas);
    expect(names.filter((name) => /(Dto|Schema)$/.test(name))).toEqual([]);
    const missing = [...refsUnder(document)].filter((ref) => !document.components.schemas[ref.replace('#/components/schemas/', '')]);
    expect(missing).toEqual([]);
  });

  it('has a bearer scheme for tenants and another for the admin key, neither claiming JWT', () => {
    const schemes = document.components.securitySchemes as Json;
    expect(Object.keys(schemes).sort()).toEqual(['adminKey', 'bearer']);
    for (const scheme of Object.values(schemes)) expect(scheme).not.toHaveProperty('bearerFormat');
    expect(document.paths['/v1/tenants'].post.security).toEqual([{ adminKey: [] }]);
  });

  it('types every path id as a uuid and documents the 400 and 404 it can answer', () => {
    for (const { key, operation } of operations) {
      for (const parameter of (operation.parameters ?? []) as Json[]) {
        if (parameter.in !== 'path' || parameter.name !== 'id') continue;
        expect({ key, schema: parameter.schema }).toEqual({ key, schema: { type: 'string', format: 'uuid' } });
        expect({ key, statuses: Object.keys(operation.responses) }).toEqual({ key, statuses: expect.arrayContaining(['400', '404']) });
      }
      for (const parameter of (operation.parameters ?? []) as Json[]) {
        if (parameter.name === 'limit') expect({ key, type: parameter.schema.type }).toEqual({ key, type: 'integer' });
      }
    }
  });

  it('documents 401, 403 (with the required role), 429 and 503 with a problem body and Retry-After, and the rate-limit and idempotency headers', () => {
    for (const { key, method, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      if (isPublic(operation)) continue;
      expect({ key, statuses }).toEqual({ key, statuses: expect.arrayContaining(['401', '403']) });
      if (isAdmin(operation)) continue;
      expect({ key, role: operation['x-required-role'] }).toEqual({ key, role: expect.stringMatching(/^(viewer|operator|owner)$/) });
      expect({ key, problem: operation.responses['429']?.content?.['application/problem+json']?.schema }).toEqual({
        key,
        problem: { $ref: '#/components/schemas/Problem' },
      });
      // the API-key check runs under the request statement timeout: held up, any tenant route answers 503 database-busy
      for (const status of ['429', '503']) {
        const response = operation.responses[status];
        expect({
          key,
          status,
          problem: response?.content?.['application/problem+json']?.schema,
          retryAfter: !!response?.headers?.['Retry-After'],
        }).toEqual({
          key,
          status,
          problem: { $ref: '#/components/schemas/Problem' },
          retryAfter: true,
        });
      }
      const success = Object.entries(operation.responses as Json).filter(([status]) => /^2/.test(status));
      for (const [, response] of success)
        expect({ key, headers: Object.keys(response.headers ?? {}) }).toEqual({
          key,
          headers: expect.arrayContaining(['X-RateLimit-Remaining']),
        });
      const jsonBody = !operation.requestBody || Object.keys(operation.requestBody.content).some((type) => /json/.test(type));
      if (method === 'post' && jsonBody) {
        expect({ key, headers: (operation.parameters ?? []).map((p: Json) => p.name) }).toEqual({
          key,
          headers: expect.arrayContaining(['Idempotency-Key']),
        });
      }
    }
    expect(document.components.schemas.Problem.properties.retryAfterSeconds).toEqual(expect.objectContaining({ type: 'integer' }));
  });

  it('closes request bodies (no unknown property passes validation) and keeps response schemas open', () => {
    const requestRefs = new Set<string>();
    for (const { key, operation } of operations) {
      for (const [type, media] of Object.entries((operation.requestBody?.content ?? {}) as Json)) {
        if (!/json/.test(type)) continue;
        const own = media.schema.$ref ? document.components.schemas[media.schema.$ref.replace('#/components/schemas/', '')] : media.schema;
        expect({ key, closed: own.additionalProperties }).toEqual({ key, closed: expect.anything() });
        for (const ref of refsUnder(media.schema)) requestRefs.add(ref);
      }
    }
    for (const ref of requestRefs) {
      const schema = document.components.schemas[ref.replace('#/components/schemas/', '')];
      if (schema.properties) expect({ ref, closed: schema.additionalProperties }).toEqual({ ref, closed: false });
    }
    expect(requestRefs).toContain('#/components/schemas/AddressInput');
    expect(document.components.schemas.Address.additionalProperties).toBeUndefined();
  });

  it('leaves no `default` in component schemas (openapi-typescript would make those properties required)', () => {
    const withDefault: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      if ('default' in (node as Json) && typeof (node as Json).type === 'string') withDefault.push(path);
      for (const [key, value] of Object.entries(node)) visit(value, `${path}.${key}`);
    };
    visit(document.components.schemas, 'schemas');
    expect(withDefault).toEqual([]);
    expect(document.components.schemas.CreateSkuMapping.required).not.toContain('quantityPerUnit');
  });

  it('documents a setting default as the value it is, not an object wrapper', () => {
    const property = document.components.schemas.SiteSettingField.properties.default;
    expect(property.oneOf.map((s: Json) => s.type)).toEqual(['string', 'number', 'boolean', 'object']);
  });
});
