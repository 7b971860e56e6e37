import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { operationIdOf } from './operation-ids';
import { describeResponses, documentRequestHeaders } from './operation-responses';
import { ADMIN_KEY_SCHEME, BEARER_SCHEME } from './security-schemes';
import { constrainRequestSchemas, moveSchemaDefaults, renameSchemas, separateRequestSchemas } from './schemas';

/**
 * The document served at /docs and committed as `openapi/openapi.json`. `strict` (used by `npm run openapi`)
 * refuses a route without a name in OPERATION_IDS; the running app serves a work in progress anyway.
 */
export function buildOpenApiDocument(app: INestApplication, options: { strict?: boolean } = {}): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Mallbridge API')
    .setDescription(
      "Links a seller's sales sites (NextEngine, Qoo10 JP, 11st, Crossmall, Smaregi POS) to a fulfillment service.\n\n" +
        'Authenticate with `Authorization: Bearer <api key or session token>`. Errors are `application/problem+json`. ' +
        'Lists are cursor-paginated (`limit` ≤ 200, `cursor` → `{ data, nextCursor }`). ' +
        'Mutating POSTs accept an `Idempotency-Key` header: a replay returns the first response and changes nothing. ' +
        'Calls with an API key are rate-limited per account (`API_RATE_LIMIT_PER_MINUTE`, default 1,200 a minute): ' +
        'past it they answer 429 with `Retry-After`, and `X-RateLimit-Remaining` tells how many are left.',
    )
    .setVersion('1.0.0')
    .setLicense('Proprietary', 'https://mallbridge.dev/license')
    .addServer('/', 'This server')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description:
          "API key or session token: a tenant's API key (`mb_…`) or a signed-in person's session token (`mbs_…`, from `POST /v1/auth/sign-in`)",
      },
      BEARER_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'The operator key, `ADMIN_API_KEY` (operator routes only)' },
      ADMIN_KEY_SCHEME,
    )
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => operationIdOf(controllerKey, methodKey, { strict: options.strict ?? false }),
  });
  // our keys are opaque strings, not JWTs (DocumentBuilder adds `bearerFormat: 'JWT'` to every bearer scheme)
  for (const scheme of Object.values(document.components?.securitySchemes ?? {})) delete (scheme as { bearerFormat?: string }).bearerFormat;
  typeNullableReferences(document);
  fixPatterns(document);
  documentRequestHeaders(document);
  describeResponses(document);
  separateRequestSchemas(document);
  constrainRequestSchemas(document);
  moveSchemaDefaults(document);
  renameSchemas(document);
  return document;
}

/**
 * OpenAPI 3.0 allows `nullable` only beside a `type`; @nestjs/swagger emits a nullable reference as
 * `{ allOf: [{ $ref }], nullable: true }` and drops any `type` given with it. Every such schema is an
 * object (our references all point at object schemas), so say so.
 */
function typeNullableReferences(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) typeNullableReferences(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.nullable === true && schema.type === undefined && (schema.allOf || schema.oneOf || schema.anyOf)) schema.type = 'object';
  for (const value of Object.values(schema)) typeNullableReferences(value);
}

/**
 * The Swagger plugin's class-validator shim copies a `@Matches(…)` argument as written: a regex
 * literal keeps its slashes, and a named constant becomes its name. Keep real patterns, unwrap
 * literals, and drop names (the server still validates them; a wrong pattern would mislead clients).
 */
function fixPatterns(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) fixPatterns(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (typeof schema.pattern === 'string') {
    const literal = /^\/(.*)\/[a-z]*$/s.exec(schema.pattern);
    if (literal) schema.pattern = literal[1];
    else if (/^[A-Z][A-Z0-9_]*$/.test(schema.pattern)) delete schema.pattern;
  }
  for (const value of Object.values(schema)) fixPatterns(value);
}
