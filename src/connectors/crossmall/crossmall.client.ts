import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';

import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import type { SiteHttpResponse } from '../http/site-http-client';
import type { ConnectionContext } from '../sales-site-connector';
import { urlUnderRoot } from '../shared/endpoint';
import { type XmlNode, decodeXml, findFirst, parseXml, textOf } from '../shared/xml';
import { CROSSMALL_CREDENTIALS } from './crossmall.descriptor';

export const CROSSMALL_ROOT = '/webapi2';

/** Parameters in the order they are sent (the signature covers that order); repeated names allowed. */
export type CrossmallParams = ReadonlyArray<readonly [string, string]>;

export interface CrossmallResult {
  /** `ResultSet@TotalResult` */
  total: number;
  rows: Record<string, unknown>[];
  document: XmlNode;
}

/**
 * The query string exactly as it will be sent, values URL-encoded (UTF-8, space as `+`, as the
 * integrations proven in production do), and its signature `md5(query + key)` in lower-case hex.
 * The server hashes the raw query it receives, so what matters is hashing the very bytes sent.
 */
export function signCrossmallQuery(params: CrossmallParams, apiKey: string): { query: string; signing: string } {
  const query = new URLSearchParams(params.map(([name, value]): [string, string] => [name, value])).toString();
  const signing = createHash('md5')
    .update(query + apiKey, 'utf8')
    .digest('hex');
  return { query, signing };
}

/**
 * CROSS MALL WebAPI2: every call a GET whose query carries `account` and a `signing`; UTF-8 XML
 * answers `<{Api}><ResultSet TotalResult="n"><ResultStatus><GetStatus|UpdStatus>…` with `Result` rows.
 */
@Injectable()
export class CrossmallClient {
  get(ctx: ConnectionContext, api: string, params: CrossmallParams = [], options: { maxAttempts?: number } = {}): Promise<CrossmallResult> {
    const account = ctx.credentials[CROSSMALL_CREDENTIALS.companyCode];
    const apiKey = ctx.credentials[CROSSMALL_CREDENTIALS.apiKey];
    if (!account || !apiKey) return Promise.reject(new SiteAuthError('CROSS MALL needs the company code and the API key'));
    const { query, signing } = signCrossmallQuery([['account', account], ...params], apiKey);
    const url = `${urlUnderRoot(ctx.endpoint, CROSSMALL_ROOT, api)}?${query}&signing=${signing}`;
    return ctx.http.withRetry(
      async () => {
        const response = await ctx.http.send({ method: 'GET', url, secretFields: ['signing'] });
        return this.resultOrThrow(api, response);
      },
      { maxAttempts: options.maxAttempts },
    );
  }

  private resultOrThrow(api: string, response: SiteHttpResponse): CrossmallResult {
    let document: XmlNode | undefined;
    try {
      document =
        response.body.length > 0
          ? parseXml(decodeXml(response.body, response.headers['content-type'], 'UTF-8'), ['Result'], { trimValues: false })
          : undefined;
    } catch {
      document = undefined;
    }
    const status = textOf(findFirst(document, 'GetStatus')) ?? textOf(findFirst(document, 'UpdStatus'));
    const message = textOf(findFirst(document, 'Message'));
    const httpRefusal = response.status === 401 || response.status === 403;

    if (!httpRefusal && status === 'success' && document) {
      const resultSet = findFirst(document, 'ResultSet') as XmlNode | undefined;
      const rows = (resultSet?.Result as Record<string, unknown>[] | undefined) ?? [];
      const total = Number(textOf(resultSet?.['@_TotalResult']) ?? rows.length);
      return { total: Number.isFinite(total) ? total : rows.length, rows, document };
    }

    const description = `CROSS MALL ${api} failed: ${message ?? `HTTP ${response.status}`}`;
    // CROSS MALL's error texts are not documented (UNCONFIRMED); a refused signature or source IP is
    // recognised by its wording ("認証エラー（IP/契約制限）" was seen) or by an HTTP 401/403.
    if (httpRefusal || (message !== undefined && AUTH_FAILURE_TEXT.test(message))) {
      throw new SiteAuthError(description, status ?? String(response.status), message);
    }
    if (status === undefined) {
      throw new SiteRejectedError(
        `CROSS MALL ${api} answered HTTP ${response.status} without a result status`,
        String(response.status),
        message,
      );
    }
    throw new SiteRejectedError(description, status, message);
  }
}

const AUTH_FAILURE_TEXT = /認証|署名|signing|\bIP\b/i;
