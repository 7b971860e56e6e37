/**
 * Wire helpers of the NextEngine simulator: form parsing to bytes, NE datetimes, and the generic
 * `fields` / `<field>-<op>` / offset / limit search engine of spec §3.
 */

/** A NextEngine API error: rendered as `{"result":"error","code":...,"message":...}` (spec §4). */
export class NeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** `message` may be an array of objects for bulk errors (spec §4, §6.3). */
    readonly messageValue: string | Array<Record<string, unknown>> = message,
    readonly result: 'error' | 'redirect' = 'error',
  ) {
    super(message);
  }
}

/**
 * Message codes. The ones marked UNCONFIRMED are not in spec §5; they were chosen so that a client can
 * tell the failures apart, and a client must not branch on their exact value.
 */
export const NE_CODES = {
  noPath: '000001',
  noUid: '001001',
  /** UNCONFIRMED: state missing, unknown, already used or older than 5 minutes (spec §2 step 2) */
  badState: '001002',
  /** UNCONFIRMED: client_id / client_secret missing or wrong on /api_neauth */
  badClient: '001003',
  noAccessToken: '002001',
  staleAccessToken: '002002',
  /** UNCONFIRMED: an access_token this server never issued */
  unknownAccessToken: '002003',
  expired: '002004',
  maintenance: '002007',
  overloadNoConnection: '003001',
  overload: '003002',
  /** UNCONFIRMED: a missing/invalid parameter (fields, condition, offset, limit, data...) */
  badParam: '004001',
  /** UNCONFIRMED: the receive order does not exist */
  orderNotFound: '020001',
  lastModifiedChanged: '020006',
  importing: '020007',
  mailImportedOnlyCancel: '020009',
  /** UNCONFIRMED (spec §9: "error code for this refusal UNCONFIRMED"): update of a 出荷確定済 order without the flag */
  shippedNotUpdatable: '020010',
  /** UNCONFIRMED: /shipped on an order not in status 20/40 or cancelled (spec §6.4) */
  notShippable: '020011',
  /** UNCONFIRMED: XML `data` that does not parse or names a field that cannot be updated */
  badXml: '020012',
  bulkPartial: '020500',
  system: '999999',
} as const;

export const NE_MESSAGES: Record<string, string> = {
  '000001': '存在しないパスです',
  '001001': 'uidが指定されていません',
  '001002': 'stateが不正か有効期限切れです',
  '001003': 'client_idまたはclient_secretが不正です',
  '002001': 'access_tokenが指定されていません',
  '002002': 'access_tokenが古いです。新しいaccess_tokenを使用して下さい',
  '002003': 'access_tokenが不正です',
  '002004': 'access_tokenの有効期限が切れています。再ログインして下さい',
  '002007': 'メンテナンス中です',
  '003001': 'サーバーに接続できません。しばらく経ってから再度実行して下さい',
  '003002': 'メイン機能が過負荷です。しばらく経ってから再度実行して下さい',
  '003004': 'メイン機能がメンテナンス中です',
  '003005': 'メイン機能がメンテナンス中です',
  '020006': '最終更新日が更新されています',
  '020007': '受注取込中のため更新できません',
  '020009': '受注メール取込済の伝票はキャンセルと作業用欄のみ更新できます',
  '020500': '一部の伝票でエラーが発生しました',
  '999999': 'システムエラーが発生しました',
};

export function neMessage(code: string): string {
  return NE_MESSAGES[code] ?? `エラーが発生しました(${code})`;
}

/** Decode an `application/x-www-form-urlencoded` body to raw byte values (CSV may be Shift_JIS, `data_type=gz` is binary). */
export function parseFormBytes(raw: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (raw.length === 0) return out;
  for (const part of raw.toString('latin1').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq)).toString('utf8');
    out.set(key, decodeComponent(eq < 0 ? '' : part.slice(eq + 1)));
  }
  return out;
}

function decodeComponent(latin1: string): Buffer {
  const bytes = Buffer.alloc(latin1.length);
  let n = 0;
  for (let i = 0; i < latin1.length; i++) {
    const c = latin1.charCodeAt(i);
    if (c === 0x2b) {
      bytes[n++] = 0x20;
    } else if (c === 0x25 && i + 2 < latin1.length && /^[0-9a-fA-F]{2}$/.test(latin1.slice(i + 1, i + 3))) {
      bytes[n++] = parseInt(latin1.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      bytes[n++] = c;
    }
  }
  return bytes.subarray(0, n);
}

/** NE datetimes are `YYYY-MM-DD HH:MM:SS`; the timezone is assumed JST (spec §3, UNCONFIRMED). */
export function neDate(at: Date | number): string {
  return new Date(+at + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export function parseNeDate(value: string): number {
  const ms = Date.parse(`${value.trim().replace(' ', 'T')}+09:00`);
  if (Number.isNaN(ms)) throw new Error(`not an NE datetime: ${value}`);
  return ms;
}

export type NeRow = Record<string, string | null>;

const OPS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'nin',
  'like',
  'nlike',
  'nlikeornull',
  'blank',
  'nblank',
  'null',
  'nnull',
] as const;
type Op = (typeof OPS)[number];
const CONDITION = new RegExp(`^(.+)-(${OPS.join('|')})$`);
/** Spec §3: `-in` / `-nin` take at most 1000 values. */
const MAX_IN_VALUES = 1000;
/** Spec §3 / [DOC-search]: limit defaults to 10000 when omitted. */
export const DEFAULT_LIMIT = 10000;

const NUMERIC = /^-?\d+(\.\d+)?$/;

function likeToRegExp(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) src += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') src += '[\\s\\S]*';
    else if (ch === '_') src += '[\\s\\S]';
    else src += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  // MySQL's default collations compare case-insensitively.
  return new RegExp(`^${src}$`, 'i');
}

interface Condition {
  field: string;
  op: Op;
  value: string;
  /** for -in / -nin: the listed values, normalised once (a search may test 1,000 values against every row) */
  valueSet?: Set<string>;
  /** `Number(value)` when the value is numeric: tested once per search, not once per row */
  numericValue?: number;
}

/** Numbers by value when both sides are numeric, everything else as text; the condition's side is tested once per search. */
function compareWith(v: string, c: Condition): number {
  if (c.numericValue !== undefined && NUMERIC.test(v)) return Number(v) - c.numericValue;
  return v < c.value ? -1 : v > c.value ? 1 : 0;
}

/** Equal keys exactly when {@link compareWith} says 0: numbers by value, everything else as text. */
function equalityKey(value: string): string {
  return NUMERIC.test(value) ? String(Number(value)) : value;
}

/** SQL semantics: a comparison with NULL is never true, except the NULL-aware operators. */
function matches(row: NeRow, c: Condition): boolean {
  const v = row[c.field] ?? null;
  switch (c.op) {
    case 'null':
      return v === null;
    case 'nnull':
      return v !== null;
    case 'blank':
      return v === null || v === '';
    case 'nblank':
      return v !== null && v !== '';
    case 'nlikeornull':
      return v === null || !likeToRegExp(c.value).test(v);
  }
  if (v === null) return false;
  switch (c.op) {
    case 'eq':
      return compareWith(v, c) === 0;
    case 'neq':
      return compareWith(v, c) !== 0;
    case 'lt':
      return compareWith(v, c) < 0;
    case 'lte':
      return compareWith(v, c) <= 0;
    case 'gt':
      return compareWith(v, c) > 0;
    case 'gte':
      return compareWith(v, c) >= 0;
    case 'in':
      return c.valueSet!.has(equalityKey(v));
    case 'nin':
      return !c.valueSet!.has(equalityKey(v));
    case 'like':
      return likeToRegExp(c.value).test(v);
    case 'nlike':
      return !likeToRegExp(c.value).test(v);
  }
}

export interface SearchOutcome {
  /** count mode: rows after conditions; search mode: rows matched up to the end of the page (the scan stops there) */
  total: number;
  data: NeRow[];
}

/**
 * Run one search or count call. `rows` must already be in the endpoint's fixed order (spec §3 table).
 * `mode: 'count'` ignores `fields`, offset and limit.
 */
export function runSearch(
  params: Map<string, string>,
  rows: NeRow[],
  allowed: ReadonlySet<string>,
  mode: 'search' | 'count',
): SearchOutcome {
  const conditions: Condition[] = [];
  for (const [key, value] of params) {
    const m = CONDITION.exec(key);
    if (!m) continue;
    const [, field, op] = m as unknown as [string, string, Op];
    if (!allowed.has(field)) throw new NeError(NE_CODES.badParam, `検索条件[${key}]のフィールドが存在しません`);
    if ((op === 'in' || op === 'nin') && value.split(',').length > MAX_IN_VALUES) {
      throw new NeError(NE_CODES.badParam, `検索条件[${key}]の値は${MAX_IN_VALUES}件以下で指定して下さい`);
    }
    if (['lt', 'lte', 'gt', 'gte'].includes(op) && value.trim() === '') {
      throw new NeError(NE_CODES.badParam, `検索条件[${key}]の値が指定されていません`);
    }
    const valueSet = op === 'in' || op === 'nin' ? new Set(value.split(',').map((x) => equalityKey(x.trim()))) : undefined;
    conditions.push({ field, op, value, valueSet, numericValue: NUMERIC.test(value) ? Number(value) : undefined });
  }
  const hits = (row: NeRow) => conditions.every((c) => matches(row, c));
  if (mode === 'count') return { total: rows.filter(hits).length, data: [] };

  // Spec §3: `fields` is required (like SELECT) and only the requested columns come back.
  const fieldsParam = params.get('fields');
  if (fieldsParam === undefined || fieldsParam.trim() === '') {
    throw new NeError(NE_CODES.badParam, 'fieldsが指定されていません');
  }
  const fields = fieldsParam
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of fields) {
    if (!allowed.has(f)) throw new NeError(NE_CODES.badParam, `fields[${f}]は存在しないフィールドです`);
  }
  const offset = parseNonNegative(params.get('offset'), 0, 'offset');
  const limit = parseNonNegative(params.get('limit'), DEFAULT_LIMIT, 'limit');
  // The scan stops at the end of the page: paging through 100,000 orders would otherwise test every
  // order once per page.
  const data: NeRow[] = [];
  let matched = 0;
  for (const row of rows) {
    if (data.length >= limit) break;
    if (!hits(row)) continue;
    if (matched++ < offset) continue;
    const out: NeRow = {};
    for (const f of fields) out[f] = row[f] ?? null;
    data.push(out);
  }
  return { total: matched, data };
}

function parseNonNegative(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new NeError(NE_CODES.badParam, `${name}は0以上の整数で指定して下さい`);
  return Number(raw);
}
