import { Injectable } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
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
/** The claim lists' window error (cancellations.md §3.2): the period is over 30 days. */
export const CLAIM_WINDOW_TOO_LONG_CODE = '-28008';
const MAINTENANCE = '-1000';
/**
 * An unknown (or, UNCONFIRMED, expired) key is reported only as a `-1` business error whose text
 * names the key: "OpenAPI Key 에 해당하는 유저가 없습니다" (no user for this OpenAPI key).
 */
const UNKNOWN_KEY_TEXT = /openapi\s*key|api\s*key|인증\s*키/i;
/**
 * Key failures answered with a code of their own (issue 15: `AuthMessage` -997). UNCONFIRMED: no source
 * records the neighbours of -997, so only it is listed; an `AuthMessage` root is a key failure whatever
 * its code.
 */
const KEY_FAILURE_CODES = new Set(['-997']);
const AUTH_MESSAGE_ROOT = 'AuthMessage';

/** The roots (local names) of the documents 11st answers with (specs/11st.md §1, §3–§7). */
export const ELEVEN_STREET_ROOTS = {
  /** every order and claim list, and their "no rows" / error envelope */
  orders: ['orders'],
  /** reqpackaging, reqdelivery, cancelreqconf…: `ResultOrder`, or the observed `<result>` */
  result: ['ResultOrder', 'result'],
  products: ['products'],
  /** the product search (apiSeq 1007): a products list; an empty answer's shape is UNCONFIRMED */
  productSearch: ['products', 'ClientMessage'],
  stocks: ['ProductStocks'],
  clientMessage: ['ClientMessage'],
} as const;
/** Roots that are nothing but a result: without a `result_code` they say nothing, so they are not a success. */
const RESULT_ONLY_ROOTS = new Set(['ResultOrder', 'result', 'ClientMessage']);
const ANY_KNOWN_ROOT: readonly string[] = Object.values(ELEVEN_STREET_ROOTS).flat();

export interface ElevenStreetCallOptions {
  maxAttempts?: number;
  /**
   * The root elements (local names) the answer may have; any other document, or a body that is no XML
   * at all (an HTML block page), is an error, never an empty success. Default: any 11st root.
   * Error envelopes are read whatever their root.
   */
  roots?: readonly string[];
}

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
  get(ctx: ConnectionContext, path: string, options: ElevenStreetCallOptions = {}): Promise<ElevenStreetResult> {
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
        return this.resultOrThrow(path, response, options.roots ?? ANY_KNOWN_ROOT);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  /** `PUT` with an XML body (stock update, §7). */
  put(ctx: ConnectionContext, path: string, xml: string, options: ElevenStreetCallOptions = {}): Promise<ElevenStreetResult> {
    return this.sendXml(ctx, 'PUT', path, xml, options);
  }

  /** `POST` with an XML body (the product search, apiSeq 1007): a read, however it is sent. */
  post(ctx: ConnectionContext, path: string, xml: string, options: ElevenStreetCallOptions = {}): Promise<ElevenStreetResult> {
    return this.sendXml(ctx, 'POST', path, xml, options);
  }

  /**
   * The request charset is UNCONFIRMED (EUC-KR in the ASP client, "UTF-8 recommended" in one note); EUC-KR
   * is declared, and the bodies we send are ASCII (numbers and seller codes), so their bytes are the same
   * under either reading.
   */
  private sendXml(
    ctx: ConnectionContext,
    method: 'PUT' | 'POST',
    path: string,
    xml: string,
    options: ElevenStreetCallOptions,
  ): Promise<ElevenStreetResult> {
    const key = ctx.credentials[ELEVEN_STREET_CREDENTIALS.openApiKey];
    if (!key) return Promise.reject(new SiteAuthError('11st has no OpenAPI key for this connection'));
    const body = iconv.encode(`<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>\n${xml}`, 'euc-kr');
    return ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({
          method,
          url: urlUnderRoot(ctx.endpoint, ELEVEN_STREET_ROOT, path),
          headers: { openapikey: key, 'Content-Type': 'text/xml; charset=EUC-KR' },
          body,
          secretFields: ['openapikey'],
        });
        return this.resultOrThrow(path, response, options.roots ?? ANY_KNOWN_ROOT);
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

  private resultOrThrow(path: string, response: SiteHttpResponse, roots: readonly string[]): ElevenStreetResult {
    let result: ElevenStreetResult | undefined;
    try {
      result = response.body.length > 0 ? this.parse(response) : undefined;
    } catch {
      result = undefined;
    }
    const root = result ? rootOf(result.document) : undefined;
    // An IP missing from the seller's allow-list is answered in a way no source recorded
    // (UNCONFIRMED): 401/403 are taken as credentials refused, with whatever text came along.
    if (response.status === 401 || response.status === 403) {
      throw new SiteAuthError(`11st ${path} answered HTTP ${response.status}`, result?.code ?? String(response.status), result?.text);
    }
    if (!result || root === undefined) throw notXml(path, response, undefined);
    if (root === AUTH_MESSAGE_ROOT) {
      // UNCONFIRMED shape (issue 15): `<AuthMessage>` with a code such as -997 when the key is refused.
      const description = `11st ${path} refused the OpenAPI key: ${result.code ?? ''} ${result.text ?? ''}`.trim();
      throw new SiteAuthError(description, result.code ?? AUTH_MESSAGE_ROOT, result.text);
    }
    // An error code is read whatever document it came in; anything else must be what was asked for.
    if (result.code !== undefined && !isSuccessCode(result.code)) {
      const description = `11st ${path} failed: ${result.code} ${result.text ?? ''}`.trim();
      if (result.code === MAINTENANCE) throw new SiteRetryableError(description, result.code, result.text);
      if (KEY_FAILURE_CODES.has(result.code) || (result.text && UNKNOWN_KEY_TEXT.test(result.text)))
        throw new SiteAuthError(description, result.code, result.text);
      throw new SiteRejectedError(description, result.code, result.text);
    }
    if (!roots.includes(root)) throw notXml(path, response, root);
    if (RESULT_ONLY_ROOTS.has(root) && result.code === undefined)
      throw new SiteRejectedError(`11st ${path} answered <${root}> without a result code`, 'no-result-code');
    return result;
  }
}

/** The local name of the document's root element (declaration, doctype and stray text left aside). */
function rootOf(document: XmlNode): string | undefined {
  const names = Object.keys(document).filter((name) => !name.startsWith('?') && !name.startsWith('!') && name !== '#text');
  return names.length === 1 ? names[0] : undefined;
}

/**
 * Not the XML document that was asked for: an HTML block or error page, an empty body, another root.
 * Never an empty success (issue 15). Not retried here: a block page does not lift by asking again at once;
 * the next scheduled run asks again.
 */
function notXml(path: string, response: SiteHttpResponse, root: string | undefined): SiteRejectedError {
  const text = decodePage(response);
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  const excerpt = (
    title ||
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  ).slice(0, 200);
  const html = !root || root.toLowerCase() === 'html';
  const what = !root ? (response.body.length === 0 ? 'an empty body' : 'no XML document') : html ? 'an HTML page' : `a <${root}> document`;
  return new SiteRejectedError(
    `11st ${path} answered HTTP ${response.status} with ${what}, not the expected 11st XML`,
    html ? 'not-xml' : 'unexpected-document',
    excerpt || undefined,
  );
}

/** An error page's text, for the message: by its declared charset (header, XML or HTML meta), else UTF-8 if valid, else EUC-KR. */
function decodePage(response: SiteHttpResponse): string {
  const head = response.body.subarray(0, 1024).toString('latin1');
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
  const declared = /charset\s*=/i.test(response.headers['content-type'] ?? '') || /^\s*<\?xml[^>]*encoding/i.test(head);
  if (declared || (meta && iconv.encodingExists(meta))) return decodeXml(response.body, response.headers['content-type'], meta ?? 'EUC-KR');
  return isUtf8(response.body) ? response.body.toString('utf8') : iconv.decode(response.body, 'euc-kr');
}

/** `0` is success (and "no rows" on lists); the stock endpoint answers `200`. */
function isSuccessCode(code: string): boolean {
  return code === '0' || code === '200';
}
