import { hash } from 'node:crypto';

/**
 * What Smaregi posts to a link's customer URL, read tolerantly (DESIGN §7, specs/smaregi.md §B and §C.5).
 * Pure: no I/O, so both formats are unit-tested against their documented shapes.
 */

/** A `pos:stock` webhook id: the stock-history record says how much changed (read later). */
export interface PlatformChange {
  kind: 'platform';
  /** idempotency key: history ids are unique per contract, so a resent event is stored once */
  sourceKey: string;
  historyId: string;
  productId: string;
  storeId: string;
  raw: unknown;
}

/** An API送信 Stock row: `stockAmount` is the stock AFTER the change. */
export interface LegacyChange {
  kind: 'legacy';
  /**
   * Set only when the row carries its own identity (`id` or `updDateTime`, UNCONFIRMED fields): then a
   * resend is the same key. Without one, a repeated row may be a resend or a genuine return to the same
   * level — indistinguishable — so every receipt is kept (keyed by its own sequence) and the baseline
   * makes a resend harmless: the same absolute amount gives a zero delta.
   */
  sourceKey: string | null;
  contentHash: string;
  productId: string;
  storeId: string;
  amountAfter: number;
  raw: unknown;
}

/** Anything not understood: kept raw with the reason, never silently dropped. */
export interface UnrecognisedChange {
  kind: 'unrecognised';
  reason: string;
  raw: unknown;
}

export type ParsedChange = PlatformChange | LegacyChange | UnrecognisedChange;

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  body: unknown;
}

const SMAREGI_ID = /^[0-9]{1,15}$/;
const INTEGER = /^-?[0-9]{1,12}$/;

/** The link's secret code: a ヘッダ情報 header (how Smaregi sends custom values), the query string, or the form. */
export function extractSecretCode(request: WebhookRequest): string | undefined {
  const fromHeader = first(request.headers.sncode);
  if (fromHeader) return fromHeader;
  const fromQuery = first(request.query.sncode);
  if (fromQuery) return fromQuery;
  const body = asObject(request.body);
  return body ? first(body.sncode) : undefined;
}

export function parseStockWebhook(request: WebhookRequest): ParsedChange[] {
  const body = withoutSecret(request.body);
  const event = first(request.headers['smaregi-event']) ?? first(asObject(body)?.event);
  const object = asObject(body);
  if (event !== undefined || Array.isArray(object?.ids)) return parsePlatform(event, object);
  const params = legacyParams(object);
  if (params.ok) return parseLegacy(params.value);
  return [{ kind: 'unrecognised', reason: params.reason, raw: body ?? null }];
}

function parsePlatform(event: string | undefined, body: Record<string, unknown> | undefined): ParsedChange[] {
  if (event !== undefined && event !== 'pos:stock') {
    return [{ kind: 'unrecognised', reason: `Smaregi event "${event}" is not a stock event (pos:stock)`, raw: body ?? null }];
  }
  const ids = body?.ids;
  if (!Array.isArray(ids) || ids.length === 0) {
    return [{ kind: 'unrecognised', reason: 'pos:stock event without stock-history ids', raw: body ?? null }];
  }
  return ids.map((entry): ParsedChange => {
    const item = asObject(entry);
    const historyId = scalar(item?.id);
    const productId = scalar(item?.productId);
    const storeId = scalar(item?.storeId);
    if (
      !historyId ||
      !/^[0-9]{1,18}$/.test(historyId) ||
      !productId ||
      !SMAREGI_ID.test(productId) ||
      !storeId ||
      !SMAREGI_ID.test(storeId)
    ) {
      return { kind: 'unrecognised', reason: 'pos:stock id entry without a numeric id, productId and storeId', raw: entry ?? null };
    }
    return { kind: 'platform', sourceKey: `pf:${historyId}`, historyId, productId, storeId, raw: entry };
  });
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `params` as a JSON string (the form Smaregi posts), as an already-parsed object, or a JSON body that is the params itself. */
function legacyParams(body: Record<string, unknown> | undefined): Parsed<Record<string, unknown>> {
  if (!body) return { ok: false, reason: 'empty body: neither a pos:stock event nor an API送信 push' };
  let params: unknown = body.params ?? (Array.isArray(body.data) ? body : undefined);
  if (params === undefined) return { ok: false, reason: 'no `params` field: neither a pos:stock event nor an API送信 push' };
  if (typeof params === 'string') {
    try {
      params = JSON.parse(params);
    } catch {
      return { ok: false, reason: '`params` is not JSON' };
    }
  }
  const object = asObject(params);
  if (!object || !Array.isArray(object.data)) return { ok: false, reason: '`params` has no `data` array' };
  return { ok: true, value: object };
}

/** Every `data[]` entry is read (whether Smaregi sends several is UNCONFIRMED); unknown row keys are kept, not required. */
function parseLegacy(params: Record<string, unknown>): ParsedChange[] {
  const out: ParsedChange[] = [];
  for (const block of params.data as unknown[]) {
    const table = asObject(block);
    const tableName = scalar(table?.table_name);
    if (tableName !== 'Stock') {
      out.push({ kind: 'unrecognised', reason: `table "${tableName ?? '(none)'}" is not Stock`, raw: block ?? null });
      continue;
    }
    if (!Array.isArray(table?.rows)) {
      out.push({ kind: 'unrecognised', reason: 'Stock entry without `rows`', raw: block });
      continue;
    }
    for (const entry of table.rows as unknown[]) out.push(legacyRow(entry));
  }
  if (out.length === 0) out.push({ kind: 'unrecognised', reason: '`params.data` is empty', raw: params });
  return out;
}

function legacyRow(entry: unknown): ParsedChange {
  const row = asObject(entry);
  const productId = scalar(row?.productId);
  const storeId = scalar(row?.storeId);
  const amount = scalar(row?.stockAmount);
  if (!row || !productId || !SMAREGI_ID.test(productId) || !storeId || !SMAREGI_ID.test(storeId) || !amount || !INTEGER.test(amount)) {
    return { kind: 'unrecognised', reason: 'Stock row without a numeric productId, storeId and integer stockAmount', raw: entry ?? null };
  }
  const contentHash = hash('sha256', canonicalJson(row), 'hex');
  const identified = scalar(row.id) !== undefined || scalar(row.updDateTime) !== undefined;
  return {
    kind: 'legacy',
    sourceKey: identified ? `lg:${contentHash}` : null,
    contentHash,
    productId,
    storeId,
    amountAfter: Number(amount),
    raw: row,
  };
}

/** JSON with sorted keys, so the same row hashes the same whatever the key order Smaregi used. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The secret never reaches the stored raw payload. */
function withoutSecret(body: unknown): unknown {
  const object = asObject(body);
  if (!object || !('sncode' in object)) return body;
  const { sncode: _secret, ...rest } = object;
  return rest;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function first(value: unknown): string | undefined {
  return scalar(Array.isArray(value) ? value[0] : value);
}
