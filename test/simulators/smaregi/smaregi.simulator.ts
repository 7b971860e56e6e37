import type { Express, NextFunction, Request, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SiteSimulator, type FaultSpec, type SiteRequest } from '../site-simulator';
import { smaregiDemoSeed } from './demo-seed';

/*
 * Smaregi simulator — follows shared/specs/smaregi.md.
 *
 * One server plays all three hosts:
 *   - legacy スマレジAPI (https://webapi.smaregi.jp):        POST /access/
 *   - Platform token host (https://id.smaregi.jp):           POST /app/{contract_id}/token
 *   - Platform API host   (https://api.smaregi.jp):          /{contract_id}/pos/...
 * and it can SEND what Smaregi sends: the legacy API送信 stock push (§B) and the Platform `pos:stock` webhook (§C.5).
 */

// ---------------------------------------------------------------------------------------------------------------------
// Seed shape
// ---------------------------------------------------------------------------------------------------------------------

export interface SmaregiStoreSeed {
  /** numeric string (spec §D) */
  storeId: string;
  storeName: string;
  storeCode?: string;
  storeAbbr?: string;
  /** 0 = 店舗, 1 = 倉庫 (UNCONFIRMED naming) */
  division?: string;
}

export interface SmaregiProductSeed {
  /** 商品ID: digits, ≤ 15 (spec §D) */
  productId: string;
  /** 商品コード: ≤ 20 printable ASCII, often the JAN (spec §D) */
  productCode: string;
  productName: string;
  categoryId?: string;
  price?: number;
  groupCode?: string;
  size?: string;
  color?: string;
}

export interface SmaregiStockSeed {
  storeId: string;
  productId: string;
  stockAmount: number;
}

/** A Platform API app (client credentials) installed on the contract. */
export interface SmaregiAppSeed {
  clientId: string;
  clientSecret: string;
  /** scopes the app may be granted; default: every scope the simulator knows */
  scopes?: string[];
}

export interface SmaregiContractSeed {
  contractId: string;
  /** legacy API 受信設定 access token (X_access_token); omit to leave the legacy API unusable */
  accessToken?: string;
  /** legacy proc names whose 機能設定 is not 「利用する」 */
  disabledProcs?: string[];
  apps?: SmaregiAppSeed[];
  stores?: SmaregiStoreSeed[];
  products?: SmaregiProductSeed[];
  stock?: SmaregiStockSeed[];
  /** Platform token lifetime; `expires_in=3600` is UNCONFIRMED (spec §C.2) */
  tokenTtlSeconds?: number;
}

export interface SmaregiSeed {
  /** default: contract `sim-contract` with legacy token `sim-legacy-token`, app `sim-sr-client-id`/`sim-sr-client-secret`, store 1 */
  contracts?: SmaregiContractSeed[];
}

/** Scope names follow `pos.<resource>:<read|write>`; the exact POS names are UNCONFIRMED (spec §C.2). */
export const SMAREGI_SCOPES = [
  'pos.products:read',
  'pos.products:write',
  'pos.stock:read',
  'pos.stock:write',
  'pos.stores:read',
  'pos.transactions:read',
  'pos.shipping:read',
  'pos.shipping:write',
];

/**
 * 在庫区分 codes used by the simulator. Only 15 = API連携 is confirmed (spec §A.6); the others are picks — 02, 05 and
 * 10 among the codes seen in the wild ([CDATA], [YASU]), 03/06/07 free two-digit codes — and must be treated as opaque.
 * A sale and a return are both 取引 (the return with a positive amount), so they share one code.
 */
export const STOCK_DIVISION = {
  sale: '02',
  receipt: '03',
  transfer: '05',
  stocktake: '06',
  loss: '07',
  manual: '10',
  api: '15',
} as const;

export interface LegacyStockRow {
  productId: string;
  storeId: string;
  /** stock AFTER the change (spec §B.2) */
  stockAmount: string;
  [extra: string]: string;
}

export interface StockHistoryEntry {
  id: string;
  updDateTime: string;
  targetDateTime: string;
  productId: string;
  storeId: string;
  /** delta */
  amount: string;
  /** stock after the change */
  stockAmount: string;
  stockDivision: string;
  fromStoreId: string | null;
  toStoreId: string | null;
  memo: string | null;
}

export type StockChange =
  | { kind: 'sale'; storeId: string; productId: string; quantity: number; memo?: string }
  /** a returned 取引: the stock comes back */
  | { kind: 'return'; storeId: string; productId: string; quantity: number; memo?: string }
  /** 入荷 from a supplier */
  | { kind: 'receipt'; storeId: string; productId: string; quantity: number; memo?: string }
  /** ロス登録 */
  | { kind: 'loss'; storeId: string; productId: string; quantity: number; memo?: string }
  /** 棚卸: the counted amount replaces the book amount */
  | { kind: 'stocktake'; storeId: string; productId: string; counted: number; memo?: string }
  | { kind: 'adjust'; storeId: string; productId: string; amount: number; memo?: string }
  | { kind: 'set'; storeId: string; productId: string; stockAmount: number; memo?: string }
  | { kind: 'transfer'; fromStoreId: string; toStoreId: string; productId: string; quantity: number; memo?: string };

export interface StockChangeResult {
  historyIds: string[];
  /** the rows the legacy API送信 would carry, one per affected (store, product) */
  legacyRows: LegacyStockRow[];
  /** the `ids` of the Platform `pos:stock` event */
  webhookIds: Array<{ id: string; productId: string; storeId: string }>;
}

export interface OutgoingDelivery {
  seq: number;
  kind: 'legacy-stock' | 'platform-webhook';
  url: string;
  headers: Record<string, string>;
  body: string;
  /** 0 = network error */
  status: number;
  responseBody: string;
  delivered: boolean;
  at: string;
}

export interface Shipment {
  shippingId: string;
  shippingStoreId: string;
  receivingStoreId: string;
  shippingDate: string | null;
  receivingExpectedDateFrom: string | null;
  receivingExpectedDateTo: string | null;
  /** 0 未出庫 / 1 未入庫 (spec §C.4) */
  status: string;
  memo: string | null;
  details: Array<{ productId: string; quantity: string }>;
  stockApplied: boolean;
  insDateTime: string;
  updDateTime: string;
}

/**
 * A 出荷 registered through the legacy API (shipment_upd): sold goods leaving a store. The table and field names are
 * UNCONFIRMED (the legacy spec PDF was not available); they follow the Platform 出庫 resource [PF-shipping].
 */
export interface SalesShipment {
  shipmentId: string;
  shippingStoreId: string;
  shippingDate: string;
  /** 0 未出荷 / 1 出荷済: only a shipped one has taken its stock out */
  status: string;
  identificationNo: string | null;
  memo: string | null;
  details: Array<{ productId: string; quantity: string }>;
  insDateTime: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------------

interface ProductState extends Required<Omit<SmaregiProductSeed, 'groupCode' | 'size' | 'color'>> {
  groupCode: string | null;
  size: string | null;
  color: string | null;
  insDateTime: number;
  updDateTime: number;
}

interface StoreState {
  storeId: string;
  storeName: string;
  storeCode: string;
  storeAbbr: string;
  division: string;
  insDateTime: number;
  updDateTime: number;
}

interface StockState {
  storeId: string;
  productId: string;
  stockAmount: number;
  updDateTime: number;
}

interface ContractState {
  contractId: string;
  accessToken: string | null;
  disabledProcs: Set<string>;
  apps: SmaregiAppSeed[];
  stores: Map<string, StoreState>;
  products: Map<string, ProductState>;
  stock: Map<string, StockState>;
  history: StockHistoryEntry[];
  shipments: Shipment[];
  salesShipments: SalesShipment[];
  nextSalesShipmentId: number;
  tokenTtlSeconds: number;
  nextHistoryId: number;
  nextShippingId: number;
}

interface PlatformToken {
  token: string;
  contractId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

class LegacyError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** Spec §A.3 / §A.4 limits from [YASU]. */
const REF_MAX_LIMIT = 1000;
const UPD_MAX_ROWS = 500;
/** Spec §C.4 stock ranges. */
const STOCK_MAX = 999_999_999;
const ADD_MAX = 1_999_999_998;

/** 機能設定 17 出荷情報更新 / 24 出荷情報取得: proc names UNCONFIRMED (spec §A.2), `<table>_upd` / `<table>_ref` like every known one. */
const SHIPMENT_UPDATE_PROC = 'shipment_upd';
const SHIPMENT_READ_PROC = 'shipment_ref';
/** 在庫区分 of a 出荷: a free two-digit pick (UNCONFIRMED, like every code but 15) */
const SALES_SHIPMENT_DIVISION = '04';
const SHIPMENT_FIELDS = ['shipmentId', 'shippingStoreId', 'shippingDate', 'status', 'identificationNo', 'memo', 'insDateTime'] as const;

const LEGACY_TABLES: Record<string, Record<string, readonly string[]>> = {
  [SHIPMENT_READ_PROC]: { Shipment: SHIPMENT_FIELDS },
  store_ref: {
    Store: ['storeId', 'storeCode', 'storeName', 'storeAbbr', 'division', 'insDateTime', 'updDateTime'],
  },
  product_ref: {
    Product: ['productId', 'categoryId', 'productCode', 'productName', 'price', 'groupCode', 'size', 'color', 'insDateTime', 'updDateTime'],
  },
  stock_ref: {
    Stock: ['storeId', 'productId', 'stockAmount', 'updDateTime'],
    StockHistory: [
      'id',
      'updDateTime',
      'targetDateTime',
      'productId',
      'storeId',
      'amount',
      'stockAmount',
      'stockDivision',
      'fromStoreId',
      'toStoreId',
      'memo',
    ],
  },
};

type Row = Record<string, string | null>;

export class SmaregiSimulator extends SiteSimulator {
  private contracts = new Map<string, ContractState>();
  private tokens = new Map<string, PlatformToken>();
  private outbox: OutgoingDelivery[] = [];
  private nextSeq = 1;
  private lostShipmentAnswers = 0;

  constructor() {
    super('smaregi');
    this.seed(undefined);
  }

  static demoSeed(): SmaregiSeed {
    return smaregiDemoSeed();
  }

  // -------------------------------------------------------------------------------------------------------------------
  // seed / inspect
  // -------------------------------------------------------------------------------------------------------------------

  seed(seed: unknown): void {
    const s = (seed ?? {}) as SmaregiSeed;
    this.contracts = new Map();
    this.tokens = new Map();
    this.outbox = [];
    this.nextSeq = 1;
    this.lostShipmentAnswers = 0;
    const contracts = s.contracts ?? [
      {
        contractId: 'sim-contract',
        accessToken: 'sim-legacy-token',
        apps: [{ clientId: 'sim-sr-client-id', clientSecret: 'sim-sr-client-secret' }],
        stores: [{ storeId: '1', storeName: '本店' }],
      },
    ];
    for (const c of contracts) this.addContract(c);
  }

  inspect(): unknown {
    const now = this.clock.now().getTime();
    return {
      now: isoJst(now),
      contracts: [...this.contracts.values()].map((c) => ({
        contractId: c.contractId,
        legacyAccessToken: c.accessToken,
        disabledProcs: [...c.disabledProcs],
        apps: c.apps.map((a) => ({ clientId: a.clientId, scopes: a.scopes ?? SMAREGI_SCOPES })),
        stores: [...c.stores.values()].map((st) => this.storeRow(st, 'platform')),
        products: [...c.products.values()].map((p) => this.productRow(p, 'platform')),
        stock: [...c.stock.values()].map((st) => ({ storeId: st.storeId, productId: st.productId, stockAmount: st.stockAmount })),
        stockHistory: c.history,
        shipments: c.shipments,
      })),
      platformTokens: [...this.tokens.values()].map((t) => ({
        token: t.token,
        contractId: t.contractId,
        clientId: t.clientId,
        scopes: t.scopes,
        expiresAt: isoJst(t.expiresAt),
        expired: now >= t.expiresAt,
      })),
      outbox: this.outbox,
    };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // direct methods
  // -------------------------------------------------------------------------------------------------------------------

  addContract(c: SmaregiContractSeed): void {
    const now = this.clock.now().getTime();
    const state: ContractState = {
      contractId: c.contractId,
      accessToken: c.accessToken ?? null,
      disabledProcs: new Set(c.disabledProcs ?? []),
      apps: (c.apps ?? []).map((a) => ({ ...a })),
      stores: new Map(),
      products: new Map(),
      stock: new Map(),
      history: [],
      shipments: [],
      salesShipments: [],
      nextSalesShipmentId: 1,
      tokenTtlSeconds: c.tokenTtlSeconds ?? 3600,
      nextHistoryId: 1,
      nextShippingId: 1,
    };
    this.contracts.set(c.contractId, state);
    for (const st of c.stores ?? []) {
      state.stores.set(st.storeId, {
        storeId: st.storeId,
        storeName: st.storeName,
        storeCode: st.storeCode ?? st.storeId.padStart(4, '0'),
        storeAbbr: st.storeAbbr ?? st.storeName,
        division: st.division ?? '0',
        insDateTime: now,
        updDateTime: now,
      });
    }
    for (const p of c.products ?? []) this.addProduct(p, c.contractId);
    for (const st of c.stock ?? []) this.setStock(st.storeId, st.productId, st.stockAmount, c.contractId);
  }

  addProduct(p: SmaregiProductSeed, contractId?: string): void {
    const c = this.contract(contractId);
    const now = this.clock.now().getTime();
    c.products.set(p.productId, {
      productId: p.productId,
      productCode: p.productCode,
      productName: p.productName,
      categoryId: p.categoryId ?? '1',
      price: p.price ?? 0,
      groupCode: p.groupCode ?? null,
      size: p.size ?? null,
      color: p.color ?? null,
      insDateTime: now,
      updDateTime: now,
    });
  }

  /** Set a stock level without any history (seeding); use `applyStockChange` for a change Smaregi would report. */
  setStock(storeId: string, productId: string, stockAmount: number, contractId?: string): void {
    const c = this.contract(contractId);
    c.stock.set(stockKey(storeId, productId), { storeId, productId, stockAmount, updDateTime: this.clock.now().getTime() });
  }

  getStock(storeId: string, productId: string, contractId?: string): number {
    return this.contract(contractId).stock.get(stockKey(storeId, productId))?.stockAmount ?? 0;
  }

  stockHistory(contractId?: string): StockHistoryEntry[] {
    return [...this.contract(contractId).history];
  }

  shipments(contractId?: string): Shipment[] {
    return [...this.contract(contractId).shipments];
  }

  /** 出荷 registered through the legacy API (shipment_upd), deleted ones excluded. */
  salesShipments(contractId?: string): SalesShipment[] {
    return [...this.contract(contractId).salesShipments];
  }

  /** The next `times` shipment_upd calls are carried out, and their answer is lost (the connection is dropped). */
  loseShipmentAnswers(times = 1): void {
    this.lostShipmentAnswers = times;
  }

  deliveries(): OutgoingDelivery[] {
    return [...this.outbox];
  }

  /** Make every Platform access token expire now. */
  expirePlatformTokens(): void {
    const now = this.clock.now().getTime();
    for (const t of this.tokens.values()) t.expiresAt = now - 1000;
  }

  /** A stock change made at the POS / in the 管理画面: records history and returns what Smaregi would send. */
  applyStockChange(change: StockChange, contractId?: string): StockChangeResult {
    const c = this.contract(contractId);
    const entries: StockHistoryEntry[] = [];
    switch (change.kind) {
      case 'sale':
        entries.push(this.moveStock(c, change.storeId, change.productId, -change.quantity, STOCK_DIVISION.sale, change.memo));
        break;
      case 'return':
        entries.push(this.moveStock(c, change.storeId, change.productId, change.quantity, STOCK_DIVISION.sale, change.memo));
        break;
      case 'receipt':
        entries.push(this.moveStock(c, change.storeId, change.productId, change.quantity, STOCK_DIVISION.receipt, change.memo));
        break;
      case 'loss':
        entries.push(this.moveStock(c, change.storeId, change.productId, -change.quantity, STOCK_DIVISION.loss, change.memo));
        break;
      case 'stocktake': {
        const delta = change.counted - (c.stock.get(stockKey(change.storeId, change.productId))?.stockAmount ?? 0);
        entries.push(this.moveStock(c, change.storeId, change.productId, delta, STOCK_DIVISION.stocktake, change.memo));
        break;
      }
      case 'adjust':
        entries.push(this.moveStock(c, change.storeId, change.productId, change.amount, STOCK_DIVISION.manual, change.memo));
        break;
      case 'set': {
        const delta = change.stockAmount - (c.stock.get(stockKey(change.storeId, change.productId))?.stockAmount ?? 0);
        entries.push(this.moveStock(c, change.storeId, change.productId, delta, STOCK_DIVISION.manual, change.memo));
        break;
      }
      case 'transfer': {
        const route = { fromStoreId: change.fromStoreId, toStoreId: change.toStoreId };
        entries.push(
          this.moveStock(c, change.fromStoreId, change.productId, -change.quantity, STOCK_DIVISION.transfer, change.memo, route),
          this.moveStock(c, change.toStoreId, change.productId, change.quantity, STOCK_DIVISION.transfer, change.memo, route),
        );
        break;
      }
    }
    return {
      historyIds: entries.map((e) => e.id),
      legacyRows: entries.map((e) => ({ productId: e.productId, storeId: e.storeId, stockAmount: e.stockAmount })),
      webhookIds: entries.map((e) => ({ id: e.id, productId: e.productId, storeId: e.storeId })),
    };
  }

  /**
   * POST the legacy API送信 (在庫情報送信) payload of spec §B.2 to `targetUrl`:
   * form field `params` = `{"data":[{"table_name":"Stock","rows":[...]}]}`; ヘッダ情報 rows arrive as HTTP headers.
   * Smaregi delivers custom parameters as headers only (§B.2); `via: 'query' | 'form'` exist to exercise a receiver's
   * other accepted places for `sncode` (DESIGN §7).
   */
  async sendLegacyStockPush(
    targetUrl: string,
    rows: LegacyStockRow[],
    opts: { sncode?: string; via?: 'header' | 'query' | 'form'; headers?: Record<string, string> } = {},
  ): Promise<OutgoingDelivery> {
    const via = opts.via ?? 'header';
    const headers: Record<string, string> = {
      // UNCONFIRMED but inferred (spec §B.2): `params` arrives as a form string.
      'content-type': 'application/x-www-form-urlencoded',
      ...(opts.headers ?? {}),
    };
    const url = new URL(targetUrl);
    if (opts.sncode !== undefined && via === 'header') headers.sncode = opts.sncode;
    if (opts.sncode !== undefined && via === 'query') url.searchParams.set('sncode', opts.sncode);
    const form = new URLSearchParams();
    const payload = { data: [{ table_name: 'Stock', rows: rows.map((r) => stringifyValues(r)) }] };
    form.set('params', JSON.stringify(payload));
    if (opts.sncode !== undefined && via === 'form') form.set('sncode', opts.sncode);
    return this.deliver('legacy-stock', url.toString(), headers, form.toString());
  }

  /** POST the Platform `pos:stock` event of spec §C.5 for recorded stock-history ids. */
  async sendPlatformStockWebhook(
    targetUrl: string,
    historyIds: string[],
    opts: { contractId?: string; action?: 'edited' | 'bulk-update'; headers?: Record<string, string> } = {},
  ): Promise<OutgoingDelivery> {
    const c = this.contract(opts.contractId);
    const ids = historyIds.map((id) => {
      const h = c.history.find((x) => x.id === id);
      if (!h) throw new Error(`no stock history ${id} in contract ${c.contractId}`);
      return { id: h.id, productId: h.productId, storeId: h.storeId };
    });
    const body = JSON.stringify({ contractId: c.contractId, event: 'pos:stock', action: opts.action ?? 'edited', ids });
    return this.deliver(
      'platform-webhook',
      targetUrl,
      { 'content-type': 'application/json', 'smaregi-event': 'pos:stock', ...(opts.headers ?? {}) },
      body,
    );
  }

  /**
   * Smaregi's 再送機能 (spec §B): deliver again every delivery that did not get a 2xx. The schedule is UNCONFIRMED,
   * so it runs only when called. Returns the new attempts.
   */
  async resendFailed(): Promise<OutgoingDelivery[]> {
    const failed = this.outbox.filter((d) => !d.delivered && !this.outbox.some((x) => x.seq > d.seq && x.body === d.body && x.delivered));
    const out: OutgoingDelivery[] = [];
    for (const d of failed) out.push(await this.deliver(d.kind, d.url, d.headers, d.body));
    return out;
  }

  private async deliver(
    kind: OutgoingDelivery['kind'],
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<OutgoingDelivery> {
    const record: OutgoingDelivery = {
      seq: this.nextSeq++,
      kind,
      url,
      headers,
      body,
      status: 0,
      responseBody: '',
      delivered: false,
      at: isoJst(this.clock.now().getTime()),
    };
    this.outbox.push(record);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      record.status = res.status;
      record.responseBody = await res.text();
      // [STOREMAP] answers 200 for everything; what Smaregi counts as failure is UNCONFIRMED → any non-2xx.
      record.delivered = res.status >= 200 && res.status < 300;
    } catch (e) {
      record.responseBody = (e as Error).message;
    }
    return record;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // routes
  // -------------------------------------------------------------------------------------------------------------------

  protected mountRoutes(app: Express): void {
    app.use((req: Request, res: Response, next: NextFunction) => {
      const path = req.path;
      if (path === '/access' || path === '/access/') return this.handleLegacy(req as SiteRequest, res);
      const token = /^\/app\/([^/]+)\/token\/?$/.exec(path);
      if (token) return this.handleToken(req as SiteRequest, res, decodeURIComponent(token[1]));
      const api = /^\/([^/]+)\/pos(\/.*)?$/.exec(path);
      if (api) return this.handlePlatform(req as SiteRequest, res, decodeURIComponent(api[1]), (api[2] ?? '/').replace(/\/+$/, '') || '/');
      next();
    });
  }

  protected renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void {
    const code = fault.siteCode ?? '503';
    const message = fault.siteMessage ?? 'サービスが一時的に利用できません';
    if (req.path.startsWith('/access')) {
      res
        .status(fault.status ?? 500)
        .type('application/json; charset=UTF-8')
        .send(JSON.stringify({ error_code: code, error: 'site_error', error_description: message }));
      return;
    }
    const status = fault.status ?? (/^\d{3}$/.test(code) ? Number(code) : 500);
    if (fault.headers) res.set(fault.headers);
    res.status(status).json({ type: 'about:blank', title: httpTitle(status), detail: message, status });
  }

  // ---------------------------------------------------------------- legacy

  private handleLegacy(req: SiteRequest, res: Response): void {
    const send = (status: number, body: unknown) => res.status(status).type('application/json; charset=UTF-8').send(JSON.stringify(body));
    try {
      if (req.method !== 'POST') throw new LegacyError(405, '405', 'method_not_allowed', 'POSTで送信して下さい');
      // Spec §A.1: the underscore headers; the hyphen spelling also works. Node lower-cases header names.
      const contractId = header(req, 'x_contract_id') ?? header(req, 'x-contract-id');
      const accessToken = header(req, 'x_access_token') ?? header(req, 'x-access-token');
      const c = contractId ? this.contracts.get(contractId) : undefined;
      // Error codes are UNCONFIRMED (spec §A.5); only the shape and a non-2xx status are.
      if (!c || !accessToken || !c.accessToken || !safeEqual(c.accessToken, accessToken)) {
        throw new LegacyError(401, '401', 'unauthorized', '契約IDまたはアクセストークンが不正です');
      }
      const isForm = (req.headers['content-type'] ?? '').toLowerCase().includes('application/x-www-form-urlencoded');
      const form = new URLSearchParams(isForm ? req.rawBody.toString('utf8') : '');
      const proc = form.get('proc_name');
      if (!proc) throw new LegacyError(400, '400', 'invalid_request', 'proc_nameが指定されていません');
      const rawParams = form.get('params');
      if (!rawParams) throw new LegacyError(400, '400', 'invalid_request', 'paramsが指定されていません');
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(rawParams) as Record<string, unknown>;
      } catch {
        throw new LegacyError(400, '400', 'invalid_request', 'paramsがJSONとして解析できません');
      }
      if (typeof params !== 'object' || params === null || Array.isArray(params)) {
        throw new LegacyError(400, '400', 'invalid_request', 'paramsはJSONオブジェクトで指定して下さい');
      }
      if (!(proc in LEGACY_TABLES) && proc !== 'stock_upd' && proc !== SHIPMENT_UPDATE_PROC) {
        throw new LegacyError(400, '400', 'invalid_proc_name', `proc_name[${proc}]は存在しません`);
      }
      // Spec §A.1: each function must be set to 「利用する」; the refusal's code is UNCONFIRMED.
      if (c.disabledProcs.has(proc)) throw new LegacyError(403, '403', 'forbidden', `機能[${proc}]は利用する設定になっていません`);
      if (proc === 'stock_upd') return void send(200, this.legacyStockUpd(c, params));
      if (proc === SHIPMENT_UPDATE_PROC) {
        const answer = this.legacyShipmentUpd(c, params);
        if (this.lostShipmentAnswers > 0) {
          this.lostShipmentAnswers -= 1;
          return void req.socket.destroy();
        }
        return void send(200, answer);
      }
      send(200, this.legacyRef(c, proc, params));
    } catch (e) {
      if (e instanceof LegacyError) {
        return void send(e.status, { error_code: e.errorCode, error: e.error, error_description: e.message });
      }
      send(500, { error_code: '500', error: 'server_error', error_description: (e as Error).message });
    }
  }

  private legacyRef(c: ContractState, proc: string, params: Record<string, unknown>): unknown {
    const bad = (msg: string) => new LegacyError(400, '400', 'invalid_parameter', msg);
    const table = params.table_name;
    if (typeof table !== 'string' || !table) throw bad('table_nameが指定されていません');
    const columns = LEGACY_TABLES[proc][table];
    if (!columns) throw bad(`table_name[${table}]は${proc}で参照できません`);
    const known = new Set(columns);
    // [YASU] RefParams requires `conditions` (spec §A.3); an empty array means "everything".
    if (!Array.isArray(params.conditions)) throw bad('conditionsが指定されていません');
    const conditions: Array<{ field: string; op: string; value: string }> = [];
    for (const cond of params.conditions as unknown[]) {
      if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) throw bad('conditionsの形式が不正です');
      for (const [key, value] of Object.entries(cond as Record<string, unknown>)) {
        // Operator as a key suffix ("updDateTime >=") is UNCONFIRMED (spec §A.3); operators from [CDATA].
        const m = /^(\w+)(?:\s+(=|!=|<>|>=|<=|>|<|like))?$/i.exec(key.trim());
        if (!m || !known.has(m[1])) throw bad(`conditionsの項目[${key}]は存在しません`);
        conditions.push({ field: m[1], op: (m[2] ?? '=').toUpperCase(), value: String(value) });
      }
    }
    let fields = columns;
    if (params.fields !== undefined) {
      if (!Array.isArray(params.fields) || params.fields.some((f) => typeof f !== 'string' || !known.has(f))) {
        throw bad('fieldsに存在しない項目があります');
      }
      fields = params.fields as string[];
    }
    const limit = params.limit === undefined ? 100 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > REF_MAX_LIMIT) throw bad(`limitは1〜${REF_MAX_LIMIT}で指定して下さい`);
    const page = params.page === undefined ? 1 : Number(params.page);
    if (!Number.isInteger(page) || page < 1) throw bad('pageは1以上で指定して下さい');
    let rows = this.legacyRows(c, table).filter((r) => conditions.every((cond) => legacyMatch(r[cond.field], cond.op, cond.value)));
    if (params.order !== undefined) {
      if (!Array.isArray(params.order)) throw bad('orderの形式が不正です');
      const keys = (params.order as unknown[]).map((o) => {
        const m = /^(\w+)(?:\s+(asc|desc))?$/i.exec(String(o).trim());
        if (!m || !known.has(m[1])) throw bad(`orderの項目[${String(o)}]は存在しません`);
        return { field: m[1], desc: (m[2] ?? '').toLowerCase() === 'desc' };
      });
      rows = sortRows(rows, keys);
    }
    const total = rows.length;
    const slice = rows.slice((page - 1) * limit, page * limit).map((r) => pick(r, fields));
    // `total_count` is UNCONFIRMED (spec §A.3); `result` rows with string values are confirmed.
    return { total_count: String(total), result: slice };
  }

  private legacyRows(c: ContractState, table: string): Row[] {
    switch (table) {
      case 'Store':
        return [...c.stores.values()].map((s) => this.storeRow(s, 'legacy'));
      case 'Product':
        return [...c.products.values()].map((p) => this.productRow(p, 'legacy'));
      case 'Stock':
        return [...c.stock.values()].map((s) => ({
          storeId: s.storeId,
          productId: s.productId,
          stockAmount: String(s.stockAmount),
          updDateTime: legacyDate(s.updDateTime),
        }));
      case 'Shipment':
        return c.salesShipments.map((sh) => ({
          shipmentId: sh.shipmentId,
          shippingStoreId: sh.shippingStoreId,
          shippingDate: sh.shippingDate,
          status: sh.status,
          identificationNo: sh.identificationNo,
          memo: sh.memo,
          insDateTime: sh.insDateTime,
        }));
      case 'StockHistory':
        return c.history.map((h) => ({
          ...h,
          updDateTime: legacyDate(Date.parse(h.updDateTime)),
          targetDateTime: legacyDate(Date.parse(h.targetDateTime)),
        }));
    }
    return [];
  }

  /**
   * 出荷情報更新 (shipment_upd, UNCONFIRMED name and fields): `proc_division` U registers one shipment — a `Shipment`
   * head row `{shippingStoreId, shippingDate, status, identificationNo?, memo?}` and `ShipmentDetail` rows
   * `{productId, quantity}` (limits of the Platform 出庫 [PF-shipping]); status 1 takes the stock out at once.
   * `proc_division` D with `Shipment` rows `{shipmentId}` deletes shipments and returns their stock.
   */
  private legacyShipmentUpd(c: ContractState, params: Record<string, unknown>): unknown {
    const bad = (msg: string) => new LegacyError(400, '400', 'invalid_parameter', msg);
    const info = params.proc_info as Record<string, unknown> | undefined;
    if (!info || typeof info !== 'object') throw bad('proc_infoが指定されていません');
    if (!Array.isArray(params.data) || params.data.length === 0) throw bad('dataが指定されていません');
    const blocks = params.data as Array<Record<string, unknown>>;
    const table = (name: string) => {
      const block = blocks.find((b) => b?.table_name === name);
      if (block && !Array.isArray(block.rows)) throw bad(`${name}のrowsが指定されていません`);
      return (block?.rows ?? []) as Array<Record<string, unknown>>;
    };
    for (const b of blocks) {
      if (b?.table_name !== 'Shipment' && b?.table_name !== 'ShipmentDetail') throw bad(`table_name[${String(b?.table_name)}]は${SHIPMENT_UPDATE_PROC}で更新できません`);
    }
    if (info.proc_division === 'D') {
      const ids = table('Shipment').map((r) => String(r.shipmentId ?? ''));
      if (ids.length === 0) throw bad('削除する出荷IDが指定されていません');
      const doomed = ids.map((id) => {
        const found = c.salesShipments.find((sh) => sh.shipmentId === id);
        if (!found) throw bad(`出荷ID[${id}]が存在しません`);
        return found;
      });
      for (const sh of doomed) {
        if (sh.status === '1') {
          for (const d of sh.details) this.moveStock(c, sh.shippingStoreId, d.productId, Number(d.quantity), SALES_SHIPMENT_DIVISION, `出荷削除 ${sh.shipmentId}`);
        }
        c.salesShipments = c.salesShipments.filter((x) => x !== sh);
      }
      return { result: { Shipment: doomed.length } };
    }
    if (info.proc_division !== 'U') throw bad('proc_divisionはUまたはDで指定して下さい');
    const heads = table('Shipment');
    if (heads.length !== 1) throw bad('Shipmentは1件で指定して下さい');
    const head = heads[0];
    const required = (name: string) => {
      const v = head[name];
      if (v === undefined || v === null || String(v) === '') throw bad(`${name}は必須です`);
      return String(v);
    };
    const shippingStoreId = required('shippingStoreId');
    if (!c.stores.has(shippingStoreId)) throw bad(`店舗ID[${shippingStoreId}]が存在しません`);
    const shippingDate = required('shippingDate');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(shippingDate)) throw bad('shippingDateはYYYY-MM-DDで指定して下さい');
    const status = required('status');
    if (status !== '0' && status !== '1') throw bad('statusは0(未出荷)または1(出荷済)で指定して下さい');
    const identificationNo = head.identificationNo === undefined || head.identificationNo === null ? null : String(head.identificationNo);
    if (identificationNo !== null && identificationNo.length > 32) throw bad('identificationNoは32文字以内で指定して下さい');
    const memo = head.memo === undefined || head.memo === null ? null : String(head.memo);
    if (memo !== null && memo.length > 1000) throw bad('memoは1000文字以内で指定して下さい');
    const rows = table('ShipmentDetail');
    if (rows.length === 0) throw bad('ShipmentDetailが指定されていません');
    if (rows.length > 1000) throw bad('ShipmentDetailは1000件以下で指定して下さい');
    const seen = new Set<string>();
    const details = rows.map((r) => {
      const productId = String(r.productId ?? '');
      if (!c.products.has(productId)) throw bad(`商品ID[${productId}]が存在しません`);
      if (seen.has(productId)) throw bad(`商品ID[${productId}]が重複しています`);
      seen.add(productId);
      const quantity = String(r.quantity ?? '');
      if (!/^\d+$/.test(quantity) || Number(quantity) < 1 || Number(quantity) > 99999) throw bad('quantityは1以上99999以下で指定して下さい');
      return { productId, quantity };
    });
    const sh: SalesShipment = {
      shipmentId: String(c.nextSalesShipmentId++),
      shippingStoreId,
      shippingDate,
      status,
      identificationNo,
      memo,
      details,
      insDateTime: legacyDate(this.clock.now().getTime()),
    };
    c.salesShipments.push(sh);
    if (status === '1') {
      for (const d of details) this.moveStock(c, shippingStoreId, d.productId, -Number(d.quantity), SALES_SHIPMENT_DIVISION, `出荷 ${sh.shipmentId}`);
    }
    // Row counts per table, the shape [YASU]'s smoke test reads (spec §A.4).
    return { result: { Shipment: 1, ShipmentDetail: details.length } };
  }

  /** Spec §A.4: `proc_detail_division` 1 = set, 2 = add; a StockHistory row per change with `stockDivision` (default 15). */
  private legacyStockUpd(c: ContractState, params: Record<string, unknown>): unknown {
    const bad = (msg: string) => new LegacyError(400, '400', 'invalid_parameter', msg);
    const info = params.proc_info as Record<string, unknown> | undefined;
    if (!info || typeof info !== 'object') throw bad('proc_infoが指定されていません');
    if (info.proc_division !== 'U') {
      // D (delete) exists for masters; deleting stock rows is not something the simulator models (UNCONFIRMED).
      throw bad('在庫の更新はproc_division=Uで指定して下さい');
    }
    const mode = String(info.proc_detail_division ?? '');
    if (mode !== '1' && mode !== '2') throw bad('proc_detail_divisionは1(絶対値)または2(相対値)で指定して下さい');
    if (!Array.isArray(params.data) || params.data.length === 0) throw bad('dataが指定されていません');
    const planned: Array<{
      storeId: string;
      productId: string;
      delta: number;
      division: string;
      memo: string | null;
      from: string | null;
      to: string | null;
    }> = [];
    const working = new Map<string, number>();
    let total = 0;
    for (const block of params.data as Array<Record<string, unknown>>) {
      if (block?.table_name !== 'Stock') throw bad(`table_name[${String(block?.table_name)}]はstock_updで更新できません`);
      if (!Array.isArray(block.rows)) throw bad('rowsが指定されていません');
      for (const r of block.rows as Array<Record<string, unknown>>) {
        total += 1;
        if (total > UPD_MAX_ROWS) throw bad(`一度に更新できるのは${UPD_MAX_ROWS}件までです`);
        const storeId = String(r.storeId ?? '');
        const productId = String(r.productId ?? '');
        const amountText = String(r.stockAmount ?? '');
        if (!c.stores.has(storeId)) throw bad(`店舗ID[${storeId}]が存在しません`);
        if (!c.products.has(productId)) throw bad(`商品ID[${productId}]が存在しません`);
        if (!/^-?\d+$/.test(amountText)) throw bad(`stockAmount[${amountText}]は整数で指定して下さい`);
        const key = stockKey(storeId, productId);
        const current = working.get(key) ?? c.stock.get(key)?.stockAmount ?? 0;
        const next = mode === '1' ? Number(amountText) : current + Number(amountText);
        if (Math.abs(next) > STOCK_MAX) throw bad(`更新後の在庫数は±${STOCK_MAX}以内である必要があります`);
        working.set(key, next);
        const division = r.stockDivision === undefined ? STOCK_DIVISION.api : String(r.stockDivision);
        if (!/^\d{2}$/.test(division)) throw bad(`stockDivision[${division}]が不正です`);
        planned.push({
          storeId,
          productId,
          delta: next - current,
          division,
          memo: r.memo === undefined ? null : String(r.memo),
          from: r.fromStoreId === undefined ? null : String(r.fromStoreId),
          to: r.toStoreId === undefined ? null : String(r.toStoreId),
        });
      }
    }
    for (const p of planned)
      this.moveStock(c, p.storeId, p.productId, p.delta, p.division, p.memo ?? undefined, { fromStoreId: p.from, toStoreId: p.to });
    // Real shape UNCONFIRMED (spec §A.4): [YASU]'s real-server smoke test reads `result.Stock`.
    return { result: { Stock: total } };
  }

  // ---------------------------------------------------------------- platform token

  /** Spec §C.2: client credentials with HTTP Basic; standard OAuth2 error bodies (UNCONFIRMED for Smaregi). */
  private handleToken(req: SiteRequest, res: Response, contractId: string): void {
    const oauthError = (status: number, error: string, description: string) =>
      res.status(status).json({ error, error_description: description });
    if (req.method !== 'POST') return void oauthError(405, 'invalid_request', 'POST only');
    const isForm = (req.headers['content-type'] ?? '').toLowerCase().includes('application/x-www-form-urlencoded');
    const form = new URLSearchParams(isForm ? req.rawBody.toString('utf8') : '');
    const auth = header(req, 'authorization') ?? '';
    const m = /^Basic\s+(.+)$/i.exec(auth);
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const clientId = sep >= 0 ? decoded.slice(0, sep) : '';
    const secret = sep >= 0 ? decoded.slice(sep + 1) : '';
    const c = this.contracts.get(contractId);
    const app = c?.apps.find((a) => a.clientId === clientId);
    if (!c || !app || !safeEqual(app.clientSecret, secret)) {
      return void oauthError(401, 'invalid_client', 'Client authentication failed');
    }
    const grant = form.get('grant_type');
    if (!grant) return void oauthError(400, 'invalid_request', 'grant_type is required');
    if (grant !== 'client_credentials') return void oauthError(400, 'unsupported_grant_type', `unsupported grant_type ${grant}`);
    const allowed = app.scopes ?? SMAREGI_SCOPES;
    const requested = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const unknown = requested.filter((s) => !allowed.includes(s));
    if (unknown.length > 0) return void oauthError(400, 'invalid_scope', `scope not allowed: ${unknown.join(' ')}`);
    // UNCONFIRMED: no `scope` grants everything the app was approved for.
    const scopes = requested.length > 0 ? requested : allowed;
    const token: PlatformToken = {
      token: `sr_${randomBytes(20).toString('hex')}`,
      contractId,
      clientId,
      scopes,
      expiresAt: this.clock.now().getTime() + c.tokenTtlSeconds * 1000,
    };
    this.tokens.set(token.token, token);
    res.status(200).json({ access_token: token.token, token_type: 'Bearer', expires_in: c.tokenTtlSeconds, scope: scopes.join(' ') });
  }

  // ---------------------------------------------------------------- platform API

  private handlePlatform(req: SiteRequest, res: Response, contractId: string, sub: string): void {
    try {
      const auth = header(req, 'authorization') ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const t = m ? this.tokens.get(m[1]) : undefined;
      if (!t || t.expiresAt <= this.clock.now().getTime() || t.contractId !== contractId) {
        throw new ProblemError(401, 'Unauthorized', 'アクセストークンが不正か有効期限切れです');
      }
      const c = this.contracts.get(contractId)!;
      const need = (scope: string) => {
        if (!t.scopes.includes(scope)) throw new ProblemError(403, 'Forbidden', `スコープ[${scope}]が許可されていません`);
      };
      const body = (): Record<string, unknown> => {
        const isJson = (req.headers['content-type'] ?? '').toLowerCase().includes('application/json');
        if (!isJson) throw new ProblemError(400, 'Bad Request', 'Content-Typeはapplication/jsonで指定して下さい');
        try {
          const parsed = JSON.parse(req.rawBody.toString('utf8')) as unknown;
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          return parsed as Record<string, unknown>;
        } catch {
          throw new ProblemError(400, 'Bad Request', 'リクエストボディが不正です');
        }
      };
      const q = req.query as Record<string, string | undefined>;
      let r: RegExpExecArray | null;
      const route = `${req.method} ${sub}`;

      if (route === 'GET /stores') {
        need('pos.stores:read');
        return void this.sendList(
          res,
          [...c.stores.values()].map((s) => this.storeRow(s, 'platform')),
          q,
        );
      }
      if (route === 'GET /products') {
        need('pos.products:read');
        return void this.sendList(
          res,
          [...c.products.values()].map((p) => this.productRow(p, 'platform')),
          q,
        );
      }
      if (req.method === 'GET' && (r = /^\/products\/([^/]+)$/.exec(sub))) {
        need('pos.products:read');
        const p = c.products.get(r[1]);
        if (!p) throw notFound();
        return void res.status(200).json(this.productRow(p, 'platform'));
      }
      if (route === 'GET /stock') {
        need('pos.stock:read');
        // Filter names `store_id` / `product_id` are UNCONFIRMED (spec §C.4).
        const rows = [...c.stock.values()]
          .filter(
            (s) => (q.store_id === undefined || s.storeId === q.store_id) && (q.product_id === undefined || s.productId === q.product_id),
          )
          .map((s) => ({
            productId: s.productId,
            storeId: s.storeId,
            stockAmount: String(s.stockAmount),
            layawayStockAmount: '0',
            updDateTime: isoJst(s.updDateTime),
          }));
        return void this.sendList(res, rows, q);
      }
      if (req.method === 'GET' && (r = /^\/stock\/changes\/([^/]+)\/([^/]+)$/.exec(sub))) {
        // Stock-history read for the `pos:stock` ids. The path is UNCONFIRMED (not in the spec; a third-party
        // catalogue lists GET /stock/changes/{product_id}/{store_id}); records carry the history `id` of the webhook.
        need('pos.stock:read');
        const [productId, storeId] = [r[1], r[2]];
        if (!c.products.has(productId)) throw notFound();
        if (!c.stores.has(storeId)) throw new ProblemError(400, 'Bad Request', '指定された店舗IDのリソースが見つかりません');
        const rows = c.history
          .filter((h) => h.productId === productId && h.storeId === storeId)
          .filter((h) => q.stock_division === undefined || h.stockDivision === q.stock_division)
          .map((h) => ({ ...h }) as Row);
        return void this.sendList(res, rows, q);
      }
      if (req.method === 'PATCH' && (r = /^\/stock\/([^/]+)$/.exec(sub))) {
        need('pos.stock:write');
        return void res.status(200).json(this.platformStock(c, r[1], body(), 'set'));
      }
      if (req.method === 'POST' && (r = /^\/stock\/([^/]+)\/add$/.exec(sub))) {
        need('pos.stock:write');
        return void res.status(200).json(this.platformStock(c, r[1], body(), 'add'));
      }
      if (route === 'POST /shipping') {
        need('pos.shipping:write');
        return void res.status(200).json(this.createShipment(c, body()));
      }
      if (route === 'GET /shipping') {
        need('pos.shipping:read');
        return void this.sendList(
          res,
          c.shipments.map((s) => shipmentRow(s)),
          q,
        );
      }
      if ((r = /^\/shipping\/([^/]+)$/.exec(sub)) && (req.method === 'GET' || req.method === 'PATCH')) {
        const s = c.shipments.find((x) => x.shippingId === r![1]);
        need(req.method === 'GET' ? 'pos.shipping:read' : 'pos.shipping:write');
        if (!s) throw notFound();
        if (req.method === 'PATCH') this.patchShipment(c, s, body());
        return void res.status(200).json(shipmentRow(s));
      }
      throw new ProblemError(404, 'NotFound', '指定されたリソースが見つかりません');
    } catch (e) {
      if (e instanceof ProblemError) {
        return void res.status(e.status).json({ type: 'about:blank', title: e.title, detail: e.message, status: e.status });
      }
      res.status(500).json({ type: 'about:blank', title: 'Internal Server Error', detail: (e as Error).message, status: 500 });
    }
  }

  /** Spec §C.3: limit 1–1000 (default 100), page from 1, `sort=field[:desc],...`. */
  private sendList(res: Response, rows: Array<Record<string, unknown>>, q: Record<string, string | undefined>): void {
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!/^\d+$/.test(q.limit ?? '100') || limit < 1 || limit > 1000) {
      throw new ProblemError(400, 'Bad Request', 'limitは1以上1000以下で指定して下さい');
    }
    const page = q.page === undefined ? 1 : Number(q.page);
    if (!/^\d+$/.test(q.page ?? '1') || page < 1) throw new ProblemError(400, 'Bad Request', 'pageは1以上で指定して下さい');
    let out = rows;
    if (q.sort) {
      const keys = q.sort.split(',').map((part) => {
        const [field, dir] = part.trim().split(':');
        if (rows.length > 0 && !(field in rows[0])) throw new ProblemError(400, 'Bad Request', `sortの項目[${field}]は指定できません`);
        if (dir !== undefined && dir !== 'desc' && dir !== 'asc') throw new ProblemError(400, 'Bad Request', 'sortの形式が不正です');
        return { field, desc: dir === 'desc' };
      });
      out = sortRows(rows, keys);
    }
    res.status(200).json(out.slice((page - 1) * limit, page * limit));
  }

  /** Spec §C.4 PATCH /pos/stock/{id} (absolute) and POST /pos/stock/{id}/add (relative) with their range checks. */
  private platformStock(c: ContractState, productId: string, b: Record<string, unknown>, mode: 'set' | 'add'): Record<string, unknown> {
    const bad = (detail: string) => new ProblemError(400, 'Bad Request', detail);
    if (!c.products.has(productId)) throw notFound();
    // Documented examples send ids and amounts as strings; numbers are refused (UNCONFIRMED strictness).
    const storeId = b.storeId;
    if (typeof storeId !== 'string' || !/^\d{1,15}$/.test(storeId)) throw bad('storeIdは15文字以内の数字の文字列で指定して下さい');
    if (!c.stores.has(storeId)) throw bad('指定された店舗IDのリソースが見つかりません');
    const amountText = b.stockAmount;
    if (typeof amountText !== 'string' || !/^-?\d+$/.test(amountText)) throw bad('stockAmountは整数の文字列で指定して下さい');
    const amount = Number(amountText);
    const memo = (b.stockHistory as Record<string, unknown> | undefined)?.memo;
    if (memo !== undefined && (typeof memo !== 'string' || memo.length > 100)) throw bad('stockHistory.memoは100文字以内で指定して下さい');
    const current = c.stock.get(stockKey(storeId, productId))?.stockAmount ?? 0;
    let next: number;
    if (mode === 'set') {
      if (Math.abs(amount) > STOCK_MAX) throw bad(`stockAmountは-${STOCK_MAX}以上${STOCK_MAX}以下で指定して下さい`);
      next = amount;
    } else {
      if (Math.abs(amount) > ADD_MAX) throw bad(`stockAmountは-${ADD_MAX}以上${ADD_MAX}以下で指定して下さい`);
      next = current + amount;
      if (next > STOCK_MAX) throw bad(`更新後の在庫数は[${STOCK_MAX}]以下である必要があります`);
      if (next < -STOCK_MAX) throw bad(`更新後の在庫数は[-${STOCK_MAX}]以上である必要があります`);
    }
    const h = this.moveStock(c, storeId, productId, next - current, STOCK_DIVISION.api, memo as string | undefined);
    return {
      productId,
      storeId,
      stockAmount: String(next),
      updDateTime: h.updDateTime,
      stockHistory: { id: h.id, memo: h.memo },
    };
  }

  /**
   * Spec §C.4 POST /shipping (出庫, store-to-store). Base path `/{contract_id}/pos/shipping` is UNCONFIRMED.
   * A shipment in status 1 (出庫済 = 未入庫) takes the quantities out of the shipping store (history 在庫区分 05);
   * the receiving side books them at 入庫, which is not modelled.
   */
  private createShipment(c: ContractState, b: Record<string, unknown>): Record<string, unknown> {
    const s = this.validateShipment(c, b, undefined);
    c.shipments.push(s);
    this.applyShipmentStock(c, s);
    return shipmentRow(s);
  }

  private patchShipment(c: ContractState, s: Shipment, b: Record<string, unknown>): void {
    if (s.stockApplied && b.details !== undefined) {
      throw new ProblemError(400, 'Bad Request', '出庫済みの出庫の明細は変更できません');
    }
    Object.assign(s, this.validateShipment(c, { ...shipmentRow(s), ...b }, s));
    this.applyShipmentStock(c, s);
  }

  private validateShipment(c: ContractState, b: Record<string, unknown>, existing: Shipment | undefined): Shipment {
    const bad = (detail: string) => new ProblemError(400, 'Bad Request', detail);
    const storeField = (name: string) => {
      const v = b[name];
      if (typeof v !== 'string' || !c.stores.has(v)) throw bad(`${name}に指定された店舗IDのリソースが見つかりません`);
      return v;
    };
    const shippingStoreId = storeField('shippingStoreId');
    const receivingStoreId = storeField('receivingStoreId');
    const status = b.status === undefined ? '0' : String(b.status);
    if (status !== '0' && status !== '1') throw bad('statusは0(未出庫)または1(未入庫)で指定して下さい');
    if (existing?.stockApplied && status === '0') throw bad('出庫済みの出庫を未出庫に戻すことはできません');
    if (!Array.isArray(b.details) || b.details.length === 0) throw bad('detailsが指定されていません');
    if (b.details.length > 1000) throw bad('detailsは1000件以下で指定して下さい');
    const seen = new Set<string>();
    const details = (b.details as Array<Record<string, unknown>>).map((d) => {
      const productId = String(d?.productId ?? '');
      if (!c.products.has(productId)) throw bad(`商品ID[${productId}]のリソースが見つかりません`);
      if (seen.has(productId)) throw bad(`商品ID[${productId}]が重複しています`);
      seen.add(productId);
      const quantity = String(d.quantity ?? '');
      if (!/^\d+$/.test(quantity) || Number(quantity) < 1 || Number(quantity) > 99999) {
        throw bad('quantityは1以上99999以下で指定して下さい');
      }
      return { productId, quantity };
    });
    const opt = (name: string) => (b[name] === undefined || b[name] === null ? null : String(b[name]));
    const now = isoJst(this.clock.now().getTime());
    return {
      shippingId: existing?.shippingId ?? String(c.nextShippingId++),
      shippingStoreId,
      receivingStoreId,
      shippingDate: opt('shippingDate'),
      receivingExpectedDateFrom: opt('receivingExpectedDateFrom'),
      receivingExpectedDateTo: opt('receivingExpectedDateTo'),
      status,
      memo: opt('memo'),
      details,
      stockApplied: existing?.stockApplied ?? false,
      insDateTime: existing?.insDateTime ?? now,
      updDateTime: now,
    };
  }

  private applyShipmentStock(c: ContractState, s: Shipment): void {
    if (s.status !== '1' || s.stockApplied) return;
    for (const d of s.details) {
      this.moveStock(c, s.shippingStoreId, d.productId, -Number(d.quantity), STOCK_DIVISION.transfer, `出庫 ${s.shippingId}`, {
        fromStoreId: s.shippingStoreId,
        toStoreId: s.receivingStoreId,
      });
    }
    s.stockApplied = true;
  }

  // ---------------------------------------------------------------- helpers

  private moveStock(
    c: ContractState,
    storeId: string,
    productId: string,
    delta: number,
    division: string,
    memo?: string,
    route: { fromStoreId: string | null; toStoreId: string | null } = { fromStoreId: null, toStoreId: null },
  ): StockHistoryEntry {
    if (!c.stores.has(storeId)) throw new Error(`no store ${storeId}`);
    if (!c.products.has(productId)) throw new Error(`no product ${productId}`);
    const now = this.clock.now().getTime();
    const key = stockKey(storeId, productId);
    const row = c.stock.get(key) ?? { storeId, productId, stockAmount: 0, updDateTime: now };
    row.stockAmount += delta;
    row.updDateTime = now;
    c.stock.set(key, row);
    const entry: StockHistoryEntry = {
      id: String(c.nextHistoryId++),
      updDateTime: isoJst(now),
      targetDateTime: isoJst(now),
      productId,
      storeId,
      amount: String(delta),
      stockAmount: String(row.stockAmount),
      stockDivision: division,
      fromStoreId: route.fromStoreId,
      toStoreId: route.toStoreId,
      memo: memo ?? null,
    };
    c.history.push(entry);
    return entry;
  }

  private contract(contractId?: string): ContractState {
    const c = contractId ? this.contracts.get(contractId) : this.contracts.values().next().value;
    if (!c) throw new Error(`no Smaregi contract ${contractId ?? '(default)'}`);
    return c;
  }

  private storeRow(s: StoreState, flavour: 'legacy' | 'platform'): Row {
    const date = flavour === 'legacy' ? legacyDate : isoJst;
    return {
      storeId: s.storeId,
      storeCode: s.storeCode,
      storeName: s.storeName,
      storeAbbr: s.storeAbbr,
      division: s.division,
      insDateTime: date(s.insDateTime),
      updDateTime: date(s.updDateTime),
    };
  }

  private productRow(p: ProductState, flavour: 'legacy' | 'platform'): Row {
    const date = flavour === 'legacy' ? legacyDate : isoJst;
    return {
      productId: p.productId,
      categoryId: p.categoryId,
      productCode: p.productCode,
      productName: p.productName,
      price: String(p.price),
      groupCode: p.groupCode,
      size: p.size,
      color: p.color,
      insDateTime: date(p.insDateTime),
      updDateTime: date(p.updDateTime),
    };
  }
}

function shipmentRow(s: Shipment): Record<string, unknown> {
  return {
    shippingId: s.shippingId,
    shippingStoreId: s.shippingStoreId,
    receivingStoreId: s.receivingStoreId,
    shippingDate: s.shippingDate,
    receivingExpectedDateFrom: s.receivingExpectedDateFrom,
    receivingExpectedDateTo: s.receivingExpectedDateTo,
    status: s.status,
    memo: s.memo,
    insDateTime: s.insDateTime,
    updDateTime: s.updDateTime,
    details: s.details,
  };
}

function notFound(): ProblemError {
  return new ProblemError(404, 'NotFound', '指定されたIDのリソースが見つかりません');
}

function stockKey(storeId: string, productId: string): string {
  return `${storeId}\u0000${productId}`;
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function stringifyValues(r: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) out[k] = String(v);
  return out;
}

/** Platform datetimes: ISO 8601 with the JST offset. */
function isoJst(ms: number): string {
  return `${new Date(ms + 9 * 3600_000).toISOString().slice(0, 19)}+09:00`;
}

/** Legacy datetimes: `YYYY-MM-DD HH:MM:SS` JST. */
function legacyDate(ms: number): string {
  return new Date(ms + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function compareValues(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (/^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function legacyMatch(v: string | null | undefined, op: string, value: string): boolean {
  if (v === undefined || v === null) return false;
  const c = compareValues(v, value);
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
    case '<>':
      return c !== 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case 'LIKE': {
      const re = new RegExp(
        `^${value
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'i',
      );
      return re.test(v);
    }
  }
  return false;
}

function sortRows<T extends Record<string, unknown>>(rows: T[], keys: Array<{ field: string; desc: boolean }>): T[] {
  const text = (v: unknown) => (v === undefined || v === null ? null : String(v));
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const c = compareValues(text(a[k.field]), text(b[k.field]));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

function pick(r: Row, fields: readonly string[]): Row {
  const out: Row = {};
  for (const f of fields) out[f] = r[f] ?? null;
  return out;
}

function httpTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return titles[status] ?? 'Error';
}
