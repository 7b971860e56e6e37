import { type CallHandler, type ExecutionContext, HttpStatus, Injectable, type NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { type Observable, catchError, concatMap, from, map, of, switchMap, throwError } from 'rxjs';
import type { AuthenticatedTenant } from '../auth/authenticated-tenant';
import { ProblemException, ValidationProblem } from '../common/problem';
import { IdempotencyService } from './idempotency.service';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * `Idempotency-Key` on mutating POSTs: the first request runs and its response is kept 24 h per
 * tenant; a replay with the same key and body gets that response again and changes nothing.
 * The same key with a different body is a client bug → 422; while the first is still running → 409.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { user?: AuthenticatedTenant }>();
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (request.method !== 'POST' || key === undefined || !request.user) return next.handle();
    // A file upload's body is read later, by the handler, so it cannot be compared here; uploads are
    // upserts (safe to repeat), so the key is not claimed for them rather than replaying a wrong answer.
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !request.is(['json', 'urlencoded', '+json'])) return next.handle();
    if (typeof key !== 'string' || key.length < 1 || key.length > 255) {
      return throwError(() => new ValidationProblem([{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]));
    }
    const response = http.getResponse<Response>();
    const tenantId = request.user.tenantId;
    const path = request.originalUrl.split('?')[0];
    const requestHash = createHash('sha256')
      .update(request.method + ' ' + request.originalUrl + '\n' + JSON.stringify(request.body ?? null))
      .digest('hex');

    return from(this.idempotency.begin(tenantId, key, request.method, path, requestHash)).pipe(
      switchMap((existing) => {
        if (existing === 'started') {
          return next.handle().pipe(
            // Stored before the response leaves, so an immediate replay already finds it.
            concatMap((body) => from(this.idempotency.complete(tenantId, key, response.statusCode, body ?? null)).pipe(map(() => body))),
            catchError((error) => {
              // A failed request leaves nothing behind: the client may retry with the same key.
              return from(this.idempotency.abandon(tenantId, key)).pipe(switchMap(() => throwError(() => error)));
            }),
          );
        }
        if (existing.requestHash !== requestHash) {
          throw new ProblemException(
            HttpStatus.UNPROCESSABLE_ENTITY,
            'idempotency-key-reused',
            'Idempotency key reused',
            'This Idempotency-Key was used for a different request.',
          );
        }
        if (existing.state === 'in_progress') {
          throw new ProblemException(
            HttpStatus.CONFLICT,
            'idempotency-in-progress',
            'Request in progress',
            'A request with this Idempotency-Key is still being processed; retry shortly.',
          );
        }
        response.status(existing.responseStatus ?? 200);
        response.setHeader('Idempotent-Replayed', 'true');
        return of(existing.responseBody);
      }),
    );
  }
}
