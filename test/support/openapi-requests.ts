import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads `openapi/openapi.json` and generates requests from it: the operations, a valid example of a
 * schema, and invalid variants of bodies, query strings and path parameters. Used by the bad-input and
 * isolation suites, so an operation added to the document is covered without editing them.
 */

export type Schema = Record<string, any>;
export type OpenApiDocument = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  /** `METHOD /path`, the key used in exclusion and creator tables */
  key: string;
  spec: Record<string, any>;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

export function loadOpenApi(file = join(__dirname, '..', '..', 'openapi', 'openapi.json')): OpenApiDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

export function listOperations(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const spec = item[method];
      if (!spec) continue;
      out.push({ method, path, operationId: spec.operationId ?? `${method} ${path}`, key: `${method.toUpperCase()} ${path}`, spec });
    }
  }
  return out;
}

/** Resolves `$ref`s and merges `allOf`, recursively enough for request schemas. */
export function resolveSchema(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`Unresolvable $ref ${schema.$ref}`);
    const { $ref: _ref, ...rest } = schema;
    return resolveSchema(doc, { ...target, ...rest });
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const merged: Schema = { ...rest };
    for (const part of allOf as Schema[]) {
      const resolved = resolveSchema(doc, part);
      merged.properties = { ...(merged.properties ?? {}), ...(resolved.properties ?? {}) };
      merged.required = [...new Set([...(merged.required ?? []), ...(resolved.required ?? [])])];
      for (const [k, v] of Object.entries(resolved)) if (!(k in merged)) merged[k] = v;
    }
    return merged;
  }
  return schema;
}

export function parameters(doc: OpenApiDocument, op: Operation): Parameter[] {
  return ((op.spec.parameters ?? []) as Schema[]).map((p) => {
    const resolved = resolveSchema(doc, p) as Parameter;
    return { ...resolved, schema: resolveSchema(doc, resolved.schema ?? {}) };
  });
}

export function requestContentTypes(op: Operation): string[] {
  return Object.keys(op.spec.requestBody?.content ?? {});
}

export function jsonBodySchema(doc: OpenApiDocument, op: Operation): Schema | undefined {
  const content = op.spec.requestBody?.content ?? {};
  const type = Object.keys(content).find((t) => /json/.test(t));
  return type ? resolveSchema(doc, content[type].schema) : undefined;
}

/** Types a value of the schema may have (`integer` counts as number). */
export function schemaTypes(schema: Schema): Set<string> {
  const types = new Set<string>();
  const type = schema.type ?? (schema.properties || schema.additionalProperties ? 'object' : undefined);
  if (type === 'integer' || type === 'number') types.add('number');
  else if (type) types.add(type);
  if (Array.isArray(schema.oneOf)) for (const s of schema.oneOf) for (const t of schemaTypes(s)) types.add(t);
  return types;
}

/** A valid value of the schema. `idFor` supplies ids for uuid fields by property name (real rows). */
export function exampleFor(doc: OpenApiDocument, raw: Schema, name = '', idFor: (name: string) => string | undefined = () => undefined): unknown {
  const schema = resolveSchema(doc, raw);
  if (schema.example !== undefined && schema.type !== 'object') return schema.example;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const type = [...schemaTypes(schema)][0];
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return idFor(name) ?? randomUUID();
      if (schema.format === 'date-time') return '2026-01-15T10:00:00Z';
      if (schema.format === 'date') return '2026-01-15';
      if (schema.format === 'uri') return 'https://example.com/api';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [exampleFor(doc, schema.items ?? {}, name, idFor)];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) out[key] = exampleFor(doc, prop, key, idFor);
      return out;
    }
    default:
      return 'x';
  }
}

/** Values of every JSON type that a schema does NOT accept. */
export function wrongTypeValues(schema: Schema): [label: string, value: unknown][] {
  const accepted = schemaTypes(schema);
  const all: [type: string, label: string, value: unknown][] = [
    ['string', 'a string', 'not-the-right-type'],
    ['number', 'a number', 12345],
    ['boolean', 'a boolean', true],
    ['object', 'an object', { unexpected: 1 }],
    ['array', 'an array', []],
  ];
  const out = all.filter(([type]) => !accepted.has(type)).map(([, label, value]) => [label, value] as [string, unknown]);
  // the classic coercion traps: "12" for a number, "true" for a boolean, [{}] for a nested object
  if (accepted.has('number') && !accepted.has('string')) out.push(['a numeric string', '12']);
  if (accepted.has('boolean') && !accepted.has('string')) out.push(['the string "true"', 'true']);
  if (accepted.has('object') && !accepted.has('array')) out.push(['an array of one object', [{}]]);
  return out;
}

export const INJECTIONS: [label: string, value: string][] = [
  ['SQL', "' OR 1=1 --"],
  ['SQL (stacked)', "'; DROP TABLE orders; --"],
  ['HTML', '<script>alert(1)</script>'],
  ['template', '${7*7}{{7*7}}'],
  ['path traversal', '../../etc/passwd'],
  ['NUL byte', 'a\u0000b'],
  ['long unicode', '𝔘ñí©ødé🚀'.repeat(2000)],
];

/** A short unicode string for URLs (Node refuses request lines over 16 KB). */
export const URL_LONG_UNICODE = '𝔘ñí©ødé🚀'.repeat(60);

export interface BodyVariant {
  name: string;
  body: unknown;
  /** a field the 400 response must name, when the variant is meant to fail validation */
  field?: string;
  /** the request is valid (only sent to operations that write nothing) */
  maybeValid?: boolean;
}

interface FieldSite {
  /** where the property lives in the body: a path of keys/indexes */
  path: (string | number)[];
  display: string;
  schema: Schema;
  required: boolean;
}

function displayPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Every property of the schema; nested objects and arrays (first element) where the base body has them. */
export function fieldSites(doc: OpenApiDocument, schema: Schema, base: unknown, prefix: (string | number)[] = []): FieldSite[] {
  const resolved = resolveSchema(doc, schema);
  const out: FieldSite[] = [];
  const required = new Set<string>(resolved.required ?? []);
  for (const [key, raw] of Object.entries((resolved.properties ?? {}) as Record<string, Schema>)) {
    const prop = resolveSchema(doc, raw);
    const path = [...prefix, key];
    out.push({ path, display: displayPath(path), schema: prop, required: required.has(key) });
    const value = (base as Record<string, unknown> | undefined)?.[key];
    if (prop.properties && value && typeof value === 'object' && !Array.isArray(value)) out.push(...fieldSites(doc, prop, value, path));
    if (prop.type === 'array' && Array.isArray(value) && value.length > 0) {
      const items = resolveSchema(doc, prop.items ?? {});
      if (items.properties) out.push(...fieldSites(doc, items, value[0], [...path, 0]));
    }
  }
  return out;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function setAt(body: unknown, path: (string | number)[], value: unknown, remove = false): void {
  let target = body as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) delete target[last];
  else target[last] = value;
}

/** A string that can never satisfy the field: an enum, a format, a length limit. */
function stringIsInvalidFor(schema: Schema, value: string): boolean {
  if (value.includes('\u0000')) return true; // PostgreSQL text cannot hold NUL: refused everywhere
  if (Array.isArray(schema.enum)) return !schema.enum.includes(value);
  if (schema.format && ['uuid', 'date-time', 'date', 'uri', 'email'].includes(schema.format)) return true;
  if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) return true;
  return false;
}

export const HUGE_STRING = 'h'.repeat(1_000_000);

/**
 * Invalid variants of a JSON body: each required field missing or null, each optional field null (unless the
 * schema says `nullable`), an empty string where `minLength` forbids it, each property of every other type,
 * a 1 MB string in each string field, unknown properties (top level and nested), injection strings
 * in each string field, and whole bodies of the wrong shape. A free-text field that could legitimately
 * hold an injection string gets an unknown property beside it, so the request stays invalid.
 */
export function bodyVariants(doc: OpenApiDocument, schema: Schema, base: Record<string, unknown>): BodyVariant[] {
  const variants: BodyVariant[] = [];
  const sites = fieldSites(doc, schema, base);
  const resolved = resolveSchema(doc, schema);
  if ((resolved.required ?? []).length > 0) variants.push({ name: 'empty object', body: {}, field: resolved.required[0] });
  variants.push({ name: 'a JSON array', body: [base] });
  variants.push({ name: 'unknown top-level property', body: { ...clone(base), unexpectedProperty: 'x' }, field: 'unexpectedProperty' });
  variants.push({ name: '__proto__ property', body: JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(base).slice(1)}`), field: '__proto__' });
  variants.push({ name: 'constructor property', body: { ...clone(base), constructor: { prototype: { polluted: true } } }, field: 'constructor' });
  for (const site of sites) {
    const present = hasPath(base, site.path);
    if (site.required && present) {
      const body = clone(base);
      setAt(body, site.path, undefined, true);
      variants.push({ name: `missing ${site.display}`, body, field: site.display });
      const nulled = clone(base);
      setAt(nulled, site.path, null);
      variants.push({ name: `null ${site.display}`, body: nulled, field: site.display });
    }
    if (!present && site.path.length > 1) continue; // nested properties only where the base has the parent
    if (!site.required && site.schema.nullable !== true) {
      // `null` is not "absent": an optional field that does not document null refuses it, naming the field
      const nulled = clone(base);
      setAt(nulled, site.path, null);
      variants.push({ name: `null optional ${site.display}`, body: nulled, field: site.display });
    }
    if (typeof site.schema.minLength === 'number' && site.schema.minLength > 0) {
      const empty = clone(base);
      setAt(empty, site.path, '');
      variants.push({ name: `empty string in ${site.display}`, body: empty, field: site.display });
    }
    for (const [label, value] of wrongTypeValues(site.schema)) {
      const body = clone(base);
      setAt(body, site.path, value);
      variants.push({ name: `${site.display} as ${label}`, body, field: site.display });
    }
    if (site.schema.properties) {
      const body = clone(base);
      if (!present) setAt(body, site.path, {});
      setAt(body, [...site.path, 'unexpectedNested'], 'x');
      variants.push({ name: `unknown property in ${site.display}`, body, field: `${site.display}.unexpectedNested` });
    }
    if (schemaTypes(site.schema).has('string')) {
      const huge = clone(base);
      setAt(huge, site.path, HUGE_STRING);
      variants.push({ name: `1 MB string in ${site.display}`, body: huge, field: site.display });
      for (const [label, value] of INJECTIONS) {
        const body = clone(base);
        setAt(body, site.path, value);
        if (stringIsInvalidFor(site.schema, value)) {
          variants.push({ name: `${label} injection in ${site.display}`, body, field: site.display });
        } else {
          (body as Record<string, unknown>).unexpectedProperty = 1;
          variants.push({ name: `${label} injection in ${site.display} (+ unknown property)`, body, field: 'unexpectedProperty' });
        }
      }
    }
    if (site.schema.additionalProperties && typeof site.schema.additionalProperties === 'object') {
      // a map of strings (credentials): a non-string value, NUL in a value
      for (const [label, value] of [
        ['a number value', 1],
        ['a NUL byte in a value', 'a\u0000b'],
      ] as const) {
        const body = clone(base);
        setAt(body, site.path, { someField: value });
        variants.push({ name: `${site.display} with ${label}`, body, field: site.display });
      }
    }
  }
  return variants;
}

function hasPath(body: unknown, path: (string | number)[]): boolean {
  let target = body as Record<string | number, unknown> | undefined;
  for (const key of path) {
    if (target === null || typeof target !== 'object' || !(key in target)) return false;
    target = target[key] as Record<string | number, unknown>;
  }
  return true;
}

export interface QueryVariant {
  name: string;
  query: string;
  field?: string;
  maybeValid?: boolean;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Bad values for each query parameter, plus unknown, repeated and nested parameters. */
export function queryVariants(params: Parameter[]): QueryVariant[] {
  const out: QueryVariant[] = [];
  const q = (name: string, value: string) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  for (const p of params.filter((x) => x.in === 'query')) {
    const s = p.schema;
    const types = schemaTypes(s);
    const bad: [string, string][] = [];
    if (types.has('number')) bad.push(['-1', '-1'], ['0', '0'], ['1000', '1000'], ['abc', 'abc'], ['1.5', '1.5'], ['empty', ''], ['1e400', '1e400']);
    if (Array.isArray(s.enum)) bad.push(['unknown enum value', 'not-a-value'], ['enum value in another case', String(s.enum[0]).toUpperCase() + '_X']);
    if (s.format === 'date-time' || s.format === 'date') bad.push(['bad date', 'not-a-date'], ['impossible date', '2024-13-45T99:99:99Z'], ['empty', '']);
    if (s.format === 'uuid') bad.push(['non-uuid', 'not-a-uuid'], ['uuid-shaped SQL', "00000000-0000-0000-0000-00000000000' OR '1'='1"]);
    if (types.has('boolean')) bad.push(['non-boolean', 'maybe'], ['1', '1']);
    if (p.name === 'cursor') {
      bad.push(
        ['garbage cursor', '!!!not-a-cursor!!!'],
        ['cursor with a non-uuid id', base64url({ v: '2026-01-01T00:00:00.000Z', id: 'not-a-uuid' })],
        ['cursor with a non-time value', base64url({ v: 'not-a-time', id: randomUUID() })],
        ['cursor with an object value', base64url({ v: { a: 1 }, id: randomUUID() })],
        ['cursor with SQL', base64url({ v: "2026-01-01' OR 1=1 --", id: "' OR 1=1 --" })],
        ['cursor with a NUL byte', base64url({ v: 'a\u0000b', id: randomUUID() })],
      );
    }
    for (const [label, value] of bad) out.push({ name: `${p.name}=${label}`, query: q(p.name, value), field: p.name });
    for (const [label, value] of [...INJECTIONS.filter(([l]) => l !== 'long unicode'), ['long unicode', URL_LONG_UNICODE] as [string, string]]) {
      const restricted = Array.isArray(s.enum) || types.has('number') || types.has('boolean') || ['uuid', 'date-time', 'date'].includes(s.format);
      const invalid = restricted || value.includes('\u0000');
      out.push({ name: `${p.name}=${label} injection`, query: q(p.name, value), field: invalid ? p.name : undefined, maybeValid: !invalid });
    }
    out.push({ name: `${p.name} repeated`, query: `${q(p.name, 'a')}&${q(p.name, 'b')}`, field: p.name });
    out.push({ name: `${p.name} as a nested object`, query: `${encodeURIComponent(p.name)}[x]=1`, field: p.name });
  }
  out.push({ name: 'unknown query parameter', query: 'unexpectedParam=1', field: 'unexpectedParam' });
  return out;
}

export interface PathValueVariant {
  name: string;
  value: string;
  /** the 404 an id of nothing gets */
  expectStatus?: number[];
}

export const UUID_OF_NOTHING = '00000000-0000-4000-8000-000000000000';

/** Values for a resource path parameter that name nothing valid. */
export function pathValueVariants(): PathValueVariant[] {
  return [
    { name: 'non-uuid id', value: 'not-a-uuid' },
    { name: 'uuid of nothing', value: UUID_OF_NOTHING, expectStatus: [404] },
    { name: 'nil uuid', value: '00000000-0000-0000-0000-000000000000', expectStatus: [400, 404] },
    { name: 'uuid-shaped SQL', value: "00000000-0000-4000-8000-00000000000' OR '1'='1" },
    { name: 'uuid with trailing SQL', value: `${UUID_OF_NOTHING}; DROP TABLE orders` },
    ...INJECTIONS.filter(([label]) => label !== 'long unicode').map(([label, value]) => ({ name: `${label} injection`, value })),
    { name: 'long unicode', value: URL_LONG_UNICODE },
    { name: 'number', value: '12345' },
  ];
}

/** Path segments that break URL decoding itself (sent raw, not encoded again). */
export function rawPathValueVariants(): PathValueVariant[] {
  return [
    { name: 'bad percent-encoding', value: '%E0%A4%A' },
    { name: 'encoded slash traversal', value: '..%2F..%2Fetc%2Fpasswd' },
  ];
}
