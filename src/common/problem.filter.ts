import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IllegalTransitionError, InvalidInputError } from './domain-errors';
import { type FieldError, PROBLEM_BASE, type ProblemDocument, ProblemException, ValidationProblem } from './problem';
import { isStatementHeldUp } from './sql';

/** Seconds a client is asked to wait before it tries a request the database held up again. */
const DATABASE_BUSY_RETRY_AFTER_SECONDS = 2;

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable', 'Unprocessable content'],
  429: ['too-many-requests', 'Too many requests'],
  500: ['internal', 'Internal server error'],
  502: ['bad-gateway', 'Bad gateway'],
  503: ['unavailable', 'Service unavailable'],
};

function titleFor(status: number): [string, string] {
  return TITLES[status] ?? [status >= 500 ? 'internal' : 'error', HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'Error'];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every 400 names the fields at fault (`errors[]`), also when it comes from outside our validation:
 * Nest's `Parse*Pipe`s (the path parameters that fail), multer (the unexpected form field), and body
 * parsing (`body`, e.g. malformed JSON, which Nest turns into a plain BadRequestException).
 */
export function inferFieldErrors(message: string, request: Request): FieldError[] {
  if (/^Validation failed \(.*is expected\)$/.test(message)) {
    const params = Object.entries((request.params ?? {}) as Record<string, string>);
    const wantsUuid = message.includes('uuid');
    const bad = params.filter(([, value]) => !wantsUuid || !UUID.test(String(value)));
    const named = bad.length ? bad : params;
    if (named.length)
      return named.map(([name]) => ({ field: name, message: `${name}: ${message.replace(/^Validation failed \((.*)\)$/, '$1')}` }));
  }
  const multer = /^(Unexpected field|Field name missing|Too many (?:files|fields|parts)|File too large|Field value too long) - (.+)$/.exec(
    message,
  );
  if (multer) return [{ field: multer[2], message: multer[1] }];
  if (message.startsWith('Multipart:') || request.is?.('multipart/form-data')) return [{ field: 'file', message }];
  if (request.is?.(['json', '+json'])) return [{ field: 'body', message }];
  return [{ field: 'request', message }];
}

/** Errors raised by Express's body parser before Nest sees the request (bad JSON, body too large). */
interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

/**
 * Every error becomes `application/problem+json`. Details of unexpected errors (stack traces, SQL)
 * are logged with the request id, never sent.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id, path: request.path }, 'Unhandled error');
    }
    if (response.headersSent) return;
    // a problem that says when to come back (a 429, a database held up) says it in the header too
    if (typeof problem.retryAfterSeconds === 'number') response.setHeader('Retry-After', String(problem.retryAfterSeconds));
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  toProblem(thrown: unknown, request: Request & { id?: string }): ProblemDocument {
    const exception = fromDomainError(thrown);
    const base = { instance: request.originalUrl?.split('?')[0], requestId: request.id ? String(request.id) : undefined };
    if (exception instanceof ProblemException) {
      const status = exception.getStatus();
      const problem: ProblemDocument = {
        type: PROBLEM_BASE + exception.problemType,
        title: exception.title,
        status,
        detail: exception.detail,
        ...base,
        ...exception.extensions,
      };
      if (status === 400 && !Array.isArray(problem.errors)) problem.errors = inferFieldErrors(problem.detail ?? exception.title, request);
      return problem;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const [slug, title] = titleFor(status);
      const body = exception.getResponse();
      let detail = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      if (Array.isArray(detail)) detail = detail.join('; ');
      if (status === 404 && typeof detail === 'string' && detail.startsWith('Cannot ')) {
        detail = `No route ${request.method} ${base.instance}.`;
      }
      const problem: ProblemDocument = {
        type: PROBLEM_BASE + slug,
        title,
        status,
        detail: typeof detail === 'string' ? detail : undefined,
        ...base,
      };
      if (status === 400) problem.errors = inferFieldErrors(problem.detail ?? 'Bad request', request);
      return problem;
    }
    const parserError = exception as BodyParserError;
    const parserStatus = parserError?.status ?? parserError?.statusCode;
    if (parserError && typeof parserError.type === 'string' && parserStatus && parserStatus < 500) {
      const [slug, title] = titleFor(parserStatus);
      const detail =
        parserError.type === 'entity.too.large'
          ? 'The request body is larger than allowed.'
          : parserError.type === 'entity.parse.failed'
            ? 'The request body is not valid JSON.'
            : 'The request body could not be read.';
      return {
        type: PROBLEM_BASE + slug,
        title,
        status: parserStatus,
        detail,
        ...base,
        ...(parserStatus === 400 ? { errors: [{ field: 'body', message: detail }] } : {}),
      };
    }
    if (isStatementHeldUp(exception)) {
      return {
        type: PROBLEM_BASE + 'database-busy',
        title: 'Service unavailable',
        status: 503,
        detail: 'The database did not answer in time (a lock or a long statement held it up). Try again shortly.',
        retryAfterSeconds: DATABASE_BUSY_RETRY_AFTER_SECONDS,
        ...base,
      };
    }
    return {
      type: PROBLEM_BASE + 'internal',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
      ...base,
    };
  }
}

/** The HTTP meaning of the errors the business code throws (domain-errors.ts); anything else is passed on. */
export function fromDomainError(error: unknown): unknown {
  if (error instanceof IllegalTransitionError) {
    return new ProblemException(HttpStatus.CONFLICT, 'illegal-transition', 'Illegal transition', error.message, {
      from: error.from,
      to: error.to,
      allowed: error.allowed,
    });
  }
  if (error instanceof InvalidInputError) {
    return error.field
      ? new ValidationProblem([{ field: error.field, message: error.message }], error.message)
      : new ProblemException(HttpStatus.BAD_REQUEST, 'bad-request', 'Bad request', error.message);
  }
  return error;
}
