import { Injectable } from '@nestjs/common';
import * as iconv from 'iconv-lite';

import { SiteAuthError, SiteRejectedError, SiteRetryableError } from '../http/site-errors';
import type { SiteHttpResponse } from '../http/site-http-client';
import type { ConnectionContext } from '../sales-site-connector';
import { urlUnderRoot } from '../shared/endpoint';
import { type XmlNode, decodeXml, findFirst, parseXml, textOf } from '../shared/xml';
import { ELEVEN_STREET_CREDENTIALS } from './eleven-street.descriptor';

export const ELEVEN_STREET_ROOT = '/rest';

/** Elements that repeat in 11st documents; always arrays after parsing. */
const REPEATED_ELEMENTS = ['order', 'ProductStock', 'product'];
/** Window errors of the complete (-3105) and packaging (-3305) lists: the period is too long. */
export const WINDOW_TOO_LONG_CODES = new Set(['-3105', '-3305']);
const MAINTENANCE = '-1000';
/**
 * An unknown (or, UNCONFIRMED, expired) key is reported only as a `-1` business error whose text
 * names the key: "OpenAPI Key 에 해당하는 유저가 없습니다" (no user for this OpenAPI key).
 */
const UNKNOWN_KEY_TEXT = /openapi\s*key/i;

export interface ElevenStreetResult {
  document: XmlNode;
  /** `result_code` / `resultCode` when the document has one (order lists carry none when they have rows) */
  code?: string;
  text?: string;
}

/**
 * 11st's seller REST API: the key in the `openapikey` header, parameters as path segments, XML
 * answers in EUC-KR (some in UTF-8) with namespaced roots that vary per endpoint — so results are
 * read by local name anywhere in the document.
 */
@Injectable()
export class ElevenStreetClient {
  get(ctx: ConnectionContext, path: string, options: { maxAttempts?: number } = {}): Promise<ElevenStreetResult> {
    const key = ctx.credentials[ELEVEN_STREET_CREDENTIALS.openApiKey];
    if (!key) return Promise.reject(new SiteAuthError('11st has no OpenAPI key for this connection'));
    return ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({
          method: 'GET',
          url: urlUnderRoot(ctx.endpoint, ELEVEN_STREET_ROOT, path),
          headers: { openapikey: key },
          secretFields: ['openapikey'],
        });
        return this.resultOrThrow(path, response);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  /**
   * `PUT` with an XML body (stock update). The request charset is UNCONFIRMED (EUC-KR in the ASP
   * client, "UTF-8 recommended" in one note); EUC-KR is declared, and the bodies we send are ASCII
   * (numbers only), so their bytes are the same under either reading.
   */
  put(ctx: ConnectionContext, path: string, xml: string, options: { maxAttempts?: number } = {}): Promise<ElevenStreetResult> {
    const key = ctx.credentials[ELEVEN_STREET_CREDENTIALS.openApiKey];
    if (!key) return Promise.reject(new SiteAuthError('11st has no OpenAPI key for this connection'));
    const body = iconv.encode(`<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>\n${xml}`, 'euc-kr');
    return ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({
          method: 'PUT',
          url: urlUnderRoot(ctx.endpoint, ELEVEN_STREET_ROOT, path),
          headers: { openapikey: key, 'Content-Type': 'text/xml; charset=EUC-KR' },
          body,
          secretFields: ['openapikey'],
        });
        return this.resultOrThrow(path, response);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  /** Decodes and parses an 11st XML answer, by its declared encoding (EUC-KR when it names none). */
  parse(response: SiteHttpResponse): ElevenStreetResult {
    const document = parseXml(decodeXml(response.body, response.headers['content-type'], 'EUC-KR'), REPEATED_ELEMENTS);
    const code = textOf(findFirst(document, 'result_code')) ?? textOf(findFirst(document, 'resultCode'));
    const text = textOf(findFirst(document, 'result_text')) ?? textOf(findFirst(document, 'message'));
    return { document, ...(code !== undefined ? { code } : {}), ...(text !== undefined ? { text } : {}) };
  }

  private resultOrThrow(path: string, response: SiteHttpResponse): ElevenStreetResult {
    let result: ElevenStreetResult | undefined;
    try {
      result = response.body.length > 0 ? this.parse(response) : undefined;
    } catch {
      result = undefined;
    }
    // An IP missing from the seller's allow-list is answered in a way no source recorded
    // (UNCONFIRMED): 401/403 are taken as credentials refused, with whatever text came along.
    if (response.status === 401 || response.status === 403) {
      throw new SiteAuthError(`11st ${path} answered HTTP ${response.status}`, result?.code ?? String(response.status), result?.text);
    }
    if (!result)
      throw new SiteRejectedError(`11st ${path} answered HTTP ${response.status} without an XML document`, String(response.status));
    if (result.code === undefined || isSuccessCode(result.code)) return result;

    const description = `11st ${path} failed: ${result.code} ${result.text ?? ''}`.trim();
    if (result.code === MAINTENANCE) throw new SiteRetryableError(description, result.code, result.text);
    if (result.text && UNKNOWN_KEY_TEXT.test(result.text)) throw new SiteAuthError(description, result.code, result.text);
    throw new SiteRejectedError(description, result.code, result.text);
  }
}

/** `0` is success (and "no rows" on lists); the stock endpoint answers `200`. */
function isSuccessCode(code: string): boolean {
  return code === '0' || code === '200';
}
