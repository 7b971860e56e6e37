import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import Bottleneck from 'bottleneck';
import { setTimeout as delay } from 'node:timers/promises';

import type { SiteDescriptor } from '../sales-site-connector';
import { redactUrl } from '../../common/redaction';
import { dispatcherFor, neverReachedSite } from './call-dispatchers';
import { parseRetryAfter } from './retry-after';
import { SiteAnswerLostError, SiteRetryableError } from './site-errors';
import type { SiteHttpClient, SiteHttpRequest, SiteHttpResponse } from './site-http-client';
import { SiteHttpStatusError } from './site-http-status-error';

export interface SiteHttpOptions {
  /** per-request timeout unless the request sets its own */
  defaultTimeoutMs: number;
  /** attempts made by withRetry unless the caller says otherwise */
  maxAttempts: number;
  /** first backoff delay; doubles per attempt, jittered (tests set it to ~1 ms) */
  retryBaseDelayMs: number;
  /** ceiling of the computed backoff */
  retryMaxDelayMs: number;
  /**
   * A site asking us to wait longer than this ends the retries at once: holding a worker for minutes
   * is worse than letting the job queue try again later.
   */
  maxRetryAfterMs: number;
  /** caps the site's own pacing between calls (simulators, sandboxes): unset, the site's pacing stands */
  minIntervalCapMs?: number;
  /** how to wait between attempts (tests record the delays instead of waiting) */
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

export const SITE_HTTP_OPTIONS = Symbol('SITE_HTTP_OPTIONS');

export const DEFAULT_SITE_HTTP_OPTIONS: SiteHttpOptions = {
  defaultTimeoutMs: 30_000,
  maxAttempts: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  sleep: (ms) => delay(ms),
  now: () => new Date(),
};

export type RateLimit = SiteDescriptor['rateLimit'];

/**
 * Hands out one {@link SiteHttpClient} per connection and keeps it, so that every caller in this
 * process shares that connection's limiter (NextEngine rotates tokens: two concurrent calls for one
 * account would invalidate each other).
 */
@Injectable()
export class SiteHttpClientFactory {
  private readonly options: SiteHttpOptions;
  private readonly clients = new Map<string, FetchSiteHttpClient>();

  constructor(@Optional() @Inject(SITE_HTTP_OPTIONS) options?: Partial<SiteHttpOptions>) {
    this.options = { ...DEFAULT_SITE_HTTP_OPTIONS, ...options };
  }

  forConnection(connectionId: string, siteRateLimit: RateLimit): SiteHttpClient {
    const cap = this.options.minIntervalCapMs;
    const rateLimit = cap === undefined ? siteRateLimit : { ...siteRateLimit, minTimeMs: Math.min(siteRateLimit.minTimeMs, cap) };
    const existing = this.clients.get(connectionId);
    if (existing) {
      existing.updateRateLimit(rateLimit);
      return existing;
    }
    const client = new FetchSiteHttpClient(connectionId, rateLimit, this.options);
    this.clients.set(connectionId, client);
    return client;
  }

  /** Forget a connection's client (connection deleted); calls already queued still complete. */
  release(connectionId: string): void {
    this.clients.delete(connectionId);
  }
}

export class FetchSiteHttpClient implements SiteHttpClient {
  private readonly logger = new Logger('SiteHttp');
  private readonly limiter: Bottleneck;
  private rateLimit: RateLimit;

  constructor(
    private readonly connectionId: string,
    rateLimit: RateLimit,
    private readonly options: SiteHttpOptions,
  ) {
    this.rateLimit = rateLimit;
    this.limiter = new Bottleneck({ maxConcurrent: rateLimit.maxConcurrent, minTime: rateLimit.minTimeMs });
  }

  updateRateLimit(rateLimit: RateLimit): void {
    if (rateLimit.maxConcurrent === this.rateLimit.maxConcurrent && rateLimit.minTimeMs === this.rateLimit.minTimeMs) {
      return;
    }
    this.rateLimit = rateLimit;
    this.limiter.updateSettings({ maxConcurrent: rateLimit.maxConcurrent, minTime: rateLimit.minTimeMs });
  }

  send(request: SiteHttpRequest): Promise<SiteHttpResponse> {
    return this.limiter.schedule(() => this.sendNow(request));
  }

  async withRetry<T>(attempt: () => Promise<T>, options?: { maxAttempts?: number }): Promise<T> {
    const maxAttempts = Math.max(1, options?.maxAttempts ?? this.options.maxAttempts);
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof SiteRetryableError) || attemptNumber >= maxAttempts) throw error;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > this.options.maxRetryAfterMs) throw error;
        const waitMs = Math.max(this.backoffMs(attemptNumber), error.retryAfterMs ?? 0);
        this.logger.debug(
          `connection ${this.connectionId}: attempt ${attemptNumber}/${maxAttempts} failed (${error.message}); retrying in ${waitMs} ms`,
        );
        await this.options.sleep(waitMs);
      }
    }
  }

  private backoffMs(attemptNumber: number): number {
    const exponential = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** (attemptNumber - 1));
    // Jitter keeps connections that failed together (a site outage) from retrying in lockstep.
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  private async sendNow(request: SiteHttpRequest): Promise<SiteHttpResponse> {
    const url = withQuery(request.url, request.query);
    const loggedUrl = redactUrl(url, request.secretFields);
    const headers: Record<string, string> = { ...request.headers };
    let body: string | Buffer | undefined = request.body;
    if (request.form) {
      body = new URLSearchParams(request.form).toString();
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
    }

    const timeoutMs = request.timeoutMs ?? this.options.defaultTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const startedAt = performance.now();

    let response: SiteHttpResponse;
    try {
      const fetched = await fetch(url, {
        method: request.method,
        headers,
        body,
        signal: controller.signal,
        // undici's own header/body limits (300 s by default) must not end a call before its timeout does
        dispatcher: dispatcherFor(timeoutMs),
      });
      const responseHeaders: Record<string, string> = {};
      fetched.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      const responseBody = Buffer.from(await fetched.arrayBuffer());
      response = { status: fetched.status, headers: responseHeaders, body: responseBody, text: () => responseBody.toString('utf8') };
    } catch (error) {
      const elapsed = Math.round(performance.now() - startedAt);
      if (timedOut) {
        this.logger.debug(`${request.method} ${loggedUrl} timed out after ${elapsed} ms`);
        throw new SiteAnswerLostError(`${request.method} ${loggedUrl} timed out after ${timeoutMs} ms`, 'TIMEOUT');
      }
      const reason = networkReason(error);
      this.logger.debug(`${request.method} ${loggedUrl} failed after ${elapsed} ms: ${reason}`);
      const NetworkError = neverReachedSite(error) ? SiteRetryableError : SiteAnswerLostError;
      throw new NetworkError(`${request.method} ${loggedUrl} failed: ${reason}`, 'NETWORK');
    } finally {
      clearTimeout(timer);
    }

    this.logger.debug(`${request.method} ${loggedUrl} → ${response.status} in ${Math.round(performance.now() - startedAt)} ms`);
    if (request.afterResponse) await request.afterResponse(response);

    if (response.status === 429 || response.status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.options.now());
      throw new SiteHttpStatusError(
        `${request.method} ${loggedUrl} answered HTTP ${response.status}`,
        response.status,
        response,
        retryAfterMs,
      );
    }
    return response;
  }
}

function withQuery(url: string, query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) return url;
  const encoded = new URLSearchParams(query).toString();
  return `${url}${url.includes('?') ? '&' : '?'}${encoded}`;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((header) => header.toLowerCase() === name);
}

/** The low-level cause (ECONNREFUSED, ENOTFOUND...) rather than undici's generic "fetch failed". */
function networkReason(error: unknown): string {
  // read by shape: fetch's errors may come from another realm (test sandboxes), where instanceof fails
  if (error && typeof error === 'object' && 'message' in error) {
    const { cause, message } = error as { cause?: { code?: string; message?: string }; message: unknown };
    return cause?.code ?? cause?.message ?? String(message);
  }
  return String(error);
}
