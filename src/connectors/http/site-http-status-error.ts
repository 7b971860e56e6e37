import { SiteRetryableError } from './site-errors';
import type { SiteHttpResponse } from './site-http-client';

/**
 * A 5xx or 429 turned into a retryable error by the transport. It keeps the response so that a
 * connector whose site puts its own error code in the body of such a status (NextEngine's HTTP status
 * on errors is UNCONFIRMED) can still read that code. The response is non-enumerable so that logging
 * or serializing the error never dumps a body, which may carry tokens.
 */
export class SiteHttpStatusError extends SiteRetryableError {
  declare readonly response: SiteHttpResponse;

  constructor(
    message: string,
    readonly status: number,
    response: SiteHttpResponse,
    retryAfterMs?: number,
  ) {
    super(message, String(status), undefined, retryAfterMs);
    Object.defineProperty(this, 'response', { value: response, enumerable: false });
  }
}
