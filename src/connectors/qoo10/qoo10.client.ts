import { Injectable } from '@nestjs/common';

import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import type { SiteHttpResponse } from '../http/site-http-client';
import type { ConnectionContext } from '../sales-site-connector';
import { urlUnderRoot } from '../shared/endpoint';
import { findFirst, parseXml, textOf } from '../shared/xml';
import { QOO10_CREDENTIALS } from './qoo10.descriptor';

export const QAPI_ROOT = '/GMKT.INC.Front.QAPIService/ebayjapan.qapi';

export interface Qoo10Envelope {
  ResultCode: number;
  ResultMsg: string;
  ResultObject?: unknown;
}

export interface Qoo10CallOptions {
  /** the key sent as GiosisCertificationKey; the stored seller authorization key unless given */
  key?: string;
  /** QAPIVersion header: 1.0 for most methods (1.1 UpdateGoods, 1.2 GetItemDetailInfo) */
  version?: string;
  maxAttempts?: number;
  /** names of params that must never be logged */
  secretParams?: string[];
}

/**
 * -10000 "check the Seller Authorization Key", -90004/-90005 "key expired": only a new key helps.
 * -90002/-90003 ("not authorized for this") concern one method's permission, not the key: rejected.
 */
const AUTH_CODES = new Set([-10000, -90004, -90005]);

/**
 * Qoo10's QAPI in its documented "header" style: POST `{root}/{Service.Method}` with the key in
 * `GiosisCertificationKey`, form parameters, JSON requested. HTTP 200 carries API errors too; success
 * is `ResultCode === 0` and nothing else (ResultMsg varies: "SUCCESS", "成功").
 */
@Injectable()
export class Qoo10Client {
  call(
    ctx: ConnectionContext,
    method: string,
    params: Record<string, string> = {},
    options: Qoo10CallOptions = {},
  ): Promise<Qoo10Envelope> {
    const key = options.key ?? ctx.credentials[QOO10_CREDENTIALS.certificationKey];
    if (!key)
      return Promise.reject(
        new SiteAuthError(
          'Qoo10 has no seller authorization key for this connection yet: sign in to Qoo10 through the sign-in window ("Get Auth", GET /v1/connections/{id}/authorize)',
        ),
      );
    return ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({
          method: 'POST',
          url: urlUnderRoot(ctx.endpoint, QAPI_ROOT, method),
          headers: { GiosisCertificationKey: key, QAPIVersion: options.version ?? '1.0', Accept: 'application/json' },
          form: { returnType: 'application/json', ...params },
          secretFields: ['GiosisCertificationKey', ...(options.secretParams ?? [])],
        });
        return this.successOrThrow(method, this.parseEnvelope(method, response));
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  /**
   * `CertificationAPI.CreateCertificationKey`: API key + QSM login id + password → seller authorization
   * key. The password goes out in exactly this one request (no retry: a transient failure is for the
   * seller to try again) and is not kept anywhere.
   */
  async createCertificationKey(
    ctx: ConnectionContext,
    credentials: { apiKey: string; loginId: string; password: string },
  ): Promise<string> {
    const envelope = await this.call(
      ctx,
      'CertificationAPI.CreateCertificationKey',
      { user_id: credentials.loginId, pwd: credentials.password },
      { key: credentials.apiKey, maxAttempts: 1, secretParams: ['pwd'] },
    );
    const certificationKey = typeof envelope.ResultObject === 'string' ? envelope.ResultObject.trim() : '';
    if (!certificationKey) throw new SiteRejectedError('Qoo10 CreateCertificationKey answered success without a key');
    return certificationKey;
  }

  private parseEnvelope(method: string, response: SiteHttpResponse): Qoo10Envelope {
    const text = response.text().trim();
    if (response.status === 401 || response.status === 403) {
      throw new SiteAuthError(`Qoo10 ${method} answered HTTP ${response.status}`, String(response.status), text.slice(0, 200));
    }
    const envelope = text.startsWith('<') ? fromXml(text) : fromJson(text);
    if (envelope) return envelope;
    throw new SiteRejectedError(`Qoo10 ${method} answered HTTP ${response.status} without a result envelope`, String(response.status));
  }

  private successOrThrow(method: string, envelope: Qoo10Envelope): Qoo10Envelope {
    if (envelope.ResultCode === 0) return envelope;
    const code = String(envelope.ResultCode);
    const description = `Qoo10 ${method} failed: ${code} ${envelope.ResultMsg}`.trim();
    if (AUTH_CODES.has(envelope.ResultCode)) throw new SiteAuthError(description, code, envelope.ResultMsg);
    throw new SiteRejectedError(description, code, envelope.ResultMsg);
  }
}

function fromJson(text: string): Qoo10Envelope | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  return normalize(parsed.ResultCode ?? parsed.ErrorCode, parsed.ResultMsg ?? parsed.ErrorMsg, parsed.ResultObject);
}

// Requested JSON always; XML is what Qoo10 sends when returnType is ignored (its default, UNCONFIRMED).
function fromXml(text: string): Qoo10Envelope | undefined {
  try {
    const document = parseXml(text);
    return normalize(
      textOf(findFirst(document, 'ResultCode')),
      textOf(findFirst(document, 'ResultMsg')),
      findFirst(document, 'ResultObject'),
    );
  } catch {
    return undefined;
  }
}

/**
 * `ResultCode` may come as a number or a string; some error answers use `ErrorCode`/`ErrorMsg`
 * instead (seen in one client, UNCONFIRMED).
 */
function normalize(code: unknown, message: unknown, resultObject: unknown): Qoo10Envelope | undefined {
  if (code === undefined || code === null || code === '') return undefined;
  const numeric = Number(code);
  if (!Number.isFinite(numeric)) return undefined;
  return { ResultCode: numeric, ResultMsg: message === undefined || message === null ? '' : String(message), ResultObject: resultObject };
}
