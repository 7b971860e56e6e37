import type { Express, Request, Response } from 'express';
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

/** 202 결제완료, 301 배송준비중, 401 배송중, 501 배송완료, 901 구매확정 (§2). */
export type ElevenStreetOrdPrdStat = '202' | '301' | '401' | '501' | '901';
export type ElevenStreetClaim = 'none' | 'cancel_requested' | 'cancelled';

/** One order line (`ordNo` + `ordPrdSeq`); lines sharing a `dlvNo` ship together. */
export interface ElevenStreetOrderSeed {
  /** Owner; defaults to the first account. */
  sellerId?: string;
  ordNo: string;
  ordPrdSeq: number;
  dlvNo: string;
  /** Default '202'. */
  ordPrdStat?: ElevenStreetOrdPrdStat;
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

interface OrderLine {
  sellerId: string;
  ordNo: string;
  ordPrdSeq: number;
  dlvNo: string;
  ordPrdStat: ElevenStreetOrdPrdStat;
  claim: ElevenStreetClaim;
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
const MSG_NO_USER = 'OpenAPI Key 에 해당하는 유저가 없습니다.';
const MSG_MAINTENANCE = '서버 점검중입니다. 매주 금요일 새벽은 정기점검일 입니다.';
const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

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
    this.orders.push({
      sellerId: o.sellerId ?? this.accounts[0].sellerId,
      ordNo: o.ordNo,
      ordPrdSeq: o.ordPrdSeq,
      dlvNo: o.dlvNo,
      ordPrdStat: o.ordPrdStat ?? '202',
      claim: o.claim ?? 'none',
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
    });
  }

  addProduct(p: ElevenStreetProductSeed): void {
    this.products.push({
      sellerId: p.sellerId ?? this.accounts[0].sellerId,
      prdNo: p.prdNo,
      prdNm: p.prdNm,
      sellerPrdCd: p.sellerPrdCd,
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

  setClaim(ordNo: string, ordPrdSeq: number, claim: ElevenStreetClaim): void {
    this.mustLine(ordNo, ordPrdSeq).claim = claim;
  }

  setStock(prdStckNo: string, stckQty: number): void {
    this.mustStock(prdStckNo).stckQty = stckQty;
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
    throw new Error(`unknown prdStckNo ${prdStckNo}`);
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
    app.get('/rest/prodmarketservice/prodmarket/stck/:prdNo', (req, res) => this.stockRead(req, res));
    app.put('/rest/prodservices/stockqty/:prdStckNo', (req, res) => this.stockUpdate(req as unknown as SiteRequest, res));
  }

  protected renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void {
    const code = fault.siteCode ?? '-1000';
    const text = fault.siteMessage ?? (String(code) === '-1000' ? MSG_MAINTENANCE : '오류가 발생했습니다.');
    const path = req.path;
    if (/\/ordservices\/(reqpackaging|reqdelivery)\//.test(path)) this.sendXml(res, this.resultOrder(code, text));
    else if (path.startsWith('/rest/ordservices/')) this.sendXml(res, this.ordersEnvelope(code, text));
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
      .filter((o) => o.sellerId === auth.account.sellerId && o.ordPrdStat === stat && o.claim === 'none')
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
    if (line.claim === 'cancelled') {
      this.sendXml(res, this.resultOrder(-3211, '취소된 주문입니다.'));
      return;
    }
    if (line.claim === 'cancel_requested') {
      this.sendXml(res, this.resultOrder(-3214, '취소 요청중인 주문입니다.'));
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
        o.claim === 'none' &&
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
    if (lines.some((o) => o.claim === 'cancel_requested')) {
      this.sendXml(res, this.resultOrder(-3310, '주문상태를 확인하세요. (취소요청)'));
      return;
    }
    const shippable = lines.filter((o) => o.ordPrdStat === '301' && o.claim === 'none');
    if (shippable.length === 0) {
      if (lines.some((o) => o.ordPrdStat === '401' && o.claim === 'none'))
        this.sendXml(res, this.resultOrder(-3308, '이미 발송처리된 배송번호입니다.'));
      else if (lines.some((o) => (o.ordPrdStat === '501' || o.ordPrdStat === '901') && o.claim === 'none'))
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
    // §1: body charset EUC-KR vs UTF-8 is UNCONFIRMED; honour the declared charset, defaulting to EUC-KR.
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    const text = /charset\s*=\s*"?utf-?8/.test(type) ? req.rawBody.toString('utf8') : iconv.decode(req.rawBody, 'euc-kr');
    const bad = (why: string) => this.sendXml(res, this.clientMessage(400, `잘못된 요청입니다. ${why}`, pathNo));
    let doc: Record<string, unknown>;
    try {
      doc = new XMLParser({ parseTagValue: false, ignoreDeclaration: true, trimValues: true }).parse(text, true) as Record<string, unknown>;
    } catch {
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
