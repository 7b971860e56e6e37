import type { Express, NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as iconv from 'iconv-lite';
import { parse as parseCsv } from 'csv-parse/sync';
import { SiteSimulator, type FaultSpec, type SiteRequest } from '../site-simulator';
import { NE_CODES, NeError, type NeRow, neDate, neMessage, parseFormBytes, parseNeDate, runSearch } from './ne-wire';
import { nextEngineDemoSeed } from './demo-seed';

/*
 * NextEngine (Hamee) simulator — follows shared/specs/nextengine.md.
 *
 * One server plays both hosts:
 *   - sign-in host (https://base.next-engine.org): GET /users/sign_in/  (browser login, simulated)
 *   - API host     (https://api.next-engine.org):  POST /api_neauth, POST /api_v1_.../...
 * so a connection's `endpoint` and `settings.signInUrl` can both point at `sim.url`.
 */

// ---------------------------------------------------------------------------------------------------------------------
// Seed shape
// ---------------------------------------------------------------------------------------------------------------------

/** A registered NE app (client_id / client_secret pair, spec §1: test and production pairs differ only here). */
export interface NeAppSeed {
  clientId: string;
  clientSecret: string;
  /** Registered redirect URIs. When given, the sign-in host refuses any other `redirect_uri` (compared without its query). */
  redirectUris?: string[];
}

/** A person who can sign in (one NE user = one `uid`). */
export interface NeUserSeed {
  uid: string;
  picId: string;
  picNeId: string;
  picName: string;
  picKana: string;
  picMailAddress: string;
}

export interface NeShopSeed {
  shopId: string;
  shopName: string;
  shopKana?: string;
  shopAbbreviatedName?: string;
  shopMallId?: string;
}

/** 商品 + its stock row (master_goods / master_stock). Codes: ≤30 half-width alphanumerics and hyphens (spec §8). */
export interface NeGoodsSeed {
  goodsId: string;
  goodsName: string;
  janCode?: string;
  /** 代表商品コード */
  representationId?: string;
  sellingPrice?: number;
  supplierName?: string;
  stockQuantity?: number;
  allocationQuantity?: number;
  defectiveQuantity?: number;
  advanceOrderQuantity?: number;
}

export interface NeOrderRowSeed {
  goodsId: string;
  goodsName: string;
  quantity: number;
  unitPrice: number;
  goodsOption?: string | null;
  cancelled?: boolean;
  deleted?: boolean;
  /** 同梱 source (receive_order_include_from_order_id / _row_no) */
  includeFromOrderId?: string;
  includeFromRowNo?: string;
}

export interface NeAddressSeed {
  name: string;
  kana?: string;
  zipCode?: string;
  address1?: string;
  address2?: string;
  tel?: string;
  mailAddress?: string;
}

export interface NeOrderSeed {
  /** 伝票番号; assigned when omitted */
  receiveOrderId?: string | number;
  shopId: string;
  /** 受注番号 (mall order number) */
  shopCutFormId: string;
  /** 受注日 `YYYY-MM-DD HH:MM:SS` (JST); default: the sim clock */
  date?: string;
  /** 受注状態区分 (spec §7): 0,1,2,20,30,40,50; default 20 */
  statusId?: string | number;
  /** 0 = valid (default) */
  cancelTypeId?: string | number;
  confirmCheckId?: string | number;
  deleted?: boolean;
  /**
   * 納品書印刷指示日. Status 20 orders are 印刷待ち (collectable) once this is ≤ now, 印刷日待ち before (spec §7).
   * Default: the order date. `null` = no date.
   */
  printingDate?: string | null;
  /** Alternative to `printingDate`: that many minutes after the sim clock at seed time (negative = in the past). */
  printingInMinutes?: number;
  deliveryId?: string | number;
  deliveryCutFormId?: string | null;
  sendPlanDate?: string | null;
  paymentMethodId?: string | number;
  deliveryFeeAmount?: number;
  purchaser: NeAddressSeed;
  /** default: the purchaser */
  consignee?: NeAddressSeed;
  lastModifiedDate?: string;
  note?: string;
  rows: NeOrderRowSeed[];
  /** raw `receive_order_*` overrides, applied last */
  extra?: NeRow;
}

export interface NeCompanySeed {
  companyId: string;
  companyNeId: string;
  companyName: string;
  companyKana: string;
  companyAppHeader?: string;
  users: NeUserSeed[];
  shops?: NeShopSeed[];
  goods?: NeGoodsSeed[];
  orders?: NeOrderSeed[];
}

/** Pre-issued tokens, so a test can skip the browser flow. End dates default to 1 / 3 days from the sim clock. */
export interface NeTokenSeed {
  uid: string;
  clientId?: string;
  accessToken: string;
  refreshToken: string;
  accessTokenEndDate?: string;
  refreshTokenEndDate?: string;
}

export interface NextEngineSeed {
  /** default: one app `sim-ne-client-id` / `sim-ne-client-secret` */
  apps?: NeAppSeed[];
  /** default: one company (NE100001) with user `sim-uid-0001` and one shop */
  companies?: NeCompanySeed[];
  tokens?: NeTokenSeed[];
  /** who the simulated human signs in as when the sign-in URL carries no `sim_uid`; default: the first user */
  signInAs?: string;
  /** how long (sim-clock ms) an upload waits in the queue before it is processed; default 3000 */
  queueDelayMs?: number;
  /** main system overloaded: calls without wait_flag=1 get 003002 (spec §3 wait_flag) */
  overloaded?: boolean;
  /** order import running: order updates are refused with 020007 even with wait_flag=1 (spec §3) */
  importing?: boolean;
  /**
   * How long (sim-clock ms) an access token lives from its issue or rotation; default 1 day (spec §2). The rotation
   * rule stays the spec's: the first call after it lapsed, with the pair's valid refresh token, rotates both. `0`
   * makes every call rotate the pair — what many concurrent calls meet over a day, squeezed into one test.
   */
  accessTokenTtlMs?: number;
}

export const NE_DEFAULT_APP: NeAppSeed = { clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret' };

// ---------------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------------

const ORDER_STATUS_NAMES: Record<string, string> = {
  '0': '取込情報不足',
  '1': '受注メール取込済',
  '2': '起票済(CSV/手入力)',
  '20': '納品書印刷待ち',
  '30': '納品書印刷中',
  '40': '納品書印刷済',
  '50': '出荷確定済(完了)',
};
const DELIVERY_NAMES: Record<string, string> = {
  '1': '佐川急便',
  '2': 'ヤマト運輸',
  '3': '日本郵便(ゆうパック)',
  '4': '西濃運輸',
  '20': 'ヤマト(宅急便)',
  '21': 'ゆうパケット',
  '99': 'その他',
};
const PAYMENT_NAMES: Record<string, string> = { '1': 'クレジットカード', '2': '代金引換', '3': '銀行振込', '4': 'コンビニ決済' };

const ORDER_FIELDS = [
  'receive_order_id',
  'receive_order_shop_id',
  'receive_order_shop_cut_form_id',
  'receive_order_date',
  'receive_order_import_date',
  'receive_order_order_status_id',
  'receive_order_order_status_name',
  'receive_order_cancel_type_id',
  'receive_order_cancel_type_name',
  'receive_order_confirm_check_id',
  'receive_order_deleted_flag',
  'receive_order_delivery_id',
  'receive_order_delivery_name',
  'receive_order_delivery_cut_form_id',
  'receive_order_delivery_cut_form_note',
  'receive_order_send_date',
  'receive_order_send_plan_date',
  'receive_order_label_print_flag',
  'receive_order_statement_delivery_instruct_printing_date',
  'receive_order_payment_method_id',
  'receive_order_payment_method_name',
  'receive_order_deposit_type_id',
  'receive_order_goods_amount',
  'receive_order_tax_amount',
  'receive_order_delivery_fee_amount',
  'receive_order_total_amount',
  'receive_order_purchaser_name',
  'receive_order_purchaser_kana',
  'receive_order_purchaser_zip_code',
  'receive_order_purchaser_address1',
  'receive_order_purchaser_address2',
  'receive_order_purchaser_tel',
  'receive_order_purchaser_mail_address',
  'receive_order_consignee_name',
  'receive_order_consignee_kana',
  'receive_order_consignee_zip_code',
  'receive_order_consignee_address1',
  'receive_order_consignee_address2',
  'receive_order_consignee_tel',
  'receive_order_gruoping_tag',
  'receive_order_note',
  'receive_order_worker_text',
  'receive_order_creation_date',
  'receive_order_last_modified_date',
  'receive_order_last_modified_null_safe_date',
] as const;

/**
 * Fields the `<receiveorder_base>` XML of update/bulkupdate may set. The official list was not retrieved (spec §6.3);
 * this is the plausible subset Mallbridge and the cited clients use. Other names are refused (UNCONFIRMED code).
 */
const UPDATABLE_ORDER_FIELDS = new Set([
  'receive_order_delivery_id',
  'receive_order_delivery_cut_form_id',
  'receive_order_delivery_cut_form_note',
  'receive_order_send_plan_date',
  'receive_order_cancel_type_id',
  'receive_order_confirm_check_id',
  'receive_order_statement_delivery_instruct_printing_date',
  'receive_order_gruoping_tag',
  'receive_order_note',
  'receive_order_worker_text',
  'receive_order_consignee_name',
  'receive_order_consignee_kana',
  'receive_order_consignee_zip_code',
  'receive_order_consignee_address1',
  'receive_order_consignee_address2',
  'receive_order_consignee_tel',
]);
/** Spec §5 020009: a 受注メール取込済 order only takes the cancel type and the 作業用欄. */
const MAIL_IMPORTED_UPDATABLE = new Set(['receive_order_cancel_type_id', 'receive_order_worker_text']);

const ROW_FIELDS = [
  'receive_order_row_receive_order_id',
  'receive_order_row_shop_cut_form_id',
  'receive_order_row_no',
  'receive_order_row_shop_row_no',
  'receive_order_row_goods_id',
  'receive_order_row_goods_name',
  'receive_order_row_quantity',
  'receive_order_row_unit_price',
  'receive_order_row_received_time_first_cost',
  'receive_order_row_wholesale_retail_ratio',
  'receive_order_row_sub_total_price',
  'receive_order_row_goods_option',
  'receive_order_row_cancel_flag',
  'receive_order_include_from_order_id',
  'receive_order_include_from_row_no',
  'receive_order_row_stock_allocation_quantity',
  'receive_order_row_advance_order_stock_allocation_quantity',
  'receive_order_row_returned_good_quantity',
  'receive_order_row_deleted_flag',
  'receive_order_row_creation_date',
  'receive_order_row_last_modified_date',
  'receive_order_row_last_modified_by_name',
] as const;

const GOODS_FIELDS = [
  'goods_id',
  'goods_name',
  'goods_jan_code',
  'goods_representation_id',
  'goods_selling_price',
  'goods_deleted_flag',
  'goods_creation_date',
  'goods_last_modified_date',
  'stock_quantity',
  'supplier_name',
] as const;

const STOCK_FIELDS = [
  'stock_goods_id',
  'stock_quantity',
  'stock_allocation_quantity',
  'stock_defective_quantity',
  'stock_remaining_order_quantity',
  'stock_out_quantity',
  'stock_free_quantity',
  'stock_advance_order_quantity',
  'stock_advance_order_allocation_quantity',
  'stock_advance_order_free_quantity',
  'stock_deleted_flag',
  'stock_creation_date',
  'stock_last_modified_date',
  'stock_last_modified_null_safe_date',
  'stock_creator_id',
  'stock_creator_name',
  'stock_last_modified_by_id',
  'stock_last_modified_by_null_safe_id',
  'stock_last_modified_by_name',
  'stock_last_modified_by_null_safe_name',
] as const;

const QUE_FIELDS = [
  'que_id',
  'que_method_name',
  'que_shop_id',
  'que_upload_name',
  'que_client_file_name',
  'que_file_name',
  'que_status_id',
  'que_message',
  'que_deleted_flag',
  'que_creation_date',
  'que_last_modified_date',
  'que_creator_id',
  'que_creator_name',
  'que_last_modified_by_id',
  'que_last_modified_by_name',
] as const;

const SHOP_FIELDS = [
  'shop_id',
  'shop_name',
  'shop_kana',
  'shop_abbreviated_name',
  'shop_mall_id',
  'shop_deleted_flag',
  'shop_creation_date',
  'shop_last_modified_date',
] as const;

interface GoodsState {
  goodsId: string;
  goodsName: string;
  janCode: string | null;
  representationId: string | null;
  sellingPrice: number;
  supplierName: string;
  stockQuantity: number;
  allocationQuantity: number;
  defectiveQuantity: number;
  advanceOrderQuantity: number;
  createdAt: number;
  modifiedAt: number;
}

interface QueJob {
  queId: number;
  companyId: string;
  uid: string;
  status: '0' | '1' | '2' | '-1';
  message: string;
  csv: string;
  createdAt: number;
  modifiedAt: number;
  runAt: number;
}

interface CompanyState {
  companyId: string;
  companyNeId: string;
  companyName: string;
  companyKana: string;
  companyAppHeader: string;
  users: NeUserSeed[];
  shops: NeRow[];
  goods: Map<string, GoodsState>;
  orders: Map<string, NeRow>;
  rows: Map<string, NeRow[]>;
}

interface Session {
  uid: string;
  clientId: string;
  accessToken: string;
  refreshToken: string;
  atExp: number;
  rtExp: number;
  /** how many times this pair was rotated (spec §2: expired access token + valid refresh token) */
  rotations: number;
}

interface PendingState {
  state: string;
  uid: string;
  clientId: string;
  expiresAt: number;
  used: boolean;
}

const DAY = 24 * 3600_000;
/** Spec §2 / [DOC-flow]: access_token 1 day, refresh_token 3 days. A seed may shorten the access token's life. */
const ACCESS_TTL = DAY;
const REFRESH_TTL = 3 * DAY;
/** Spec §2 step 2: `state` expires after 5 minutes. */
const STATE_TTL = 5 * 60_000;

type Ctx = {
  params: Map<string, string>;
  bytes: Map<string, Buffer>;
  company: CompanyState;
  user: NeUserSeed;
  session: Session;
};
type Handler = (ctx: Ctx) => Record<string, unknown>;

export class NextEngineSimulator extends SiteSimulator {
  private apps: NeAppSeed[] = [];
  private companies: CompanyState[] = [];
  private sessions: Session[] = [];
  /** access tokens replaced by a rotation or a new login → 002002 */
  private staleAccessTokens = new Map<string, string>();
  private pendingStates = new Map<string, PendingState>();
  private queue: QueJob[] = [];
  private nextQueId = 1;
  private nextOrderId = 1;
  private signInAs: string | undefined;
  private queueDelayMs = 3000;
  private overloaded = false;
  private importing = false;
  private accessTtlMs = ACCESS_TTL;
  /** API answers by `code`, or by `result` when they carry none (`success`), since the last seed */
  private answers = new Map<string, number>();

  constructor() {
    super('nextengine');
    this.seed(undefined);
  }

  static demoSeed(): NextEngineSeed {
    return nextEngineDemoSeed();
  }

  // -------------------------------------------------------------------------------------------------------------------
  // seed / inspect
  // -------------------------------------------------------------------------------------------------------------------

  seed(seed: unknown): void {
    const s = (seed ?? {}) as NextEngineSeed;
    this.apps = (s.apps ?? [NE_DEFAULT_APP]).map((a) => ({ ...a }));
    this.sessions = [];
    this.staleAccessTokens = new Map();
    this.pendingStates = new Map();
    this.queue = [];
    this.nextQueId = 1;
    this.nextOrderId = 1;
    this.signInAs = s.signInAs;
    this.queueDelayMs = s.queueDelayMs ?? 3000;
    this.overloaded = s.overloaded ?? false;
    this.importing = s.importing ?? false;
    this.accessTtlMs = s.accessTokenTtlMs ?? ACCESS_TTL;
    if (!(this.accessTtlMs >= 0)) throw new Error(`accessTokenTtlMs must be ≥ 0, got ${s.accessTokenTtlMs}`);
    this.answers = new Map();
    const companies = s.companies ?? [
      {
        companyId: '1',
        companyNeId: 'NE100001',
        companyName: 'テスト株式会社',
        companyKana: 'テストカブシキガイシャ',
        users: [
          {
            uid: 'sim-uid-0001',
            picId: '1',
            picNeId: 'NEP0001',
            picName: '山田 太郎',
            picKana: 'ヤマダ タロウ',
            picMailAddress: 'yamada@example.jp',
          },
        ],
        shops: [{ shopId: '1', shopName: 'テスト店舗', shopAbbreviatedName: 'テスト' }],
      },
    ];
    this.companies = [];
    for (const c of companies) this.addCompany(c);
    for (const t of s.tokens ?? []) {
      const now = this.clock.now().getTime();
      this.sessions.push({
        uid: t.uid,
        clientId: t.clientId ?? this.apps[0].clientId,
        accessToken: t.accessToken,
        refreshToken: t.refreshToken,
        atExp: t.accessTokenEndDate ? parseNeDate(t.accessTokenEndDate) : now + this.accessTtlMs,
        rtExp: t.refreshTokenEndDate ? parseNeDate(t.refreshTokenEndDate) : now + REFRESH_TTL,
        rotations: 0,
      });
    }
  }

  inspect(): unknown {
    this.tickQueue();
    const now = this.clock.now().getTime();
    return {
      now: neDate(now),
      apps: this.apps.map((a) => ({ clientId: a.clientId, redirectUris: a.redirectUris ?? null })),
      overloaded: this.overloaded,
      importing: this.importing,
      accessTokenTtlMs: this.accessTtlMs,
      /** every API answer since the last seed, by `code` (errors) or `result` (`success`): e.g. { success: 31 } */
      answers: Object.fromEntries(this.answers),
      sessions: this.sessions.map((s) => ({
        uid: s.uid,
        clientId: s.clientId,
        accessToken: s.accessToken,
        refreshToken: s.refreshToken,
        accessTokenEndDate: neDate(s.atExp),
        refreshTokenEndDate: neDate(s.rtExp),
        accessTokenExpired: now >= s.atExp,
        refreshTokenExpired: now >= s.rtExp,
        rotations: s.rotations,
      })),
      staleAccessTokens: [...this.staleAccessTokens.keys()],
      companies: this.companies.map((c) => ({
        companyId: c.companyId,
        companyNeId: c.companyNeId,
        companyName: c.companyName,
        users: c.users.map((u) => u.uid),
        shops: c.shops,
        goods: [...c.goods.values()].map((g) => ({
          goodsId: g.goodsId,
          goodsName: g.goodsName,
          janCode: g.janCode,
          stockQuantity: g.stockQuantity,
          allocationQuantity: g.allocationQuantity,
          freeQuantity: g.stockQuantity - g.allocationQuantity,
        })),
        orders: this.sortedOrders(c).map((o) => ({
          ...o,
          rows: c.rows.get(o.receive_order_id as string) ?? [],
          uiStatus: this.uiStatus(o, now),
        })),
      })),
      queue: this.queue.map((j) => ({
        queId: j.queId,
        companyId: j.companyId,
        status: j.status,
        message: j.message,
        csv: j.csv,
        createdAt: neDate(j.createdAt),
        runAt: neDate(j.runAt),
      })),
    };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // direct methods for tests
  // -------------------------------------------------------------------------------------------------------------------

  /** Add a company (tenant) with its users, shops, goods and orders. */
  addCompany(c: NeCompanySeed): void {
    const now = this.clock.now().getTime();
    const company: CompanyState = {
      companyId: c.companyId,
      companyNeId: c.companyNeId,
      companyName: c.companyName,
      companyKana: c.companyKana,
      companyAppHeader: c.companyAppHeader ?? `app-header-${c.companyNeId}`,
      users: c.users.map((u) => ({ ...u })),
      shops: (c.shops ?? []).map((sh) => ({
        shop_id: sh.shopId,
        shop_name: sh.shopName,
        shop_kana: sh.shopKana ?? '',
        shop_abbreviated_name: sh.shopAbbreviatedName ?? sh.shopName,
        shop_mall_id: sh.shopMallId ?? '1',
        shop_deleted_flag: '0',
        shop_creation_date: neDate(now),
        shop_last_modified_date: neDate(now),
      })),
      goods: new Map(),
      orders: new Map(),
      rows: new Map(),
    };
    this.companies.push(company);
    for (const g of c.goods ?? []) this.addGoods(g, c.companyNeId);
    for (const o of c.orders ?? []) this.addOrder(o, c.companyNeId);
  }

  addGoods(g: NeGoodsSeed, companyNeId?: string): void {
    const company = this.company(companyNeId);
    const now = this.clock.now().getTime();
    company.goods.set(g.goodsId, {
      goodsId: g.goodsId,
      goodsName: g.goodsName,
      janCode: g.janCode ?? null,
      representationId: g.representationId ?? null,
      sellingPrice: g.sellingPrice ?? 0,
      supplierName: g.supplierName ?? '設定なし',
      stockQuantity: g.stockQuantity ?? 0,
      allocationQuantity: g.allocationQuantity ?? 0,
      defectiveQuantity: g.defectiveQuantity ?? 0,
      advanceOrderQuantity: g.advanceOrderQuantity ?? 0,
      createdAt: now,
      modifiedAt: now,
    });
  }

  /** Add a receive order; returns its 伝票番号. */
  addOrder(o: NeOrderSeed, companyNeId?: string): string {
    const company = this.company(companyNeId);
    const now = this.clock.now().getTime();
    const id = String(o.receiveOrderId ?? this.nextOrderId);
    this.nextOrderId = Math.max(this.nextOrderId, Number(id) + 1 || this.nextOrderId + 1);
    const date = o.date ?? neDate(now);
    const status = String(o.statusId ?? 20);
    const cancel = String(o.cancelTypeId ?? 0);
    const delivery = o.deliveryId === undefined ? null : String(o.deliveryId);
    const payment = String(o.paymentMethodId ?? 1);
    const consignee = o.consignee ?? o.purchaser;
    const goodsAmount = o.rows.filter((r) => !r.cancelled && !r.deleted).reduce((sum, r) => sum + r.quantity * r.unitPrice, 0);
    const fee = o.deliveryFeeAmount ?? 0;
    const printing =
      o.printingInMinutes !== undefined ? neDate(now + o.printingInMinutes * 60_000) : o.printingDate === undefined ? date : o.printingDate;
    const lastModified = o.lastModifiedDate ?? neDate(now);
    const base: NeRow = {
      receive_order_id: id,
      receive_order_shop_id: o.shopId,
      receive_order_shop_cut_form_id: o.shopCutFormId,
      receive_order_date: date,
      receive_order_import_date: date,
      receive_order_order_status_id: status,
      receive_order_order_status_name: ORDER_STATUS_NAMES[status] ?? null,
      receive_order_cancel_type_id: cancel,
      receive_order_cancel_type_name: cancel === '0' ? '有効な受注です。' : 'キャンセル',
      receive_order_confirm_check_id: String(o.confirmCheckId ?? 0),
      receive_order_deleted_flag: o.deleted ? '1' : '0',
      receive_order_delivery_id: delivery,
      receive_order_delivery_name: delivery === null ? null : (DELIVERY_NAMES[delivery] ?? null),
      receive_order_delivery_cut_form_id: o.deliveryCutFormId ?? null,
      receive_order_delivery_cut_form_note: null,
      receive_order_send_date: status === '50' ? lastModified : null,
      receive_order_send_plan_date: o.sendPlanDate ?? null,
      receive_order_label_print_flag: '0',
      receive_order_statement_delivery_instruct_printing_date: printing,
      receive_order_payment_method_id: payment,
      receive_order_payment_method_name: PAYMENT_NAMES[payment] ?? null,
      receive_order_deposit_type_id: '2',
      receive_order_goods_amount: String(goodsAmount),
      receive_order_tax_amount: String(Math.floor((goodsAmount * 10) / 110)),
      receive_order_delivery_fee_amount: String(fee),
      receive_order_total_amount: String(goodsAmount + fee),
      receive_order_purchaser_name: o.purchaser.name,
      receive_order_purchaser_kana: o.purchaser.kana ?? null,
      receive_order_purchaser_zip_code: o.purchaser.zipCode ?? null,
      receive_order_purchaser_address1: o.purchaser.address1 ?? null,
      receive_order_purchaser_address2: o.purchaser.address2 ?? null,
      receive_order_purchaser_tel: o.purchaser.tel ?? null,
      receive_order_purchaser_mail_address: o.purchaser.mailAddress ?? null,
      receive_order_consignee_name: consignee.name,
      receive_order_consignee_kana: consignee.kana ?? null,
      receive_order_consignee_zip_code: consignee.zipCode ?? null,
      receive_order_consignee_address1: consignee.address1 ?? null,
      receive_order_consignee_address2: consignee.address2 ?? null,
      receive_order_consignee_tel: consignee.tel ?? null,
      receive_order_gruoping_tag: '',
      receive_order_note: o.note ?? '',
      receive_order_worker_text: '',
      receive_order_creation_date: date,
      receive_order_last_modified_date: lastModified,
      receive_order_last_modified_null_safe_date: lastModified,
      ...(o.extra ?? {}),
    };
    company.orders.set(id, base);
    this.sortedOrderCache.delete(company);
    company.rows.set(
      id,
      o.rows.map((r, i) => ({
        receive_order_row_receive_order_id: id,
        receive_order_row_shop_cut_form_id: o.shopCutFormId,
        receive_order_row_no: String(i + 1),
        receive_order_row_shop_row_no: String(i + 1),
        receive_order_row_goods_id: r.goodsId,
        receive_order_row_goods_name: r.goodsName,
        receive_order_row_quantity: String(r.quantity),
        receive_order_row_unit_price: r.unitPrice.toFixed(2),
        receive_order_row_received_time_first_cost: '0.00',
        receive_order_row_wholesale_retail_ratio: '10.0',
        receive_order_row_sub_total_price: (r.unitPrice * r.quantity).toFixed(2),
        receive_order_row_goods_option: r.goodsOption ?? null,
        receive_order_row_cancel_flag: r.cancelled ? '1' : '0',
        receive_order_include_from_order_id: r.includeFromOrderId ?? null,
        receive_order_include_from_row_no: r.includeFromRowNo ?? null,
        receive_order_row_stock_allocation_quantity: String(r.quantity),
        receive_order_row_advance_order_stock_allocation_quantity: '0',
        receive_order_row_returned_good_quantity: '0',
        receive_order_row_deleted_flag: r.deleted ? '1' : '0',
        receive_order_row_creation_date: date,
        receive_order_row_last_modified_date: lastModified,
        receive_order_row_last_modified_by_name: '管理者',
      })),
    );
    return id;
  }

  /** The raw stored order (all `receive_order_*` fields), or undefined. */
  getOrder(receiveOrderId: string | number, companyNeId?: string): NeRow | undefined {
    const o = this.company(companyNeId).orders.get(String(receiveOrderId));
    return o ? { ...o } : undefined;
  }

  /** Overwrite raw fields of an order (e.g. simulate a change made in the NE UI); bumps last_modified unless given. */
  patchOrder(receiveOrderId: string | number, fields: NeRow, companyNeId?: string): void {
    const o = this.company(companyNeId).orders.get(String(receiveOrderId));
    if (!o) throw new Error(`no order ${receiveOrderId}`);
    const bumped = this.bumpLastModified(o);
    Object.assign(o, { receive_order_last_modified_date: bumped, receive_order_last_modified_null_safe_date: bumped }, fields);
  }

  setStock(goodsId: string, stockQuantity: number, companyNeId?: string): void {
    const g = this.company(companyNeId).goods.get(goodsId);
    if (!g) throw new Error(`no goods ${goodsId}`);
    g.stockQuantity = stockQuantity;
    g.modifiedAt = this.clock.now().getTime();
  }

  getStock(goodsId: string, companyNeId?: string): { stock: number; allocation: number; free: number } | undefined {
    const g = this.company(companyNeId).goods.get(goodsId);
    return g ? { stock: g.stockQuantity, allocation: g.allocationQuantity, free: g.stockQuantity - g.allocationQuantity } : undefined;
  }

  /** Issue tokens as /api_neauth would, without the browser step. */
  issueTokens(uid?: string, clientId = this.apps[0]?.clientId ?? NE_DEFAULT_APP.clientId): { accessToken: string; refreshToken: string } {
    const user = uid ?? this.companies[0]?.users[0]?.uid;
    if (!user || !this.findUser(user)) throw new Error(`no NE user ${uid}`);
    const s = this.newSession(user, clientId);
    return { accessToken: s.accessToken, refreshToken: s.refreshToken };
  }

  /** Make the access token expire now (all sessions, or the one holding `accessToken`); the refresh token stays valid. */
  expireAccessToken(accessToken?: string): void {
    const now = this.clock.now().getTime();
    for (const s of this.sessions) if (!accessToken || s.accessToken === accessToken) s.atExp = now - 1000;
  }

  /** Make both tokens expire now → next call gets 002004. */
  expireRefreshToken(accessToken?: string): void {
    const now = this.clock.now().getTime();
    for (const s of this.sessions) {
      if (accessToken && s.accessToken !== accessToken) continue;
      s.atExp = now - 1000;
      s.rtExp = now - 1000;
    }
  }

  setOverloaded(on: boolean): void {
    this.overloaded = on;
  }

  setImporting(on: boolean): void {
    this.importing = on;
  }

  /** Process every queued upload now, whatever its scheduled time. */
  processQueue(): void {
    for (const job of this.queue) if (job.status === '0') this.runJob(job);
  }

  /** The sign-in URL a connector would send the browser to. */
  signInUrl(redirectUri: string, state?: string, clientId = this.apps[0].clientId): string {
    const q = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri });
    if (state) q.set('state', state);
    return `${this.url}/users/sign_in/?${q.toString()}`;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // routes
  // -------------------------------------------------------------------------------------------------------------------

  protected mountRoutes(app: Express): void {
    app.use((req: Request, res: Response, next: NextFunction) => {
      const path = req.path.replace(/\/+$/, '');
      if (path === '/users/sign_in') return this.handleSignIn(req, res);
      if (path === '/api_neauth') return this.handleApi(req as SiteRequest, res, 'neauth');
      if (path.startsWith('/api_')) return this.handleApi(req as SiteRequest, res, path);
      next();
    });
  }

  /**
   * The sign-in host. A real human signs in and consents; the simulator signs in as `sim_uid` (query), the seed's
   * `signInAs`, or the first user, then redirects to `redirect_uri` with `uid` and `state` (spec §2 steps 1–2).
   *
   * UNCONFIRMED: whether NE echoes an app-supplied `state`. The simulator echoes one when given (so the app can
   * correlate the callback) and otherwise makes its own; either way the pair is what /api_neauth accepts, for 5 min.
   */
  private handleSignIn(req: Request, res: Response): void {
    if (req.method !== 'GET') {
      res.status(405).type('text/plain').send('Method Not Allowed');
      return;
    }
    const q = req.query as Record<string, string | undefined>;
    const app = this.apps.find((a) => a.clientId === q.client_id);
    const page = (msg: string) =>
      res.status(400).type('text/html').send(`<!DOCTYPE html><html lang="ja"><body><p>${msg}</p></body></html>`);
    if (!q.client_id || !app) return void page('client_idが不正です');
    if (!q.redirect_uri || !/^https?:\/\//.test(q.redirect_uri)) return void page('redirect_uriが不正です');
    if (app.redirectUris && !app.redirectUris.includes(q.redirect_uri.split('?')[0])) {
      return void page('redirect_uriがアプリの設定と一致しません');
    }
    const uid = q.sim_uid ?? this.signInAs ?? this.companies[0]?.users[0]?.uid;
    if (!uid || !this.findUser(uid)) return void page('ログインIDまたはパスワードが違います');
    const state = q.state && q.state.length > 0 ? q.state : token('ST');
    this.pendingStates.set(state, {
      state,
      uid,
      clientId: app.clientId,
      expiresAt: this.clock.now().getTime() + STATE_TTL,
      used: false,
    });
    const target = new URL(q.redirect_uri);
    target.searchParams.set('uid', uid);
    target.searchParams.set('state', state);
    res.redirect(302, target.toString());
  }

  private readParams(req: SiteRequest): { bytes: Map<string, Buffer>; params: Map<string, string> } {
    // Spec §3: every call is a form-encoded POST. Any other body type carries no parameters at all.
    const isForm = (req.headers['content-type'] ?? '').toLowerCase().includes('application/x-www-form-urlencoded');
    const bytes = isForm ? parseFormBytes(req.rawBody) : new Map<string, Buffer>();
    const params = new Map<string, string>();
    for (const [k, v] of bytes) params.set(k, v.toString('utf8'));
    return { bytes, params };
  }

  private send(res: Response, body: Record<string, unknown>, session?: Session): void {
    const answer = typeof body.code === 'string' && body.code !== '' ? body.code : String(body.result);
    this.answers.set(answer, (this.answers.get(answer) ?? 0) + 1);
    const out: Record<string, unknown> = { ...body };
    if (session) {
      out.access_token = session.accessToken;
      out.access_token_end_date = neDate(session.atExp);
      out.refresh_token = session.refreshToken;
      out.refresh_token_end_date = neDate(session.rtExp);
    }
    // Spec §4: errors travel in the body; the HTTP status is UNCONFIRMED, so always 200.
    res.status(200).type('application/json; charset=utf-8').send(JSON.stringify(out));
  }

  private sendError(res: Response, err: NeError, session?: Session): void {
    this.send(res, { result: err.result, code: err.code, message: err.messageValue, request_id: '' }, session);
  }

  private handleApi(req: SiteRequest, res: Response, path: string): void {
    this.tickQueue();
    if (req.method !== 'POST') {
      return this.sendError(res, new NeError(NE_CODES.noPath, neMessage(NE_CODES.noPath)));
    }
    const { bytes, params } = this.readParams(req);
    if (path === 'neauth') return this.handleNeAuth(params, res);
    const handler = this.handlers()[path];
    if (!handler) return this.sendError(res, new NeError(NE_CODES.noPath, neMessage(NE_CODES.noPath)));
    const auth = this.authenticate(params);
    if (auth instanceof NeError) return this.sendError(res, auth);
    const { session } = auth;
    try {
      // Spec §3 wait_flag: under overload, wait_flag=1 waits (and then runs); anything else gets 003002 at once.
      if (this.overloaded && params.get('wait_flag') !== '1') {
        throw new NeError(NE_CODES.overload, neMessage(NE_CODES.overload));
      }
      const user = this.findUser(session.uid)!;
      const body = handler({ params, bytes, company: user.company, user: user.user, session });
      this.send(res, body, session);
    } catch (e) {
      if (e instanceof NeError) return this.sendError(res, e, session);
      this.sendError(res, new NeError(NE_CODES.system, `${neMessage(NE_CODES.system)}: ${(e as Error).message}`));
    }
  }

  /** Spec §2 token rules; rotation happens before the call runs, so even a failing call returns the new pair. */
  private authenticate(params: Map<string, string>): { session: Session } | NeError {
    const at = params.get('access_token');
    if (!at) return new NeError(NE_CODES.noAccessToken, neMessage(NE_CODES.noAccessToken));
    const session = this.sessions.find((s) => s.accessToken === at);
    if (!session) {
      if (this.staleAccessTokens.has(at)) return new NeError(NE_CODES.staleAccessToken, neMessage(NE_CODES.staleAccessToken));
      return new NeError(NE_CODES.unknownAccessToken, neMessage(NE_CODES.unknownAccessToken));
    }
    const now = this.clock.now().getTime();
    if (now < session.atExp) return { session };
    const rt = params.get('refresh_token');
    // [DOC-update] refresh_token row: an expired access_token without a refresh_token → result "redirect".
    if (!rt) return new NeError(NE_CODES.expired, neMessage(NE_CODES.expired), neMessage(NE_CODES.expired), 'redirect');
    // UNCONFIRMED: a refresh_token that is not this access_token's pair is treated like an expired one.
    if (rt !== session.refreshToken || now >= session.rtExp) {
      return new NeError(NE_CODES.expired, neMessage(NE_CODES.expired));
    }
    this.staleAccessTokens.set(session.accessToken, session.uid);
    session.accessToken = token('AT');
    session.refreshToken = token('RT');
    session.atExp = now + this.accessTtlMs;
    session.rtExp = now + REFRESH_TTL;
    session.rotations += 1;
    return { session };
  }

  private handleNeAuth(params: Map<string, string>, res: Response): void {
    const uid = params.get('uid');
    const state = params.get('state');
    const clientId = params.get('client_id');
    const secret = params.get('client_secret');
    if (!uid) return this.sendError(res, new NeError(NE_CODES.noUid, neMessage(NE_CODES.noUid)));
    const app = this.apps.find((a) => a.clientId === clientId);
    if (!clientId || !secret || !app || app.clientSecret !== secret) {
      return this.sendError(res, new NeError(NE_CODES.badClient, neMessage(NE_CODES.badClient)));
    }
    const pending = state ? this.pendingStates.get(state) : undefined;
    if (
      !state ||
      !pending ||
      pending.used ||
      pending.uid !== uid ||
      pending.clientId !== app.clientId ||
      this.clock.now().getTime() >= pending.expiresAt
    ) {
      return this.sendError(res, new NeError(NE_CODES.badState, neMessage(NE_CODES.badState)));
    }
    pending.used = true;
    const found = this.findUser(uid);
    if (!found) return this.sendError(res, new NeError(NE_CODES.noUid, 'uidが不正です'));
    const session = this.newSession(uid, app.clientId);
    const { company, user } = found;
    // `*_end_date` on /api_neauth is UNCONFIRMED (spec §2); sent like on every other response.
    this.send(
      res,
      {
        result: 'success',
        company_app_header: company.companyAppHeader,
        company_ne_id: company.companyNeId,
        company_name: company.companyName,
        company_kana: company.companyKana,
        uid: user.uid,
        pic_ne_id: user.picNeId,
        pic_name: user.picName,
        pic_kana: user.picKana,
        pic_mail_address: user.picMailAddress,
      },
      session,
    );
  }

  private newSession(uid: string, clientId: string): Session {
    // A new login replaces the user's pair for this app; the old access token becomes stale (002002).
    for (const old of this.sessions.filter((s) => s.uid === uid && s.clientId === clientId)) {
      this.staleAccessTokens.set(old.accessToken, uid);
    }
    this.sessions = this.sessions.filter((s) => !(s.uid === uid && s.clientId === clientId));
    const now = this.clock.now().getTime();
    const session: Session = {
      uid,
      clientId,
      accessToken: token('AT'),
      refreshToken: token('RT'),
      atExp: now + this.accessTtlMs,
      rtExp: now + REFRESH_TTL,
      rotations: 0,
    };
    this.sessions.push(session);
    return session;
  }

  protected override namedActions(): Record<string, () => void> {
    return {
      expireAccessToken: () => this.expireAccessToken(),
      expireRefreshToken: () => this.expireRefreshToken(),
    };
  }

  protected renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void {
    const code = fault.siteCode ?? NE_CODES.overload;
    const err = new NeError(code, fault.siteMessage ?? neMessage(code));
    // Spec §2 / [DOC-faq]: error responses carry valid tokens, except 002002, 002004 and (some) 999999.
    let session: Session | undefined;
    if (!['002001', '002002', '002004', '999999'].includes(code)) {
      const auth = this.authenticate(this.readParams(req).params);
      if (!(auth instanceof NeError)) session = auth.session;
    }
    this.sendError(res, err, session);
  }

  // -------------------------------------------------------------------------------------------------------------------
  // endpoints
  // -------------------------------------------------------------------------------------------------------------------

  private handlers(): Record<string, Handler> {
    const search = (rows: (c: CompanyState, params: Map<string, string>) => NeRow[], fields: readonly string[]) => {
      const allowed = new Set(fields);
      const s: Handler = ({ params, company }) => {
        const out = runSearch(params, rows(company, params), allowed, 'search');
        // UNCONFIRMED: `count` is the number of rows returned in `data` (the /count endpoints give totals).
        return { result: 'success', count: String(out.data.length), data: out.data };
      };
      const c: Handler = ({ params, company }) => {
        const out = runSearch(params, rows(company, params), allowed, 'count');
        return { result: 'success', count: String(out.total) };
      };
      return { s, c };
    };
    const orders = search((c) => this.sortedOrders(c), ORDER_FIELDS);
    const rows = search((c, params) => this.sortedRows(c, params), ROW_FIELDS);
    const goods = search((c) => this.goodsRows(c), GOODS_FIELDS);
    const stock = search((c) => this.stockRows(c), STOCK_FIELDS);
    const que = search((c) => this.queRows(c), QUE_FIELDS);
    const shops = search((c) => c.shops, SHOP_FIELDS);
    return {
      '/api_v1_login_user/info': ({ company, user }) => ({
        result: 'success',
        count: '1',
        // Exact key list UNCONFIRMED (spec §6.9).
        data: [
          {
            uid: user.uid,
            pic_id: user.picId,
            pic_ne_id: user.picNeId,
            pic_name: user.picName,
            pic_kana: user.picKana,
            pic_mail_address: user.picMailAddress,
            company_id: company.companyId,
            company_ne_id: company.companyNeId,
            company_name: company.companyName,
            company_kana: company.companyKana,
          },
        ],
      }),
      '/api_v1_login_company/info': ({ company }) => ({
        result: 'success',
        count: '1',
        data: [
          {
            company_id: company.companyId,
            company_ne_id: company.companyNeId,
            company_name: company.companyName,
            company_kana: company.companyKana,
          },
        ],
      }),
      '/api_v1_master_shop/search': shops.s,
      '/api_v1_master_shop/count': shops.c,
      '/api_v1_receiveorder_base/search': orders.s,
      '/api_v1_receiveorder_base/count': orders.c,
      '/api_v1_receiveorder_row/search': rows.s,
      '/api_v1_receiveorder_row/count': rows.c,
      '/api_v1_master_goods/search': goods.s,
      '/api_v1_master_goods/count': goods.c,
      '/api_v1_master_stock/search': stock.s,
      '/api_v1_master_stock/count': stock.c,
      '/api_v1_system_que/search': que.s,
      '/api_v1_system_que/count': que.c,
      '/api_v1_receiveorder_base/update': (ctx) => this.update(ctx),
      '/api_v1_receiveorder_base/bulkupdate': (ctx) => this.bulkUpdate(ctx),
      '/api_v1_receiveorder_base/shipped': (ctx) => this.shipped(ctx),
      '/api_v1_receiveorder_base/labelprinted': (ctx) => this.labelPrinted(ctx),
      '/api_v1_master_goods/upload': (ctx) => this.upload(ctx),
    };
  }

  private requireParam(params: Map<string, string>, name: string): string {
    const v = params.get(name);
    if (v === undefined || v === '') throw new NeError(NE_CODES.badParam, `${name}が指定されていません`);
    return v;
  }

  private lockedOrder(company: CompanyState, id: string, lastModified: string): NeRow {
    const order = company.orders.get(id);
    if (!order) throw new NeError(NE_CODES.orderNotFound, `伝票番号[${id}]の受注伝票が存在しません`);
    // Spec §6.3: the optimistic lock — the value must equal the stored last-modified date exactly.
    if (order.receive_order_last_modified_date !== lastModified.trim()) {
      throw new NeError(NE_CODES.lastModifiedChanged, neMessage(NE_CODES.lastModifiedChanged));
    }
    return order;
  }

  private parseOrderXml(xml: string): Record<string, unknown> {
    if (XMLValidator.validate(xml) !== true) throw new NeError(NE_CODES.badXml, 'dataのXMLが不正です');
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      parseTagValue: false,
      parseAttributeValue: false,
      isArray: (name) => name === 'receiveorder',
    });
    const doc = parser.parse(xml) as Record<string, unknown>;
    const root = doc.root;
    if (!root || typeof root !== 'object') throw new NeError(NE_CODES.badXml, 'dataのXMLにrootがありません');
    return root as Record<string, unknown>;
  }

  /** Validate and compute the field changes of one `<receiveorder_base>`; throws NeError. */
  private planUpdate(order: NeRow, base: unknown, shippedUpdateFlag: boolean): NeRow {
    if (this.importing) throw new NeError(NE_CODES.importing, neMessage(NE_CODES.importing));
    if (base !== undefined && base !== '' && (typeof base !== 'object' || base === null)) {
      throw new NeError(NE_CODES.badXml, 'receiveorder_baseが不正です');
    }
    const changes: NeRow = {};
    for (const [field, value] of Object.entries((base ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'object' && value !== null) throw new NeError(NE_CODES.badXml, `${field}の値が不正です`);
      if (!UPDATABLE_ORDER_FIELDS.has(field)) throw new NeError(NE_CODES.badXml, `${field}は更新できない項目です`);
      changes[field] = value === undefined || value === null ? '' : String(value);
    }
    const status = order.receive_order_order_status_id;
    if (status === '50' && !shippedUpdateFlag) {
      throw new NeError(NE_CODES.shippedNotUpdatable, '出荷確定済の受注伝票は更新できません');
    }
    if (status === '1' && Object.keys(changes).some((f) => !MAIL_IMPORTED_UPDATABLE.has(f))) {
      throw new NeError(NE_CODES.mailImportedOnlyCancel, neMessage(NE_CODES.mailImportedOnlyCancel));
    }
    if (changes.receive_order_delivery_id !== undefined) {
      changes.receive_order_delivery_name = DELIVERY_NAMES[changes.receive_order_delivery_id ?? ''] ?? null;
    }
    if (changes.receive_order_cancel_type_id !== undefined) {
      changes.receive_order_cancel_type_name = changes.receive_order_cancel_type_id === '0' ? '有効な受注です。' : 'キャンセル';
    }
    return changes;
  }

  private applyChanges(order: NeRow, changes: NeRow): void {
    const bumped = this.bumpLastModified(order);
    Object.assign(order, changes, {
      receive_order_last_modified_date: bumped,
      receive_order_last_modified_null_safe_date: bumped,
    });
  }

  /** Spec §9: on success last_modified moves forward by at least one second. */
  private bumpLastModified(order: NeRow): string {
    const now = this.clock.now().getTime();
    const prev = order.receive_order_last_modified_date ? parseNeDate(order.receive_order_last_modified_date) : 0;
    return neDate(Math.max(Math.floor(now / 1000) * 1000, prev + 1000));
  }

  private update({ params, company }: Ctx): Record<string, unknown> {
    const id = this.requireParam(params, 'receive_order_id');
    const lastModified = this.requireParam(params, 'receive_order_last_modified_date');
    const data = this.requireParam(params, 'data');
    const root = this.parseOrderXml(data);
    const order = this.lockedOrder(company, id, lastModified);
    const changes = this.planUpdate(order, root.receiveorder_base, params.get('receive_order_shipped_update_flag') === '1');
    this.applyChanges(order, changes);
    // Success body beyond result + tokens is UNCONFIRMED (spec §6.3).
    return { result: 'success' };
  }

  private bulkUpdate({ params, bytes, company }: Ctx): Record<string, unknown> {
    const type = this.requireParam(params, 'data_type');
    this.requireParam(params, 'data');
    let xml: string;
    if (type === 'xml') xml = params.get('data')!;
    else if (type === 'gz') {
      try {
        xml = gunzipSync(bytes.get('data')!).toString('utf8');
      } catch {
        throw new NeError(NE_CODES.badParam, 'dataをgzip展開できません');
      }
    } else throw new NeError(NE_CODES.badParam, 'data_typeはxmlまたはgzで指定して下さい');
    const root = this.parseOrderXml(xml);
    const entries = (root.receiveorder ?? []) as Array<Record<string, unknown>>;
    if (entries.length === 0) throw new NeError(NE_CODES.badXml, 'receiveorderがありません');
    const shippedFlag = params.get('receive_order_shipped_update_flag') === '1';
    const errors: Array<Record<string, unknown>> = [];
    for (const entry of entries) {
      const id = String(entry['@_receive_order_id'] ?? '');
      try {
        const order = this.lockedOrder(company, id, String(entry['@_receive_order_last_modified_date'] ?? ''));
        this.applyChanges(order, this.planUpdate(order, entry.receiveorder_base, shippedFlag));
      } catch (e) {
        if (!(e instanceof NeError)) throw e;
        // Shape from [BULK-TEST] (spec §6.3); the rows without an error are applied (UNCONFIRMED).
        errors.push({ receive_order_id: Number(id), code: e.code, message: e.message });
      }
    }
    if (errors.length > 0) throw new NeError(NE_CODES.bulkPartial, neMessage(NE_CODES.bulkPartial), errors);
    return { result: 'success' };
  }

  private shipped({ params, company }: Ctx): Record<string, unknown> {
    const id = this.requireParam(params, 'receive_order_id');
    const lastModified = this.requireParam(params, 'receive_order_last_modified_date');
    if (this.importing) throw new NeError(NE_CODES.importing, neMessage(NE_CODES.importing));
    const order = this.lockedOrder(company, id, lastModified);
    // Spec §6.4: status 20 or 40 and not cancelled (UNCONFIRMED as an official rule, safe to enforce).
    const status = order.receive_order_order_status_id ?? '';
    if (!['20', '40'].includes(status) || order.receive_order_cancel_type_id !== '0' || order.receive_order_deleted_flag === '1') {
      throw new NeError(NE_CODES.notShippable, '出荷確定できない受注状態です');
    }
    this.applyChanges(order, {
      receive_order_order_status_id: '50',
      receive_order_order_status_name: ORDER_STATUS_NAMES['50'],
      receive_order_send_date: neDate(this.clock.now()),
    });
    return { result: 'success' };
  }

  private labelPrinted({ params, company }: Ctx): Record<string, unknown> {
    const id = this.requireParam(params, 'receive_order_id');
    const lastModified = this.requireParam(params, 'receive_order_last_modified_date');
    const flag = params.get('receive_order_label_print_flag') ?? '2';
    if (!['1', '2'].includes(flag)) throw new NeError(NE_CODES.badParam, 'receive_order_label_print_flagは1または2です');
    const order = this.lockedOrder(company, id, lastModified);
    this.applyChanges(order, { receive_order_label_print_flag: flag });
    return { result: 'success' };
  }

  private upload({ params, bytes, company, user }: Ctx): Record<string, unknown> {
    const type = this.requireParam(params, 'data_type');
    this.requireParam(params, 'data');
    let raw: Buffer;
    if (type === 'csv') raw = bytes.get('data')!;
    else if (type === 'gz') {
      try {
        raw = gunzipSync(bytes.get('data')!);
      } catch {
        throw new NeError(NE_CODES.badParam, 'dataをgzip展開できません');
      }
    } else throw new NeError(NE_CODES.badParam, 'data_typeはcsvまたはgzで指定して下さい');
    const now = this.clock.now().getTime();
    const job: QueJob = {
      queId: this.nextQueId++,
      companyId: company.companyId,
      uid: user.uid,
      status: '0',
      message: '',
      csv: decodeCsv(raw),
      createdAt: now,
      modifiedAt: now,
      runAt: now + this.queueDelayMs,
    };
    this.queue.push(job);
    // Spec §6.7: the queue id comes back as `que_id` (string, like every scalar).
    return { result: 'success', que_id: String(job.queId) };
  }

  // -------------------------------------------------------------------------------------------------------------------
  // upload queue (spec §6.7 / §6.8)
  // -------------------------------------------------------------------------------------------------------------------

  /** Jobs whose time has come (by the sim clock) run before any request is answered. */
  private tickQueue(): void {
    const now = this.clock.now().getTime();
    for (const job of this.queue) if (job.status === '0' && job.runAt <= now) this.runJob(job);
  }

  private runJob(job: QueJob): void {
    const company = this.companies.find((c) => c.companyId === job.companyId)!;
    job.modifiedAt = Math.max(this.clock.now().getTime(), job.createdAt);
    try {
      const deltas = this.planStockCsv(company, job.csv);
      for (const [code, delta] of deltas) {
        const g = company.goods.get(code)!;
        g.stockQuantity += delta;
        g.modifiedAt = job.modifiedAt;
      }
      job.status = '2';
      job.message = '';
    } catch (e) {
      // UNCONFIRMED whether NE applies the good rows of a failing file; the simulator applies none.
      job.status = '-1';
      job.message = (e as Error).message;
    }
  }

  /** Spec §6.7 / [MAN-zaiko]: `zaiko_su` is a relative delta; blank = no change; never below free stock. */
  private planStockCsv(company: CompanyState, csv: string): Map<string, number> {
    let records: Array<Record<string, string>>;
    try {
      records = parseCsv(csv, { columns: true, skip_empty_lines: true, trim: true }) as Array<Record<string, string>>;
    } catch (e) {
      throw new Error(`CSVの形式が不正です: ${(e as Error).message}`);
    }
    const header = csv
      .split(/\r?\n/, 1)[0]
      .split(',')
      .map((h) => h.trim().replace(/^"|"$/g, ''));
    if (!header.includes('syohin_code')) throw new Error('syohin_code列がありません');
    if (!header.includes('zaiko_su')) throw new Error('zaiko_su列がありません');
    const deltas = new Map<string, number>();
    records.forEach((r, i) => {
      const line = i + 2;
      const code = r.syohin_code ?? '';
      if (!/^[A-Za-z0-9-]{1,30}$/.test(code)) throw new Error(`${line}行目: 商品コード[${code}]が不正です`);
      if (!company.goods.has(code)) throw new Error(`${line}行目: 商品コード[${code}]は商品マスタに存在しません`);
      const z = (r.zaiko_su ?? '').trim();
      if (z === '') return;
      if (!/^[+-]?\d+$/.test(z)) throw new Error(`${line}行目: zaiko_su[${z}]は整数で指定して下さい`);
      deltas.set(code, (deltas.get(code) ?? 0) + Number(z));
    });
    for (const [code, delta] of deltas) {
      const g = company.goods.get(code)!;
      const free = g.stockQuantity - g.allocationQuantity;
      if (delta < 0 && -delta > free) {
        throw new Error(`商品コード[${code}]: フリー在庫数(${free})を超えて減算できません(${delta})`);
      }
    }
    return deltas;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // rows
  // -------------------------------------------------------------------------------------------------------------------

  private company(companyNeId?: string): CompanyState {
    const c = companyNeId ? this.companies.find((x) => x.companyNeId === companyNeId) : this.companies[0];
    if (!c) throw new Error(`no NE company ${companyNeId ?? '(default)'}`);
    return c;
  }

  private findUser(uid: string): { company: CompanyState; user: NeUserSeed } | undefined {
    for (const company of this.companies) {
      const user = company.users.find((u) => u.uid === uid);
      if (user) return { company, user };
    }
    return undefined;
  }

  /** receiveorder_base ordering is UNCONFIRMED (spec §3): receive_order_id ascending. */
  private sortedOrders(c: CompanyState): NeRow[] {
    // Orders are only ever added (and their rows edited in place), so the order by id changes only
    // when the count does; re-sorting 100,000 orders for every page would make the simulator the bottleneck.
    const cached = this.sortedOrderCache.get(c);
    if (cached && cached.size === c.orders.size) return cached.list;
    const list = [...c.orders.values()].sort((a, b) => Number(a.receive_order_id) - Number(b.receive_order_id));
    this.sortedOrderCache.set(c, { size: c.orders.size, list });
    return list;
  }

  private readonly sortedOrderCache = new WeakMap<CompanyState, { size: number; list: NeRow[] }>();

  /**
   * Every order row, in order. When the search names its orders (`-in`/`-eq` on the order id), only
   * those orders' rows are gathered: the same answer as filtering all rows, without sorting a whole
   * table per page (benchmarks search 100,000 orders a thousand ids at a time).
   */
  private sortedRows(c: CompanyState, params?: Map<string, string>): NeRow[] {
    const named = params?.get('receive_order_row_receive_order_id-in') ?? params?.get('receive_order_row_receive_order_id-eq');
    const orders = named
      ? [...new Set(named.split(',').map((id) => id.trim()))]
          .map((id) => c.orders.get(id) ?? c.orders.get(String(Number(id))))
          .filter((o): o is NeRow => o !== undefined)
          .sort((a, b) => Number(a.receive_order_id) - Number(b.receive_order_id))
      : this.sortedOrders(c);
    return orders.flatMap((o) =>
      [...(c.rows.get(o.receive_order_id as string) ?? [])].sort((a, b) => Number(a.receive_order_row_no) - Number(b.receive_order_row_no)),
    );
  }

  private goodsRows(c: CompanyState): NeRow[] {
    return [...c.goods.values()]
      .sort((a, b) => (a.goodsId < b.goodsId ? -1 : a.goodsId > b.goodsId ? 1 : 0))
      .map((g) => ({
        goods_id: g.goodsId,
        goods_name: g.goodsName,
        goods_jan_code: g.janCode,
        goods_representation_id: g.representationId,
        goods_selling_price: String(g.sellingPrice),
        goods_deleted_flag: '0',
        goods_creation_date: neDate(g.createdAt),
        goods_last_modified_date: neDate(g.modifiedAt),
        stock_quantity: String(g.stockQuantity),
        supplier_name: g.supplierName,
      }));
  }

  private stockRows(c: CompanyState): NeRow[] {
    return [...c.goods.values()]
      .sort((a, b) => (a.goodsId < b.goodsId ? -1 : a.goodsId > b.goodsId ? 1 : 0))
      .map((g) => {
        // フリー在庫数 = 在庫数 − 引当数 (spec §6.6: the sellable quantity).
        const free = g.stockQuantity - g.allocationQuantity;
        return {
          stock_goods_id: g.goodsId,
          stock_quantity: String(g.stockQuantity),
          stock_allocation_quantity: String(g.allocationQuantity),
          stock_defective_quantity: String(g.defectiveQuantity),
          stock_remaining_order_quantity: '0',
          stock_out_quantity: String(Math.max(0, -free)),
          stock_free_quantity: String(free),
          stock_advance_order_quantity: String(g.advanceOrderQuantity),
          stock_advance_order_allocation_quantity: '0',
          stock_advance_order_free_quantity: String(g.advanceOrderQuantity),
          stock_deleted_flag: '0',
          stock_creation_date: neDate(g.createdAt),
          stock_last_modified_date: neDate(g.modifiedAt),
          stock_last_modified_null_safe_date: neDate(g.modifiedAt),
          stock_creator_id: '1',
          stock_creator_name: '管理者',
          stock_last_modified_by_id: '1',
          stock_last_modified_by_null_safe_id: '1',
          stock_last_modified_by_name: '管理者',
          stock_last_modified_by_null_safe_name: '管理者',
        };
      });
  }

  private queRows(c: CompanyState): NeRow[] {
    const user = c.users[0];
    return this.queue
      .filter((j) => j.companyId === c.companyId)
      .map((j) => ({
        que_id: String(j.queId),
        que_method_name: 'SYOHIN_KIHON_CSV',
        que_shop_id: null,
        que_upload_name: '商品マスタ一括登録',
        que_client_file_name: 'api_upload.csv',
        que_file_name: `goods_${j.queId}.csv`,
        que_status_id: j.status,
        que_message: j.message,
        que_deleted_flag: '0',
        que_creation_date: neDate(j.createdAt),
        que_last_modified_date: neDate(j.modifiedAt),
        que_creator_id: user?.picId ?? '1',
        que_creator_name: user?.picName ?? 'API',
        que_last_modified_by_id: user?.picId ?? '1',
        que_last_modified_by_name: user?.picName ?? 'API',
      }));
  }

  /** Spec §7: the UI status derived from the status id, cancel/deleted flags and the print-instruction date. */
  private uiStatus(o: NeRow, now: number): string {
    const status = o.receive_order_order_status_id;
    if (o.receive_order_deleted_flag === '1') return '削除';
    if (o.receive_order_cancel_type_id !== '0') return 'キャンセル';
    if (status === '1') return '新規受付';
    if ((status === '0' || status === '2') && o.receive_order_confirm_check_id === '1') return '確認待ち';
    if (status === '20') {
      const p = o.receive_order_statement_delivery_instruct_printing_date;
      if (!p || p.startsWith('0000')) return '印刷待ち';
      return parseNeDate(p) <= now ? '印刷待ち' : '印刷日待ち';
    }
    if (status === '30') return '印刷中';
    if (status === '40') return '印刷済み';
    if (status === '50') return '出荷済み';
    return ORDER_STATUS_NAMES[status ?? ''] ?? '不明';
  }
}

function token(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** CSV encoding accepted by NE: UTF-8 or Shift_JIS (spec §6.7, UNCONFIRMED); bytes that are not valid UTF-8 are read as Shift_JIS. */
function decodeCsv(raw: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    text = iconv.decode(raw, 'Shift_JIS');
  }
  return text.replace(/^\uFEFF/, '');
}
