import express, { type Express, type Request, type Response } from 'express';
import { XMLParser } from 'fast-xml-parser';
import * as iconv from 'iconv-lite';
import { SiteSimulator, type FaultSpec, type SiteRequest } from '../site-simulator';

/**
 * 11st (11번가) Seller OPEN API simulator — follows `shared/specs/11st.md`.
 *
 * Auth is the `openapikey` header plus the caller-IP allow-list registered for that key (§1). Answers are XML,
 * EUC-KR bytes (`text/xml;charset=EUC-KR`, §1 Encoding) except `sellerprodcode`, observed as UTF-8.
 * Business errors are HTTP 200 with the endpoint's own envelope (`ns2:orders/ns2:result_code`,
 * `ResultOrder/result_code`, `ClientMessage/resultCode`).
 *
 * Default credentials after `seed(undefined)`: seller `mallbridge11`, key `11st-test-openapikey-0123456789ab`,
 * allowed IPs `127.0.0.1` and `::ffff:127.0.0.1`.
 *
 * Changes after intake follow `shared/specs/cancellations.md` §3 (test double §3.9): per line `ordPrdStat`, `ordQty`,
 * `ordCnQty` (cancelled quantity) and its cancel claims `{ordPrdCnSeq, ordCnStatCd 01/02/05, ordCnQty, ordCnMnbdCd,
 * ordCnRsnCd, createDt, cnTrtEndDt}`, plus return/exchange claims (`clmReqSeq`, `clmStat`). The claim lists
 * (`/rest/claimservice/cancelorders|canceledorders|withdrawcanceledorders|returnorders|exchangeorders/{start}/{end}`,
 * ≤ 30 days else -28008), the status reads (`orderlistall|orderlistalladdr/{ordNo,…}`, ≤ 100 else -28003),
 * `cancelreqconf` and `cancelreqreject` are served.
 *
 * Scenario hooks (methods, and `POST /_sim/orders/{ordNo}/{hook}` with a JSON body; answers the claims touched, or
 * `{ error }` with 400/404/409):
 * - `buyerCancel(ordNo, ordPrdSeq?, qty?)`      `buyer-cancel`    `{ ordPrdSeq?, qty?, reasonCode?, reason? }`
 *     at 202 the buyer cancels at once (02; the line → B01, or its ordCnQty grows); at 301 it becomes a request (01/701)
 * - `requestCancel(ordNo, ordPrdSeq?, qty?)`    `request-cancel`  (alias `hold`) same body: 01, line → 701
 * - `withdrawCancel(ordNo, ordPrdSeq?)`         `withdraw-cancel` (alias `release`) `{ ordPrdSeq? }`: 01 → 05, line live again
 * - `approveCancel(ordNo, ordPrdSeq?)`          `approve-cancel`  `{ ordPrdSeq? }`: the seller approves in Seller Office, 01 → 02
 * - `sellerCancel(ordNo, ordPrdSeq?, qty?)`     `seller-cancel`   (alias `cancel`; `lines/{ordPrdSeq}/cancel`) 판매불가처리: 02 by the seller at 202/301
 * - `requestReturn(ordNo, ordPrdSeq, qty?)`     `request-return`  `{ ordPrdSeq, qty?, reason? }`: clmStat 105, line → 601
 * - `requestExchange(ordNo, ordPrdSeq, qty?)`   `request-exchange` same: clmStat 201, line → 601
 * - `changeAddress(ordNo, recipient)`           `address`         `{ rcvrNm?, rcvrMailNo?, rcvrBaseAddr?, rcvrDtlsAddr?, rcvrPrtblNo?, rcvrTlphn? }` (before 발주확인 only)
 * - `shareDlvNo(ordNos, dlvNo?)`                `share-dlvno`     `{ withOrdNo }` or `{ dlvNo }`: one bundle (dlvNo) for both orders
 * - `getLines({ ordNo })`                       `GET /_sim/orders/{ordNo}`
 * Omitting `ordPrdSeq` applies a hook to every line of the order it can apply to.
 *
 * Listings (products §7): the seller's product search (`POST /rest/prodmarketservice/prodmarket`, apiSeq 1007) is
 * served beside `sellerprodcode` and the stock read and update. A seller changing a stock quantity in Seller Office:
 * - `setStock(prdStckNo, stckQty)`               `POST /_sim/stocks/{prdStckNo}`          `{ stckQty }`
 * - `setListingStock(listingKey, stckQty)`       `POST /_sim/listings/{listingKey}/stock`  `{ stckQty }`
 *     the option whose sellerStockCd is the key, else the one stock row of a product whose sellerPrdCd it is
 * - `getListing(listingKey)`                     `GET /_sim/listings/{listingKey}`
 * Each answers the stock row after it (with its `prdNo` and `sellerPrdCd`). Hooks are not recorded as site requests
 * and never hit by faults.
 */

// ---------------------------------------------------------------------------------------------------------------
// Seed shape
// ---------------------------------------------------------------------------------------------------------------

export interface ElevenStreetAccountSeed {
  sellerId: string;
  /** Sent by the client as the `openapikey` header. */
  apiKey: string;
  /** Caller IPs registered in Seller Office; default 127.0.0.1 and ::ffff:127.0.0.1. */
  allowedIps?: string[];
  /** ISO instant; from 2026-06-30 keys live 180 days (§1). Omit for no expiry. */
  keyExpiresAt?: string;
}

/** `ordPrdStat`, the official enum (cancellations.md §3.1). */
export type ElevenStreetOrdPrdStat =
  | '101'
  | '102'
  | '103'
  | '200'
  | '201'
  | '202'
  | '301'
  | '401'
  | '501'
  | '601'
  | '701'
  | '801'
  | '901'
  | 'A01'
  | 'B01'
  | 'C01';
export const ELEVEN_STREET_STATUS_NAMES: Record<ElevenStreetOrdPrdStat, string> = {
  '101': '주문완료',
  '102': '입금대기',
  '103': '예약대기',
  '200': '배송지입력대기',
  '201': '예약결제완료',
  '202': '결제완료',
  '301': '배송준비중',
  '401': '배송중',
  '501': '배송완료',
  '601': '클레임진행중',
  '701': '취소처리중',
  '801': '재승인대기중',
  '901': '구매확정',
  A01: '반품완료',
  B01: '주문취소',
  C01: '수취확인후주문취소',
};
/** Seed shorthand kept from before the claim model: 'cancel_requested' = an open 01 claim, 'cancelled' = a 02 for all. */
export type ElevenStreetClaim = 'none' | 'cancel_requested' | 'cancelled';

/**
 * `ordCnStatCd` (§3.2/§3.3): 01 취소요청, 02 취소완료, 05 취소신청취소 (철회완료). `03` marks a request the seller
 * rejected with a shipment (cancelreqreject); that value is the simulator's own (UNCONFIRMED: no source names it),
 * and no cancel list shows such a claim.
 */
export type ElevenStreetOrdCnStatCd = '01' | '02' | '03' | '05';

export interface ElevenStreetCancelClaimSeed {
  /** Claim number; generated when omitted. */
  ordPrdCnSeq?: string;
  ordCnStatCd: '01' | '02' | '05';
  /** Default: the line's live quantity. */
  ordCnQty?: number;
  /** 01 buyer, 02 seller; default 01. */
  ordCnMnbdCd?: '01' | '02';
  ordCnRsnCd?: string;
  ordCnDtlsRsn?: string;
  /** KST `YYYY-MM-DD HH:mm:ss`; default ordStlEndDt. */
  createDt?: string;
  /** KST `YYYY-MM-DD HH:mm:ss`, when the claim was completed or withdrawn; default createDt for 02/05. */
  cnTrtEndDt?: string;
  /** 01 일반취소, 02 발송지연직권취소. */
  ordCnTypCd?: '01' | '02';
}

export interface ElevenStreetAfterShipmentClaimSeed {
  kind: 'return' | 'exchange';
  clmReqSeq?: string;
  /** Default 105 (return) / 201 (exchange). */
  clmStat?: string;
  clmReqQty?: number;
  clmReqRsn?: string;
  clmReqCont?: string;
  /** KST `YYYY-MM-DD HH:mm:ss`. */
  reqDt?: string;
  /** 02 직접발송 / 06 11번가 지정반품택배 / 07 판매자 지정 / … */
  twMthd?: string;
}

export interface ElevenStreetRecipient {
  rcvrNm?: string;
  rcvrMailNo?: string;
  rcvrBaseAddr?: string;
  rcvrDtlsAddr?: string;
  rcvrPrtblNo?: string;
  rcvrTlphn?: string;
}

/** One order line (`ordNo` + `ordPrdSeq`); lines sharing a `dlvNo` ship together. */
export interface ElevenStreetOrderSeed {
  /** Owner; defaults to the first account. */
  sellerId?: string;
  ordNo: string;
  ordPrdSeq: number;
  dlvNo: string;
  /** Default '202'. With claims, the status before them (a 701 or B01 here is derived from the claims). */
  ordPrdStat?: ElevenStreetOrdPrdStat;
  /** Status a 701 line returns to when its request is withdrawn; default '301'. */
  ordPrdStatBeforeClaim?: ElevenStreetOrdPrdStat;
  /** Quantity cancelled without a claim on record; claims with 02 add theirs. */
  ordCnQty?: number;
  /** The line's cancel claim (§3.9), or its history in `cancelClaims` (oldest first). */
  cancelClaim?: ElevenStreetCancelClaimSeed;
  cancelClaims?: ElevenStreetCancelClaimSeed[];
  afterShipmentClaims?: ElevenStreetAfterShipmentClaimSeed[];
  /** Shorthand; see {@link ElevenStreetClaim}. */
  claim?: ElevenStreetClaim;
  /** KST `YYYY-MM-DD HH:mm:ss`. */
  ordDt: string;
  /** KST `YYYY-MM-DD HH:mm:ss`; defaults to ordDt. The complete/packaging windows filter on this (UNCONFIRMED). */
  ordStlEndDt?: string;
  /** 발주확인일시; set by reqpackaging. */
  plcodrCnfDt?: string;
  dlvSndDue?: string;
  prdNo: string;
  prdNm: string;
  prdStckNo: string;
  sellerPrdCd: string;
  sellerStockCd?: string;
  slctPrdOptNm?: string;
  selPrc: number;
  ordQty: number;
  ordOptWonStl?: number;
  sellerDscPrc?: number;
  tmallDscPrc?: number;
  addPrdYn?: 'Y' | 'N';
  /** Main product number for an add-on line; '0' otherwise. */
  addPrdNo?: string;
  bndlDlvSeq?: number;
  bndlDlvYN?: 'Y' | 'N';
  dlvCst?: number;
  /** 01 선불 / 02 착불 / 03 무료. */
  dlvCstType?: string;
  memID?: string;
  memNo?: string;
  ordNm: string;
  ordPrtblTel?: string;
  ordTlphnNo?: string;
  ordMailNo?: string;
  ordBaseAddr?: string;
  ordDtlsAddr?: string;
  rcvrNm: string;
  rcvrPrtblNo?: string;
  rcvrTlphn?: string;
  rcvrMailNo: string;
  rcvrBaseAddr: string;
  rcvrDtlsAddr?: string;
  /** 01 지번 / 02 도로명. */
  typeAdd?: string;
  ordDlvReqCont?: string;
  custGrdNm?: string;
}

export interface ElevenStreetStockSeed {
  prdStckNo: string;
  sellerStockCd?: string;
  /** e.g. `색상:사이즈`. */
  mixOptNm?: string;
  /** e.g. `블랙:M`. */
  mixDtlOptNm?: string;
  mixOptNo?: string;
  addPrc?: number;
  stckQty: number;
  selQty?: number;
  optWght?: number;
  /** 01 사용 / 02 품절. */
  prdStckStatCd?: '01' | '02';
}

export interface ElevenStreetProductSeed {
  sellerId?: string;
  prdNo: string;
  prdNm: string;
  sellerPrdCd: string;
  /** 판매상태 (apiSeq 1007): 101 승인대기 … 103 판매중 (default), 104 품절, 105 전시중지, 106 판매정상종료, 107 판매강제종료, 108 판매금지. */
  selStatCd?: string;
  stocks: ElevenStreetStockSeed[];
}

export interface ElevenStreetSeed {
  accounts?: ElevenStreetAccountSeed[];
  orders?: ElevenStreetOrderSeed[];
  products?: ElevenStreetProductSeed[];
  /** `dlvEtprsCd` → name accepted by reqdelivery; default: the §6 excerpt. */
  couriers?: Record<string, string>;
  /** Rows per list answer; §3: 3,000. */
  maxRows?: number;
}

type Account = Required<Omit<ElevenStreetAccountSeed, 'keyExpiresAt'>> & { keyExpiresAt?: string };

export interface ElevenStreetCancelClaim {
  ordPrdCnSeq: string;
  ordCnStatCd: ElevenStreetOrdCnStatCd;
  ordCnQty: number;
  ordCnMnbdCd: '01' | '02';
  ordCnRsnCd: string;
  ordCnDtlsRsn: string;
  createDt: string;
  cnTrtEndDt: string | null;
  ordCnTypCd: '01' | '02';
}

export interface ElevenStreetAfterShipmentClaim {
  kind: 'return' | 'exchange';
  clmReqSeq: string;
  clmStat: string;
  clmReqQty: number;
  clmReqRsn: string;
  clmReqCont: string;
  reqDt: string;
  twMthd: string;
}

interface OrderLine {
  sellerId: string;
  ordNo: string;
  ordPrdSeq: number;
  dlvNo: string;
  ordPrdStat: ElevenStreetOrdPrdStat;
  /** What a 701 line returns to when its request is withdrawn (or approved for part of the quantity). */
  ordPrdStatBeforeClaim: ElevenStreetOrdPrdStat | null;
  /** Cancelled quantity (completed claims); `orderlistall` adds the open request's. */
  ordCnQty: number;
  cancelClaims: ElevenStreetCancelClaim[];
  afterShipmentClaims: ElevenStreetAfterShipmentClaim[];
  ordDt: string;
  ordStlEndDt: string;
  plcodrCnfDt: string | null;
  dlvSndDue: string;
  prdNo: string;
  prdNm: string;
  prdStckNo: string;
  sellerPrdCd: string;
  sellerStockCd: string;
  slctPrdOptNm: string;
  selPrc: number;
  ordQty: number;
  ordOptWonStl: number;
  sellerDscPrc: number;
  tmallDscPrc: number;
  addPrdYn: 'Y' | 'N';
  addPrdNo: string;
  bndlDlvSeq: number;
  bndlDlvYN: 'Y' | 'N';
  dlvCst: number;
  dlvCstType: string;
  memID: string;
  memNo: string;
  ordNm: string;
  ordPrtblTel: string;
  ordTlphnNo: string;
  ordMailNo: string;
  ordBaseAddr: string;
  ordDtlsAddr: string;
  rcvrNm: string;
  rcvrPrtblNo: string;
  rcvrTlphn: string;
  rcvrMailNo: string;
  rcvrBaseAddr: string;
  rcvrDtlsAddr: string;
  typeAdd: string;
  ordDlvReqCont: string;
  custGrdNm: string;
  /** Set by reqdelivery. */
  dlvMthdCd: string | null;
  dlvEtprsCd: string;
  invcNo: string;
  sendDt: string | null;
}

interface Product {
  sellerId: string;
  prdNo: string;
  prdNm: string;
  sellerPrdCd: string;
  selStatCd: string;
  stocks: Required<ElevenStreetStockSeed>[];
}

export const ELEVEN_STREET_DEFAULT_ACCOUNT: ElevenStreetAccountSeed = {
  sellerId: 'mallbridge11',
  apiKey: '11st-test-openapikey-0123456789ab',
  allowedIps: ['127.0.0.1', '::ffff:127.0.0.1'],
};

/** §6 excerpt of the official `dlvEtprsCd` enum. */
export const ELEVEN_STREET_COURIERS: Record<string, string> = {
  '00034': 'CJ대한통운',
  '00012': '롯데(현대)택배',
  '00011': '한진택배',
  '00007': '우체국택배/등기',
  '00002': '로젠택배',
  '00108': '큐익스프레스',
  '00045': 'CJ대한통운 국제특송',
  '00058': 'EMS',
  '00039': 'DHL',
  '00047': 'Fedex',
  '00053': 'UPS',
  '00054': 'USPS',
  '00061': 'CU편의점택배',
  '00060': 'CVSnet편의점택배',
  '00022': '일양로지스',
  '00026': '경동택배',
  '00021': '대신택배',
  '00099': '기타',
};
/** Domestic parcel couriers whose invoice numbers are all digits (UNCONFIRMED rule for -3306). */
const DOMESTIC_COURIERS = new Set(['00034', '00012', '00011', '00007', '00002', '00061', '00060', '00022', '00026', '00021']);

const NS2 = 'http://skt.tmall.business.openapi.spring.service.client.domain/';
/** `selStatCd` → `selStatNm` (apiSeq 1007). */
const SALE_STATUS_NAMES: Record<string, string> = {
  '101': '승인대기',
  '102': '승인전',
  '103': '판매중',
  '104': '품절',
  '105': '전시중지',
  '106': '판매정상종료',
  '107': '판매강제종료',
  '108': '판매금지',
};
const MSG_NO_USER = 'OpenAPI Key 에 해당하는 유저가 없습니다.';
const MSG_MAINTENANCE = '서버 점검중입니다. 매주 금요일 새벽은 정기점검일 입니다.';
const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;
const FIRST_CLAIM_SEQ = 500_000_001;
/** Statuses before 발주확인: the buyer cancels at once and may edit the address (§3.4). */
const BEFORE_CONFIRMATION = new Set<string>(['101', '102', '103', '200', '201', '202']);
/** Statuses a cancel (or a cancel request) applies to: before shipment, no request open. */
const CANCELLABLE = new Set<string>([...BEFORE_CONFIRMATION, '301']);
const SHIPPED = new Set<string>(['401', '501', '901']);
/** §3.2/§3.3/§3.6: every claim list spans at most 30 days. */
const MAX_CLAIM_WINDOW_DAYS = 30;
/** §3.7: at most 100 order numbers per status read. */
const MAX_STATUS_READ_ORDERS = 100;
const CLAIM_LIST_NAMES = ['cancelorders', 'canceledorders', 'withdrawcanceledorders', 'returnorders', 'exchangeorders'] as const;
type ClaimListName = (typeof CLAIM_LIST_NAMES)[number];

/** A scenario hook the site would not allow in that state (HTTP 409 over `/_sim`), or bad input (400), or unknown (404). */
export class ElevenStreetSimStateError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

export interface ElevenStreetCancelReason {
  /** `ordCnRsnCd` */
  reasonCode?: string;
  /** `ordCnDtlsRsn` */
  reason?: string;
}

/** One stock row with the product it belongs to: what the listing hooks answer. */
export type ElevenStreetListingStock = Required<ElevenStreetStockSeed> & { prdNo: string; sellerPrdCd: string };

/** What a scenario hook touched: the line after it, and the claim it made or moved. */
export interface ElevenStreetHookResult {
  ordNo: string;
  ordPrdSeq: number;
  dlvNo: string;
  ordPrdStat: ElevenStreetOrdPrdStat;
  ordQty: number;
  ordCnQty: number;
  ordPrdCnSeq?: string;
  ordCnStatCd?: ElevenStreetOrdCnStatCd;
  clmReqSeq?: string;
  clmStat?: string;
}

function hookResult(line: OrderLine, claim?: ElevenStreetCancelClaim): ElevenStreetHookResult {
  return {
    ordNo: line.ordNo,
    ordPrdSeq: line.ordPrdSeq,
    dlvNo: line.dlvNo,
    ordPrdStat: line.ordPrdStat,
    ordQty: line.ordQty,
    ordCnQty: line.ordCnQty,
    ...(claim ? { ordPrdCnSeq: claim.ordPrdCnSeq, ordCnStatCd: claim.ordCnStatCd } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:mm:ss` in KST. */
export function formatKst(d: Date): string {
  const k = new Date(d.getTime() + KST_OFFSET_MS);
  return (
    `${k.getUTCFullYear()}-${pad(k.getUTCMonth() + 1)}-${pad(k.getUTCDate())} ` +
    `${pad(k.getUTCHours())}:${pad(k.getUTCMinutes())}:${pad(k.getUTCSeconds())}`
  );
}

/** `YYYYMMDDhhmm` in KST (the path-segment format). */
export function formatKstMinute(d: Date): string {
  return formatKst(d).replace(/[- :]/g, '').slice(0, 12);
}

function kstParts(y: number, mo: number, d: number, h: number, mi: number, s = 0): number | null {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const c = new Date(ms);
  if (c.getUTCFullYear() !== y || c.getUTCMonth() !== mo - 1 || c.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return ms - KST_OFFSET_MS;
}

function parseKstDateTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  return m ? kstParts(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]) : null;
}

/** §3: `YYYYMMDDhhmm`, exactly 12 digits, a real KST minute. */
function parseMinute(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  return m ? kstParts(+m[1], +m[2], +m[3], +m[4], +m[5]) : null;
}

/** A request's XML body by its declared charset (§1: EUC-KR vs UTF-8 is UNCONFIRMED; EUC-KR when none), or null. */
function xmlBodyOf(req: SiteRequest): Record<string, unknown> | null {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const text = /charset\s*=\s*"?utf-?8/.test(type) ? req.rawBody.toString('utf8') : iconv.decode(req.rawBody, 'euc-kr');
  try {
    return new XMLParser({ parseTagValue: false, ignoreDeclaration: true, trimValues: true }).parse(text, true) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Fields render in name order, as the JAXB-generated answers do (§3 sample); empty → `<x></x>`. */
function fieldsXml(fields: Record<string, string | number | null>): string {
  return Object.keys(fields)
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0))
    .map((k) => {
      const v = fields[k];
      // §3: some empty values are the literal string "null" (passed as null here), others empty elements.
      return `<${k}>${v === null ? 'null' : esc(String(v))}</${k}>`;
    })
    .join('');
}

type AuthResult = { account: Account } | { error: string };

// ---------------------------------------------------------------------------------------------------------------
// Simulator
// ---------------------------------------------------------------------------------------------------------------

export class ElevenStreetSimulator extends SiteSimulator {
  private accounts: Account[] = [];
  private orders: OrderLine[] = [];
  private products: Product[] = [];
  private couriers: Record<string, string> = {};
  private maxRows = 3000;
  private nextClaimSeq = FIRST_CLAIM_SEQ;

  constructor(seed?: ElevenStreetSeed) {
    super('11st');
    this.seed(seed);
  }

  seed(seed: unknown): void {
    const s = (seed ?? {}) as ElevenStreetSeed;
    const accounts = s.accounts && s.accounts.length > 0 ? s.accounts : [ELEVEN_STREET_DEFAULT_ACCOUNT];
    this.accounts = accounts.map((a) => ({
      sellerId: a.sellerId,
      apiKey: a.apiKey,
      allowedIps: [...(a.allowedIps ?? ['127.0.0.1', '::ffff:127.0.0.1'])],
      keyExpiresAt: a.keyExpiresAt,
    }));
    this.orders = [];
    this.products = [];
    this.couriers = { ...(s.couriers ?? ELEVEN_STREET_COURIERS) };
    this.maxRows = s.maxRows ?? 3000;
    this.nextClaimSeq = FIRST_CLAIM_SEQ;
    for (const o of s.orders ?? []) this.addOrder(o);
    for (const p of s.products ?? []) this.addProduct(p);
  }

  inspect(): { accounts: Account[]; orders: OrderLine[]; products: Product[] } {
    return structuredClone({ accounts: this.accounts, orders: this.orders, products: this.products });
  }

  // ----- direct methods ------------------------------------------------------------------------------------------

  addOrder(o: ElevenStreetOrderSeed): void {
    if (this.orders.some((x) => x.ordNo === o.ordNo && x.ordPrdSeq === o.ordPrdSeq))
      throw new Error(`order line ${o.ordNo}/${o.ordPrdSeq} already seeded`);
    const seededStat = o.ordPrdStat ?? '202';
    // A seed's 701 / B01 is derived from its claims below: the line starts from the status before them.
    const startStat: ElevenStreetOrdPrdStat =
      seededStat === '701' || seededStat === 'B01' ? (o.ordPrdStatBeforeClaim ?? (o.plcodrCnfDt ? '301' : '202')) : seededStat;
    const line: OrderLine = {
      sellerId: o.sellerId ?? this.accounts[0].sellerId,
      ordNo: o.ordNo,
      ordPrdSeq: o.ordPrdSeq,
      dlvNo: o.dlvNo,
      ordPrdStat: startStat,
      ordPrdStatBeforeClaim: null,
      ordCnQty: o.ordCnQty ?? 0,
      cancelClaims: [],
      afterShipmentClaims: [],
      ordDt: o.ordDt,
      ordStlEndDt: o.ordStlEndDt ?? o.ordDt,
      plcodrCnfDt: o.plcodrCnfDt ?? null,
      dlvSndDue: o.dlvSndDue ?? `${(o.ordStlEndDt ?? o.ordDt).slice(0, 10)} 00:00:00`,
      prdNo: o.prdNo,
      prdNm: o.prdNm,
      prdStckNo: o.prdStckNo,
      sellerPrdCd: o.sellerPrdCd,
      sellerStockCd: o.sellerStockCd ?? '',
      slctPrdOptNm: o.slctPrdOptNm ?? '',
      selPrc: o.selPrc,
      ordQty: o.ordQty,
      ordOptWonStl: o.ordOptWonStl ?? 0,
      sellerDscPrc: o.sellerDscPrc ?? 0,
      tmallDscPrc: o.tmallDscPrc ?? 0,
      addPrdYn: o.addPrdYn ?? 'N',
      addPrdNo: o.addPrdNo ?? '0',
      bndlDlvSeq: o.bndlDlvSeq ?? 0,
      bndlDlvYN: o.bndlDlvYN ?? 'N',
      dlvCst: o.dlvCst ?? 0,
      dlvCstType: o.dlvCstType ?? '03',
      memID: o.memID ?? '',
      memNo: o.memNo ?? '',
      ordNm: o.ordNm,
      ordPrtblTel: o.ordPrtblTel ?? '',
      ordTlphnNo: o.ordTlphnNo ?? '',
      ordMailNo: o.ordMailNo ?? '',
      ordBaseAddr: o.ordBaseAddr ?? '',
      ordDtlsAddr: o.ordDtlsAddr ?? '',
      rcvrNm: o.rcvrNm,
      rcvrPrtblNo: o.rcvrPrtblNo ?? '',
      rcvrTlphn: o.rcvrTlphn ?? '',
      rcvrMailNo: o.rcvrMailNo,
      rcvrBaseAddr: o.rcvrBaseAddr,
      rcvrDtlsAddr: o.rcvrDtlsAddr ?? '',
      typeAdd: o.typeAdd ?? '02',
      ordDlvReqCont: o.ordDlvReqCont ?? '',
      custGrdNm: o.custGrdNm ?? '',
      dlvMthdCd: null,
      dlvEtprsCd: '',
      invcNo: '',
      sendDt: null,
    };
    this.orders.push(line);
    const since = line.ordStlEndDt;
    const claims = [...(o.cancelClaims ?? []), ...(o.cancelClaim ? [o.cancelClaim] : [])];
    if (o.claim === 'cancel_requested' && claims.length === 0) claims.push({ ordCnStatCd: '01' });
    if (o.claim === 'cancelled' && claims.length === 0) claims.push({ ordCnStatCd: '02' });
    if (seededStat === '701' && !claims.some((c) => c.ordCnStatCd === '01')) claims.push({ ordCnStatCd: '01' });
    for (const c of claims) {
      const createDt = c.createDt ?? since;
      const claim = this.newCancelClaim(line, {
        ordPrdCnSeq: c.ordPrdCnSeq,
        qty: c.ordCnQty ?? this.liveQty(line),
        by: c.ordCnMnbdCd ?? '01',
        reasonCode: c.ordCnRsnCd,
        reason: c.ordCnDtlsRsn,
        at: createDt,
        typ: c.ordCnTypCd,
      });
      if (c.ordCnStatCd === '01') this.openRequest(line, claim);
      else if (c.ordCnStatCd === '02') this.completeCancel(line, claim, c.cnTrtEndDt ?? createDt);
      else {
        this.openRequest(line, claim);
        this.withdrawRequest(line, claim, c.cnTrtEndDt ?? createDt);
      }
    }
    if (seededStat === 'B01' && line.ordPrdStat !== 'B01') {
      line.ordCnQty = line.ordQty;
      line.ordPrdStat = 'B01';
    }
    if (line.ordCnQty >= line.ordQty && line.ordPrdStat !== '701') line.ordPrdStat = 'B01';
    for (const c of o.afterShipmentClaims ?? []) {
      line.afterShipmentClaims.push({
        kind: c.kind,
        clmReqSeq: this.claimSeq(c.clmReqSeq),
        clmStat: c.clmStat ?? (c.kind === 'return' ? '105' : '201'),
        clmReqQty: c.clmReqQty ?? line.ordQty,
        clmReqRsn: c.clmReqRsn ?? '',
        clmReqCont: c.clmReqCont ?? '',
        reqDt: c.reqDt ?? since,
        twMthd: c.twMthd ?? '06',
      });
    }
  }

  addProduct(p: ElevenStreetProductSeed): void {
    this.products.push({
      sellerId: p.sellerId ?? this.accounts[0].sellerId,
      prdNo: p.prdNo,
      prdNm: p.prdNm,
      sellerPrdCd: p.sellerPrdCd,
      selStatCd: p.selStatCd ?? '103',
      stocks: p.stocks.map((s) => ({
        prdStckNo: s.prdStckNo,
        sellerStockCd: s.sellerStockCd ?? '',
        mixOptNm: s.mixOptNm ?? '',
        mixDtlOptNm: s.mixDtlOptNm ?? '',
        mixOptNo: s.mixOptNo ?? '',
        addPrc: s.addPrc ?? 0,
        stckQty: s.stckQty,
        selQty: s.selQty ?? 0,
        optWght: s.optWght ?? 0,
        prdStckStatCd: s.prdStckStatCd ?? (s.stckQty > 0 ? '01' : '02'),
      })),
    });
  }

  getLines(filter: { ordNo?: string; dlvNo?: string } = {}): OrderLine[] {
    return structuredClone(
      this.orders.filter((o) => (!filter.ordNo || o.ordNo === filter.ordNo) && (!filter.dlvNo || o.dlvNo === filter.dlvNo)),
    );
  }

  setOrderStatus(ordNo: string, ordPrdSeq: number, stat: ElevenStreetOrdPrdStat): void {
    this.mustLine(ordNo, ordPrdSeq).ordPrdStat = stat;
  }

  /** Shorthand kept from before the claim model: opens a request, cancels the whole line, or withdraws. */
  setClaim(ordNo: string, ordPrdSeq: number, claim: ElevenStreetClaim): void {
    const line = this.mustLine(ordNo, ordPrdSeq);
    const open = this.openClaimOf(line);
    const now = formatKst(this.clock.now());
    if (claim === 'none') {
      if (open) this.withdrawRequest(line, open, now);
    } else if (claim === 'cancel_requested') {
      if (!open) this.openRequest(line, this.newCancelClaim(line, { qty: this.liveQty(line), by: '01', at: now }));
    } else if (line.ordPrdStat !== 'B01') {
      this.completeCancel(line, open ?? this.newCancelClaim(line, { qty: this.liveQty(line), by: '01', at: now }), now);
    }
  }

  // ----- scenario hooks (cancellations.md §3) -----------------------------------------------------------------------

  /**
   * The buyer cancels. Before 발주확인 (202 and earlier) at once: a 02 claim, the line → B01 or its cancelled
   * quantity grows. After 발주확인 (301) the buyer can only ask (§3.4, confirm-1634): a 01 request, the line → 701.
   */
  buyerCancel(ordNo: string, ordPrdSeq?: number, qty?: number, why: ElevenStreetCancelReason = {}): ElevenStreetHookResult[] {
    const lines = this.hookLines(ordNo, ordPrdSeq, qty, 'can be cancelled by the buyer (202 or 301, no open request)', (l) =>
      CANCELLABLE.has(l.ordPrdStat),
    );
    const now = formatKst(this.clock.now());
    return lines.map((line) => {
      const claim = this.newCancelClaim(line, {
        qty: qty ?? this.liveQty(line),
        by: '01',
        reasonCode: why.reasonCode,
        reason: why.reason,
        at: now,
      });
      if (BEFORE_CONFIRMATION.has(line.ordPrdStat)) this.completeCancel(line, claim, now);
      else this.openRequest(line, claim);
      return hookResult(line, claim);
    });
  }

  /** The buyer asks to cancel (01, line → 701): after 발주확인, or at 202 with a seller-fault reason (§3.4, 1745). */
  requestCancel(ordNo: string, ordPrdSeq?: number, qty?: number, why: ElevenStreetCancelReason = {}): ElevenStreetHookResult[] {
    const lines = this.hookLines(ordNo, ordPrdSeq, qty, 'can take a cancel request (202 or 301, no open request)', (l) =>
      CANCELLABLE.has(l.ordPrdStat),
    );
    const now = formatKst(this.clock.now());
    return lines.map((line) => {
      const claim = this.newCancelClaim(line, {
        qty: qty ?? this.liveQty(line),
        by: '01',
        reasonCode: why.reasonCode,
        reason: why.reason,
        at: now,
      });
      this.openRequest(line, claim);
      return hookResult(line, claim);
    });
  }

  /** The buyer withdraws the open request: 01 → 05, the line is live again (its status before the request). */
  withdrawCancel(ordNo: string, ordPrdSeq?: number): ElevenStreetHookResult[] {
    const lines = this.hookLines(ordNo, ordPrdSeq, undefined, 'has an open cancel request', (l) => !!this.openClaimOf(l));
    const now = formatKst(this.clock.now());
    return lines.map((line) => {
      const claim = this.openClaimOf(line)!;
      this.withdrawRequest(line, claim, now);
      return hookResult(line, claim);
    });
  }

  /** The seller approves the open request in Seller Office, as `cancelreqconf` does: 01 → 02. */
  approveCancel(ordNo: string, ordPrdSeq?: number): ElevenStreetHookResult[] {
    const lines = this.hookLines(ordNo, ordPrdSeq, undefined, 'has an open cancel request', (l) => !!this.openClaimOf(l));
    const now = formatKst(this.clock.now());
    return lines.map((line) => {
      const claim = this.openClaimOf(line)!;
      this.completeCancel(line, claim, now);
      return hookResult(line, claim);
    });
  }

  /** The seller cancels in Seller Office (판매불가처리, §3.5) at 202 or 301: a completed 02 claim by the seller. */
  sellerCancel(ordNo: string, ordPrdSeq?: number, qty?: number, why: ElevenStreetCancelReason = {}): ElevenStreetHookResult[] {
    const lines = this.hookLines(ordNo, ordPrdSeq, qty, 'can be cancelled by the seller (202 or 301, no open request)', (l) =>
      CANCELLABLE.has(l.ordPrdStat),
    );
    const now = formatKst(this.clock.now());
    return lines.map((line) => {
      const claim = this.newCancelClaim(line, {
        qty: qty ?? this.liveQty(line),
        by: '02',
        reasonCode: why.reasonCode ?? '99',
        reason: why.reason ?? '판매불가',
        at: now,
      });
      this.completeCancel(line, claim, now);
      return hookResult(line, claim);
    });
  }

  /** The buyer asks to return a shipped line (§3.6): a return claim (clmStat 105), the line → 601. */
  requestReturn(ordNo: string, ordPrdSeq: number, qty?: number, reason?: string): ElevenStreetHookResult[] {
    return this.afterShipment('return', ordNo, ordPrdSeq, qty, reason);
  }

  /** The buyer asks to exchange a shipped line (§3.6): an exchange claim (clmStat 201), the line → 601. */
  requestExchange(ordNo: string, ordPrdSeq: number, qty?: number, reason?: string): ElevenStreetHookResult[] {
    return this.afterShipment('exchange', ordNo, ordPrdSeq, qty, reason);
  }

  /** The buyer edits the delivery address: only before 발주확인 (§3.7, confirm-1634). */
  changeAddress(ordNo: string, recipient: ElevenStreetRecipient): ElevenStreetHookResult[] {
    const lines = this.orders.filter((o) => o.ordNo === ordNo);
    if (lines.length === 0) throw new ElevenStreetSimStateError(`unknown order ${ordNo}`, 404);
    const live = lines.filter((l) => l.ordPrdStat !== 'B01');
    if (live.length === 0 || live.some((l) => !BEFORE_CONFIRMATION.has(l.ordPrdStat)))
      throw new ElevenStreetSimStateError(`order ${ordNo}: after 발주확인 the buyer cannot change the address`, 409);
    const fields = ['rcvrNm', 'rcvrMailNo', 'rcvrBaseAddr', 'rcvrDtlsAddr', 'rcvrPrtblNo', 'rcvrTlphn'] as const;
    for (const line of lines) {
      for (const field of fields) {
        const value = recipient[field];
        if (value !== undefined) line[field] = String(value);
      }
    }
    return lines.map((line) => hookResult(line));
  }

  /** Puts every line of these orders on one bundle (`dlvNo`): `dlvNo`, else the first order's. */
  shareDlvNo(ordNos: string[], dlvNo?: string): ElevenStreetHookResult[] {
    const lines = ordNos.flatMap((ordNo) => {
      const found = this.orders.filter((o) => o.ordNo === ordNo);
      if (found.length === 0) throw new ElevenStreetSimStateError(`unknown order ${ordNo}`, 404);
      return found;
    });
    const target = dlvNo ?? lines[0]?.dlvNo;
    if (!target) throw new ElevenStreetSimStateError('no order to bundle', 400);
    for (const line of lines) line.dlvNo = target;
    return lines.map((line) => hookResult(line));
  }

  private afterShipment(
    kind: 'return' | 'exchange',
    ordNo: string,
    ordPrdSeq: number,
    qty?: number,
    reason?: string,
  ): ElevenStreetHookResult[] {
    const [line] = this.hookLines(ordNo, ordPrdSeq, qty, 'is shipped (401, 501 or 901)', (l) => SHIPPED.has(l.ordPrdStat));
    const quantity = qty ?? this.liveQty(line);
    const claim: ElevenStreetAfterShipmentClaim = {
      kind,
      clmReqSeq: this.claimSeq(),
      clmStat: kind === 'return' ? '105' : '201',
      clmReqQty: quantity,
      clmReqRsn: reason ?? (kind === 'return' ? '단순변심' : '사이즈 교환'),
      clmReqCont: '',
      reqDt: formatKst(this.clock.now()),
      twMthd: '06',
    };
    line.afterShipmentClaims.push(claim);
    line.ordPrdStatBeforeClaim = line.ordPrdStat;
    line.ordPrdStat = '601';
    return [{ ...hookResult(line), clmReqSeq: claim.clmReqSeq, clmStat: claim.clmStat }];
  }

  /**
   * The lines a hook acts on: the one named (which must fit), or every line of the order that fits. A
   * quantity needs one named line and must be between 1 and its live quantity.
   */
  private hookLines(
    ordNo: string,
    ordPrdSeq: number | undefined,
    qty: number | undefined,
    what: string,
    fits: (line: OrderLine) => boolean,
  ): OrderLine[] {
    const lines = this.orders.filter((o) => o.ordNo === ordNo && (ordPrdSeq === undefined || o.ordPrdSeq === Number(ordPrdSeq)));
    if (lines.length === 0)
      throw new ElevenStreetSimStateError(
        ordPrdSeq === undefined ? `unknown order ${ordNo}` : `unknown order line ${ordNo}/${ordPrdSeq}`,
        404,
      );
    if (qty !== undefined) {
      if (ordPrdSeq === undefined) throw new ElevenStreetSimStateError('a quantity needs ordPrdSeq', 400);
      if (!Number.isInteger(qty) || qty < 1 || qty > this.liveQty(lines[0]))
        throw new ElevenStreetSimStateError(`qty must be a whole number from 1 to ${this.liveQty(lines[0])}`, 400);
    }
    const fitting = lines.filter(fits);
    if (fitting.length === 0 || (ordPrdSeq !== undefined && fitting.length !== lines.length)) {
      const states = lines.map((l) => `${l.ordPrdSeq}:${l.ordPrdStat}`).join(', ');
      throw new ElevenStreetSimStateError(`order ${ordNo}: no line that ${what} (lines ${states})`, 409);
    }
    return fitting;
  }

  // ----- claim transitions ----------------------------------------------------------------------------------------

  private liveQty(line: OrderLine): number {
    return Math.max(0, line.ordQty - line.ordCnQty);
  }

  private openClaimOf(line: OrderLine): ElevenStreetCancelClaim | undefined {
    return line.cancelClaims.find((c) => c.ordCnStatCd === '01');
  }

  /** Claim numbers: the seed's, else the next free one. */
  private claimSeq(given?: string): string {
    if (given !== undefined) {
      if (/^\d+$/.test(given) && Number(given) >= this.nextClaimSeq) this.nextClaimSeq = Number(given) + 1;
      return given;
    }
    return String(this.nextClaimSeq++);
  }

  private newCancelClaim(
    line: OrderLine,
    c: { ordPrdCnSeq?: string; qty: number; by: '01' | '02'; reasonCode?: string; reason?: string; at: string; typ?: '01' | '02' },
  ): ElevenStreetCancelClaim {
    const live = this.liveQty(line);
    if (!Number.isInteger(c.qty) || c.qty < 1 || c.qty > live)
      throw new ElevenStreetSimStateError(`order line ${line.ordNo}/${line.ordPrdSeq}: cancel quantity ${c.qty} outside 1..${live}`, 400);
    const claim: ElevenStreetCancelClaim = {
      ordPrdCnSeq: this.claimSeq(c.ordPrdCnSeq),
      ordCnStatCd: '01',
      ordCnQty: c.qty,
      ordCnMnbdCd: c.by,
      // §3.2 reason codes (cancel-1639 table): 10 고객변심 for the buyer, 99 기타 otherwise.
      ordCnRsnCd: c.reasonCode ?? (c.by === '01' ? '10' : '99'),
      ordCnDtlsRsn: c.reason ?? (c.by === '01' ? '구매의사 취소' : '판매불가'),
      createDt: c.at,
      cnTrtEndDt: null,
      ordCnTypCd: c.typ ?? '01',
    };
    line.cancelClaims.push(claim);
    return claim;
  }

  private openRequest(line: OrderLine, claim: ElevenStreetCancelClaim): void {
    claim.ordCnStatCd = '01';
    line.ordPrdStatBeforeClaim = line.ordPrdStat;
    line.ordPrdStat = '701';
  }

  /** 02: the claim's quantity is cancelled; the line is B01 when nothing is left, else back where it was. */
  private completeCancel(line: OrderLine, claim: ElevenStreetCancelClaim, at: string): void {
    const before = line.ordPrdStat === '701' ? (line.ordPrdStatBeforeClaim ?? '301') : line.ordPrdStat;
    claim.ordCnStatCd = '02';
    claim.cnTrtEndDt = at;
    line.ordCnQty += claim.ordCnQty;
    line.ordPrdStatBeforeClaim = null;
    line.ordPrdStat = line.ordCnQty >= line.ordQty ? 'B01' : before;
  }

  private withdrawRequest(line: OrderLine, claim: ElevenStreetCancelClaim, at: string): void {
    claim.ordCnStatCd = '05';
    claim.cnTrtEndDt = at;
    if (line.ordPrdStat === '701') line.ordPrdStat = line.ordPrdStatBeforeClaim ?? '301';
    line.ordPrdStatBeforeClaim = null;
  }

  /** The seller sets an option's stock in Seller Office; its 품절 status follows, as on a stockqty PUT. */
  setStock(prdStckNo: string, stckQty: number): ElevenStreetListingStock {
    if (!Number.isInteger(stckQty) || stckQty < 0) throw new ElevenStreetSimStateError('stckQty must be a whole number ≥ 0', 400);
    const stock = this.mustStock(prdStckNo);
    stock.stckQty = stckQty;
    stock.prdStckStatCd = stckQty > 0 ? '01' : '02';
    return this.listingStock(prdStckNo)!;
  }

  /** `setStock` for the stock row a listing key names (see {@link getListing}). */
  setListingStock(listingKey: string, stckQty: number): ElevenStreetListingStock {
    const listing = this.getListing(listingKey);
    if (!listing) throw new ElevenStreetSimStateError(`no stock row for listing key ${listingKey}`, 404);
    return this.setStock(listing.prdStckNo, stckQty);
  }

  /**
   * The stock row a listing key names, as Mallbridge keys 11st listings: the option whose sellerStockCd it is,
   * else the one row of a product whose sellerPrdCd it is.
   */
  getListing(listingKey: string): ElevenStreetListingStock | undefined {
    for (const p of this.products) {
      const option = p.stocks.find((x) => x.sellerStockCd === listingKey);
      if (option) return this.listingStock(option.prdStckNo);
    }
    const single = this.products.find((p) => p.sellerPrdCd === listingKey && p.stocks.length === 1);
    return single ? this.listingStock(single.stocks[0].prdStckNo) : undefined;
  }

  private listingStock(prdStckNo: string): ElevenStreetListingStock | undefined {
    for (const p of this.products) {
      const s = p.stocks.find((x) => x.prdStckNo === prdStckNo);
      if (s) return { ...s, prdNo: p.prdNo, sellerPrdCd: p.sellerPrdCd };
    }
    return undefined;
  }

  getStock(prdStckNo: string): Required<ElevenStreetStockSeed> | undefined {
    for (const p of this.products) {
      const s = p.stocks.find((x) => x.prdStckNo === prdStckNo);
      if (s) return { ...s };
    }
    return undefined;
  }

  /** Expire a key (all keys when omitted) at the simulator clock's "now". */
  expireKey(apiKey?: string): void {
    const at = new Date(this.clock.now().getTime() - 1).toISOString();
    for (const a of this.accounts) if (apiKey === undefined || a.apiKey === apiKey) a.keyExpiresAt = at;
  }

  setAllowedIps(ips: string[], apiKey?: string): void {
    for (const a of this.accounts) if (apiKey === undefined || a.apiKey === apiKey) a.allowedIps = [...ips];
  }

  private mustLine(ordNo: string, ordPrdSeq: number): OrderLine {
    const l = this.orders.find((o) => o.ordNo === ordNo && o.ordPrdSeq === Number(ordPrdSeq));
    if (!l) throw new Error(`unknown order line ${ordNo}/${ordPrdSeq}`);
    return l;
  }

  private mustStock(prdStckNo: string): Required<ElevenStreetStockSeed> {
    for (const p of this.products) {
      const s = p.stocks.find((x) => x.prdStckNo === prdStckNo);
      if (s) return s;
    }
    throw new ElevenStreetSimStateError(`unknown prdStckNo ${prdStckNo}`, 404);
  }

  // ----- transport ------------------------------------------------------------------------------------------------

  private sendXml(res: Response, body: string, charset: 'EUC-KR' | 'UTF-8' = 'EUC-KR'): void {
    const xml = `<?xml version="1.0" encoding="${charset}" standalone="yes"?>\n${body}`;
    res
      .status(200)
      .set('Content-Type', `text/xml;charset=${charset}`)
      .send(charset === 'EUC-KR' ? iconv.encode(xml, 'euc-kr') : Buffer.from(xml, 'utf8'));
  }

  private ordersEnvelope(code: number | string, text: string): string {
    return `<ns2:orders xmlns:ns2="${NS2}"><ns2:result_code>${code}</ns2:result_code><ns2:result_text>${esc(text)}</ns2:result_text></ns2:orders>`;
  }

  private resultOrder(code: number | string, text: string): string {
    return `<ResultOrder><openMallID>11ST</openMallID><result_code>${code}</result_code><result_text>${esc(text)}</result_text></ResultOrder>`;
  }

  private clientMessage(code: number | string, message: string, productNo = ''): string {
    return `<ClientMessage><productNo>${esc(productNo)}</productNo><message>${esc(message)}</message><resultCode>${code}</resultCode></ClientMessage>`;
  }

  private authenticate(req: Request): AuthResult {
    const header = req.headers['openapikey'];
    const key = (Array.isArray(header) ? header[0] : header) ?? '';
    const account = this.accounts.find((a) => a.apiKey === key);
    if (!account) return { error: MSG_NO_USER };
    // §1: key lifetime 180 days; the expiry answer is UNCONFIRMED — rendered as the same business error.
    if (account.keyExpiresAt && this.clock.now().getTime() >= Date.parse(account.keyExpiresAt))
      return { error: 'OpenAPI Key 의 유효기간이 만료되었습니다.' };
    // §1: IP allow-list; the rejection answer is UNCONFIRMED — a -1 business error in the endpoint's envelope.
    const ip = req.socket.remoteAddress ?? '';
    if (!account.allowedIps.includes(ip)) return { error: `허용되지 않은 IP 입니다. (IP : ${ip})` };
    return { account };
  }

  protected mountRoutes(app: Express): void {
    app.get('/rest/ordservices/complete/:startTime/:endTime', (req, res) => this.list(req, res, 'complete'));
    app.get('/rest/ordservices/packaging/:startTime/:endTime', (req, res) => this.list(req, res, 'packaging'));
    app.get('/rest/ordservices/reqpackaging/:ordNo/:ordPrdSeq/:addPrdYn/:addPrdNo/:dlvNo', (req, res) => this.reqPackaging(req, res));
    app.get('/rest/ordservices/reqdelivery/:sendDt/:dlvMthdCd/:dlvEtprsCd/:invcNo/:dlvNo', (req, res) => this.reqDelivery(req, res));
    app.get('/rest/prodmarketservice/sellerprodcode/:sellerPrdCd', (req, res) => this.productByCode(req, res));
    app.post('/rest/prodmarketservice/prodmarket', (req, res) => this.productSearch(req as unknown as SiteRequest, res));
    app.get('/rest/prodmarketservice/prodmarket/stck/:prdNo', (req, res) => this.stockRead(req, res));
    app.put('/rest/prodservices/stockqty/:prdStckNo', (req, res) => this.stockUpdate(req as unknown as SiteRequest, res));
    for (const list of CLAIM_LIST_NAMES)
      app.get(`/rest/claimservice/${list}/:startTime/:endTime`, (req, res) => this.claimList(req, res, list));
    app.get('/rest/claimservice/orderlistall/:ordNos', (req, res) => this.statusRead(req, res, false));
    app.get('/rest/claimservice/orderlistalladdr/:ordNos', (req, res) => this.statusRead(req, res, true));
    app.get('/rest/claimservice/cancelreqconf/:ordPrdCnSeq/:ordNo/:ordPrdSeq', (req, res) => this.cancelReqConf(req, res));
    app.get(/^\/rest\/claimservice\/cancelreqreject(\/.*)?$/, (req, res) => this.cancelReqReject(req, res));
  }

  protected override mountSimHooks(router: express.Router): void {
    router.use(this.hookRoutes());
  }

  protected renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void {
    const code = fault.siteCode ?? '-1000';
    const text = fault.siteMessage ?? (String(code) === '-1000' ? MSG_MAINTENANCE : '오류가 발생했습니다.');
    const path = req.path;
    if (/\/(ordservices\/(reqpackaging|reqdelivery)|claimservice\/(cancelreqconf|cancelreqreject))\//.test(path))
      this.sendXml(res, this.resultOrder(code, text));
    else if (path.startsWith('/rest/ordservices/') || path.startsWith('/rest/claimservice/'))
      this.sendXml(res, this.ordersEnvelope(code, text));
    else this.sendXml(res, this.clientMessage(code, text));
  }

  // ----- §3/§4 order lists ----------------------------------------------------------------------------------------

  private list(req: Request, res: Response, kind: 'complete' | 'packaging'): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.ordersEnvelope(-1, `주문/클레임 조회 오류 MSG : ${auth.error}`));
      return;
    }
    // §3/§4: -3103/-3104/-3105 for complete, -3303/-3304/-3305 for packaging.
    const base = kind === 'complete' ? -3100 : -3300;
    const startRaw = String(req.params.startTime);
    const endRaw = String(req.params.endTime);
    const start = parseMinute(startRaw);
    if (start === null) {
      this.sendXml(res, this.ordersEnvelope(base - 3, '조회 시작일자 형식이 올바르지 않습니다. (YYYYMMDDhhmm)'));
      return;
    }
    const end = parseMinute(endRaw);
    if (end === null) {
      this.sendXml(res, this.ordersEnvelope(base - 4, '조회 종료일자 형식이 올바르지 않습니다. (YYYYMMDDhhmm)'));
      return;
    }
    // §3: "조회 기간은 최대 7일", error when end − start ≥ 8 days. Counted in calendar days of the two KST
    // dates (the guide speaks in days), so 8 calendar days apart fails even if under 8×24h; an end before
    // the start is treated as a bad window too (UNCONFIRMED code).
    const dayDiff = Math.round(
      (Date.UTC(+endRaw.slice(0, 4), +endRaw.slice(4, 6) - 1, +endRaw.slice(6, 8)) -
        Date.UTC(+startRaw.slice(0, 4), +startRaw.slice(4, 6) - 1, +startRaw.slice(6, 8))) /
        DAY_MS,
    );
    if (end < start || dayDiff >= 8) {
      this.sendXml(res, this.ordersEnvelope(base - 5, '조회 기간은 최대 7일까지 가능합니다.'));
      return;
    }
    const stat = kind === 'complete' ? '202' : '301';
    const rows = this.orders
      .filter((o) => o.sellerId === auth.account.sellerId && o.ordPrdStat === stat)
      .filter((o) => {
        // UNCONFIRMED filter basis (§10): payment-complete time; the end minute is inclusive.
        const at = parseKstDateTime(o.ordStlEndDt);
        return at !== null && at >= start && at < end + 60_000;
      })
      .sort((a, b) => a.ordStlEndDt.localeCompare(b.ordStlEndDt) || a.ordNo.localeCompare(b.ordNo) || a.ordPrdSeq - b.ordPrdSeq)
      .slice(0, this.maxRows); // §3: at most 3,000 rows, no paging parameters
    if (rows.length === 0) {
      // §3: "no results" is result_code 0 in the same root — not an error.
      this.sendXml(res, this.ordersEnvelope(0, '조회된 결과가 없습니다.'));
      return;
    }
    const body = rows.map((o) => `<ns2:order>${fieldsXml(this.orderFields(o, kind))}</ns2:order>`).join('');
    this.sendXml(res, `<ns2:orders xmlns:ns2="${NS2}">${body}</ns2:orders>`);
  }

  private orderFields(o: OrderLine, kind: 'complete' | 'packaging'): Record<string, string | number | null> {
    const ordAmt = o.selPrc * o.ordQty + o.ordOptWonStl;
    const ordPayAmt = ordAmt - o.sellerDscPrc - o.tmallDscPrc;
    const fields: Record<string, string | number | null> = {
      addPrdNo: o.addPrdNo,
      addPrdYn: o.addPrdYn,
      appmtDdDlvDy: '',
      appmtEltRefuseYn: '',
      appmtselStockCd: '',
      bmDlvCst: 0,
      bmDlvCstType: '',
      bndlDlvSeq: o.bndlDlvSeq,
      bndlDlvYN: o.bndlDlvYN,
      custGrdNm: o.custGrdNm,
      delaySendDt: null,
      dlvCst: o.dlvCst,
      dlvCstType: o.dlvCstType,
      dlvEtprsCd: o.dlvEtprsCd,
      dlvMthdCd: o.dlvMthdCd,
      dlvNo: o.dlvNo,
      dlvSndDue: o.dlvSndDue,
      engNm: '',
      gblDlvYn: 'N',
      gifeser: '',
      invcNo: o.invcNo,
      lstSellerDscPrc: o.sellerDscPrc,
      lstTmallDscPrc: o.tmallDscPrc,
      memID: o.memID,
      memNo: o.memNo,
      ordAmt,
      ordBaseAddr: o.ordBaseAddr,
      ordDlvReqCont: o.ordDlvReqCont,
      ordDt: o.ordDt,
      ordDtlsAddr: o.ordDtlsAddr,
      ordMailNo: o.ordMailNo,
      ordNm: o.ordNm,
      ordNo: o.ordNo,
      ordOptWonStl: o.ordOptWonStl,
      ordPayAmt,
      ordPrdSeq: o.ordPrdSeq,
      ordPrdStat: o.ordPrdStat,
      ordPrtblTel: o.ordPrtblTel,
      ordQty: o.ordQty,
      ordStlEndDt: o.ordStlEndDt,
      ordTlphnNo: o.ordTlphnNo,
      plcodrCnfDt: o.plcodrCnfDt,
      prdNm: o.prdNm,
      prdNo: o.prdNo,
      prdStckNo: o.prdStckNo,
      psnCscUniqNo: '',
      rcvrBaseAddr: o.rcvrBaseAddr,
      rcvrDtlsAddr: o.rcvrDtlsAddr,
      rcvrMailNo: o.rcvrMailNo,
      rcvrMailNoSeq: '001',
      rcvrNm: o.rcvrNm,
      rcvrPrtblNo: o.rcvrPrtblNo,
      rcvrTlphn: o.rcvrTlphn,
      referSeq: '',
      selPrc: o.selPrc,
      sellerDscPrc: o.sellerDscPrc,
      sellerPrdCd: o.sellerPrdCd,
      sellerStockCd: o.sellerStockCd,
      sendClfCd: '',
      sendGiftYn: 'N',
      slctPrdOptNm: o.slctPrdOptNm,
      stlPlnAmt: Math.round(ordPayAmt * 0.92),
      tmallDscPrc: o.tmallDscPrc,
      typeAdd: o.typeAdd,
      typeBilNo: '',
      use11stRetailYn: 'N',
      visitDlvYn: 'N',
    };
    if (kind === 'packaging') {
      // §4: packaging rows add the per-line amounts.
      fields.tmallDscPrcPerSeq = o.tmallDscPrc;
      fields.sellerDscPrcPerSeq = o.sellerDscPrc;
      fields.ordPayAmtPerSeq = ordPayAmt;
    }
    return fields;
  }

  // ----- §5 reqpackaging ------------------------------------------------------------------------------------------

  private reqPackaging(req: Request, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.resultOrder(-1, auth.error));
      return;
    }
    const { ordNo, ordPrdSeq, addPrdYn, addPrdNo, dlvNo } = req.params as Record<string, string>;
    if (
      !/^\d+$/.test(ordNo) ||
      !/^\d+$/.test(ordPrdSeq) ||
      !/^\d+$/.test(dlvNo) ||
      (addPrdYn !== 'Y' && addPrdYn !== 'N') ||
      // §5: addPrdNo is the literal string `null` when the line is not an add-on.
      (addPrdYn === 'N' && addPrdNo !== 'null') ||
      (addPrdYn === 'Y' && !/^\d+$/.test(addPrdNo))
    ) {
      this.sendXml(res, this.resultOrder(-1, '발주확인 요청 파라미터가 올바르지 않습니다.'));
      return;
    }
    const line = this.orders.find(
      (o) => o.sellerId === auth.account.sellerId && o.ordNo === ordNo && o.ordPrdSeq === Number(ordPrdSeq) && o.dlvNo === dlvNo,
    );
    if (!line) {
      this.sendXml(res, this.resultOrder(-3206, '발주확인 처리할 주문이 없습니다.'));
      return;
    }
    // §3.9: B01 → -3211 주문취소된 주문건; a line with an open cancel request (701) → -3214 취소처리중인 주문건.
    if (line.ordPrdStat === 'B01') {
      this.sendXml(res, this.resultOrder(-3211, '주문취소된 주문건입니다.'));
      return;
    }
    if (this.openClaimOf(line)) {
      this.sendXml(res, this.resultOrder(-3214, '취소처리중인 주문건입니다.'));
      return;
    }
    // §5: add-on lines follow their main line; an already-confirmed line (or bundle) answers -3206.
    if (line.ordPrdStat !== '202' || line.addPrdYn === 'Y' || addPrdYn !== line.addPrdYn) {
      this.sendXml(res, this.resultOrder(-3206, '이미 발주확인 되었거나 발주확인 처리할 주문이 없습니다.'));
      return;
    }
    // §5: processed per (same dlvNo, same prdNo) unit; add-ons of that product go along.
    const now = formatKst(this.clock.now());
    const affected = this.orders.filter(
      (o) =>
        o.sellerId === auth.account.sellerId &&
        o.dlvNo === line.dlvNo &&
        o.ordPrdStat === '202' &&
        (o.prdNo === line.prdNo ? o.addPrdYn === 'N' : o.addPrdYn === 'Y' && o.addPrdNo === line.prdNo),
    );
    for (const o of affected) {
      o.ordPrdStat = '301';
      o.plcodrCnfDt = now;
    }
    this.sendXml(res, this.resultOrder(0, `전체 ${affected.length}건이 정상적으로 발주처리가 되었습니다.`));
  }

  // ----- §6 reqdelivery -------------------------------------------------------------------------------------------

  private reqDelivery(req: Request, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.resultOrder(-1, auth.error));
      return;
    }
    const { sendDt, dlvMthdCd, dlvEtprsCd, invcNo, dlvNo } = req.params as Record<string, string>;
    const sendAt = parseMinute(sendDt);
    if (sendAt === null) {
      this.sendXml(res, this.resultOrder(-3301, '발송일자가 올바르지 않습니다.'));
      return;
    }
    if (!['01', '03', '04', '05'].includes(dlvMthdCd)) {
      this.sendXml(res, this.resultOrder(-1, '배송방법 코드가 올바르지 않습니다.'));
      return;
    }
    if (dlvMthdCd === '05' && (dlvEtprsCd !== 'null' || invcNo !== 'null')) {
      // §6: 배송없음 takes `null` courier and invoice.
      this.sendXml(res, this.resultOrder(-1, '배송없음은 택배사코드와 송장번호를 null 로 보내야 합니다.'));
      return;
    }
    if (dlvMthdCd === '01') {
      if (!this.couriers[dlvEtprsCd]) {
        this.sendXml(res, this.resultOrder(-3307, '택배사 코드가 올바르지 않습니다.'));
        return;
      }
      // UNCONFIRMED invoice rule: digits (9–14) for domestic couriers, 5–30 alphanumerics otherwise.
      const valid = DOMESTIC_COURIERS.has(dlvEtprsCd) ? /^\d{9,14}$/.test(invcNo) : /^[A-Za-z0-9-]{5,30}$/.test(invcNo);
      if (!valid) {
        this.sendXml(res, this.resultOrder(-3306, '송장번호가 택배사 규칙에 맞지 않습니다.'));
        return;
      }
    }
    const lines = this.orders.filter((o) => o.sellerId === auth.account.sellerId && o.dlvNo === dlvNo);
    // §3.9: an open cancel claim on the bundle → -3310 (check the order status).
    if (lines.some((o) => this.openClaimOf(o))) {
      this.sendXml(res, this.resultOrder(-3310, '주문상태를 확인하세요. (취소요청)'));
      return;
    }
    const shippable = lines.filter((o) => o.ordPrdStat === '301');
    if (shippable.length === 0) {
      if (lines.some((o) => o.ordPrdStat === '401')) this.sendXml(res, this.resultOrder(-3308, '이미 발송처리된 배송번호입니다.'));
      else if (lines.some((o) => o.ordPrdStat === '501' || o.ordPrdStat === '901'))
        this.sendXml(res, this.resultOrder(-3309, '이미 배송완료된 주문입니다.'));
      else this.sendXml(res, this.resultOrder(-3313, '주문상태가 이미 변경되어 발송처리할 주문이 없습니다.'));
      return;
    }
    if (dlvMthdCd === '01' && this.orders.some((o) => o.dlvNo !== dlvNo && o.invcNo === invcNo && o.dlvEtprsCd === dlvEtprsCd)) {
      this.sendXml(res, this.resultOrder(-3320, '이미 다른 주문에 사용된 송장번호입니다.'));
      return;
    }
    const sent = formatKst(new Date(sendAt));
    for (const o of shippable) {
      o.ordPrdStat = '401';
      o.dlvMthdCd = dlvMthdCd;
      o.dlvEtprsCd = dlvEtprsCd === 'null' ? '' : dlvEtprsCd;
      o.invcNo = invcNo === 'null' ? '' : invcNo;
      o.sendDt = sent;
    }
    this.sendXml(res, this.resultOrder(0, `전체 ${shippable.length}건이 정상적으로 발송처리가 되었습니다.`));
  }

  // ----- cancellations.md §3.2/§3.3/§3.6 claim lists --------------------------------------------------------------

  private claimList(req: Request, res: Response, list: ClaimListName): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.ordersEnvelope(-1, `주문/클레임 조회 오류 MSG : ${auth.error}`));
      return;
    }
    const window = this.claimWindow(req, res);
    if (!window) return;
    const { start, end } = window;
    const inWindow = (at: string | null) => {
      const t = at === null ? null : parseKstDateTime(at);
      // The end minute is inclusive, as for the order lists.
      return t !== null && t >= start && t < end + 60_000;
    };
    const mine = this.orders.filter((o) => o.sellerId === auth.account.sellerId);
    const rows: Array<{ at: string; fields: Record<string, string | number | null> }> = [];
    for (const o of mine) {
      if (list === 'returnorders' || list === 'exchangeorders') {
        const kind = list === 'returnorders' ? 'return' : 'exchange';
        for (const c of o.afterShipmentClaims.filter((x) => x.kind === kind && inWindow(x.reqDt)))
          rows.push({ at: c.reqDt, fields: this.afterShipmentFields(o, c) });
        continue;
      }
      for (const c of o.cancelClaims) {
        // UNCONFIRMED (§6) which time each list filters on: the request time for cancelorders (01/02 as they
        // stand now), the completion or withdrawal time (cnTrtEndDt) for the other two.
        if (list === 'cancelorders' && (c.ordCnStatCd === '01' || c.ordCnStatCd === '02') && inWindow(c.createDt))
          rows.push({ at: c.createDt, fields: this.cancelFields(o, c, list) });
        else if (list === 'canceledorders' && c.ordCnStatCd === '02' && inWindow(c.cnTrtEndDt))
          rows.push({ at: c.cnTrtEndDt!, fields: this.cancelFields(o, c, list) });
        else if (list === 'withdrawcanceledorders' && c.ordCnStatCd === '05' && inWindow(c.cnTrtEndDt))
          rows.push({ at: c.cnTrtEndDt!, fields: this.cancelFields(o, c, list) });
      }
    }
    rows.sort((a, b) => a.at.localeCompare(b.at));
    const page = rows.slice(0, this.maxRows); // 3,000 rows, no paging
    if (page.length === 0) {
      this.sendXml(res, this.ordersEnvelope(0, '조회된 결과가 없습니다.'));
      return;
    }
    this.sendXml(
      res,
      `<ns2:orders xmlns:ns2="${NS2}">${page.map((r) => `<ns2:order>${fieldsXml(r.fields)}</ns2:order>`).join('')}</ns2:orders>`,
    );
  }

  /**
   * `{startTime}/{endTime}` of a claim list: `YYYYMMDDhhmm` KST, at most 30 days (-28008). The codes for a bad
   * start or end (-28006 / -28007 here) are UNCONFIRMED: §3.2 only says -28001..-28007 cover "seller, list,
   * start/end missing or format". Days are counted by calendar date, as for the order lists; an end before
   * the start is a window error too.
   */
  private claimWindow(req: Request, res: Response): { start: number; end: number } | undefined {
    const startRaw = String(req.params.startTime);
    const endRaw = String(req.params.endTime);
    const start = parseMinute(startRaw);
    if (start === null) {
      this.sendXml(res, this.ordersEnvelope(-28006, '조회 시작일자 형식이 올바르지 않습니다. (YYYYMMDDhhmm)'));
      return undefined;
    }
    const end = parseMinute(endRaw);
    if (end === null) {
      this.sendXml(res, this.ordersEnvelope(-28007, '조회 종료일자 형식이 올바르지 않습니다. (YYYYMMDDhhmm)'));
      return undefined;
    }
    const dayDiff = Math.round(
      (Date.UTC(+endRaw.slice(0, 4), +endRaw.slice(4, 6) - 1, +endRaw.slice(6, 8)) -
        Date.UTC(+startRaw.slice(0, 4), +startRaw.slice(4, 6) - 1, +startRaw.slice(6, 8))) /
        DAY_MS,
    );
    if (end < start || dayDiff > MAX_CLAIM_WINDOW_DAYS) {
      this.sendXml(res, this.ordersEnvelope(-28008, '조회 기간은 최대 30일까지 가능합니다.'));
      return undefined;
    }
    return { start, end };
  }

  /** §3.2 fields; canceledorders adds §3.3's (`cnTrtEndDt`, `addDlvCst`, `dlvCstRespnClf`, `ordCnTypCd`). */
  private cancelFields(o: OrderLine, c: ElevenStreetCancelClaim, list: ClaimListName): Record<string, string | number | null> {
    const fields: Record<string, string | number | null> = {
      createDt: c.createDt,
      dlvNo: o.dlvNo,
      ordCnDtlsRsn: c.ordCnDtlsRsn,
      ordCnMnbdCd: c.ordCnMnbdCd,
      ordCnQty: c.ordCnQty,
      ordCnRsnCd: c.ordCnRsnCd,
      ordCnStatCd: c.ordCnStatCd,
      ordNo: o.ordNo,
      ordPrdCnSeq: c.ordPrdCnSeq,
      ordPrdSeq: o.ordPrdSeq,
      prdNo: o.prdNo,
      referSeq: '',
      slctPrdOptNm: o.slctPrdOptNm,
    };
    if (list === 'canceledorders') {
      fields.cnTrtEndDt = c.cnTrtEndDt;
      fields.addDlvCst = 0;
      fields.dlvCstRespnClf = c.ordCnMnbdCd === '01' ? '01' : '02';
      fields.ordCnTypCd = c.ordCnTypCd;
    }
    // UNCONFIRMED: the withdrawn list's fields beyond ordCnStatCd 05 are not recorded; the withdrawal time is given
    // as cnTrtEndDt.
    if (list === 'withdrawcanceledorders') fields.cnTrtEndDt = c.cnTrtEndDt;
    return fields;
  }

  /** §3.6 fields (the pickup and exchange addresses are left out: their names are not recorded). */
  private afterShipmentFields(o: OrderLine, c: ElevenStreetAfterShipmentClaim): Record<string, string | number | null> {
    return {
      clmReqCont: c.clmReqCont,
      clmReqQty: c.clmReqQty,
      clmReqRsn: c.clmReqRsn,
      clmReqSeq: c.clmReqSeq,
      clmStat: c.clmStat,
      dlvEtprsCd: o.dlvEtprsCd,
      dlvNo: o.dlvNo,
      ordNo: o.ordNo,
      ordPrdSeq: o.ordPrdSeq,
      prdNm: o.prdNm,
      prdNo: o.prdNo,
      reqDt: c.reqDt,
      twMthd: c.twMthd,
      twPrdInvcNo: '',
    };
  }

  // ----- cancellations.md §3.7 status reads -------------------------------------------------------------------------

  /**
   * `orderlistall` / `orderlistalladdr`: one row per line of the numbered orders, ≤ 100 numbers comma-separated with
   * no spaces (-28003 beyond). Unknown numbers are left out; none known → result_code 0. `ordCnQty` counts the open
   * request's quantity too ("including requested"). The address names follow the order lists (UNCONFIRMED).
   */
  private statusRead(req: Request, res: Response, withAddress: boolean): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.ordersEnvelope(-1, `주문/클레임 조회 오류 MSG : ${auth.error}`));
      return;
    }
    const raw = String(req.params.ordNos);
    if (!/^\d+(,\d+)*$/.test(raw)) {
      // UNCONFIRMED code for a malformed list (spaces, empty numbers).
      this.sendXml(res, this.ordersEnvelope(-28002, '주문번호 형식이 올바르지 않습니다. (콤마로 구분, 공백 없이)'));
      return;
    }
    const ordNos = raw.split(',');
    if (ordNos.length > MAX_STATUS_READ_ORDERS) {
      this.sendXml(res, this.ordersEnvelope(-28003, '주문번호는 최대 100건까지 조회 가능합니다.'));
      return;
    }
    const wanted = new Set(ordNos);
    const lines = this.orders
      .filter((o) => o.sellerId === auth.account.sellerId && wanted.has(o.ordNo))
      .sort((a, b) => ordNos.indexOf(a.ordNo) - ordNos.indexOf(b.ordNo) || a.ordPrdSeq - b.ordPrdSeq);
    if (lines.length === 0) {
      this.sendXml(res, this.ordersEnvelope(0, '조회된 결과가 없습니다.'));
      return;
    }
    const body = lines
      .map((o) => {
        const fields: Record<string, string | number | null> = {
          dlvNo: o.dlvNo,
          ordCnQty: o.ordCnQty + (this.openClaimOf(o)?.ordCnQty ?? 0),
          ordNo: o.ordNo,
          ordPrdSeq: o.ordPrdSeq,
          ordPrdStat: o.ordPrdStat,
          ordPrdStatNm: ELEVEN_STREET_STATUS_NAMES[o.ordPrdStat],
          ordQty: o.ordQty,
          prdNm: o.prdNm,
          prdNo: o.prdNo,
          referSeq: '',
          sellerID: o.sellerId,
          sellerStockCd: o.sellerStockCd,
        };
        if (withAddress) {
          Object.assign(fields, {
            dlvEtprsCd: o.dlvEtprsCd,
            dlvMthdCd: o.dlvMthdCd,
            invcNo: o.invcNo,
            rcvrBaseAddr: o.rcvrBaseAddr,
            rcvrDtlsAddr: o.rcvrDtlsAddr,
            rcvrMailNo: o.rcvrMailNo,
            rcvrNm: o.rcvrNm,
            rcvrPrtblNo: o.rcvrPrtblNo,
            rcvrTlphn: o.rcvrTlphn,
            sndEndDt: o.sendDt,
            typeAdd: o.typeAdd,
          });
        }
        return `<ns2:order>${fieldsXml(fields)}</ns2:order>`;
      })
      .join('');
    this.sendXml(res, `<ns2:orders xmlns:ns2="${NS2}">${body}</ns2:orders>`);
  }

  // ----- cancellations.md §3.4 approve / reject -------------------------------------------------------------------

  /** The claim a seller call names, or the ResultOrder error for it (codes -22001..-22004 / -23001: UNCONFIRMED meanings). */
  private claimFor(
    sellerId: string,
    ordPrdCnSeq: string,
    ordNo: string,
    ordPrdSeq: string,
  ): { line: OrderLine; claim: ElevenStreetCancelClaim } | undefined {
    const line = this.orders.find((o) => o.sellerId === sellerId && o.ordNo === ordNo && String(o.ordPrdSeq) === ordPrdSeq);
    const claim = line?.cancelClaims.find((c) => c.ordPrdCnSeq === ordPrdCnSeq);
    return line && claim ? { line, claim } : undefined;
  }

  private cancelReqConf(req: Request, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.resultOrder(-1, auth.error));
      return;
    }
    const { ordPrdCnSeq, ordNo, ordPrdSeq } = req.params as Record<string, string>;
    const found = this.claimFor(auth.account.sellerId, ordPrdCnSeq, ordNo, ordPrdSeq);
    if (!found) {
      this.sendXml(res, this.resultOrder(-22001, '취소신청 내역이 존재하지 않습니다.'));
      return;
    }
    const { line, claim } = found;
    if (claim.ordCnStatCd === '02') {
      this.sendXml(res, this.resultOrder(-22002, '이미 취소 완료된 신청건 입니다.'));
      return;
    }
    if (claim.ordCnStatCd === '05') {
      this.sendXml(res, this.resultOrder(-22003, '구매자가 철회한 취소신청건 입니다.'));
      return;
    }
    if (claim.ordCnStatCd !== '01') {
      this.sendXml(res, this.resultOrder(-22004, '취소승인 처리할 수 없는 신청건 입니다.'));
      return;
    }
    this.completeCancel(line, claim, formatKst(this.clock.now()));
    this.sendXml(res, this.resultOrder(0, '전체 1건이 정상적으로 취소처리가 되었습니다.'));
  }

  /**
   * `cancelreqreject/{ordNo}/{ordPrdSeq}/{ordPrdCnSeq}/{dlvMthdCd}/{sendDt}/{dlvEtprsCd}/{invcNo}`: rejecting
   * means the goods left (§3.4): the line → 401 with that shipment. Exactly 7 segments; `sendDt` YYYYMMDD
   * (-23003); an invoice of 10 characters or fewer → -23005. Other codes here are UNCONFIRMED.
   */
  private cancelReqReject(req: Request, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.resultOrder(-1, auth.error));
      return;
    }
    const segments = req.path
      .replace(/^\/rest\/claimservice\/cancelreqreject\/?/, '')
      .split('/')
      .filter((part, index, all) => part !== '' || index < all.length - 1)
      .map((part) => decodeURIComponent(part));
    if (segments.length !== 7 || segments.some((part) => part === '')) {
      this.sendXml(res, this.resultOrder(-23001, '취소거부 요청 파라미터가 올바르지 않습니다.'));
      return;
    }
    const [ordNo, ordPrdSeq, ordPrdCnSeq, dlvMthdCd, sendDt, dlvEtprsCd, invcNo] = segments;
    const found = this.claimFor(auth.account.sellerId, ordPrdCnSeq, ordNo, ordPrdSeq);
    if (!found || found.claim.ordCnStatCd !== '01') {
      this.sendXml(res, this.resultOrder(-23002, '취소거부 처리할 취소신청건이 없습니다.'));
      return;
    }
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(sendDt);
    const sendAt = m ? kstParts(+m[1], +m[2], +m[3], 0, 0) : null;
    if (sendAt === null) {
      this.sendXml(res, this.resultOrder(-23003, '발송일자가 없습니다.'));
      return;
    }
    if (!['01', '02', '03', '04', '05'].includes(dlvMthdCd)) {
      this.sendXml(res, this.resultOrder(-23004, '배송방법이 올바르지 않습니다.'));
      return;
    }
    if (dlvMthdCd === '01' && !this.couriers[dlvEtprsCd]) {
      this.sendXml(res, this.resultOrder(-23006, '택배사 코드가 올바르지 않습니다.'));
      return;
    }
    if (invcNo.length <= 10) {
      this.sendXml(res, this.resultOrder(-23005, '송장번호가 10자리 이하입니다.'));
      return;
    }
    const { line, claim } = found;
    claim.ordCnStatCd = '03';
    claim.cnTrtEndDt = formatKst(this.clock.now());
    line.ordPrdStatBeforeClaim = null;
    line.ordPrdStat = '401';
    line.dlvMthdCd = dlvMthdCd;
    line.dlvEtprsCd = dlvEtprsCd;
    line.invcNo = invcNo;
    line.sendDt = formatKst(new Date(sendAt));
    this.sendXml(res, this.resultOrder(0, '전체 1건이 정상적으로 취소거부 처리가 되었습니다.'));
  }

  // ----- scenario hooks over HTTP -----------------------------------------------------------------------------------

  private hookRoutes(): express.Router {
    const router = express.Router();
    const json = express.json();
    type Body = Record<string, unknown>;
    const optionalNumber = (body: Body, name: string): number | undefined => {
      const value = body[name];
      if (value === undefined || value === null || value === '') return undefined;
      const number = Number(value);
      if (!Number.isInteger(number)) throw new ElevenStreetSimStateError(`${name} must be a whole number`, 400);
      return number;
    };
    const requiredNumber = (body: Body, name: string): number => {
      const value = optionalNumber(body, name);
      if (value === undefined) throw new ElevenStreetSimStateError(`${name} is required`, 400);
      return value;
    };
    const text = (body: Body, name: string): string | undefined => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const why = (body: Body): ElevenStreetCancelReason => ({ reasonCode: text(body, 'reasonCode'), reason: text(body, 'reason') });
    const answer = (res: Response, run: () => unknown) => {
      try {
        res.json(run());
      } catch (error) {
        if (!(error instanceof ElevenStreetSimStateError)) throw error;
        res.status(error.status).json({ error: error.message });
      }
    };
    const hook = (
      path: string,
      run: (ordNo: string, body: Body, params: Record<string, string>) => unknown,
      method: 'get' | 'post' = 'post',
    ) =>
      router[method](path, json, (req: Request, res: Response) =>
        answer(res, () => run(String(req.params.ordNo), (req.body ?? {}) as Body, req.params as Record<string, string>)),
      );
    hook(
      '/orders/:ordNo',
      (ordNo) => {
        const lines = this.getLines({ ordNo });
        if (lines.length === 0) throw new ElevenStreetSimStateError(`unknown order ${ordNo}`, 404);
        return lines;
      },
      'get',
    );
    const buyerCancel = (ordNo: string, body: Body) =>
      this.buyerCancel(ordNo, optionalNumber(body, 'ordPrdSeq'), optionalNumber(body, 'qty'), why(body));
    const requestCancel = (ordNo: string, body: Body) =>
      this.requestCancel(ordNo, optionalNumber(body, 'ordPrdSeq'), optionalNumber(body, 'qty'), why(body));
    const withdrawCancel = (ordNo: string, body: Body) => this.withdrawCancel(ordNo, optionalNumber(body, 'ordPrdSeq'));
    const sellerCancel = (ordNo: string, body: Body) =>
      this.sellerCancel(ordNo, optionalNumber(body, 'ordPrdSeq'), optionalNumber(body, 'qty'), why(body));
    hook('/orders/:ordNo/buyer-cancel', buyerCancel);
    hook('/orders/:ordNo/request-cancel', requestCancel);
    hook('/orders/:ordNo/hold', requestCancel);
    hook('/orders/:ordNo/withdraw-cancel', withdrawCancel);
    hook('/orders/:ordNo/release', withdrawCancel);
    hook('/orders/:ordNo/approve-cancel', (ordNo, body) => this.approveCancel(ordNo, optionalNumber(body, 'ordPrdSeq')));
    hook('/orders/:ordNo/seller-cancel', sellerCancel);
    hook('/orders/:ordNo/cancel', sellerCancel);
    hook('/orders/:ordNo/lines/:ordPrdSeq/cancel', (ordNo, body, params) =>
      this.sellerCancel(ordNo, requiredNumber(params, 'ordPrdSeq'), optionalNumber(body, 'qty'), why(body)),
    );
    hook('/orders/:ordNo/request-return', (ordNo, body) =>
      this.requestReturn(ordNo, requiredNumber(body, 'ordPrdSeq'), optionalNumber(body, 'qty'), text(body, 'reason')),
    );
    hook('/orders/:ordNo/request-exchange', (ordNo, body) =>
      this.requestExchange(ordNo, requiredNumber(body, 'ordPrdSeq'), optionalNumber(body, 'qty'), text(body, 'reason')),
    );
    hook('/orders/:ordNo/address', (ordNo, body) => this.changeAddress(ordNo, body as ElevenStreetRecipient));
    const stckQty = (body: Body) => requiredNumber(body, 'stckQty');
    router.post('/stocks/:prdStckNo', json, (req: Request, res: Response) =>
      answer(res, () => this.setStock(String(req.params.prdStckNo), stckQty((req.body ?? {}) as Body))),
    );
    router.post('/listings/:listingKey/stock', json, (req: Request, res: Response) =>
      answer(res, () => this.setListingStock(String(req.params.listingKey), stckQty((req.body ?? {}) as Body))),
    );
    router.get('/listings/:listingKey', (req: Request, res: Response) =>
      answer(res, () => {
        const listing = this.getListing(String(req.params.listingKey));
        if (!listing) throw new ElevenStreetSimStateError(`no stock row for listing key ${String(req.params.listingKey)}`, 404);
        return listing;
      }),
    );
    hook('/orders/:ordNo/share-dlvno', (ordNo, body) => {
      const other = text(body, 'withOrdNo');
      const dlvNo = text(body, 'dlvNo');
      if (!other && !dlvNo) throw new ElevenStreetSimStateError('withOrdNo or dlvNo is required', 400);
      return other ? this.shareDlvNo([other, ordNo], dlvNo) : this.shareDlvNo([ordNo], dlvNo);
    });
    return router;
  }

  // ----- §7 products and stock ------------------------------------------------------------------------------------

  private productByCode(req: Request, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      // UNCONFIRMED envelope for product reads: ClientMessage as the stock API uses.
      this.sendXml(res, this.clientMessage(500, auth.error), 'UTF-8');
      return;
    }
    const code = String(req.params.sellerPrdCd);
    const found = this.products.filter((p) => p.sellerId === auth.account.sellerId && p.sellerPrdCd === code);
    const body = found
      .map((p) => `<ns2:product>${fieldsXml({ prdNm: p.prdNm, prdNo: p.prdNo, sellerPrdCd: p.sellerPrdCd })}</ns2:product>`)
      .join('');
    // §7: this endpoint was observed answering UTF-8 (a TS test's empty result), unlike the order APIs.
    this.sendXml(res, `<ns2:products xmlns:ns2="${NS2}">${body}</ns2:products>`, 'UTF-8');
  }

  /**
   * 다중 상품 조회 (apiSeq 1007): `<SearchProduct>` with `limit` (required, at most 500), `start` and `end` (1-based
   * positions in the list, `end` inclusive: UNCONFIRMED, the guide's example is limit 10, start 7, end 17), and the
   * filters `selStatCd`, `prdNo`, `prdNm` (part of the name). Products in registration order; no options in the
   * answer (the stock read has them). The error and empty answers of this call are UNCONFIRMED: a ClientMessage as
   * the other product calls here, and an empty `ns2:products` as `sellerprodcode`'s.
   */
  private productSearch(req: SiteRequest, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.clientMessage(500, auth.error));
      return;
    }
    const search = xmlBodyOf(req)?.SearchProduct as Record<string, unknown> | undefined;
    if (!search || typeof search !== 'object') {
      this.sendXml(res, this.clientMessage(400, '잘못된 요청입니다. SearchProduct 요소가 없습니다.'));
      return;
    }
    const field = (name: string) => (typeof search[name] === 'string' ? (search[name] as string).trim() : '');
    const position = (name: string) => (/^\d+$/.test(field(name)) ? Number(field(name)) : undefined);
    const limit = position('limit');
    if (!limit) {
      this.sendXml(res, this.clientMessage(400, '잘못된 요청입니다. limit 값이 없습니다.'));
      return;
    }
    // §1007: "일괄 최대 500개 목록 조회 가능".
    const size = Math.min(limit, 500);
    const start = Math.max(position('start') ?? 1, 1);
    const end = position('end') ?? start + size - 1;
    const matching = this.products.filter(
      (p) =>
        p.sellerId === auth.account.sellerId &&
        (!field('selStatCd') || p.selStatCd === field('selStatCd')) &&
        (!field('prdNo') || p.prdNo === field('prdNo')) &&
        (!field('prdNm') || p.prdNm.includes(field('prdNm'))),
    );
    const page = matching.slice(start - 1, Math.min(end, start - 1 + size));
    const body = page
      .map(
        (p) =>
          `<ns2:product>${fieldsXml({
            prdNm: p.prdNm,
            prdNo: p.prdNo,
            selStatCd: p.selStatCd,
            selStatNm: SALE_STATUS_NAMES[p.selStatCd] ?? '',
            sellerPrdCd: p.sellerPrdCd,
          })}</ns2:product>`,
      )
      .join('');
    this.sendXml(res, `<ns2:products xmlns:ns2="${NS2}">${body}</ns2:products>`);
  }

  private stockRead(req: Request, res: Response): void {
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.clientMessage(500, auth.error));
      return;
    }
    const prdNo = String(req.params.prdNo);
    const p = this.products.find((x) => x.sellerId === auth.account.sellerId && x.prdNo === prdNo);
    if (!p) {
      // UNCONFIRMED: unknown product answer for the stock read.
      this.sendXml(res, this.clientMessage(404, `상품번호 ${prdNo} 에 해당하는 상품이 없습니다.`, prdNo));
      return;
    }
    const stocks = p.stocks
      .map(
        (s) =>
          `<ns2:ProductStock>${fieldsXml({
            addPrc: s.addPrc,
            mixDtlOptNm: s.mixDtlOptNm,
            mixOptNm: s.mixOptNm,
            mixOptNo: s.mixOptNo,
            optWght: s.optWght,
            prdNo: p.prdNo,
            prdStckNo: s.prdStckNo,
            prdStckStatCd: s.prdStckStatCd,
            selQty: s.selQty,
            sellerStockCd: s.sellerStockCd,
            stckQty: s.stckQty,
          })}</ns2:ProductStock>`,
      )
      .join('');
    this.sendXml(
      res,
      `<ns2:ProductStocks xmlns:ns2="${NS2}">${stocks}<ns2:prdNm>${esc(p.prdNm)}</ns2:prdNm>` +
        `<ns2:prdNo>${p.prdNo}</ns2:prdNo><ns2:sellerPrdCd>${esc(p.sellerPrdCd)}</ns2:sellerPrdCd></ns2:ProductStocks>`,
    );
  }

  private stockUpdate(req: SiteRequest, res: Response): void {
    const pathNo = String(req.params.prdStckNo);
    const auth = this.authenticate(req);
    if ('error' in auth) {
      this.sendXml(res, this.clientMessage(500, `옵션재고 번호 ${pathNo} 수량 업데이트 실패. MSG : ${auth.error}`, pathNo));
      return;
    }
    const bad = (why: string) => this.sendXml(res, this.clientMessage(400, `잘못된 요청입니다. ${why}`, pathNo));
    const doc = xmlBodyOf(req);
    if (!doc) {
      bad('XML 형식 오류');
      return;
    }
    const ps = doc.ProductStock as Record<string, unknown> | undefined;
    if (!ps || typeof ps !== 'object') {
      bad('ProductStock 요소가 없습니다.');
      return;
    }
    const field = (k: string) => (typeof ps[k] === 'string' || typeof ps[k] === 'number' ? String(ps[k]).trim() : '');
    // §7: all four fields are required.
    for (const k of ['prdNo', 'prdStckNo', 'stckQty', 'optWght']) {
      if (field(k) === '') {
        bad(`${k} 값이 없습니다.`);
        return;
      }
    }
    if (field('prdStckNo') !== pathNo) {
      bad('URL 과 본문의 옵션재고 번호가 다릅니다.');
      return;
    }
    if (!/^\d+$/.test(field('stckQty')) || !/^\d+$/.test(field('optWght'))) {
      bad('stckQty / optWght 는 0 이상의 정수여야 합니다.');
      return;
    }
    const product = this.products.find((p) => p.sellerId === auth.account.sellerId && p.stocks.some((s) => s.prdStckNo === pathNo));
    if (!product || product.prdNo !== field('prdNo')) {
      this.sendXml(res, this.clientMessage(404, `옵션재고 번호 ${pathNo}(상품번호:${field('prdNo')}) 를 찾을 수 없습니다.`, pathNo));
      return;
    }
    const stock = product.stocks.find((s) => s.prdStckNo === pathNo)!;
    stock.stckQty = Number(field('stckQty'));
    stock.optWght = Number(field('optWght'));
    // UNCONFIRMED (§7): how 품절 reacts to 0; the stock status follows the quantity here.
    stock.prdStckStatCd = stock.stckQty > 0 ? '01' : '02';
    this.sendXml(
      res,
      this.clientMessage(
        200,
        `옵션재고 번호 ${pathNo}(상품번호:${product.prdNo})의 수량이 업데이트 되었습니다. 변경된 수량 : ${stock.stckQty}`,
        pathNo,
      ),
    );
  }

  // ----- demo data ----------------------------------------------------------------------------------------------

  /** Korean shop data dated relative to `now`; dlvNo 2678260704 carries two lines of one order. */
  static demoSeed(now: Date = new Date()): ElevenStreetSeed {
    const ago = (hours: number) => formatKst(new Date(now.getTime() - hours * 3_600_000));
    return {
      accounts: [{ ...ELEVEN_STREET_DEFAULT_ACCOUNT }],
      products: [
        {
          prdNo: '9105055173',
          prdNm: '제주 감귤 3kg 가정용',
          sellerPrdCd: 'JEJU-CITRUS-3KG',
          stocks: [{ prdStckNo: '44699820216', sellerStockCd: 'JEJU-CITRUS-3KG', mixOptNm: '', mixDtlOptNm: '', stckQty: 150, optWght: 3 }],
        },
        {
          prdNo: '9105055200',
          prdNm: '남성 기본 라운드 티셔츠',
          sellerPrdCd: 'TEE-BASIC',
          stocks: [
            {
              prdStckNo: '44699820301',
              sellerStockCd: 'TEE-BASIC-BK-M',
              mixOptNm: '색상:사이즈',
              mixDtlOptNm: '블랙:M',
              mixOptNo: '1',
              stckQty: 30,
              optWght: 1,
            },
            {
              prdStckNo: '44699820302',
              sellerStockCd: 'TEE-BASIC-BK-L',
              mixOptNm: '색상:사이즈',
              mixDtlOptNm: '블랙:L',
              mixOptNo: '2',
              stckQty: 12,
              optWght: 1,
            },
            {
              prdStckNo: '44699820303',
              sellerStockCd: 'TEE-BASIC-WH-M',
              mixOptNm: '색상:사이즈',
              mixDtlOptNm: '화이트:M',
              mixOptNo: '3',
              stckQty: 0,
              optWght: 1,
            },
          ],
        },
      ],
      orders: [
        // One dlvNo, two lines of one order (bundle): an option line and a single-product line.
        {
          ordNo: '20260225044348982',
          ordPrdSeq: 1,
          dlvNo: '2678260704',
          ordDt: ago(2),
          prdNo: '9105055200',
          prdNm: '남성 기본 라운드 티셔츠',
          prdStckNo: '44699820301',
          sellerPrdCd: 'TEE-BASIC',
          sellerStockCd: 'TEE-BASIC-BK-M',
          slctPrdOptNm: '색상:블랙/사이즈:M-2개',
          selPrc: 12900,
          ordQty: 2,
          bndlDlvYN: 'Y',
          bndlDlvSeq: 1,
          memID: 'kimmj**',
          ordNm: '김민준',
          ordPrtblTel: '010-1234-5678',
          rcvrNm: '김민준',
          rcvrPrtblNo: '010-1234-5678',
          rcvrMailNo: '06103',
          rcvrBaseAddr: '서울특별시 강남구 논현로 508',
          rcvrDtlsAddr: '103동 1203호',
          ordDlvReqCont: '부재 시 문 앞에 놓아주세요',
        },
        {
          ordNo: '20260225044348982',
          ordPrdSeq: 2,
          dlvNo: '2678260704',
          ordDt: ago(2),
          prdNo: '9105055173',
          prdNm: '제주 감귤 3kg 가정용',
          prdStckNo: '44699820216',
          sellerPrdCd: 'JEJU-CITRUS-3KG',
          sellerStockCd: 'JEJU-CITRUS-3KG',
          slctPrdOptNm: '',
          selPrc: 19800,
          ordQty: 1,
          bndlDlvYN: 'Y',
          bndlDlvSeq: 1,
          memID: 'kimmj**',
          ordNm: '김민준',
          ordPrtblTel: '010-1234-5678',
          rcvrNm: '김민준',
          rcvrPrtblNo: '010-1234-5678',
          rcvrMailNo: '06103',
          rcvrBaseAddr: '서울특별시 강남구 논현로 508',
          rcvrDtlsAddr: '103동 1203호',
        },
        {
          ordNo: '20260225051122001',
          ordPrdSeq: 1,
          dlvNo: '2678260811',
          ordDt: ago(6),
          prdNo: '9105055173',
          prdNm: '제주 감귤 3kg 가정용',
          prdStckNo: '44699820216',
          sellerPrdCd: 'JEJU-CITRUS-3KG',
          sellerStockCd: 'JEJU-CITRUS-3KG',
          selPrc: 19800,
          ordQty: 2,
          dlvCst: 3000,
          dlvCstType: '01',
          ordNm: '이서연',
          ordPrtblTel: '010-2222-3333',
          rcvrNm: '이서연',
          rcvrPrtblNo: '010-2222-3333',
          rcvrMailNo: '48058',
          rcvrBaseAddr: '부산광역시 해운대구 센텀중앙로 79',
          rcvrDtlsAddr: '센텀스카이 2504호',
        },
        {
          ordNo: '20260224093015777',
          ordPrdSeq: 1,
          dlvNo: '2678250099',
          ordPrdStat: '301',
          plcodrCnfDt: ago(20),
          ordDt: ago(26),
          prdNo: '9105055200',
          prdNm: '남성 기본 라운드 티셔츠',
          prdStckNo: '44699820302',
          sellerPrdCd: 'TEE-BASIC',
          sellerStockCd: 'TEE-BASIC-BK-L',
          slctPrdOptNm: '색상:블랙/사이즈:L-1개',
          selPrc: 12900,
          ordQty: 1,
          ordNm: '박지훈',
          ordPrtblTel: '010-4444-5555',
          rcvrNm: '박지훈',
          rcvrPrtblNo: '010-4444-5555',
          rcvrMailNo: '34126',
          rcvrBaseAddr: '대전광역시 유성구 대학로 99',
          rcvrDtlsAddr: '',
        },
      ],
    };
  }
}
