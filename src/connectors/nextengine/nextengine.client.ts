import { Injectable } from '@nestjs/common';

import { SiteAuthError, SiteRejectedError, SiteRetryableError } from '../http/site-errors';
import type { SiteHttpResponse } from '../http/site-http-client';
import { SiteHttpStatusError } from '../http/site-http-status-error';
import type { ConnectionContext } from '../sales-site-connector';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';
import { NE_CREDENTIALS } from './nextengine.descriptor';

/** NextEngine's JSON envelope (all scalar values arrive as strings). */
export interface NextEngineEnvelope {
  result: 'success' | 'error' | 'redirect' | string;
  code?: string;
  /** a string, or an array of per-row errors for bulk calls (020500) */
  message?: string | unknown[];
  count?: string;
  data?: Record<string, string | null>[];
  access_token?: string;
  access_token_end_date?: string;
  refresh_token?: string;
  refresh_token_end_date?: string;
  [field: string]: unknown;
}

export interface NextEngineCallOptions {
  /**
   * Send `wait_flag=1`: under overload NextEngine queues the call for up to 60 minutes instead of
   * answering 003002 at once, so the caller must also give a long `timeoutMs`. Off for interactive calls.
   */
  waitForCapacity?: boolean;
  timeoutMs?: number;
  maxAttempts?: number;
  /**
   * Error codes answered as the envelope instead of thrown: bulkupdate's 020500 carries a per-row
   * array in `message` that the caller reports per order.
   */
  acceptErrorCodes?: readonly string[];
}

/** One row of a search answer: every scalar arrives as a string or null (spec §4). */
export type NextEngineRow = Record<string, string | null>;

/** One row of bulkupdate's 020500 `message` array (shape from [BULK-TEST], spec §6.3). */
export interface NextEngineBulkRowError {
  receiveOrderId: string;
  code?: string;
  message: string;
}

export const NE_LAST_MODIFIED_CHANGED = '020006';
export const NE_BULK_PARTIAL = '020500';
/** The `-in` operator takes at most 1000 values (spec §3). */
export const NE_MAX_IN_VALUES = 1000;

export interface NextEngineAppCredentials {
  clientId: string;
  clientSecret: string;
}

export const NE_STALE_TOKEN = '002002';
export const NE_EXPIRED = '002004';

const RETRYABLE_CODES = new Set([
  '000001', // "non-existent path", also seen during NextEngine deploys and high load
  '002007', // platform maintenance
  '003001', // overloaded, no server connection could be had (even with wait_flag)
  '003002', // overloaded, answered at once without wait_flag
  '003004', // main-system maintenance
  '003005', // main-system maintenance
  '020007', // order import in progress
]);

/** NextEngine's busy / maintenance codes: trying again later may succeed. */
export function isNextEngineRetryableCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_CODES.has(code);
}
const AUTH_CODES = new Set([NE_EXPIRED]);

const TOKEN_FIELDS = ['access_token', 'refresh_token'];
// NextEngine says a token is valid 1 day and a refresh token 3 days from issue; used only when a
// response carries tokens without end dates (UNCONFIRMED whether /api_neauth sends them).
const ACCESS_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const REFRESH_TOKEN_LIFETIME_MS = 3 * ACCESS_TOKEN_LIFETIME_MS;

/**
 * NextEngine's wire format: form POSTs carrying the account's tokens, a JSON envelope whose `result`
 * (not the HTTP status) tells success from failure, and tokens that rotate on any response — so every
 * response carrying tokens is persisted before the connection's next call may start.
 */
@Injectable()
export class NextEngineClient {
  /**
   * One API call, retried on NextEngine's busy codes. A stale token (002002: another worker rotated
   * it) reloads the stored tokens and tries once more; if they are still stale the newest tokens were
   * lost and only a new sign-in helps.
   */
  call(
    ctx: ConnectionContext,
    path: string,
    params: Record<string, string> = {},
    options: NextEngineCallOptions = {},
  ): Promise<NextEngineEnvelope> {
    return ctx.http.withRetry(
      async () => {
        const first = await this.post(ctx, path, params, options);
        if (first.envelope.result !== 'error' || first.envelope.code !== NE_STALE_TOKEN)
          return this.successOrThrow(path, first.envelope, options);

        // Calls are serialized across instances with the stored tokens reloaded first, so a stale token should not
        // happen; if it does (a rotation saved meanwhile), newer stored tokens get one more try, and none means the
        // newest tokens were lost: only a new sign-in helps.
        const reloaded = await ctx.reloadCredentials();
        if (!reloaded[NE_CREDENTIALS.accessToken] || reloaded[NE_CREDENTIALS.accessToken] === first.accessToken) {
          throw this.staleTokenError(path, first.envelope);
        }
        const second = await this.post(ctx, path, params, options);
        if (second.envelope.result === 'error' && second.envelope.code === NE_STALE_TOKEN)
          throw this.staleTokenError(path, second.envelope);
        return this.successOrThrow(path, second.envelope, options);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  /** `POST /api_neauth`: trades the sign-in callback's `uid` + `state` for the account's first tokens. */
  async exchangeSignIn(
    ctx: ConnectionContext,
    callback: { uid: string; state: string },
    app: NextEngineAppCredentials,
  ): Promise<NextEngineEnvelope> {
    const envelope = await ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({
          method: 'POST',
          url: `${apiBase(ctx)}/api_neauth`,
          form: { uid: callback.uid, state: callback.state, client_id: app.clientId, client_secret: app.clientSecret },
          secretFields: ['uid', 'state', 'client_id', 'client_secret'],
        });
        return this.parseEnvelope('/api_neauth', response);
      },
      // uid/state are single-use and expire after 5 minutes: one retry on a transport failure at most.
      { maxAttempts: 2 },
    );
    if (envelope.result !== 'success') {
      throw new SiteRejectedError(
        `NextEngine sign-in exchange failed: ${envelope.code ?? envelope.result} ${messageText(envelope.message)}`,
        envelope.code,
        messageText(envelope.message),
      );
    }
    if (!envelope.access_token || !envelope.refresh_token) {
      throw new SiteRejectedError('NextEngine sign-in exchange answered success without tokens');
    }
    await this.saveTokens(ctx, envelope);
    return envelope;
  }

  /**
   * One request as the only call in flight for this account (across instances: `ctx.serialized`), with the
   * newest stored tokens: read the tokens, send, persist the rotated ones, and only then let the next call go.
   */
  private post(
    ctx: ConnectionContext,
    path: string,
    params: Record<string, string>,
    options: NextEngineCallOptions,
  ): Promise<{ envelope: NextEngineEnvelope; accessToken: string | undefined }> {
    return ctx.serialized(async () => {
      const accessToken = ctx.credentials[NE_CREDENTIALS.accessToken];
      return { envelope: await this.postWith(ctx, accessToken, path, params, options), accessToken };
    });
  }

  private async postWith(
    ctx: ConnectionContext,
    accessToken: string | undefined,
    path: string,
    params: Record<string, string>,
    options: NextEngineCallOptions,
  ): Promise<NextEngineEnvelope> {
    if (!accessToken) throw new SiteAuthError('NextEngine is not authorized for this connection yet: sign in first');
    const refreshToken = ctx.credentials[NE_CREDENTIALS.refreshToken];
    const form: Record<string, string> = {
      ...params,
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(options.waitForCapacity ? { wait_flag: '1' } : {}),
    };
    try {
      const response = await ctx.http.send({
        method: 'POST',
        url: `${apiBase(ctx)}${path}`,
        form,
        timeoutMs: options.timeoutMs,
        secretFields: TOKEN_FIELDS,
        afterResponse: (received) => this.persistRotatedTokens(ctx, received),
      });
      return this.parseEnvelope(path, response);
    } catch (error) {
      // NextEngine's HTTP status on errors is UNCONFIRMED: if a 5xx carries an envelope with a code,
      // the code decides (002004 must not be retried as if it were an outage).
      if (error instanceof SiteHttpStatusError) {
        const envelope = tryParseEnvelope(error.response);
        if (envelope?.result === 'error' && envelope.code) return envelope;
      }
      throw error;
    }
  }

  private parseEnvelope(path: string, response: SiteHttpResponse): NextEngineEnvelope {
    const envelope = tryParseEnvelope(response);
    if (envelope) return envelope;
    throw new SiteRejectedError(`NextEngine ${path} answered HTTP ${response.status} without a JSON envelope`, String(response.status));
  }

  /**
   * One page of a search endpoint. `fields` is required by NextEngine (like SELECT); `limit` is always
   * sent because its maximum is UNCONFIRMED and the default (10000) is larger than we want per call.
   */
  async searchPage(
    ctx: ConnectionContext,
    path: string,
    fields: readonly string[],
    conditions: Record<string, string>,
    page: { offset: number; limit: number },
    options: NextEngineCallOptions = {},
  ): Promise<NextEngineRow[]> {
    const envelope = await this.call(
      ctx,
      path,
      { fields: fields.join(','), ...conditions, offset: String(page.offset), limit: String(page.limit) },
      options,
    );
    return Array.isArray(envelope.data) ? envelope.data : [];
  }

  /**
   * Every row matching `conditions`, page by page with offset/limit over the endpoint's fixed order.
   * Stops at the first short page, so an empty result costs one call.
   */
  async *searchAll(
    ctx: ConnectionContext,
    path: string,
    fields: readonly string[],
    conditions: Record<string, string>,
    limit: number,
    options: NextEngineCallOptions = {},
  ): AsyncGenerator<NextEngineRow[]> {
    for (let offset = 0; ; offset += limit) {
      const rows = await this.searchPage(ctx, path, fields, conditions, { offset, limit }, options);
      if (rows.length > 0) yield rows;
      if (rows.length < limit) return;
    }
  }

  private successOrThrow(path: string, envelope: NextEngineEnvelope, options: NextEngineCallOptions = {}): NextEngineEnvelope {
    if (envelope.result === 'success') return envelope;
    if (envelope.result === 'error' && envelope.code && options.acceptErrorCodes?.includes(envelope.code)) return envelope;
    const code = envelope.code;
    const message = messageText(envelope.message);
    const description = `NextEngine ${path} failed: ${code ?? envelope.result} ${message}`.trim();
    // `redirect` means the access token expired and no usable refresh token came with it.
    if (envelope.result === 'redirect' || (code && AUTH_CODES.has(code))) return throwError(new SiteAuthError(description, code, message));
    if (code && RETRYABLE_CODES.has(code)) return throwError(new SiteRetryableError(description, code, message));
    return throwError(new SiteRejectedError(description, code, message));
  }

  private staleTokenError(path: string, envelope: NextEngineEnvelope): SiteAuthError {
    const message = messageText(envelope.message);
    return new SiteAuthError(
      `NextEngine ${path}: the stored token is stale and no newer one is stored (${message})`,
      envelope.code,
      message,
    );
  }

  private async persistRotatedTokens(ctx: ConnectionContext, response: SiteHttpResponse): Promise<void> {
    const envelope = tryParseEnvelope(response);
    if (!envelope?.access_token && !envelope?.refresh_token) return;
    const unchanged =
      envelope.access_token === ctx.credentials[NE_CREDENTIALS.accessToken] &&
      (envelope.refresh_token === undefined || envelope.refresh_token === ctx.credentials[NE_CREDENTIALS.refreshToken]);
    if (unchanged) return;
    await this.saveTokens(ctx, envelope);
  }

  private async saveTokens(ctx: ConnectionContext, envelope: NextEngineEnvelope): Promise<void> {
    const now = ctx.now();
    const accessEnd =
      parseInOffset(envelope.access_token_end_date, JST_OFFSET_MINUTES) ?? new Date(now.getTime() + ACCESS_TOKEN_LIFETIME_MS);
    const refreshEnd =
      parseInOffset(envelope.refresh_token_end_date, JST_OFFSET_MINUTES) ?? new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS);
    const patch: Record<string, string> = {
      [NE_CREDENTIALS.accessTokenEndDate]: accessEnd.toISOString(),
      [NE_CREDENTIALS.refreshTokenEndDate]: refreshEnd.toISOString(),
    };
    if (envelope.access_token) patch[NE_CREDENTIALS.accessToken] = envelope.access_token;
    if (envelope.refresh_token) patch[NE_CREDENTIALS.refreshToken] = envelope.refresh_token;
    // The connection dies when the refresh token lapses (an expired access token renews itself on
    // the next call), so that is the expiry the connection shows.
    await ctx.saveCredentials(patch, { tokenExpiresAt: refreshEnd });
  }
}

function apiBase(ctx: ConnectionContext): string {
  return ctx.endpoint.replace(/\/+$/, '');
}

/**
 * Every response is read twice (token rotation in `afterResponse`, then the caller), and a search page is
 * megabytes of JSON: it is decoded and parsed once per response, not twice (the pull's largest CPU cost).
 */
const parsedEnvelopes = new WeakMap<SiteHttpResponse, NextEngineEnvelope | undefined>();

function tryParseEnvelope(response: SiteHttpResponse): NextEngineEnvelope | undefined {
  if (parsedEnvelopes.has(response)) return parsedEnvelopes.get(response);
  let envelope: NextEngineEnvelope | undefined;
  try {
    const parsed: unknown = JSON.parse(response.text());
    if (parsed && typeof parsed === 'object' && typeof (parsed as NextEngineEnvelope).result === 'string')
      envelope = parsed as NextEngineEnvelope;
  } catch {
    // not JSON: the caller reports the HTTP status instead
  }
  parsedEnvelopes.set(response, envelope);
  return envelope;
}

function messageText(message: NextEngineEnvelope['message']): string {
  if (message === undefined || message === null) return '';
  return typeof message === 'string' ? message : JSON.stringify(message);
}

function throwError(error: Error): never {
  throw error;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function baseFieldsXml(fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<receiveorder_base>${inner}</receiveorder_base>`;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** The `data` of `receiveorder_base/update`: only the fields to change, inside `<root><receiveorder_base>` (spec §6.3). */
export function orderUpdateXml(fields: Record<string, string>): string {
  return `${XML_DECLARATION}<root>${baseFieldsXml(fields)}</root>`;
}

/** The `data` of `receiveorder_base/bulkupdate`: one `<receiveorder>` per order, each carrying its own lock (spec §6.3). */
export function orderBulkUpdateXml(orders: { receiveOrderId: string; lastModifiedDate: string; fields: Record<string, string> }[]): string {
  const entries = orders
    .map(
      (order) =>
        `<receiveorder receive_order_id="${escapeXml(order.receiveOrderId)}" receive_order_last_modified_date="${escapeXml(order.lastModifiedDate)}">` +
        `${baseFieldsXml(order.fields)}</receiveorder>`,
    )
    .join('');
  return `${XML_DECLARATION}<root>${entries}</root>`;
}

/**
 * The per-row errors of a 020500 answer. The shape comes from a mock written by a Hamee-style app's author
 * (spec §6.3), so it is read tolerantly: ids as numbers or strings, `code` possibly absent.
 */
export function bulkRowErrors(envelope: NextEngineEnvelope): NextEngineBulkRowError[] {
  if (!Array.isArray(envelope.message)) return [];
  const rows: NextEngineBulkRowError[] = [];
  for (const item of envelope.message) {
    if (!item || typeof item !== 'object') continue;
    const row = item as Record<string, unknown>;
    const id = row.receive_order_id ?? row.receiveorder_id ?? row.id;
    if (id === undefined || id === null) continue;
    rows.push({
      receiveOrderId: String(id),
      code: row.code === undefined || row.code === null ? undefined : String(row.code),
      message: row.message === undefined || row.message === null ? '' : String(row.message),
    });
  }
  return rows;
}
