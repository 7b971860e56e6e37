/**
 * The shared transport every outbound call goes through. One instance per connection: it owns that
 * connection's rate limiter, so two calls for the same account are paced together however many
 * callers there are in this process.
 */
export interface SiteHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** absolute URL, query string included if the caller must control its exact bytes (Crossmall signing) */
  url: string;
  /** added to the URL with URLSearchParams when given */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** sent as application/x-www-form-urlencoded */
  form?: Record<string, string>;
  /** sent as is */
  body?: string | Buffer;
  /** the whole call (headers and body); honoured beyond undici's own 300 s limits (call-dispatchers.ts) */
  timeoutMs?: number;
  /** names of query/form fields and headers whose values must never be logged */
  secretFields?: string[];
  /**
   * Runs on every HTTP response (error statuses included, before they become errors) while the
   * connection's rate-limit slot is still held, so its work is done before the next call for this
   * connection starts. NextEngine persists rotated tokens here: they rotate even on error responses.
   */
  afterResponse?: (response: SiteHttpResponse) => Promise<void>;
}

export interface SiteHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** the body decoded as UTF-8 */
  text(): string;
}

export interface SiteHttpClient {
  /**
   * Send one request through the rate limiter, with a timeout. Network errors, timeouts, 5xx and 429
   * become {@link SiteRetryableError} (honouring Retry-After) — a {@link SiteAnswerLostError} when the
   * request may have reached the site; other statuses are returned as they are.
   * No retry happens here: wrap calls in {@link SiteHttpClient.withRetry}.
   */
  send(request: SiteHttpRequest): Promise<SiteHttpResponse>;

  /**
   * Run `attempt` until it succeeds, retrying {@link SiteRetryableError} with exponential backoff
   * and jitter (Retry-After wins when longer); any other error ends it at once.
   */
  withRetry<T>(attempt: () => Promise<T>, options?: { maxAttempts?: number }): Promise<T>;
}
