import { randomBytes } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import { SiteSimulator, type FaultSpec, type SiteRequest } from '../site-simulator';

/**
 * Qoo10 Japan QSM API ("QAPI") simulator — follows `shared/specs/qoo10.md`.
 *
 * Routes (§1, §9.1): `GET|POST /GMKT.INC.Front.QAPIService/ebayjapan.qapi[/{Service.Method}]` (method from the
 * path, else the `method` param) and the per-service form `/GMKT.INC.Front.QAPIService/{Service}.qapi/{Method}`.
 * Every API-level error is HTTP 200 with `{ResultCode, ResultMsg}` (§2).
 *
 * Default credentials after `seed(undefined)`: API key `qoo10-test-api-key`, user id `mallbridge-shop`,
 * password `qoo10-test-password` (seller id = user id).
 */

// ---------------------------------------------------------------------------------------------------------------
// Seed shape
// ---------------------------------------------------------------------------------------------------------------

/** §4.1 ShippingStat: 1 awaiting payment, 2 new order (request shipping), 3 seller confirmed, 4 on delivery, 5 delivered. */
export type Qoo10ShippingStat = 1 | 2 | 3 | 4 | 5;

export interface Qoo10AccountSeed {
  /** Seller id as shown in `sellerID` (the QSM login id by default). */
  sellerId?: string;
  /** The API key issued in QSM; sent as `GiosisCertificationKey` (or `key`) to CreateCertificationKey only. */
  apiKey: string;
  /** QSM login id (`user_id`). */
  userId: string;
  /** QSM password (`pwd`). */
  password: string;
  /** Shop (sender) details echoed in order rows. */
  senderName?: string;
  senderTel?: string;
  senderZipCode?: string;
  senderAddr?: string;
}

export interface Qoo10OrderSeed {
  /** Owner; defaults to the first account. */
  sellerId?: string;
  /** カート番号: shared by every orderNo of one shipment. */
  packNo: number;
  /** 注文番号: one per line. */
  orderNo: number;
  /** Default 2 (新規注文). */
  status?: Qoo10ShippingStat;
  /** Cancelled/claimed orders vanish from GetShippingInfo (§4.1). */
  cancelled?: boolean;
  /** JST `YYYY-MM-DD HH:mm:ss`. */
  orderDate: string;
  /** JST `YYYY-MM-DD HH:mm:ss`; defaults to orderDate for paid orders (status ≥ 2), '' otherwise. */
  paymentDate?: string;
  estShippingDate?: string;
  shippingDate?: string;
  deliveredDate?: string;
  buyer: string;
  buyerKana?: string;
  buyerTel?: string;
  buyerMobile?: string;
  buyerEmail?: string;
  /** Qoo10 item number. */
  itemCode: string;
  /** 販売者商品コード. */
  sellerItemCode?: string;
  itemTitle: string;
  /** e.g. `カラー:RED / サイズ:M`; '' for single items. */
  option?: string;
  /** 販売者オプションコード; '' for single items. */
  optionCode?: string;
  orderPrice: number;
  orderQty: number;
  discount?: number;
  /** Defaults to orderPrice × orderQty − discount. */
  total?: number;
  receiver: string;
  receiverKana?: string;
  zipCode: string;
  address1: string;
  address2?: string;
  receiverTel?: string;
  receiverMobile?: string;
  shippingCountry?: string;
  hopeDate?: string;
  shippingWay?: string;
  shippingMessage?: string;
  paymentMethod?: string;
  currency?: string;
  shippingRateType?: string;
  shippingRate?: number;
  deliveryCompany?: string;
  trackingNo?: string;
}

export interface Qoo10OptionSeed {
  /** Axis names joined by `||*` (§7), e.g. `カラー||*サイズ`. */
  optionName: string;
  /** Values joined by `||*`, e.g. `RED||*M`. */
  optionValue: string;
  /** 販売者オプションコード (`OptionCode` on write, `ItemTypeCode` on read). */
  optionCode: string;
  price?: number;
  qty: number;
}

export interface Qoo10ItemSeed {
  sellerId?: string;
  itemCode: string;
  sellerCode: string;
  itemTitle: string;
  price: number;
  /** Quantity of a non-option item (ignored when `options` is set). */
  qty?: number;
  taxRate?: 'S' | '10' | '8' | '0';
  /** `yyyy-mm-dd`. */
  expireDate?: string;
  /** S2 = on sale. */
  itemStatus?: string;
  options?: Qoo10OptionSeed[];
}

export interface Qoo10Seed {
  accounts?: Qoo10AccountSeed[];
  orders?: Qoo10OrderSeed[];
  items?: Qoo10ItemSeed[];
  /** Carrier names accepted by SetSendingInfo (the seller's GetDeliveryCompanyInfo list). */
  shippingCorps?: string[];
  /** SAK lifetime; §3: one year. */
  keyLifetimeDays?: number;
  /** Widest GetShippingInfo window accepted (days); §4.2: UNCONFIRMED, ≈90. */
  maxSearchDays?: number;
  /** Latest EstShipDt accepted by SetSellerCheckYN (days after today, JST); -10017 beyond. UNCONFIRMED value. */
  maxEstShipDays?: number;
}

type Account = Required<Qoo10AccountSeed>;

interface OrderLine {
  sellerId: string;
  packNo: number;
  orderNo: number;
  status: Qoo10ShippingStat;
  cancelled: boolean;
  orderDate: string;
  paymentDate: string;
  estShippingDate: string;
  shippingDate: string;
  deliveredDate: string;
  buyer: string;
  buyerKana: string;
  buyerTel: string;
  buyerMobile: string;
  buyerEmail: string;
  itemCode: string;
  sellerItemCode: string;
  itemTitle: string;
  option: string;
  optionCode: string;
  orderPrice: number;
  orderQty: number;
  discount: number;
  total: number;
  receiver: string;
  receiverKana: string;
  zipCode: string;
  address1: string;
  address2: string;
  receiverTel: string;
  receiverMobile: string;
  shippingCountry: string;
  hopeDate: string;
  shippingWay: string;
  shippingMessage: string;
  paymentMethod: string;
  currency: string;
  shippingRateType: string;
  shippingRate: number;
  deliveryCompany: string;
  trackingNo: string;
  delayType: string;
  delayMemo: string;
}

interface Item {
  sellerId: string;
  itemCode: string;
  sellerCode: string;
  itemTitle: string;
  price: number;
  qty: number;
  taxRate: string;
  expireDate: string;
  itemStatus: string;
  options: Required<Qoo10OptionSeed>[];
}

interface IssuedKey {
  key: string;
  sellerId: string;
  issuedAt: string;
  expiresAt: string;
  revoked: boolean;
}

export const QOO10_DEFAULT_ACCOUNT: Required<Qoo10AccountSeed> = {
  sellerId: 'mallbridge-shop',
  apiKey: 'qoo10-test-api-key',
  userId: 'mallbridge-shop',
  password: 'qoo10-test-password',
  senderName: 'モールブリッジ商店',
  senderTel: '03-1234-5678',
  senderZipCode: '103-0027',
  senderAddr: '東京都中央区日本橋1-1-1',
};

/** Carrier names seen in working code (§6); the authoritative list is the seller's GetDeliveryCompanyInfo. */
export const QOO10_DEFAULT_SHIPPING_CORPS = [
  'Sagawa',
  'Qxpress',
  'ヤマト宅急便',
  'ネコポス',
  'クロネコDM便',
  'ゆうパケット',
  'クリックポスト',
  'ゆうパック',
  '佐川急便',
  '福山通運',
  '西濃運輸',
  'コンビニ等受取',
];

// ---------------------------------------------------------------------------------------------------------------
// Result codes (§2). Codes the spec does not name for a situation are marked UNCONFIRMED where used.
// ---------------------------------------------------------------------------------------------------------------

export const QOO10_CODES = {
  SUCCESS: 0,
  CHECK_KEY: -10000,
  NOT_FOUND: -10001,
  CONTENT_TYPE: -10003,
  BULK_TOO_MANY: -10011,
  ALREADY_CONFIRMED: -10012,
  NOT_REQUEST_STATE: -10013,
  EST_SHIP_NULL: -10016,
  EST_SHIP_TOO_LATE: -10017,
  EST_SHIP_PAST: -10018,
  PROCESSING: -10101,
  NOT_SHIPPABLE: -10103,
  NO_API: -90001,
  NOT_AUTHORIZED: -90002,
  KEY_EXPIRED: -90004,
} as const;

const MSG_CHECK_KEY = 'Please check the Seller Authorization Key.';
const MSG_EXPIRED = 'Seller authorization key is expired. Use a new key.';

const STATUS_LABEL: Record<Qoo10ShippingStat, string> = {
  // §4.1 "Value returned in shippingStatus" — the `(n)` suffix is what clients parse.
  1: 'Awaiting shipping(1)',
  2: 'On request(2)',
  3: 'Seller confirm(3)',
  4: 'On delivery(4)',
  5: 'Delivered(5)',
};

const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3_600_000;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:mm:ss` in JST. */
export function formatJst(d: Date): string {
  const j = new Date(d.getTime() + JST_OFFSET_MS);
  return (
    `${j.getUTCFullYear()}-${pad(j.getUTCMonth() + 1)}-${pad(j.getUTCDate())} ` +
    `${pad(j.getUTCHours())}:${pad(j.getUTCMinutes())}:${pad(j.getUTCSeconds())}`
  );
}

function parseJstDateTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(s);
  if (!m) return null;
  return jstParts(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
}

function jstParts(y: number, mo: number, d: number, h: number, mi: number, s: number): number | null {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return null;
  return ms - JST_OFFSET_MS;
}

/** Search date `yyyyMMdd` (whole day) or `yyyyMMddHHmmss` (§4.2/§4.3). Returns [from, to] in ms, inclusive. */
function parseSearchDate(s: string, end: boolean): number | null {
  let m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) {
    const start = jstParts(+m[1], +m[2], +m[3], 0, 0, 0);
    if (start === null) return null;
    return end ? start + DAY_MS - 1 : start;
  }
  m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (m) {
    const at = jstParts(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
    if (at === null) return null;
    return end ? at + 999 : at;
  }
  return null;
}

function jstToday(now: Date): number {
  const j = new Date(now.getTime() + JST_OFFSET_MS);
  return Date.UTC(j.getUTCFullYear(), j.getUTCMonth(), j.getUTCDate()) - JST_OFFSET_MS;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function toXml(tag: string, value: unknown, rowTag: string): string {
  if (value === undefined || value === null) return `<${tag} />`;
  if (Array.isArray(value)) return `<${tag}>${value.map((v) => toXml(rowTag, v, rowTag)).join('')}</${tag}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toXml(k, v, rowTag))
      .join('');
    return `<${tag}>${inner}</${tag}>`;
  }
  return `<${tag}>${xmlEscape(String(value))}</${tag}>`;
}

/**
 * Request parameters, looked up case-insensitively: the official signatures use lower-case names
 * (`SetSendingInfo(string orderno, string shippingcorp, …)`, §6) while the guide's tables and every client use
 * PascalCase (`OrderNo`, `ShippingCorp`), so the .NET binder evidently ignores case.
 */
class Params {
  private readonly map = new Map<string, string>();
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase());
  }
  /** Value with surrounding whitespace removed; '' when absent. */
  str(name: string): string {
    return (this.get(name) ?? '').trim();
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
}

interface QapiResult {
  ResultCode: number;
  ResultMsg: string;
  ResultObject?: unknown;
}

const ok = (resultObject?: unknown, msg = 'SUCCESS'): QapiResult =>
  resultObject === undefined ? { ResultCode: 0, ResultMsg: msg } : { ResultCode: 0, ResultMsg: msg, ResultObject: resultObject };
const fail = (code: number, msg: string): QapiResult => ({ ResultCode: code, ResultMsg: msg });
const processingError = (detail: string) => fail(QOO10_CODES.PROCESSING, `Processing Error - ${detail}`);

interface CallContext {
  method: string;
  params: Params;
  key: string;
  account?: Account;
}

type Handler = (ctx: CallContext) => QapiResult;

// ---------------------------------------------------------------------------------------------------------------
// Simulator
// ---------------------------------------------------------------------------------------------------------------

export class Qoo10Simulator extends SiteSimulator {
  private accounts: Account[] = [];
  private orders: OrderLine[] = [];
  private items: Item[] = [];
  private keys = new Map<string, IssuedKey>();
  private shippingCorps: string[] = [];
  private keyLifetimeDays = 365;
  private maxSearchDays = 90;
  private maxEstShipDays = 90;

  constructor(seed?: Qoo10Seed) {
    super('qoo10');
    this.seed(seed);
  }

  // ----- seeding and inspection --------------------------------------------------------------------------------

  seed(seed: unknown): void {
    const s = (seed ?? {}) as Qoo10Seed;
    const accounts = s.accounts && s.accounts.length > 0 ? s.accounts : [QOO10_DEFAULT_ACCOUNT];
    this.accounts = accounts.map((a) => ({
      ...QOO10_DEFAULT_ACCOUNT,
      ...a,
      sellerId: a.sellerId ?? a.userId,
    }));
    this.keys = new Map();
    this.orders = [];
    this.items = [];
    this.shippingCorps = [...(s.shippingCorps ?? QOO10_DEFAULT_SHIPPING_CORPS)];
    this.keyLifetimeDays = s.keyLifetimeDays ?? 365;
    this.maxSearchDays = s.maxSearchDays ?? 90;
    this.maxEstShipDays = s.maxEstShipDays ?? 90;
    for (const o of s.orders ?? []) this.addOrder(o);
    for (const i of s.items ?? []) this.addItem(i);
  }

  inspect(): {
    accounts: Account[];
    keys: IssuedKey[];
    orders: OrderLine[];
    items: Item[];
    shippingCorps: string[];
  } {
    return structuredClone({
      accounts: this.accounts,
      keys: [...this.keys.values()],
      orders: this.orders,
      items: this.items,
      shippingCorps: this.shippingCorps,
    });
  }

  // ----- direct methods for tests ------------------------------------------------------------------------------

  addOrder(o: Qoo10OrderSeed): void {
    const status = o.status ?? 2;
    const discount = o.discount ?? 0;
    if (this.orders.some((x) => x.orderNo === o.orderNo)) throw new Error(`orderNo ${o.orderNo} already seeded`);
    this.orders.push({
      sellerId: o.sellerId ?? this.accounts[0].sellerId,
      packNo: o.packNo,
      orderNo: o.orderNo,
      status,
      cancelled: o.cancelled ?? false,
      orderDate: o.orderDate,
      paymentDate: o.paymentDate ?? (status >= 2 ? o.orderDate : ''),
      estShippingDate: o.estShippingDate ?? '',
      shippingDate: o.shippingDate ?? '',
      deliveredDate: o.deliveredDate ?? '',
      buyer: o.buyer,
      buyerKana: o.buyerKana ?? '',
      buyerTel: o.buyerTel ?? '',
      buyerMobile: o.buyerMobile ?? '',
      buyerEmail: o.buyerEmail ?? '',
      itemCode: o.itemCode,
      sellerItemCode: o.sellerItemCode ?? '',
      itemTitle: o.itemTitle,
      option: o.option ?? '',
      optionCode: o.optionCode ?? '',
      orderPrice: o.orderPrice,
      orderQty: o.orderQty,
      discount,
      total: o.total ?? o.orderPrice * o.orderQty - discount,
      receiver: o.receiver,
      receiverKana: o.receiverKana ?? '',
      zipCode: o.zipCode,
      address1: o.address1,
      address2: o.address2 ?? '',
      receiverTel: o.receiverTel ?? '',
      receiverMobile: o.receiverMobile ?? '',
      shippingCountry: o.shippingCountry ?? 'JP',
      hopeDate: o.hopeDate ?? '',
      shippingWay: o.shippingWay ?? '',
      shippingMessage: o.shippingMessage ?? '',
      paymentMethod: o.paymentMethod ?? 'クレジットカード',
      currency: o.currency ?? 'JPY',
      shippingRateType: o.shippingRateType ?? 'Free',
      shippingRate: o.shippingRate ?? 0,
      deliveryCompany: o.deliveryCompany ?? '',
      trackingNo: o.trackingNo ?? '',
      delayType: '',
      delayMemo: '',
    });
  }

  addItem(i: Qoo10ItemSeed): void {
    this.items.push({
      sellerId: i.sellerId ?? this.accounts[0].sellerId,
      itemCode: i.itemCode,
      sellerCode: i.sellerCode,
      itemTitle: i.itemTitle,
      price: i.price,
      qty: i.options?.length ? i.options.reduce((n, o) => n + o.qty, 0) : (i.qty ?? 0),
      taxRate: i.taxRate ?? '10',
      expireDate: i.expireDate ?? '2099-12-31',
      itemStatus: i.itemStatus ?? 'S2',
      options: (i.options ?? []).map((o) => ({ price: 0, ...o })),
    });
  }

  getOrder(orderNo: number): OrderLine | undefined {
    const o = this.orders.find((x) => x.orderNo === Number(orderNo));
    return o ? structuredClone(o) : undefined;
  }

  setOrderStatus(orderNo: number, status: Qoo10ShippingStat): void {
    this.mustOrder(orderNo).status = status;
  }

  /** Simulates a buyer cancellation (claim): the line disappears from GetShippingInfo. */
  cancelOrder(orderNo: number): void {
    this.mustOrder(orderNo).cancelled = true;
  }

  /** Issue a SAK without the HTTP call (for tests that start past authentication). */
  issueKey(sellerId = this.accounts[0].sellerId): string {
    const now = this.clock.now();
    const key = newSak();
    this.keys.set(key, {
      key,
      sellerId,
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.keyLifetimeDays * DAY_MS).toISOString(),
      revoked: false,
    });
    return key;
  }

  /** Expire one SAK, or every SAK when none is given; the next call with it answers -90004. */
  expireKey(key?: string): void {
    const at = new Date(this.clock.now().getTime() - 1).toISOString();
    for (const k of this.keys.values()) if (key === undefined || k.key === key) k.expiresAt = at;
  }

  /** Absolute stock of a non-option item, or of one option row when `optionCode` is given. */
  setStock(itemCode: string, qty: number, optionCode?: string): void {
    const item = this.items.find((i) => i.itemCode === itemCode);
    if (!item) throw new Error(`unknown item ${itemCode}`);
    if (optionCode === undefined) item.qty = qty;
    else {
      const opt = item.options.find((o) => o.optionCode === optionCode);
      if (!opt) throw new Error(`unknown option ${optionCode}`);
      opt.qty = qty;
      item.qty = item.options.reduce((n, o) => n + o.qty, 0);
    }
  }

  getItem(itemCode: string): Item | undefined {
    const i = this.items.find((x) => x.itemCode === itemCode);
    return i ? structuredClone(i) : undefined;
  }

  private mustOrder(orderNo: number): OrderLine {
    const o = this.orders.find((x) => x.orderNo === Number(orderNo));
    if (!o) throw new Error(`unknown orderNo ${orderNo}`);
    return o;
  }

  // ----- HTTP ---------------------------------------------------------------------------------------------------

  protected mountRoutes(app: Express): void {
    app.use('/GMKT.INC.Front.QAPIService', (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'POST') return next();
      const path = req.path;
      let pathMethod: string | undefined;
      let m: RegExpExecArray | null;
      if (/^\/ebayjapan\.qapi\/?$/i.test(path)) pathMethod = undefined;
      else if ((m = /^\/ebayjapan\.qapi\/([A-Za-z0-9_]+\.[A-Za-z0-9_]+)$/i.exec(path))) pathMethod = m[1];
      // UNCONFIRMED alternate per-service path (§1, one client only).
      else if ((m = /^\/([A-Za-z0-9_]+)\.qapi\/([A-Za-z0-9_]+)$/i.exec(path))) pathMethod = `${m[1]}.${m[2]}`;
      else return next();
      this.handle(req as SiteRequest, res, pathMethod);
    });
  }

  protected renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void {
    const params = this.readParams(req);
    const code = Number(fault.siteCode ?? QOO10_CODES.NO_API);
    this.send(res, params ?? new Params(), fail(code, fault.siteMessage ?? defaultMessage(code)));
  }

  private readParams(req: SiteRequest): Params | null {
    const params = new Params();
    const q = req.originalUrl.indexOf('?');
    if (q >= 0) for (const [k, v] of new URLSearchParams(req.originalUrl.slice(q + 1))) params.set(k, v);
    if (req.method === 'POST' && req.rawBody.length > 0) {
      const type = String(req.headers['content-type'] ?? '').toLowerCase();
      // §1: form bodies; a different content type draws -10003 (UNCONFIRMED which methods, applied to all ours).
      if (!type.startsWith('application/x-www-form-urlencoded')) return null;
      for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) params.set(k, v);
    }
    return params;
  }

  private send(res: Response, params: Params, result: QapiResult, rowTag = 'Item'): void {
    const returnType = params.str('returnType').toLowerCase();
    res.status(200);
    if (returnType.includes('json')) {
      res.type('application/json; charset=utf-8').send(JSON.stringify(result));
      return;
    }
    // §2: omitted / text/xml → XML. Root element name is UNCONFIRMED (.NET would name it after the generic
    // result type); clients parse by child names (ResultCode/ResultMsg/ResultObject).
    const body =
      `<?xml version="1.0" encoding="utf-8"?>` +
      `<StdCustomResultOfObject>` +
      `<ResultCode>${result.ResultCode}</ResultCode><ResultMsg>${xmlEscape(result.ResultMsg)}</ResultMsg>` +
      (result.ResultObject === undefined ? '' : toXml('ResultObject', result.ResultObject, rowTag)) +
      `</StdCustomResultOfObject>`;
    res.type('text/xml; charset=utf-8').send(body);
  }

  private handle(req: SiteRequest, res: Response, pathMethod: string | undefined): void {
    const params = this.readParams(req);
    if (!params) {
      const fallback = new Params();
      fallback.set('returnType', 'application/json');
      this.send(res, fallback, fail(QOO10_CODES.CONTENT_TYPE, 'Invalid request content type.'));
      return;
    }
    const method = pathMethod ?? params.str('method');
    const handler = this.handlers[method.toLowerCase()];
    if (!handler) {
      this.send(res, params, fail(QOO10_CODES.NO_API, 'The API does not exist'));
      return;
    }
    // §9.2: key from the header (HTTP names are case-insensitive; node lower-cases them) else `key`.
    const header = req.headers['giosiscertificationkey'];
    const key = (Array.isArray(header) ? header[0] : header) ?? params.get('key') ?? '';
    const ctx: CallContext = { method, params, key };
    if (method.toLowerCase() !== 'certificationapi.createcertificationkey') {
      const issued = this.keys.get(key);
      if (!issued || issued.revoked) {
        this.send(res, params, fail(QOO10_CODES.CHECK_KEY, MSG_CHECK_KEY));
        return;
      }
      if (this.clock.now().getTime() >= Date.parse(issued.expiresAt)) {
        this.send(res, params, fail(QOO10_CODES.KEY_EXPIRED, MSG_EXPIRED));
        return;
      }
      ctx.account = this.accounts.find((a) => a.sellerId === issued.sellerId);
      if (!ctx.account) {
        this.send(res, params, fail(QOO10_CODES.NOT_FOUND, 'Not exists seller info'));
        return;
      }
    }
    const rowTag = /getshippinginfo/i.test(method) ? 'ShippingInfo' : 'Item';
    this.send(res, params, handler(ctx), rowTag);
  }

  private readonly handlers: Record<string, Handler> = {
    'certificationapi.createcertificationkey': (c) => this.createCertificationKey(c),
    'shippingbasic.getshippinginfo_v2': (c) => this.getShippingInfo(c, 'v2'),
    'shippingbasic.getshippinginfo_v3': (c) => this.getShippingInfo(c, 'v3'),
    'shippingbasic.setsellercheckyn_v2': (c) => this.setSellerCheckYN(c),
    'shippingbasic.setsellercheckynbulk': (c) => this.setSellerCheckYNBulk(c),
    'shippingbasic.setsendinginfo': (c) => this.setSendingInfo(c),
    'shippingbasic.setsendinginfobulk': (c) => this.setSendingInfoBulk(c),
    'itemsorder.setgoodspriceqty': (c) => this.setGoodsPriceQty(c),
    'itemsoptions.updateinventoryqtyunit': (c) => this.updateInventoryQtyUnit(c),
    'itemslookup.getgoodsinventoryinfo': (c) => this.getGoodsInventoryInfo(c),
    'itemslookup.getitemdetailinfo': (c) => this.getItemDetailInfo(c),
  };

  // ----- §3 authentication --------------------------------------------------------------------------------------

  private createCertificationKey(c: CallContext): QapiResult {
    const account = this.accounts.find((a) => a.apiKey === c.key);
    // UNCONFIRMED: the code for a wrong API key is not documented; -10000 is the generic key error (§2).
    if (!account) return fail(QOO10_CODES.CHECK_KEY, MSG_CHECK_KEY);
    const userId = c.params.get('user_id') ?? '';
    const pwd = c.params.get('pwd') ?? '';
    // UNCONFIRMED: wrong login id / password → -10001 "Not exists seller info" (§2 table).
    if (userId !== account.userId || pwd !== account.password) return fail(QOO10_CODES.NOT_FOUND, 'Not exists seller info');
    // §2: JP answers ResultMsg "成功" here (clients must not compare on it).
    return ok(this.issueKey(account.sellerId), '成功');
  }

  // ----- §4 orders ------------------------------------------------------------------------------------------------

  private getShippingInfo(c: CallContext, version: 'v2' | 'v3'): QapiResult {
    const p = c.params;
    const names =
      version === 'v2'
        ? { stat: 'ShippingStat', from: 'search_Sdate', to: 'search_Edate', cond: 'search_condition' }
        : { stat: 'ShippingStatus', from: 'SearchStartDate', to: 'SearchEndDate', cond: 'SearchCondition' };
    const stat = p.str(names.stat);
    let statuses: number[];
    // §4.3: 0 or blank ⇒ states 1–3 (assumed the same for v2, UNCONFIRMED).
    if (stat === '' || stat === '0') statuses = [1, 2, 3];
    else if (/^[1-5]$/.test(stat)) statuses = [Number(stat)];
    else return processingError(`${names.stat} is invalid.`);

    const cond = p.str(names.cond) || '1'; // UNCONFIRMED default: order date
    if (!/^[1-4]$/.test(cond)) return processingError(`${names.cond} is invalid.`);
    const fromRaw = p.str(names.from);
    const toRaw = p.str(names.to);
    // UNCONFIRMED: the date range is treated as required; error code for bad/missing dates is not documented.
    const from = parseSearchDate(fromRaw, false);
    const to = parseSearchDate(toRaw, true);
    if (from === null) return processingError(`${names.from} is invalid. (yyyyMMdd or yyyyMMddHHmmss)`);
    if (to === null) return processingError(`${names.to} is invalid. (yyyyMMdd or yyyyMMddHHmmss)`);
    if (to < from) return processingError('The search end date is earlier than the start date.');
    // §4.2: window limit UNCONFIRMED; ≤ 90 days is the safe assumption the spec allows a fake to enforce.
    if (to - from >= this.maxSearchDays * DAY_MS) return processingError(`The search period can not exceed ${this.maxSearchDays} days.`);

    const dateOf = (o: OrderLine) =>
      cond === '1' ? o.orderDate : cond === '2' ? o.paymentDate : cond === '3' ? o.shippingDate : o.deliveredDate;
    const rows = this.orders
      .filter((o) => o.sellerId === c.account!.sellerId && !o.cancelled && statuses.includes(o.status))
      .filter((o) => {
        const at = parseJstDateTime(dateOf(o));
        return at !== null && at >= from && at <= to;
      })
      .sort((a, b) => a.orderDate.localeCompare(b.orderDate) || a.packNo - b.packNo || a.orderNo - b.orderNo);
    return ok(rows.map((o) => (version === 'v2' ? this.v2Row(o, c.account!) : this.v3Row(o, c.account!))));
  }

  private v2Row(o: OrderLine, a: Account): Record<string, unknown> {
    // §4.2 field list; the mixed casing is the site's own.
    return {
      shippingStatus: STATUS_LABEL[o.status],
      sellerID: o.sellerId,
      packNo: o.packNo,
      orderNo: o.orderNo,
      orderDate: o.orderDate,
      PaymentDate: o.paymentDate,
      EstShippingDate: o.estShippingDate,
      ShippingDate: o.shippingDate,
      DeliveredDate: o.deliveredDate,
      buyer: o.buyer,
      buyer_gata: o.buyerKana,
      buyerTel: o.buyerTel,
      buyerMobile: o.buyerMobile,
      buyerEmail: o.buyerEmail,
      itemCode: o.itemCode,
      sellerItemCode: o.sellerItemCode,
      itemTitle: o.itemTitle,
      option: o.option,
      optionCode: o.optionCode,
      orderPrice: o.orderPrice,
      orderQty: o.orderQty,
      discount: o.discount,
      total: o.total,
      receiver: o.receiver,
      receiver_gata: o.receiverKana,
      shippingCountry: o.shippingCountry,
      zipCode: o.zipCode,
      shippingAddr: joinAddr(o),
      receiverTel: o.receiverTel,
      receiverMobile: o.receiverMobile,
      hopeDate: o.hopeDate,
      senderName: a.senderName,
      senderTel: a.senderTel,
      senderNation: 'JP',
      senderZipCode: a.senderZipCode,
      senderAddr: a.senderAddr,
      ShippingWay: o.shippingWay,
      ShippingMsg: o.shippingMessage,
      PaymentNation: 'JP',
      PaymentMethod: o.paymentMethod,
      Currency: o.currency,
      SettlePrice: o.total,
      shippingRateType: o.shippingRateType,
      DeliveryCompany: o.deliveryCompany,
      PackingNo: '',
      SellerDeliveryNo: '',
      TrackingNo: o.trackingNo,
      Gift: '',
      Cart_Discount_Seller: 0,
      Cart_Discount_Qoo10: 0,
      VoucherCode: '',
      OrderType: '',
    };
  }

  private v3Row(o: OrderLine, a: Account): Record<string, unknown> {
    // UNCONFIRMED: whether RelatedOrder includes the row's own orderNo; here it lists the other lines of the pack.
    const related = this.orders
      .filter((x) => x.packNo === o.packNo && x.orderNo !== o.orderNo && !x.cancelled)
      .map((x) => String(x.orderNo))
      .join(', ');
    return {
      ShippingStatus: STATUS_LABEL[o.status],
      SellerID: o.sellerId,
      PackNo: o.packNo,
      OrderDate: o.orderDate,
      PaymentDate: o.paymentDate,
      EstimatedShippingDate: o.estShippingDate,
      ShippingDate: o.shippingDate,
      DeliveredDate: o.deliveredDate,
      Buyer: o.buyer,
      BuyerKana: o.buyerKana,
      BuyerTel: o.buyerTel,
      BuyerMobile: o.buyerMobile,
      BuyerEmail: o.buyerEmail,
      OrderNo: o.orderNo,
      ItemNo: o.itemCode,
      SellerItemCode: o.sellerItemCode,
      ItemTitle: o.itemTitle,
      Option: o.option,
      OptionCode: o.optionCode,
      OrderPrice: o.orderPrice,
      OrderQty: o.orderQty,
      Discount: o.discount,
      Total: o.total,
      Receiver: o.receiver,
      ReceiverKana: o.receiverKana,
      ZipCode: o.zipCode,
      ShippingAddress: joinAddr(o),
      Address1: o.address1,
      Address2: o.address2,
      ReceiverTel: o.receiverTel,
      ReceiverMobile: o.receiverMobile,
      DesiredDeliveryDate: o.hopeDate,
      SenderName: a.senderName,
      SenderTel: a.senderTel,
      SenderNation: 'JP',
      SenderZipCode: a.senderZipCode,
      SenderAddress: a.senderAddr,
      ShippingWay: o.shippingWay,
      ShippingMessage: o.shippingMessage,
      PaymentMethod: o.paymentMethod,
      SellerDiscount: o.discount,
      Currency: o.currency,
      ShippingRate: o.shippingRate,
      RelatedOrder: related,
      ShippingRateType: o.shippingRateType,
      DeliveryCompany: o.deliveryCompany,
      VoucherCode: '',
      PackingNo: '',
      SellerDeliveryNo: '',
      Gift: '',
      CartDiscountSeller: 0,
      CartDiscountQoo10: 0,
      SettlePrice: o.total,
      BranchName: '',
      TrackingNo: o.trackingNo,
      Material: '',
      AvailableSendType: '0',
      AvailableShippingDate: o.estShippingDate ? o.estShippingDate.slice(0, 10) : '',
    };
  }

  // ----- §5 order confirmation ----------------------------------------------------------------------------------

  /** Shared rules of SetSellerCheckYN_V2 and its bulk form; `estRequired` for bulk (-10016). */
  private confirmOne(
    account: Account,
    orderNoRaw: string,
    estShipDt: string,
    delayType: string,
    delayMemo: string,
    estRequired: boolean,
  ): QapiResult {
    if (!/^\d+$/.test(orderNoRaw)) return fail(QOO10_CODES.NOT_FOUND, 'Not exists order info');
    const o = this.orders.find((x) => x.orderNo === Number(orderNoRaw) && x.sellerId === account.sellerId);
    if (!o) return fail(QOO10_CODES.NOT_FOUND, 'Not exists order info');
    if (estShipDt === '') {
      if (estRequired) return fail(QOO10_CODES.EST_SHIP_NULL, 'EstShipDt is null.');
    } else {
      const d = /^(\d{4})(\d{2})(\d{2})$/.exec(estShipDt);
      const at = d ? jstParts(+d[1], +d[2], +d[3], 0, 0, 0) : null;
      if (at === null) return processingError('EstShipDt must be yyyyMMdd.');
      const today = jstToday(this.clock.now());
      // §5: EstShipDt must be ≥ today (the single-call table); -10018 otherwise.
      if (at < today) return fail(QOO10_CODES.EST_SHIP_PAST, 'EstShipDt must be after today.');
      if (at > today + this.maxEstShipDays * DAY_MS)
        return fail(QOO10_CODES.EST_SHIP_TOO_LATE, 'EstShipDt is beyond the maximum allowed date.');
    }
    if (delayType !== '' && !/^[1-4]$/.test(delayType)) return processingError('DelayType must be 1, 2, 3 or 4.');
    if (delayMemo.length > 1000) return processingError('DelayMemo is too long.');
    // The -10012/-10013 codes are documented for the bulk form; the single form is assumed to share them (§9.5).
    if (o.status === 3 && !o.cancelled) return fail(QOO10_CODES.ALREADY_CONFIRMED, 'Already order-confirmed.');
    if (o.status !== 2 || o.cancelled) return fail(QOO10_CODES.NOT_REQUEST_STATE, 'Not in request shipping status.');
    o.status = 3;
    if (estShipDt) o.estShippingDate = `${estShipDt.slice(0, 4)}-${estShipDt.slice(4, 6)}-${estShipDt.slice(6, 8)} 00:00:00`;
    o.delayType = delayType;
    o.delayMemo = delayMemo;
    return ok();
  }

  private setSellerCheckYN(c: CallContext): QapiResult {
    const p = c.params;
    return this.confirmOne(c.account!, p.str('OrderNo'), p.str('EstShipDt'), p.str('DelayType'), p.get('DelayMemo') ?? '', false);
  }

  private parseBulk(c: CallContext, param: string): Record<string, unknown>[] | QapiResult {
    let rows: unknown;
    try {
      rows = JSON.parse(c.params.get(param) ?? '');
    } catch {
      return processingError(`${param} is not valid JSON.`);
    }
    if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'object' || r === null))
      return processingError(`${param} must be a JSON array of objects.`);
    if (rows.length === 0) return processingError(`${param} is empty.`);
    if (rows.length > 500) return fail(QOO10_CODES.BULK_TOO_MANY, 'Can not process more than 500 rows.');
    return rows as Record<string, unknown>[];
  }

  private setSellerCheckYNBulk(c: CallContext): QapiResult {
    const rows = this.parseBulk(c, 'SendPlanDtInfoJson');
    if (!Array.isArray(rows)) return rows;
    const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
    return ok(
      rows.map((r) => {
        const res = this.confirmOne(c.account!, str(r.OrderNo), str(r.EstShipDt), str(r.DelayType), str(r.DelayMemo), true);
        // §5: per-row outcome; top-level ResultCode stays 0.
        return {
          cont_no: Number(str(r.OrderNo)) || str(r.OrderNo),
          result_cd: res.ResultCode,
          ResultCode: res.ResultCode,
          ResultMsg: res.ResultMsg,
        };
      }),
    );
  }

  // ----- §6 tracking --------------------------------------------------------------------------------------------

  private shipOne(account: Account, orderNoRaw: string, corp: string, trackingNo: string): QapiResult {
    if (!/^\d+$/.test(orderNoRaw)) return fail(QOO10_CODES.NOT_FOUND, 'Not exists order info');
    const o = this.orders.find((x) => x.orderNo === Number(orderNoRaw) && x.sellerId === account.sellerId);
    if (!o) return fail(QOO10_CODES.NOT_FOUND, 'Not exists order info');
    if (corp === '' || corp.length > 200) return processingError('ShippingCorp is required (max 200).');
    if (trackingNo === '' || trackingNo.length > 50) return processingError('TrackingNo is required (max 50).');
    // UNCONFIRMED: carrier names are checked against the seller's delivery-company list.
    if (!this.shippingCorps.includes(corp)) return processingError(`ShippingCorp '${corp}' is not registered.`);
    // UNCONFIRMED code: the per-row failure seen in a public mock is -10103; used for "not shippable" here.
    if (o.cancelled || (o.status !== 2 && o.status !== 3))
      return fail(QOO10_CODES.NOT_SHIPPABLE, 'Processing Error - the order is not in a shippable status.');
    o.status = 4;
    o.deliveryCompany = corp;
    o.trackingNo = trackingNo;
    o.shippingDate = formatJst(this.clock.now());
    return ok();
  }

  private setSendingInfo(c: CallContext): QapiResult {
    const p = c.params;
    return this.shipOne(c.account!, p.str('OrderNo'), p.str('ShippingCorp'), p.str('TrackingNo'));
  }

  private setSendingInfoBulk(c: CallContext): QapiResult {
    const rows = this.parseBulk(c, 'ShippingInfoJson');
    if (!Array.isArray(rows)) return rows;
    const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
    return ok(
      rows.map((r) => {
        const res = this.shipOne(c.account!, str(r.OrderNo), str(r.ShippingCorp), str(r.TrackingNo));
        return {
          contr_no: Number(str(r.OrderNo)) || str(r.OrderNo),
          result_cd: res.ResultCode,
          transc_nm: str(r.ShippingCorp),
          ResultCode: res.ResultCode,
          ResultMsg: res.ResultMsg,
        };
      }),
    );
  }

  // ----- §7 items / stock -----------------------------------------------------------------------------------------

  private findItem(c: CallContext): Item | QapiResult {
    const itemCode = c.params.str('ItemCode');
    const sellerCode = c.params.str('SellerCode');
    const notFound = fail(QOO10_CODES.NOT_FOUND, "Fail to find Item information with 'ItemCode','SellerCode'.");
    if (!itemCode && !sellerCode) return notFound;
    const item = this.items.find(
      (i) => i.sellerId === c.account!.sellerId && (!itemCode || i.itemCode === itemCode) && (!sellerCode || i.sellerCode === sellerCode),
    );
    return item ?? notFound;
  }

  private parseQty(raw: string | undefined): number | null {
    if (raw === undefined || !/^\d+$/.test(raw.trim())) return null;
    const n = Number(raw.trim());
    return n <= 2147483647 ? n : null;
  }

  private setGoodsPriceQty(c: CallContext): QapiResult {
    const p = c.params;
    // §7: ItemCode is required for this method (SellerCode only narrows).
    if (!p.str('ItemCode')) return fail(QOO10_CODES.NOT_FOUND, "Fail to find Item information with 'ItemCode','SellerCode'.");
    const item = this.findItem(c);
    if (!('itemCode' in item)) return item;
    // UNCONFIRMED: the method is documented for non-option items; option items are refused.
    if (item.options.length > 0) return processingError('This item has options. Use ItemsOptions methods.');
    let qty: number | undefined;
    if (p.has('Qty')) {
      const q = this.parseQty(p.get('Qty'));
      if (q === null) return processingError('Qty must be 0 ~ 2147483647.');
      qty = q;
    }
    let price: number | undefined;
    if (p.str('Price') !== '') {
      if (!/^\d+(\.\d+)?$/.test(p.str('Price'))) return processingError('Price is invalid.');
      price = Number(p.str('Price'));
    }
    const taxRate = p.str('TaxRate');
    if (taxRate && !['S', '10', '8', '0'].includes(taxRate)) return processingError('TaxRate is invalid.');
    const expire = p.str('ExpireDate');
    let expireDate: string;
    if (expire === '') {
      // §7: a null ExpireDate resets the listing expiry to one year from now — a side effect, not an error.
      const j = new Date(this.clock.now().getTime() + JST_OFFSET_MS);
      j.setUTCFullYear(j.getUTCFullYear() + 1);
      expireDate = `${j.getUTCFullYear()}-${pad(j.getUTCMonth() + 1)}-${pad(j.getUTCDate())}`;
    } else {
      if (parseJstDateTime(expire) === null || expire.length !== 10) return processingError('ExpireDate must be yyyy-mm-dd.');
      expireDate = expire;
    }
    if (qty !== undefined) item.qty = qty;
    if (price !== undefined) item.price = price;
    if (taxRate) item.taxRate = taxRate;
    item.expireDate = expireDate;
    return ok();
  }

  private updateInventoryQtyUnit(c: CallContext): QapiResult {
    const p = c.params;
    if (!p.str('ItemCode')) return fail(QOO10_CODES.NOT_FOUND, "Fail to find Item information with 'ItemCode','SellerCode'.");
    const item = this.findItem(c);
    if (!('itemCode' in item)) return item;
    const name = p.str('OptionName');
    const value = p.str('OptionValue');
    const code = p.str('OptionCode');
    if (!name || !value || !code) return processingError('OptionName, OptionValue and OptionCode are required.');
    const qty = this.parseQty(p.get('Qty'));
    if (qty === null) return processingError('Qty must be 0 ~ 2147483647.');
    // §7: option rows are identified by OptionName + OptionValue; OptionCode must be the row's own code
    // (UNCONFIRMED whether a mismatch is rejected or rewrites the code; rejected here).
    const opt = item.options.find((o) => o.optionName === name && o.optionValue === value);
    if (!opt) return processingError('Fail to find option information with OptionName, OptionValue.');
    if (opt.optionCode !== code) return processingError('OptionCode does not match the option.');
    opt.qty = qty;
    item.qty = item.options.reduce((n, o) => n + o.qty, 0);
    return ok();
  }

  private getGoodsInventoryInfo(c: CallContext): QapiResult {
    const item = this.findItem(c);
    if (!('itemCode' in item)) return item;
    return ok(
      item.options.map((o) => {
        const names = o.optionName.split('||*');
        const values = o.optionValue.split('||*');
        const row: Record<string, unknown> = {};
        for (let i = 0; i < 5; i++) {
          row[`Name${i + 1}`] = names[i] ?? '';
          row[`Value${i + 1}`] = values[i] ?? '';
        }
        return { ...row, Price: o.price, Qty: o.qty, ItemTypeCode: o.optionCode };
      }),
    );
  }

  private getItemDetailInfo(c: CallContext): QapiResult {
    const item = this.findItem(c);
    if (!('itemCode' in item)) return item;
    return ok([
      {
        ItemCode: item.itemCode,
        SellerCode: item.sellerCode,
        ItemTitle: item.itemTitle,
        ItemQty: item.qty,
        ItemPrice: item.price,
        ItemStatus: item.itemStatus,
        ExpireDate: item.expireDate,
        TaxRate: item.taxRate,
      },
    ]);
  }

  // ----- demo data ----------------------------------------------------------------------------------------------

  /** Realistic Japanese shop data, dated relative to `now` so "the last day" queries find orders. */
  static demoSeed(now: Date = new Date()): Qoo10Seed {
    const ago = (hours: number) => formatJst(new Date(now.getTime() - hours * 3_600_000));
    const base = {
      buyerTel: '+81-3-5555-0101',
      receiverTel: '+81-3-5555-0101',
      shippingCountry: 'JP',
      currency: 'JPY',
      paymentMethod: 'クレジットカード',
    };
    return {
      accounts: [{ ...QOO10_DEFAULT_ACCOUNT }],
      items: [
        { itemCode: '1012345678', sellerCode: 'TOWEL-IMABARI-FT', itemTitle: '今治タオル フェイスタオル 2枚組', price: 1980, qty: 120 },
        {
          itemCode: '1012345679',
          sellerCode: 'TSHIRT-ORG',
          itemTitle: 'オーガニックコットン Tシャツ',
          price: 2980,
          options: [
            { optionName: 'カラー||*サイズ', optionValue: 'ホワイト||*M', optionCode: 'TSHIRT-ORG-WH-M', qty: 25 },
            { optionName: 'カラー||*サイズ', optionValue: 'ホワイト||*L', optionCode: 'TSHIRT-ORG-WH-L', qty: 18 },
            { optionName: 'カラー||*サイズ', optionValue: 'ネイビー||*M', optionCode: 'TSHIRT-ORG-NV-M', qty: 0 },
          ],
        },
        { itemCode: '1012345680', sellerCode: 'MATCHA-100G', itemTitle: '宇治抹茶 粉末 100g', price: 1500, qty: 40 },
      ],
      orders: [
        // A pack (cart) with two orderNos: one option line and one single line.
        {
          ...base,
          packNo: 612300001,
          orderNo: 1062428737,
          orderDate: ago(3),
          buyer: '山田 太郎',
          buyerKana: 'ヤマダ タロウ',
          buyerEmail: 'taro.yamada@example.jp',
          itemCode: '1012345679',
          sellerItemCode: 'TSHIRT-ORG',
          itemTitle: 'オーガニックコットン Tシャツ',
          option: 'カラー:ホワイト / サイズ:M',
          optionCode: 'TSHIRT-ORG-WH-M',
          orderPrice: 2980,
          orderQty: 2,
          receiver: '山田 太郎',
          receiverKana: 'ヤマダ タロウ',
          zipCode: '150-0001',
          address1: '東京都渋谷区神宮前1-2-3',
          address2: 'メゾン神宮前201',
          receiverMobile: '+81-90-1234-5678',
          shippingMessage: '置き配希望',
        },
        {
          ...base,
          packNo: 612300001,
          orderNo: 1062428738,
          orderDate: ago(3),
          buyer: '山田 太郎',
          buyerKana: 'ヤマダ タロウ',
          buyerEmail: 'taro.yamada@example.jp',
          itemCode: '1012345678',
          sellerItemCode: 'TOWEL-IMABARI-FT',
          itemTitle: '今治タオル フェイスタオル 2枚組',
          orderPrice: 1980,
          orderQty: 1,
          receiver: '山田 太郎',
          receiverKana: 'ヤマダ タロウ',
          zipCode: '150-0001',
          address1: '東京都渋谷区神宮前1-2-3',
          address2: 'メゾン神宮前201',
          receiverMobile: '+81-90-1234-5678',
          shippingMessage: '置き配希望',
        },
        {
          ...base,
          packNo: 612300002,
          orderNo: 1062428801,
          orderDate: ago(20),
          buyer: '佐藤 花子',
          buyerKana: 'サトウ ハナコ',
          itemCode: '1012345680',
          sellerItemCode: 'MATCHA-100G',
          itemTitle: '宇治抹茶 粉末 100g',
          orderPrice: 1500,
          orderQty: 3,
          receiver: '佐藤 花子',
          receiverKana: 'サトウ ハナコ',
          zipCode: '530-0001',
          address1: '大阪府大阪市北区梅田3-1-1',
          receiverMobile: '+81-80-2222-3333',
        },
        {
          ...base,
          packNo: 612300003,
          orderNo: 1062428855,
          status: 3,
          orderDate: ago(30),
          buyer: '鈴木 一郎',
          buyerKana: 'スズキ イチロウ',
          itemCode: '1012345679',
          sellerItemCode: 'TSHIRT-ORG',
          itemTitle: 'オーガニックコットン Tシャツ',
          option: 'カラー:ホワイト / サイズ:L',
          optionCode: 'TSHIRT-ORG-WH-L',
          orderPrice: 2980,
          orderQty: 1,
          receiver: '鈴木 一郎',
          receiverKana: 'スズキ イチロウ',
          zipCode: '460-0008',
          address1: '愛知県名古屋市中区栄2-3-4',
          address2: '栄ビル5F',
          receiverMobile: '+81-70-4444-5555',
        },
        {
          ...base,
          packNo: 612300004,
          orderNo: 1062428900,
          status: 1,
          paymentMethod: 'コンビニ決済',
          orderDate: ago(10),
          buyer: '高橋 美咲',
          buyerKana: 'タカハシ ミサキ',
          itemCode: '1012345678',
          sellerItemCode: 'TOWEL-IMABARI-FT',
          itemTitle: '今治タオル フェイスタオル 2枚組',
          orderPrice: 1980,
          orderQty: 2,
          receiver: '高橋 美咲',
          receiverKana: 'タカハシ ミサキ',
          zipCode: '810-0001',
          address1: '福岡県福岡市中央区天神1-1-1',
          receiverMobile: '+81-90-6666-7777',
        },
      ],
    };
  }
}

function joinAddr(o: OrderLine): string {
  return o.address2 ? `${o.address1} ${o.address2}` : o.address1;
}

/** §3: opaque SAK; real keys look like `S5bnbfynQv…_g_1_w4CZi…` (base64 with `+ / =` spelled `_g_1_ _g_2_ _g_3_`). */
function newSak(): string {
  return 'S5' + randomBytes(36).toString('base64').replace(/\+/g, '_g_1_').replace(/\//g, '_g_2_').replace(/=/g, '_g_3_');
}

function defaultMessage(code: number): string {
  switch (code) {
    case QOO10_CODES.CHECK_KEY:
      return MSG_CHECK_KEY;
    case QOO10_CODES.KEY_EXPIRED:
    case -90005:
      return MSG_EXPIRED;
    case QOO10_CODES.NOT_AUTHORIZED:
    case -90003:
      return 'You are not authorized for this.';
    case QOO10_CODES.NO_API:
      return 'The API does not exist';
    default:
      return 'Processing Error - injected fault';
  }
}
