import type { OpenAPIObject } from '@nestjs/swagger';
import type { ParameterObject, ReferenceObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { DESCRIPTIONS as PROBLEM_DESCRIPTIONS } from '../common/api-problems';
import { ADMIN_KEY_SCHEME } from './security-schemes';
import { forEachOperation, isPublic, type OperationObject, usesScheme } from './walk';

/**
 * Statuses and headers the server sends to every route of a kind — from the validation pipe, the
 * guards, the rate limit, the idempotency interceptor, the body parser and Express itself — added to
 * what each controller declares, so generated clients know every answer they can get.
 */

const PROBLEM_REF = '#/components/schemas/ProblemSchema';

function problem(status: number, description = PROBLEM_DESCRIPTIONS[status] ?? 'Error.'): ResponseObject {
  return { description, content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF } } } };
}

/** Operations whose caller is a tenant (API key or session): rate-limited, with idempotent POSTs. */
function isTenantOperation(operation: OperationObject): boolean {
  return !isPublic(operation) && !usesScheme(operation, ADMIN_KEY_SCHEME);
}

function parametersOf(operation: OperationObject): ParameterObject[] {
  return (operation.parameters ?? []).filter((p): p is ParameterObject => !('$ref' in p));
}

function requestContentTypes(operation: OperationObject): string[] {
  const body = operation.requestBody;
  return body && !('$ref' in body) ? Object.keys(body.content ?? {}) : [];
}

/**
 * The Idempotency interceptor claims keys on a tenant's POSTs whose body it can compare: JSON or none
 * (a file upload is read by its handler, after the interceptor; uploads are upserts, safe to repeat).
 */
function takesIdempotencyKey(operation: OperationObject, method: string): boolean {
  const types = requestContentTypes(operation);
  return method === 'post' && isTenantOperation(operation) && (types.length === 0 || types.some((type) => /json/.test(type)));
}

export function documentRequestHeaders(document: OpenAPIObject): void {
  forEachOperation(document, (operation, method) => {
    // every `:id` goes through ParseUUIDPipe (the bad-input suite holds the document to it)
    for (const parameter of parametersOf(operation)) {
      if (parameter.in === 'path' && parameter.name === 'id')
        parameter.schema = { ...(parameter.schema as object), type: 'string', format: 'uuid' };
    }
    if (takesIdempotencyKey(operation, method)) {
      operation.parameters = [
        ...(operation.parameters ?? []),
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Any unique string (1–255 characters), kept 24 h: a retry with the same key and body returns the first response ' +
            '(with `Idempotent-Replayed: true`) and changes nothing.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ];
    }
  });
}

const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { description: 'Requests this account may make in the current minute.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current minute.', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the current minute ends.', schema: { type: 'integer' } },
} as const;

const RETRY_AFTER_HEADER = { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } as const;

const ETAG_HEADER = {
  ETag: {
    description: 'A validator of the body: send it as `If-None-Match` to get a 304 while nothing changed.',
    schema: { type: 'string' },
  },
} as const;

function addResponse(operation: OperationObject, status: number, response: ResponseObject | ReferenceObject): void {
  operation.responses[String(status)] ??= response;
}

export function describeResponses(document: OpenAPIObject): void {
  forEachOperation(document, (operation, method) => {
    const parameters = parametersOf(operation);
    const hasBody = requestContentTypes(operation).length > 0;
    const hasIdPath = parameters.some((p) => p.in === 'path' && p.name === 'id');
    if (hasIdPath || hasBody || parameters.some((p) => p.in === 'query' || p.in === 'header')) {
      addResponse(operation, 400, problem(400, 'Invalid request (a bad id, parameter or body); `errors` lists each bad field.'));
    }
    if (!isPublic(operation)) addResponse(operation, 401, problem(401));
    if (operation['x-required-role' as keyof OperationObject]) addResponse(operation, 403, problem(403));
    if (hasIdPath) addResponse(operation, 404, problem(404));
    if (hasBody) {
      addResponse(operation, 413, problem(413, 'The body is larger than the server accepts.'));
      addResponse(operation, 415, problem(415, 'The body is not of a content type this operation accepts.'));
    }
    if (takesIdempotencyKey(operation, method)) {
      addResponse(
        operation,
        409,
        problem(409, 'Conflicts with the current state, or a request with this `Idempotency-Key` is still running.'),
      );
      addResponse(operation, 422, problem(422, 'Unprocessable; also: this `Idempotency-Key` was used for a different request.'));
    }
    if (isTenantOperation(operation)) {
      addResponse(operation, 429, {
        ...problem(429, 'Too many requests from this account; retry after the `Retry-After` seconds.'),
        headers: RETRY_AFTER_HEADER,
      });
      // the API-key check runs under REQUEST_STATEMENT_TIMEOUT_MS (PreparedStatements): held up by a lock, it gives up
      addResponse(operation, 503, {
        ...problem(
          503,
          'The database is held up (`database-busy`: a lock, such as a migration building an index): nothing was done; ' +
            'retry after the `Retry-After` seconds.',
        ),
        headers: RETRY_AFTER_HEADER,
      });
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      if (!response || '$ref' in response) continue;
      const code = Number(status);
      // error responses declared without a body (e.g. `@ApiForbiddenResponse`) answer a problem like the rest
      if (code >= 400 && !response.content) response.content = problem(code).content;
      if (code < 400 && isTenantOperation(operation)) response.headers = { ...RATE_LIMIT_HEADERS, ...response.headers };
      if (method === 'get' && code === 200 && response.content?.['application/json']) {
        response.headers = { ...ETAG_HEADER, ...response.headers };
        addResponse(operation, 304, { description: 'Not modified: the `If-None-Match` ETag still matches.' });
      }
    }
  });
}
