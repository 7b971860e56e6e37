import { randomBytes } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
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
 *
 * Claims (cancels, returns, exchanges) follow `shared/specs/cancellations.md` §2: each orderNo keeps its
 * `shippingStatus` and an optional claim `{claimStatus, reason, requestDate, cancelRefundDate}`;
 * `ShippingBasic.GetClaimInfo_V3`, `ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2` and `Claim.SetCancelProcess`
 * serve them. Scenario hooks (methods below, and `POST /_sim/orders/{orderNo}/{hook}` with an optional JSON body
 * `{reason}`): `buyer-cancel`, `cancel-request` (hold), `approve-cancel`, `withdraw-cancel` (release),
 * `return-request`, `exchange-request`, `status` (`{status}`), `claim` (`{claim}` or `{claim: null}`);
 * `GET /_sim/orders/{orderNo}` reads one line.
 *
 * Items (§7): `GET /_sim/items/{itemCode or sellerCode}` reads an item as the simulator holds it (its `expireDate`,
 * `price`, `qty`, option rows); `POST /_sim/items/{itemCode or sellerCode}` with `{qty, optionCode?, price?,
 * expireDate?}` edits it as the seller would in QSM (no API call is recorded). {@link Qoo10Simulator.calls} gives the
 * parameters each API call carried, so tests can assert the wire.
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
  /** Shorthand for a completed cancel (claim 3, dated at the order date): the line vanishes from GetShippingInfo (§4.1). */
  cancelled?: boolean;
  /** A claim on the line (cancellations.md §2.3); wins over `cancelled`. */
  claim?: Qoo10ClaimSeed | null;
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

/**
 * cancellations.md §2.3 ClaimStat / claimStatus: 1 cancel requested, 2 cancelling, 3 cancel completed, 4 return
 * requested, 5 returning, 6 return completed, 11 exchange requested, 12 exchange approved, 13 re-shipping,
 * 14 non-receipt refund completed, 15 non-receipt partial refund completed, 16 unpaid order cancelled.
 */
export type Qoo10ClaimStat = 1 | 2 | 3 | 4 | 5 | 6 | 11 | 12 | 13 | 14 | 15 | 16;
export const QOO10_CLAIM_STATS: readonly Qoo10ClaimStat[] = [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16];

export interface Qoo10ClaimSeed {
  claimStatus: Qoo10ClaimStat;
  reason?: string;
  /** JST `YYYY-MM-DD HH:mm:ss` (the claim request date, search_condition 2); defaults to the simulator's now. */
  requestDate?: string;
  /** JST `YYYY-MM-DD HH:mm:ss` (completion, search_condition 3); '' while the claim is open. */
  cancelRefundDate?: string;
}

/** A claim as the simulator keeps it: dates '' when absent. */
export interface Qoo10Claim {
  claimStatus: Qoo10ClaimStat;
  reason: string;
  requestDate: string;
  cancelRefundDate: string;
}

/**
 * How `claimStatus` is written in answers. Its literal format is UNCONFIRMED (cancellations.md §2.1: one client
 * reads a number; `shippingStatus` in the same family is a "Label(n)" string), so tests can pick: a JSON number
 * (default), a numeric string, or a label with the `(n)` suffix.
 */
export type Qoo10ClaimStatusFormat = 'number' | 'string' | 'label';

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
  /** Widest GetClaimInfo_V3 window accepted (days); cancellations.md §2.1: 90 (CONFIRMED), -10003 beyond. */
  maxClaimSearchDays?: number;
  /** How `claimStatus` is written (UNCONFIRMED format); default `number`. */
  claimStatusFormat?: Qoo10ClaimStatusFormat;
  /** Items per GetAllGoodsInfo page; the guide: at most 500 (passoffer items/GetAllGoodsInfo.md). */
  allGoodsPageSize?: number;
}

/** What a seller changes on an item in QSM: its quantity (or one option row's), price or expiry date. */
export interface Qoo10SellerEdit {
  qty?: number;
  /** the option row whose quantity `qty` sets */
  optionCode?: string;
  price?: number;
  /** `yyyy-mm-dd` */
  expireDate?: string;
}

type Account = Required<Qoo10AccountSeed>;

interface OrderLine {
  sellerId: string;
  packNo: number;
  orderNo: number;
  status: Qoo10ShippingStat;
  claim: Qoo10Claim | null;
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

/** GetAllGoodsInfo: "at most 500 items a page" (passoffer items/GetAllGoodsInfo.md). */
const ALL_GOODS_PAGE_SIZE = 500;
/** GetAllGoodsInfo `ItemStatus` per the guide's table: S0 review, S1 waiting, S2 on sale, S3/S5 stopped by Qoo10, S8 refused. */
const ITEM_STATUSES: ReadonlySet<string> = new Set(['S0', 'S1', 'S2', 'S3', 'S5', 'S8']);

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

/** Codes of the claim methods (cancellations.md §2.1, §2.4), CONFIRMED as documented there. */
export const QOO10_CLAIM_CODES = {
  /** GetClaimInfo_V3: "Search Date Error." */
  SEARCH_DATE: -10002,
  /** GetClaimInfo_V3: "Searching period exceeds to 90 days." */
  PERIOD_TOO_LONG: -10003,
  /** SetCancelProcess: bad order number */
  BAD_ORDER_NO: -10001,
  /** SetCancelProcess: no order */
  NO_ORDER: -10002,
  /** SetCancelProcess: bad seller */
  BAD_SELLER: -10003,
  /** SetCancelProcess: "주문상태가 올바르지 않습니다" (already shipped or already cancelled) */
  BAD_ORDER_STATE: -10004,
} as const;

/** The old OpenAPI's English labels for 1–6 (cancellations.md §2.3); the others translate the guide's Korean names. */
const CLAIM_LABEL: Record<Qoo10ClaimStat, string> = {
  1: 'Cancel Request',
  2: 'Cancelling',
  3: 'Cancel Completed',
  4: 'Return Request',
  5: 'Returning',
  6: 'Return completed',
  11: 'Exchange Request',
  12: 'Exchange Approved',
  13: 'Re-shipping',
  14: 'Non-receipt Refund Completed',
  15: 'Non-receipt Partial Refund Completed',
  16: 'Unpaid Order Cancelled',
};

/** SetCancelProcess `CancelReason` (cancellations.md §2.4): empty = 在庫なし (the seller's fault). */
const SELLER_CANCEL_REASON: Record<string, string> = { '': '在庫なし', '1': '注文変更', '2': '配送不可地域', '3': '配送遅延' };

/**
 * A line whose claim is 3 (cancelled) vanishes from GetShippingInfo (cancellations.md §2.5, CONFIRMED); 2
 * (cancelling) "probably" too (§2.7), and 16 (an unpaid order cancelled) is a cancel as well. Whether a line with an
 * open request (1) still shows is UNCONFIRMED: here it keeps showing with its shipping status.
 */
const GONE_CLAIMS: ReadonlySet<number> = new Set([2, 3, 16]);
const isGone = (o: { claim: Qoo10Claim | null }) => o.claim !== null && GONE_CLAIMS.has(o.claim.claimStatus);

/** An error a scenario hook reports (HTTP 409 over `/_sim`): the site would not let that happen in that state. */
export class Qoo10ScenarioError extends Error {}

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
  private maxClaimSearchDays = 90;
  private claimStatusFormat: Qoo10ClaimStatusFormat = 'number';
  private allGoodsPageSize = ALL_GOODS_PAGE_SIZE;

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
    this.maxClaimSearchDays = s.maxClaimSearchDays ?? 90;
    this.claimStatusFormat = s.claimStatusFormat ?? 'number';
    this.allGoodsPageSize = s.allGoodsPageSize ?? ALL_GOODS_PAGE_SIZE;
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
      claim: o.claim
        ? this.newClaim(o.claim)
        : o.cancelled
          ? { claimStatus: 3, reason: '', requestDate: o.orderDate, cancelRefundDate: o.orderDate }
          : null,
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

  /**
   * A completed cancel (claim 3) whatever the line's state: the line disappears from GetShippingInfo. For the
   * site's own paths use {@link buyerCancel}, {@link requestCancel} + {@link approveCancel}.
   */
  cancelOrder(orderNo: number, reason = ''): void {
    const o = this.mustOrder(orderNo);
    const now = formatJst(this.clock.now());
    o.claim = { claimStatus: 3, reason, requestDate: o.claim?.requestDate || now, cancelRefundDate: now };
  }

  // ----- claim scenarios (cancellations.md §2.5, §2.7) -----------------------------------------------------------

  /**
   * The buyer cancels in 配送要請 (2) before the seller set the ship date: immediately, without the seller
   * (Q-HELP, CONFIRMED) → claim 3 requested and completed now. Refused in any other state (after the seller
   * received the order a cancel is a request: {@link requestCancel}; after shipping, a return).
   */
  buyerCancel(orderNo: number, reason = '購入者都合'): OrderLine {
    const o = this.mustOrder(orderNo);
    if (o.claim) throw new Qoo10ScenarioError(`orderNo ${orderNo} already has claim ${o.claim.claimStatus}`);
    if (o.status !== 2)
      throw new Qoo10ScenarioError(`orderNo ${orderNo} is at shipping status ${o.status}: a buyer cancels immediately only at 2`);
    const now = formatJst(this.clock.now());
    o.claim = { claimStatus: 3, reason, requestDate: now, cancelRefundDate: now };
    return structuredClone(o);
  }

  /**
   * The buyer asks to cancel after the seller received the order (3): claim 1, waiting for the shop's consent.
   * The ClaimStat-1 mapping is UNCONFIRMED (inferred from the code name, §2.5). This is the Qoo10 "hold".
   */
  requestCancel(orderNo: number, reason = '購入者都合'): OrderLine {
    const o = this.mustOrder(orderNo);
    if (o.claim) throw new Qoo10ScenarioError(`orderNo ${orderNo} already has claim ${o.claim.claimStatus}`);
    if (o.status === 2) throw new Qoo10ScenarioError(`orderNo ${orderNo} is at 2: the buyer cancels it immediately (buyerCancel)`);
    if (o.status !== 3) throw new Qoo10ScenarioError(`orderNo ${orderNo} is at shipping status ${o.status}: no cancel request possible`);
    o.claim = { claimStatus: 1, reason, requestDate: formatJst(this.clock.now()), cancelRefundDate: '' };
    return structuredClone(o);
  }

  /** The seller approves a pending request in QSM (1 or 2 → 3, completed now). */
  approveCancel(orderNo: number): OrderLine {
    const o = this.mustOrder(orderNo);
    if (!o.claim || (o.claim.claimStatus !== 1 && o.claim.claimStatus !== 2))
      throw new Qoo10ScenarioError(`orderNo ${orderNo} has no pending cancel request`);
    o.claim = { ...o.claim, claimStatus: 3, cancelRefundDate: formatJst(this.clock.now()) };
    return structuredClone(o);
  }

  /** The buyer withdraws a pending request (1 or 2): the claim is gone and the line is live again. The Qoo10 "release". */
  withdrawCancel(orderNo: number): OrderLine {
    const o = this.mustOrder(orderNo);
    if (!o.claim || (o.claim.claimStatus !== 1 && o.claim.claimStatus !== 2))
      throw new Qoo10ScenarioError(`orderNo ${orderNo} has no pending cancel request`);
    o.claim = null;
    return structuredClone(o);
  }

  /** The buyer asks to return a shipped line (4 or 5): claim 4. */
  requestReturn(orderNo: number, reason = '返品希望'): OrderLine {
    return this.afterShipmentClaim(orderNo, 4, reason);
  }

  /** The buyer asks to exchange a shipped line (4 or 5): claim 11. */
  requestExchange(orderNo: number, reason = '交換希望'): OrderLine {
    return this.afterShipmentClaim(orderNo, 11, reason);
  }

  /** Sets (or with null removes) a line's claim as given, whatever its state. */
  setClaim(orderNo: number, claim: Qoo10ClaimSeed | null): OrderLine {
    const o = this.mustOrder(orderNo);
    o.claim = claim ? this.newClaim(claim) : null;
    return structuredClone(o);
  }

  private afterShipmentClaim(orderNo: number, claimStatus: Qoo10ClaimStat, reason: string): OrderLine {
    const o = this.mustOrder(orderNo);
    if (o.claim) throw new Qoo10ScenarioError(`orderNo ${orderNo} already has claim ${o.claim.claimStatus}`);
    if (o.status !== 4 && o.status !== 5) throw new Qoo10ScenarioError(`orderNo ${orderNo} is not shipped (status ${o.status})`);
    o.claim = { claimStatus, reason, requestDate: formatJst(this.clock.now()), cancelRefundDate: '' };
    return structuredClone(o);
  }

  private newClaim(seed: Qoo10ClaimSeed): Qoo10Claim {
    if (!QOO10_CLAIM_STATS.includes(seed.claimStatus)) throw new Error(`unknown claimStatus ${seed.claimStatus}`);
    return {
      claimStatus: seed.claimStatus,
      reason: seed.reason ?? '',
      requestDate: seed.requestDate ?? formatJst(this.clock.now()),
      cancelRefundDate: seed.cancelRefundDate ?? '',
    };
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

  /** The item with this Qoo10 item code, else the one with this seller code. */
  findItemByCode(code: string): Item | undefined {
    const i = this.items.find((x) => x.itemCode === code) ?? this.items.find((x) => x.sellerCode === code);
    return i ? structuredClone(i) : undefined;
  }

  /** The seller edits an item in QSM (no API call): a quantity (an option row's with `optionCode`), price, expiry. */
  sellerEdit(code: string, edit: Qoo10SellerEdit): Item {
    const found = this.findItemByCode(code);
    if (!found) throw new Error(`unknown item ${code}`);
    const item = this.items.find((i) => i.itemCode === found.itemCode)!;
    if (edit.qty !== undefined) {
      if (!Number.isInteger(edit.qty) || edit.qty < 0) throw new Error('qty must be a whole number ≥ 0');
      if (edit.optionCode === undefined && item.options.length) throw new Error('this item has options: name the optionCode');
      this.setStock(item.itemCode, edit.qty, edit.optionCode);
    }
    if (edit.price !== undefined) {
      if (!(edit.price >= 1)) throw new Error('price must be ≥ 1');
      item.price = edit.price;
    }
    if (edit.expireDate !== undefined) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(edit.expireDate) || parseJstDateTime(edit.expireDate) === null)
        throw new Error('expireDate must be yyyy-mm-dd');
      item.expireDate = edit.expireDate;
    }
    return structuredClone(item);
  }

  /**
   * The parameters every recorded call of `method` (e.g. `ItemsOrder.SetGoodsPriceQty`) carried, in order: the
   * query string and the form body, as Qoo10 would read them.
   */
  calls(method: string): Record<string, string>[] {
    const wanted = method.toLowerCase();
    return this.requests.flatMap((request) => {
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.query)) if (typeof v === 'string') params[k] = v;
      for (const [k, v] of new URLSearchParams(request.bodyText)) params[k] = v;
      const called = /\/([A-Za-z0-9_]+)\.qapi\/([A-Za-z0-9_]+)$/i.exec(request.path);
      const pathMethod =
        /ebayjapan\.qapi\/([A-Za-z0-9_]+\.[A-Za-z0-9_]+)$/i.exec(request.path)?.[1] ?? (called ? `${called[1]}.${called[2]}` : undefined);
      return (pathMethod ?? params.method ?? '').toLowerCase() === wanted ? [params] : [];
    });
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

  /** The scenario hooks under `/_sim/orders/{orderNo}/…` (the shared frame keeps them out of the log and faults). */
  protected override mountSimHooks(router: express.Router): void {
    const hooks = express.Router();
    hooks.use(express.json());
    const run = (res: Response, action: () => unknown) => {
      try {
        res.status(200).json(action());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        res
          .status(error instanceof Qoo10ScenarioError ? 409 : /^unknown (orderNo|item)/.test(message) ? 404 : 400)
          .json({ error: message });
      }
    };
    const body = (req: Request) => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});
    const reason = (req: Request) => (typeof body(req).reason === 'string' ? (body(req).reason as string) : undefined);
    const orderNo = (req: Request) => Number(req.params.orderNo);
    hooks.get('/orders/:orderNo', (req, res) =>
      run(res, () => {
        const o = this.getOrder(orderNo(req));
        if (!o) throw new Error(`unknown orderNo ${req.params.orderNo}`);
        return o;
      }),
    );
    hooks.post('/orders/:orderNo/buyer-cancel', (req, res) => run(res, () => this.buyerCancel(orderNo(req), reason(req))));
    hooks.post('/orders/:orderNo/cancel-request', (req, res) => run(res, () => this.requestCancel(orderNo(req), reason(req))));
    hooks.post('/orders/:orderNo/approve-cancel', (req, res) => run(res, () => this.approveCancel(orderNo(req))));
    hooks.post('/orders/:orderNo/withdraw-cancel', (req, res) => run(res, () => this.withdrawCancel(orderNo(req))));
    hooks.post('/orders/:orderNo/return-request', (req, res) => run(res, () => this.requestReturn(orderNo(req), reason(req))));
    hooks.post('/orders/:orderNo/exchange-request', (req, res) => run(res, () => this.requestExchange(orderNo(req), reason(req))));
    hooks.post('/orders/:orderNo/status', (req, res) =>
      run(res, () => {
        const status = Number(body(req).status);
        if (![1, 2, 3, 4, 5].includes(status)) throw new Error('status must be 1–5');
        this.setOrderStatus(orderNo(req), status as Qoo10ShippingStat);
        return this.getOrder(orderNo(req));
      }),
    );
    hooks.post('/orders/:orderNo/claim', (req, res) =>
      run(res, () => this.setClaim(orderNo(req), (body(req).claim ?? null) as Qoo10ClaimSeed | null)),
    );
    hooks.get('/items/:code', (req, res) =>
      run(res, () => {
        const item = this.findItemByCode(req.params.code);
        if (!item) throw new Error(`unknown item ${req.params.code}`);
        return item;
      }),
    );
    hooks.post('/items/:code', (req, res) => run(res, () => this.sellerEdit(req.params.code, body(req) as Qoo10SellerEdit)));

    router.use(hooks);
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
    'shippingbasic.getclaiminfo_v3': (c) => this.getClaimInfo(c),
    'shippingbasic.getshippingandclaiminfobyorderno_v2': (c) => this.getShippingAndClaimInfo(c),
    'claim.setcancelprocess': (c) => this.setCancelProcess(c),
    'itemsorder.setgoodspriceqty': (c) => this.setGoodsPriceQty(c),
    'itemsoptions.updateinventoryqtyunit': (c) => this.updateInventoryQtyUnit(c),
    'itemslookup.getgoodsinventoryinfo': (c) => this.getGoodsInventoryInfo(c),
    'itemslookup.getitemdetailinfo': (c) => this.getItemDetailInfo(c),
    'itemslookup.getallgoodsinfo': (c) => this.getAllGoodsInfo(c),
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
      .filter((o) => o.sellerId === c.account!.sellerId && !isGone(o) && statuses.includes(o.status))
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
      .filter((x) => x.packNo === o.packNo && x.orderNo !== o.orderNo && !isGone(x))
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
    if (o.status === 3 && !isGone(o)) return fail(QOO10_CODES.ALREADY_CONFIRMED, 'Already order-confirmed.');
    if (o.status !== 2 || isGone(o)) return fail(QOO10_CODES.NOT_REQUEST_STATE, 'Not in request shipping status.');
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
    if (isGone(o) || (o.status !== 2 && o.status !== 3))
      return fail(QOO10_CODES.NOT_SHIPPABLE, 'Processing Error - the order is not in a shippable status.');
    // A pending cancel request (1) is rejected in QSM by shipping (third-party seller guides, cancellations.md §2.4);
    // whether SetSendingInfo on such a line is accepted is UNCONFIRMED: here it is, and the request ends.
    if (o.claim?.claimStatus === 1) o.claim = null;
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

  // ----- cancellations.md §2 claims -------------------------------------------------------------------------------

  private claimStatusValue(claimStatus: Qoo10ClaimStat): number | string {
    if (this.claimStatusFormat === 'string') return String(claimStatus);
    if (this.claimStatusFormat === 'label') return `${CLAIM_LABEL[claimStatus]}(${claimStatus})`;
    return claimStatus;
  }

  /** The claim fields of one line; all empty when it has no claim (UNCONFIRMED how Qoo10 writes "no claim"). */
  private claimFields(o: OrderLine): Record<string, unknown> {
    const claim = o.claim;
    return {
      claimStatus: claim ? this.claimStatusValue(claim.claimStatus) : '',
      reason: claim?.reason ?? '',
      requestDate: claim?.requestDate ?? '',
      cancelRefundDate: claim?.cancelRefundDate ?? '',
    };
  }

  /** §2.1 `ClaimInfo_V2` row (field names CONFIRMED; a few return-leg values are placeholders). */
  private claimRow(o: OrderLine): Record<string, unknown> {
    const returnLeg = o.claim !== null && o.claim.claimStatus >= 4 && o.claim.claimStatus <= 6;
    return {
      orderNo: o.orderNo,
      packNo: o.packNo,
      ...this.claimFields(o),
      orderDate: o.orderDate,
      PaymentDate: o.paymentDate,
      shippingDate: o.shippingDate,
      DeliveredDate: o.deliveredDate,
      itemCode: o.itemCode,
      sellerItemCode: o.sellerItemCode,
      itemTitle: o.itemTitle,
      orderQty: o.orderQty,
      paymentNation: 'JP',
      currency: o.currency,
      paymentAmount: o.total,
      deliveryCompany: o.deliveryCompany,
      trackingNo: o.trackingNo,
      deliveryCompanyReturn: '',
      trackingNoReturn: '',
      pickupAddress: returnLeg ? joinAddr(o) : '',
      zipCode: o.zipCode,
      paymentReturnShipping: 0,
      itemCondition: '',
      receiver: o.receiver,
      receiverTel: o.receiverTel,
      receiverMobile: o.receiverMobile,
      buyer: o.buyer,
      buyerTel: o.buyerTel,
      buyerMobile: o.buyerMobile,
      CODCancelPrice: 0,
      CODQrefundPrice: 0,
      CODCancelRelatedOrder: '',
      nrDutyTarget: '',
      nrSolType: '',
      nrPartRefundCnt: 0,
      nrPartRefundBalance: 0,
    };
  }

  /**
   * §2.1 `ShippingBasic.GetClaimInfo_V3(ClaimStat, search_Sdate, search_Edate, search_condition)`: the claims in
   * state `ClaimStat` whose date named by `search_condition` (1 order date, 2 claim request date, 3 cancel/refund
   * completion date) falls in the window. Bad or missing dates → -10002; a window over 90 days → -10003.
   */
  private getClaimInfo(c: CallContext): QapiResult {
    const p = c.params;
    const from = parseSearchDate(p.str('search_Sdate'), false);
    const to = parseSearchDate(p.str('search_Edate'), true);
    if (from === null || to === null || to < from) return fail(QOO10_CLAIM_CODES.SEARCH_DATE, 'Search Date Error.');
    // The end bound is inclusive to the millisecond: a 90-day yyyyMMdd window passes, anything longer does not.
    if (to - from >= this.maxClaimSearchDays * DAY_MS)
      return fail(QOO10_CLAIM_CODES.PERIOD_TOO_LONG, 'Searching period exceeds to 90 days.');
    // UNCONFIRMED default when search_condition is blank: the order date, as for GetShippingInfo.
    const cond = p.str('search_condition') || '1';
    if (!/^[1-3]$/.test(cond)) return fail(QOO10_CLAIM_CODES.SEARCH_DATE, 'Search Date Error.');
    // UNCONFIRMED what a blank ClaimStat returns: here every claim; an unknown code matches nothing.
    const stat = p.str('ClaimStat');
    const dateOf = (o: OrderLine) => (cond === '1' ? o.orderDate : cond === '2' ? o.claim!.requestDate : o.claim!.cancelRefundDate);
    const rows = this.orders
      .filter((o) => o.sellerId === c.account!.sellerId && o.claim !== null)
      .filter((o) => stat === '' || String(o.claim!.claimStatus) === stat)
      .filter((o) => {
        const at = parseJstDateTime(dateOf(o));
        return at !== null && at >= from && at <= to;
      })
      .sort((a, b) => dateOf(a).localeCompare(dateOf(b)) || a.packNo - b.packNo || a.orderNo - b.orderNo);
    return ok(rows.map((o) => this.claimRow(o)));
  }

  /**
   * §2.2 `ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2(OrderNo)`: one flattened object, the v2 order fields
   * (shippingStatus 1–5) with the claim's. Cancelled lines are found here too. The codes for a bad or unknown
   * orderNo are not documented for this method: SetCancelProcess's (-10001 / -10002) are used, UNCONFIRMED.
   */
  private getShippingAndClaimInfo(c: CallContext): QapiResult {
    const raw = c.params.str('OrderNo');
    if (!/^\d+$/.test(raw)) return fail(QOO10_CLAIM_CODES.BAD_ORDER_NO, 'Invalid order number.');
    const o = this.orders.find((x) => x.orderNo === Number(raw) && x.sellerId === c.account!.sellerId);
    if (!o) return fail(QOO10_CLAIM_CODES.NO_ORDER, 'Not exists order info');
    const returnLeg = this.claimRow(o);
    return ok({
      ...this.v2Row(o, c.account!),
      ...this.claimFields(o),
      deliveryCompanyReturn: returnLeg.deliveryCompanyReturn,
      trackingNoReturn: returnLeg.trackingNoReturn,
      pickupAddress: returnLeg.pickupAddress,
      paymentReturnShipping: returnLeg.paymentReturnShipping,
      itemCondition: returnLeg.itemCondition,
    });
  }

  /**
   * §2.4 `Claim.SetCancelProcess(ContrNo, CancelReason, SellerMemo, returnFeeStat)`: the seller cancels one
   * orderNo. -10001 bad order number, -10002 no order, -10003 another seller's order, -10004 already shipped or
   * already cancelled (or cancelling). A line with a pending buyer request (1) is completed (→ 3) keeping the
   * buyer's reason ("buyer-initiated cancel reasons are not updated"): whether the real method does that is
   * UNCONFIRMED (§2.4). A line without a claim gets a completed seller cancel (3) with the reason given.
   */
  private setCancelProcess(c: CallContext): QapiResult {
    const p = c.params;
    const raw = p.str('ContrNo');
    if (!/^\d+$/.test(raw)) return fail(QOO10_CLAIM_CODES.BAD_ORDER_NO, 'Invalid order number.');
    const o = this.orders.find((x) => x.orderNo === Number(raw));
    if (!o) return fail(QOO10_CLAIM_CODES.NO_ORDER, 'Not exists order info');
    if (o.sellerId !== c.account!.sellerId) return fail(QOO10_CLAIM_CODES.BAD_SELLER, 'Invalid seller.');
    const cancelReason = p.str('CancelReason');
    // UNCONFIRMED: the answer to an unknown CancelReason or an over-long SellerMemo is not documented.
    if (!(cancelReason in SELLER_CANCEL_REASON)) return processingError('CancelReason must be empty, 1, 2 or 3.');
    if ((p.get('SellerMemo') ?? '').length > 1000) return processingError('SellerMemo is too long.');
    const now = formatJst(this.clock.now());
    if (o.claim?.claimStatus === 1 && (o.status === 2 || o.status === 3)) {
      o.claim = { ...o.claim, claimStatus: 3, cancelRefundDate: now };
      return ok();
    }
    if (o.claim !== null || (o.status !== 1 && o.status !== 2 && o.status !== 3))
      return fail(QOO10_CLAIM_CODES.BAD_ORDER_STATE, '주문상태가 올바르지 않습니다');
    o.claim = { claimStatus: 3, reason: SELLER_CANCEL_REASON[cancelReason], requestDate: now, cancelRefundDate: now };
    return ok();
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
    // Price: 1 ~ 999,999,999 (passoffer items/SetGoodsPriceQty.md). No source says a decimal string is refused, so
    // one is taken as its value; what was sent stays in the request log (`calls`).
    let price: number | undefined;
    if (p.str('Price') !== '') {
      if (!/^\d+(\.\d+)?$/.test(p.str('Price'))) return processingError('Price is invalid.');
      price = Number(p.str('Price'));
      if (price < 1 || price > 999_999_999) return processingError('Price must be 1 ~ 999999999.');
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
    // Every field is a String, prices with four decimals ("1871.0000") (spec §7, passoffer GetItemDetailInfo.md).
    // UNCONFIRMED: the form of TaxRate in this answer; it is written here as SetGoodsPriceQty takes it (S/10/8/0).
    return ok([
      {
        ItemCode: item.itemCode,
        SellerCode: item.sellerCode,
        ItemTitle: item.itemTitle,
        ItemQty: String(item.qty),
        ItemPrice: item.price.toFixed(4),
        ItemStatus: item.itemStatus,
        ExpireDate: item.expireDate,
        TaxRate: item.taxRate,
      },
    ]);
  }

  /**
   * The seller's items in one status, a page at a time (passoffer items/GetAllGoodsInfo.md): `ItemStatus` is
   * required; `Page` defaults to 1; at most 500 per page. Counts are numbers, codes strings. UNCONFIRMED which
   * statuses are accepted (the guide's table: S0/S1/S2/S3/S5/S8; its -10001 text: S0/S1/S2/S4): the table's here.
   */
  private getAllGoodsInfo(c: CallContext): QapiResult {
    const status = c.params.str('ItemStatus');
    if (!ITEM_STATUSES.has(status)) return fail(QOO10_CODES.NOT_FOUND, 'Please enter the correct ItemStatus.');
    const pageText = c.params.str('Page') || '1';
    if (!/^\d+$/.test(pageText)) return processingError('Page is invalid.');
    const page = Math.max(1, Number(pageText));
    const items = this.items.filter((i) => i.sellerId === c.account!.sellerId && i.itemStatus === status);
    const totalPages = Math.ceil(items.length / this.allGoodsPageSize);
    return ok({
      TotalItems: items.length,
      TotalPages: totalPages,
      PresentPage: page,
      Items: items
        .slice((page - 1) * this.allGoodsPageSize, page * this.allGoodsPageSize)
        .map((i) => ({ ItemCode: i.itemCode, SellerCode: i.sellerCode, ItemStatus: i.itemStatus })),
    });
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
