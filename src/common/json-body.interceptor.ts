import { type CallHandler, type ExecutionContext, HttpStatus, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { ProblemException } from './problem';

/** Whether the handler takes a parsed `@Body()`. */
function readsBody(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

/**
 * A route that reads a parsed body answers 415 to a body no parser took (text/plain, XML, multipart…),
 * instead of seeing "no body" — which an all-optional PATCH would accept as a no-op change.
 * Upload routes read the raw request (`@Req()`/`@UploadedFile()`), not `@Body()`, and are not affected.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      if (request.body === undefined && hasBody(request) && readsBody(context)) {
        throw new ProblemException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          'unsupported-media-type',
          'Unsupported media type',
          `Send the body as application/json (got ${request.headers['content-type'] ?? 'no Content-Type'}).`,
        );
      }
    }
    return next.handle();
  }
}
