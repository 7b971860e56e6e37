import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';

import { SiteAuthError, SiteRejectedError, SiteRetryableError } from '../http/site-errors';
import type { SiteHttpRequest, SiteHttpResponse } from '../http/site-http-client';
import type { ConnectionContext } from '../sales-site-connector';
import {
  SMAREGI_CREDENTIALS,
  SMAREGI_DEFAULT_SCOPES,
  SMAREGI_LEGACY_PRODUCTION,
  SMAREGI_PLATFORM_PRODUCTION,
  SMAREGI_SETTINGS,
} from './smaregi.descriptor';

export type SmaregiMode = 'platform' | 'legacy';

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

// expires_in=3600 is UNCONFIRMED; used only when the token answer omits it.
const DEFAULT_TOKEN_LIFETIME_S = 3600;
/** renew this long before the announced expiry, so a call never starts with a dying token */
const TOKEN_RENEWAL_MARGIN_MS = 60_000;

/**
 * Smaregi's two APIs. Platform: an app token by the client-credentials grant (kept in memory per
 * connection until shortly before it expires; client-credentials tokens are cheap to fetch again, so
 * they are not persisted), then JSON REST under `/{contract_id}/pos`. Legacy: one form POST endpoint
 * `/access/` with `X_contract_id`/`X_access_token` headers and `proc_name` + JSON `params`.
 */
@Injectable()
export class SmaregiClient {
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  mode(ctx: ConnectionContext): SmaregiMode {
    const { clientId, clientSecret, accessToken } = SMAREGI_CREDENTIALS;
    if (ctx.credentials[clientId] && ctx.credentials[clientSecret]) return 'platform';
    if (ctx.credentials[accessToken]) return 'legacy';
    throw new SiteAuthError('Smaregi needs either the Platform API client id and secret or the legacy access token');
  }

  /** A Platform API call; a 401 drops the cached token and tries once more with a fresh one. */
  async platform(
    ctx: ConnectionContext,
    method: SiteHttpRequest['method'],
    path: string,
    options: { query?: Record<string, string>; body?: unknown; maxAttempts?: number } = {},
  ): Promise<unknown> {
    const url = `${trimSlash(ctx.endpoint)}/${encodeURIComponent(contractId(ctx))}/pos/${path.replace(/^\/+/, '')}`;
    const send = async () => {
      const token = await this.platformToken(ctx);
      return ctx.http.send({
        method,
        url,
        query: options.query,
        headers: {
          Authorization: `Bearer ${token.accessToken}`,
          Accept: 'application/json',
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        secretFields: ['Authorization'],
      });
    };
    return ctx.http.withRetry(
      async () => {
        let response = await send();
        if (response.status === 401) {
          this.tokens.delete(tokenCacheKey(ctx));
          response = await send();
        }
        return platformResultOrThrow(path, response);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  /** A legacy スマレジAPI call (`*_ref` / `*_upd`). */
  legacy(ctx: ConnectionContext, procName: string, params: unknown, options: { maxAttempts?: number } = {}): Promise<unknown> {
    const accessToken = ctx.credentials[SMAREGI_CREDENTIALS.accessToken];
    if (!accessToken) return Promise.reject(new SiteAuthError('Smaregi has no legacy access token for this connection'));
    return ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({
          method: 'POST',
          url: `${legacyBase(ctx)}/access/`,
          headers: { X_contract_id: contractId(ctx), X_access_token: accessToken },
          form: { proc_name: procName, params: JSON.stringify(params) },
          secretFields: ['X_access_token'],
        });
        return legacyResultOrThrow(procName, response);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  private platformToken(ctx: ConnectionContext): Promise<CachedToken> {
    const key = tokenCacheKey(ctx);
    const cached = this.tokens.get(key);
    if (cached) {
      return cached.then((token) => (token.expiresAt - TOKEN_RENEWAL_MARGIN_MS > ctx.now().getTime() ? token : this.fetchToken(ctx, key)));
    }
    return this.fetchToken(ctx, key);
  }

  private fetchToken(ctx: ConnectionContext, key: string): Promise<CachedToken> {
    // Concurrent callers share one token request; a failed request is not cached.
    const pending = this.requestToken(ctx);
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return pending;
  }

  private async requestToken(ctx: ConnectionContext): Promise<CachedToken> {
    const clientId = ctx.credentials[SMAREGI_CREDENTIALS.clientId];
    const clientSecret = ctx.credentials[SMAREGI_CREDENTIALS.clientSecret];
    const scopes = stringSetting(ctx, SMAREGI_SETTINGS.scopes) ?? SMAREGI_DEFAULT_SCOPES;
    const response = await ctx.http.send({
      method: 'POST',
      url: `${tokenBase(ctx)}/app/${encodeURIComponent(contractId(ctx))}/token`,
      headers: { Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      form: { grant_type: 'client_credentials', scope: scopes },
      secretFields: ['Authorization'],
    });
    const body = parseJson(response);
    if (response.status >= 200 && response.status < 300 && typeof body?.access_token === 'string') {
      const lifetimeS = Number(body.expires_in) > 0 ? Number(body.expires_in) : DEFAULT_TOKEN_LIFETIME_S;
      return { accessToken: body.access_token, expiresAt: ctx.now().getTime() + lifetimeS * 1000 };
    }
    const code = stringOf(body?.error) ?? String(response.status);
    const message = stringOf(body?.error_description) ?? stringOf(body?.detail) ?? stringOf(body?.error) ?? stringOf(body?.title);
    throw new SiteAuthError(`Smaregi refused the Platform app credentials: ${code} ${message ?? ''}`.trim(), code, message);
  }
}

function platformResultOrThrow(path: string, response: SiteHttpResponse): unknown {
  const body = parseJson(response);
  if (response.status >= 200 && response.status < 300) return body ?? null;
  // Platform errors are problem+json: {"type","title","detail","status"}.
  const message = stringOf(body?.detail) ?? stringOf(body?.title) ?? stringOf(body?.message);
  const description = `Smaregi ${path} failed: HTTP ${response.status} ${message ?? ''}`.trim();
  if (response.status === 401) throw new SiteAuthError(description, String(response.status), message);
  throw new SiteRejectedError(description, String(response.status), message);
}

function legacyResultOrThrow(procName: string, response: SiteHttpResponse): unknown {
  const body = parseJson(response);
  if (response.status >= 200 && response.status < 300) {
    if (body === undefined) throw new SiteRejectedError(`Smaregi ${procName} answered without JSON`, String(response.status));
    return body;
  }
  // {"error_code","error","error_description"}; a 404 may come without JSON. Codes are UNCONFIRMED,
  // so refusal is read from the HTTP status.
  const code = stringOf(body?.error_code) ?? String(response.status);
  const message = stringOf(body?.error_description) ?? stringOf(body?.error);
  const description = `Smaregi ${procName} failed: ${code} ${message ?? ''}`.trim();
  if (response.status === 401 || response.status === 403) throw new SiteAuthError(description, code, message);
  // A server error says nothing about whether an update was applied: never a refusal the caller may act on.
  if (response.status >= 500) throw new SiteRetryableError(description, code, message);
  throw new SiteRejectedError(description, code, message);
}

function contractId(ctx: ConnectionContext): string {
  return ctx.shopId;
}

function legacyBase(ctx: ConnectionContext): string {
  const endpoint = trimSlash(ctx.endpoint);
  return endpoint === SMAREGI_PLATFORM_PRODUCTION ? SMAREGI_LEGACY_PRODUCTION : endpoint;
}

function tokenBase(ctx: ConnectionContext): string {
  const configured = stringSetting(ctx, SMAREGI_SETTINGS.tokenUrl);
  if (configured) return trimSlash(configured);
  const endpoint = trimSlash(ctx.endpoint);
  if (endpoint === SMAREGI_PLATFORM_PRODUCTION) return 'https://id.smaregi.jp';
  if (endpoint === 'https://api.smaregi.dev') return 'https://id.smaregi.dev';
  return endpoint;
}

/** Tokens belong to one set of app credentials: changing them must not reuse the old token. */
function tokenCacheKey(ctx: ConnectionContext): string {
  const secretDigest = createHash('sha256')
    .update(ctx.credentials[SMAREGI_CREDENTIALS.clientSecret] ?? '')
    .digest('hex');
  return [ctx.connectionId, contractId(ctx), ctx.credentials[SMAREGI_CREDENTIALS.clientId], secretDigest, tokenBase(ctx)].join('|');
}

function stringSetting(ctx: ConnectionContext, name: string): string | undefined {
  const value = ctx.settings[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function parseJson(response: SiteHttpResponse): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(response.text());
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}
