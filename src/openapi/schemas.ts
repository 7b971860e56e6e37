import type { OpenAPIObject } from '@nestjs/swagger';
import { forEachNode, forEachOperation } from './walk';

type Schema = Record<string, unknown>;

const REF_PREFIX = '#/components/schemas/';

function schemasOf(document: OpenAPIObject): Record<string, Schema> {
  return (document.components?.schemas ?? {}) as Record<string, Schema>;
}

/** Names of the component schemas `node` refers to, directly or through other component schemas. */
function referencedSchemas(document: OpenAPIObject, node: unknown, found = new Set<string>()): Set<string> {
  forEachNode(node, (value) => {
    if (typeof value.$ref !== 'string' || !value.$ref.startsWith(REF_PREFIX)) return;
    const name = value.$ref.slice(REF_PREFIX.length);
    if (found.has(name)) return;
    found.add(name);
    referencedSchemas(document, schemasOf(document)[name], found);
  });
  return found;
}

function jsonRequestSchemas(document: OpenAPIObject): Schema[] {
  const out: Schema[] = [];
  forEachOperation(document, (operation) => {
    const body = operation.requestBody;
    if (!body || '$ref' in body) return;
    for (const [type, media] of Object.entries(body.content ?? {})) if (/json/.test(type) && media.schema) out.push(media.schema as Schema);
  });
  return out;
}

function responseSchemas(document: OpenAPIObject): Schema[] {
  const out: Schema[] = [];
  forEachOperation(document, (operation) => out.push(operation.responses as Schema));
  return out;
}

/**
 * Request bodies get schemas of their own: what the validation pipe enforces (no unknown property, no empty
 * required string) is not a promise about responses, so a schema both use (`Address`, `ConnectionOptions`)
 * is copied as `…Input` for the request side.
 */
export function separateRequestSchemas(document: OpenAPIObject): void {
  const schemas = schemasOf(document);
  const requestRoots = jsonRequestSchemas(document);
  const requested = referencedSchemas(document, requestRoots);
  const responded = referencedSchemas(document, responseSchemas(document));
  const inputName = (name: string) => `${clientName(name)}Input`;
  const shared = new Set([...requested].filter((name) => responded.has(name)));
  for (const name of shared) schemas[inputName(name)] = structuredClone(schemas[name]);
  const requestSide = [...requestRoots, ...[...requested].map((name) => schemas[shared.has(name) ? inputName(name) : name])];
  forEachNode(requestSide, (node) => {
    if (typeof node.$ref !== 'string') return;
    const name = node.$ref.slice(REF_PREFIX.length);
    if (shared.has(name)) node.$ref = REF_PREFIX + inputName(name);
  });
}

/**
 * What the validation pipe enforces on JSON bodies, said in their schemas: unknown properties are refused
 * (`forbidNonWhitelisted`), so objects are `additionalProperties: false` (maps such as `credentials` declare
 * their own); required strings are never empty (`@IsNotEmpty`, or `@Matches(/\S/)` for "not blank", which
 * the Swagger plugin does not translate) — the bad-input suite sends `""` to each to hold the document to it.
 */
export function constrainRequestSchemas(document: OpenAPIObject): void {
  const schemas = schemasOf(document);
  const roots = jsonRequestSchemas(document);
  const all = [...roots, ...[...referencedSchemas(document, roots)].map((name) => schemas[name])];
  for (const schema of all) {
    if (!schema?.properties) continue;
    schema.additionalProperties ??= false;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(schema.properties as Record<string, Schema>)) {
      if (required.has(name) && property.type === 'string' && property.minLength === undefined && !property.enum) property.minLength = 1;
    }
  }
}

/**
 * openapi-typescript (7.x, `defaultNonNullable` on by default) makes a property with a `default` required in
 * every type it generates from `components/schemas`, request bodies included: a client would have to send
 * `quantityPerUnit` because it defaults to 1. A default is the server's business, so component schemas say it
 * in words; parameters, which the generator leaves optional, keep theirs.
 */
export function moveSchemaDefaults(document: OpenAPIObject): void {
  forEachNode(schemasOf(document), (schema) => {
    if (!('default' in schema) || typeof schema.type !== 'string') return;
    const said = `Default: \`${JSON.stringify(schema.default)}\`.`;
    schema.description = typeof schema.description === 'string' && schema.description ? `${schema.description} ${said}` : said;
    delete schema.default;
  });
}

/** The name a client sees: the class name without its `Dto`/`Schema` suffix (`OrderDto` → `Order`). */
function clientName(name: string): string {
  return name.replace(/(Dto|Schema)$/, '') || name;
}

/** Renames the component schemas to their client names and rewrites every `$ref` to them. */
export function renameSchemas(document: OpenAPIObject): void {
  const schemas = schemasOf(document);
  const renamed: Record<string, Schema> = {};
  const origin = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    const target = clientName(name);
    const clash = origin.get(target);
    if (clash) throw new Error(`Schemas ${clash} and ${name} would both be named ${target} in the OpenAPI document: rename one class`);
    origin.set(target, name);
    renamed[target] = schema;
  }
  document.components!.schemas = renamed;
  forEachNode(document, (node) => {
    if (typeof node.$ref === 'string' && node.$ref.startsWith(REF_PREFIX))
      node.$ref = REF_PREFIX + clientName(node.$ref.slice(REF_PREFIX.length));
  });
}
