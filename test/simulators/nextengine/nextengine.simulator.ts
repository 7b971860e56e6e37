import type { Express, NextFunction, Request, Response, Router } from 'express';
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
  /** 分割: the row of the 分割元 slip this one came from (receive_order_row_divide_from_row_no) */
  divideFromRowNo?: string;
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
  /** 0 = valid (default); other values per the cancel-type master (cancellations.md §1.2) */
  cancelTypeId?: string | number;
  /** 受注キャンセル日; default: null for a valid order, the last-modified date for a cancelled one */
  cancelDate?: string | null;
  confirmCheckId?: string | number;
  deleted?: boolean;
  /** 同梱先 伝票番号 of a merged-away slip (receive_order_include_to_order_id) */
  includeToOrderId?: string | number;
  /** 分割元 伝票番号 of a slip split off another (receive_order_divide_from_order_id) */
  divideFromOrderId?: string | number;
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
  'receive_order_cancel_date',
  'receive_order_confirm_check_id',
  'receive_order_deleted_flag',
  // 同梱 / 分割 / 複写 links (cancellations.md §1.5)
  'receive_order_include_to_order_id',
  'receive_order_include_possible_order_id',
  'receive_order_divide_from_order_id',
  'receive_order_copy_from_order_id',
  'receive_order_hope_delivery_date',
  'receive_order_hope_delivery_time_slot_id',
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
/**
 * NE-UPD: "受注伝票の受注キャンセル区分を0（有効）に変更したときに明細行のキャンセルフラグを有効にする" — without it, a
 * slip made valid again keeps its rows cancelled (cancellations.md §1.1).
 */
const ROW_CANCEL_UPDATE_FLAG = 'receive_order_row_cancel_update_flag';
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
  'receive_order_row_divide_from_row_no',
  'receive_order_row_copy_from_row_no',
  'receive_order_row_stock_allocation_quantity',
  'receive_order_row_advance_order_stock_allocation_quantity',
  'receive_order_row_returned_good_quantity',
  'receive_order_row_deleted_flag',
  'receive_order_row_creation_date',
  'receive_order_row_last_modified_date',
  'receive_order_row_last_modified_by_name',
  /** cancellations.md §1.3c: the newer of the slip's and the row's last-modified dates (computed on read) */
  'receive_order_row_last_modified_newest_date',
] as const;

/**
 * Row search also returns and filters the 受注伝票 (base) fields (cancellations.md §1.3c, CONFIRMED): each row is
 * read joined with its slip.
 */
const ROW_SEARCH_FIELDS: readonly string[] = [...ROW_FIELDS, ...ORDER_FIELDS];

/**
 * The standard cancel types (受注キャンセル区分), as the official `/api_v1_system_canceltype/info` sample lists them
 * (cancellations.md §1.2, NE-CT). Per company in the real NE (names editable, types hideable); fixed here.
 */
export const NE_CANCEL_TYPES: ReadonlyArray<{ id: string; name: string }> = [
  { id: '0', name: '有効な受注です。' },
  { id: '1', name: '顧客依頼によりキャンセル' },
  { id: '2', name: '顧客依頼により明細内容をキャンセル' },
  { id: '3', name: '他の伝票への統合の為キャンセル' },
  { id: '4', name: 'カード否決によりキャンセル' },
  { id: '5', name: '都合によりキャンセル' },
  { id: '6', name: '不良返品によるキャンセル' },
  { id: '7', name: '既に何らか処理が完了しているはず' },
  { id: '8', name: '顧客都合返品によるキャンセル' },
  { id: '11', name: '保留期間満了の為キャンセル' },
  { id: '12', name: '伝票を確認後、有効にして下さい。' },
  { id: '14', name: '長期不在戻りによるキャンセル' },
  { id: '15', name: '受取拒否によるキャンセル' },
  { id: '16', name: 'クレームによる戻りでキャンセル' },
  { id: '17', name: '誤配の戻りによるキャンセル' },
  { id: '18', name: '出荷遅延によるキャンセル' },
  { id: '19', name: '住所不明によるキャンセル' },
  { id: '20', name: '未入金によりキャンセル' },
];
const CANCEL_TYPE_NAMES = new Map(NE_CANCEL_TYPES.map((t) => [t.id, t.name]));
/** cancellations.md §1.2: 12 holds the slip until someone resets it to 0; it is not a cancellation of its lines. */
const HOLD_CANCEL_TYPE = '12';
/** cancellations.md §1.2 / §1.5: the type a merged-away (同梱元) slip gets (UNCONFIRMED, inferred from the name). */
const MERGED_CANCEL_TYPE = '3';

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

/** An upload whose answer is lost after its file was queued (fault hook, see `loseUploadAnswers`). */
interface LostUploadAnswer {
  mode: 'drop' | 'http-error';
  status: number;
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
  /** upload answers to lose after the file is queued (a fault a real network produces), consumed one per upload */
  private lostUploadAnswers: LostUploadAnswer[] = [];
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
    this.lostUploadAnswers = [];
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
      /** upload answers still to be lost (`/_sim/uploads/lose-answer`) */
      lostUploadAnswersPending: this.lostUploadAnswers.length,
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
      receive_order_cancel_type_name: cancelTypeName(cancel),
      receive_order_cancel_date: o.cancelDate !== undefined ? o.cancelDate : cancel === '0' ? null : lastModified,
      receive_order_confirm_check_id: String(o.confirmCheckId ?? 0),
      receive_order_deleted_flag: o.deleted ? '1' : '0',
      receive_order_include_to_order_id: o.includeToOrderId === undefined ? null : String(o.includeToOrderId),
      receive_order_include_possible_order_id: null,
      receive_order_divide_from_order_id: o.divideFromOrderId === undefined ? null : String(o.divideFromOrderId),
      receive_order_copy_from_order_id: null,
      receive_order_hope_delivery_date: null,
      receive_order_hope_delivery_time_slot_id: null,
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
        receive_order_row_divide_from_row_no: r.divideFromRowNo ?? null,
        receive_order_row_copy_from_row_no: null,
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

  // -------------------------------------------------------------------------------------------------------------------
  // scenario hooks: cancellations, holds, merges and splits (cancellations.md §1.8), also under /_sim/orders/...
  // -------------------------------------------------------------------------------------------------------------------

  /**
   * Cancel a slip as the NE UI would: the cancel type (default 1 顧客依頼によりキャンセル) and the cancel date are set,
   * every row's cancel flag is set (the cascade is inferred, cancellations.md §1.1), last-modified moves on.
   */
  cancel(receiveOrderId: string | number, cancelTypeId: string | number = 1, companyNeId?: string): void {
    const type = String(cancelTypeId).trim();
    if (type === '0' || type === '') throw new NeScenarioError(400, 'cancel takes a cancel type other than 0: use release()');
    const { company, order } = this.slip(receiveOrderId, companyNeId);
    this.setCancelType(company, order, type);
  }

  /**
   * Hold a slip (cancellations.md §1.1): cancel type 12 (伝票を確認後、有効にして下さい。), its rows untouched; or, with
   * `confirmCheck`, `receive_order_confirm_check_id = 1` (確認必要) with the slip still valid.
   */
  hold(receiveOrderId: string | number, options: { confirmCheck?: boolean } = {}, companyNeId?: string): void {
    const { company, order } = this.slip(receiveOrderId, companyNeId);
    if (options.confirmCheck) this.commit(company, order, { receive_order_confirm_check_id: '1' });
    else this.setCancelType(company, order, HOLD_CANCEL_TYPE);
  }

  /**
   * Make a slip valid again: cancel type 0, cancel date cleared, 確認必要 cleared. Its cancelled rows stay cancelled
   * unless `restoreRows` (what `receive_order_row_cancel_update_flag=1` does on update, NE-UPD).
   */
  release(receiveOrderId: string | number, options: { restoreRows?: boolean } = {}, companyNeId?: string): void {
    const { company, order } = this.slip(receiveOrderId, companyNeId);
    this.setCancelType(company, order, '0', { restoreRows: options.restoreRows, extra: { receive_order_confirm_check_id: '0' } });
  }

  /** Cancel one row (`receive_order_row_cancel_flag = 1`); the slip's amounts are recomputed and its last-modified moves on. */
  cancelLine(receiveOrderId: string | number, rowNo: string | number, companyNeId?: string): void {
    const { company, order } = this.slip(receiveOrderId, companyNeId);
    const row = this.rowOf(company, order, rowNo);
    if (!isLiveRow(row)) throw new NeScenarioError(409, `row ${String(rowNo)} of slip ${order.receive_order_id} is not live`);
    this.commit(company, order, {}, [[row, { receive_order_row_cancel_flag: '1' }]]);
  }

  /**
   * 同梱 (cancellations.md §1.5, §1.8): the child's live rows are copied onto the parent with `include_from_*`, the
   * child is cancelled with type 3 and `include_to_order_id` = parent. Both must be valid slips of the same shop at
   * 起票済/印刷待ち/印刷済 (2/20/40), like NE's merge candidates (NE-GEM, UNCONFIRMED).
   */
  merge(parentId: string | number, childId: string | number, companyNeId?: string): void {
    const { company, order: parent } = this.slip(parentId, companyNeId);
    const { order: child } = this.slip(childId, companyNeId);
    if (parent === child) throw new NeScenarioError(400, 'a slip cannot be merged into itself');
    for (const o of [parent, child]) {
      if (!isValidSlip(o)) throw new NeScenarioError(409, `slip ${o.receive_order_id} is cancelled or deleted`);
      if (!['2', '20', '40'].includes(o.receive_order_order_status_id ?? '')) {
        throw new NeScenarioError(
          409,
          `slip ${o.receive_order_id} is at status ${o.receive_order_order_status_id}: only 2, 20 and 40 can be merged`,
        );
      }
    }
    if (parent.receive_order_shop_id !== child.receive_order_shop_id)
      throw new NeScenarioError(409, 'slips of different shops cannot be merged');
    const parentRows = company.rows.get(parent.receive_order_id as string) ?? [];
    let next = parentRows.reduce((max, r) => Math.max(max, Number(r.receive_order_row_no) || 0), 0) + 1;
    const now = neDate(this.clock.now());
    const added = (company.rows.get(child.receive_order_id as string) ?? []).filter(isLiveRow).map(
      (r): NeRow => ({
        ...r,
        receive_order_row_receive_order_id: parent.receive_order_id,
        receive_order_row_no: String(next++),
        receive_order_include_from_order_id: child.receive_order_id,
        receive_order_include_from_row_no: r.receive_order_row_no,
        receive_order_row_divide_from_row_no: null,
        receive_order_row_creation_date: now,
      }),
    );
    parentRows.push(...added);
    company.rows.set(parent.receive_order_id as string, parentRows);
    this.commit(
      company,
      parent,
      {},
      added.map((r) => [r, {}]),
    );
    this.setCancelType(company, child, MERGED_CANCEL_TYPE, { extra: { receive_order_include_to_order_id: parent.receive_order_id } });
  }

  /**
   * 分割 (NE-SPLIT, cancellations.md §1.5, §1.8): `quantity` units of row `rowNo` move to a new slip whose 受注番号 gets
   * `-bk-<n>` and whose `divide_from_order_id` is the source; the source row keeps the rest (a row moved whole is left
   * with quantity 0 and its deleted flag set — how NE shows that is UNCONFIRMED). Fees stay on the source. Slips at
   * status 0, 1 or 50 cannot be split. Returns the new slip's 伝票番号.
   */
  split(receiveOrderId: string | number, rowNo: string | number, quantity: number, companyNeId?: string): string {
    const { company, order } = this.slip(receiveOrderId, companyNeId);
    if (!isValidSlip(order)) throw new NeScenarioError(409, `slip ${order.receive_order_id} is cancelled or deleted`);
    if (['0', '1', '50'].includes(order.receive_order_order_status_id ?? '')) {
      throw new NeScenarioError(
        409,
        `slip ${order.receive_order_id} is at status ${order.receive_order_order_status_id}: it cannot be split`,
      );
    }
    const row = this.rowOf(company, order, rowNo);
    const had = Number(row.receive_order_row_quantity);
    if (!isLiveRow(row)) throw new NeScenarioError(409, `row ${String(rowNo)} of slip ${order.receive_order_id} is not live`);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > had) {
      throw new NeScenarioError(400, `split quantity must be 1..${had}, got ${quantity}`);
    }
    const sourceId = order.receive_order_id as string;
    const n = [...company.orders.values()].filter((o) => o.receive_order_divide_from_order_id === sourceId).length + 1;
    const newId = String(this.nextOrderId++);
    const now = neDate(this.clock.now());
    const cutFormId = `${order.receive_order_shop_cut_form_id ?? ''}-bk-${n}`;
    const allocated = Number(row.receive_order_row_stock_allocation_quantity ?? 0) || 0;
    const moved = Math.min(allocated, quantity);
    const created: NeRow = {
      ...order,
      receive_order_id: newId,
      receive_order_shop_cut_form_id: cutFormId,
      receive_order_divide_from_order_id: sourceId,
      receive_order_include_to_order_id: null,
      receive_order_include_possible_order_id: null,
      receive_order_copy_from_order_id: null,
      receive_order_delivery_cut_form_id: null,
      receive_order_send_date: null,
      receive_order_label_print_flag: '0',
      // NE-SPLIT: fees, shipping, other charges and points stay on the 分割元
      receive_order_delivery_fee_amount: '0',
      receive_order_creation_date: now,
      receive_order_last_modified_date: now,
      receive_order_last_modified_null_safe_date: now,
    };
    const newRow: NeRow = {
      ...row,
      receive_order_row_receive_order_id: newId,
      receive_order_row_shop_cut_form_id: cutFormId,
      receive_order_row_no: '1',
      receive_order_row_quantity: String(quantity),
      receive_order_row_stock_allocation_quantity: String(moved),
      receive_order_row_divide_from_row_no: row.receive_order_row_no,
      receive_order_include_from_order_id: null,
      receive_order_include_from_row_no: null,
      receive_order_row_creation_date: now,
      receive_order_row_last_modified_date: now,
    };
    company.orders.set(newId, created);
    company.rows.set(newId, [newRow]);
    this.sortedOrderCache.delete(company);
    this.recalcAmounts(company, created);
    const left = had - quantity;
    this.commit(company, order, {}, [
      [
        row,
        {
          receive_order_row_quantity: String(left),
          receive_order_row_stock_allocation_quantity: String(allocated - moved),
          ...(left === 0 ? { receive_order_row_deleted_flag: '1' } : {}),
        },
      ],
    ]);
    return newId;
  }

  private slip(receiveOrderId: string | number, companyNeId?: string): { company: CompanyState; order: NeRow } {
    const company = this.company(companyNeId);
    const order = company.orders.get(String(receiveOrderId).trim());
    if (!order) throw new NeScenarioError(404, `no slip ${receiveOrderId}`);
    return { company, order };
  }

  private rowOf(company: CompanyState, order: NeRow, rowNo: string | number): NeRow {
    const row = (company.rows.get(order.receive_order_id as string) ?? []).find((r) => r.receive_order_row_no === String(rowNo).trim());
    if (!row) throw new NeScenarioError(404, `slip ${order.receive_order_id} has no row ${rowNo}`);
    return row;
  }

  /**
   * Sets a slip's cancel type (cancellations.md §1.1, §1.2): a cancelling type sets the cancel date and every row's
   * cancel flag (the cascade is inferred, UNCONFIRMED); 12 is a hold and leaves the rows and the date alone; 0 clears
   * the date and restores the rows only with `restoreRows` (NE-UPD `receive_order_row_cancel_update_flag`).
   */
  private setCancelType(company: CompanyState, order: NeRow, type: string, options: { restoreRows?: boolean; extra?: NeRow } = {}): void {
    const changes: NeRow = { ...options.extra, receive_order_cancel_type_id: type, receive_order_cancel_type_name: cancelTypeName(type) };
    let flag: '0' | '1' | undefined;
    if (type === '0') {
      changes.receive_order_cancel_date = null;
      if (options.restoreRows) flag = '0';
    } else if (type !== HOLD_CANCEL_TYPE) {
      if (!order.receive_order_cancel_date) changes.receive_order_cancel_date = neDate(this.clock.now());
      flag = '1';
    }
    const rows = flag === undefined ? [] : (company.rows.get(order.receive_order_id as string) ?? []);
    const edits = rows
      .filter((r) => r.receive_order_row_deleted_flag !== '1' && r.receive_order_row_cancel_flag !== flag)
      .map((r): [NeRow, NeRow] => [r, { receive_order_row_cancel_flag: flag as string }]);
    this.commit(company, order, changes, edits);
  }

  /**
   * One change of a slip and some of its rows: the slip's last-modified moves on (spec §9: ≥ 1 s) and every edited
   * row takes the same stamp, so `receive_order_row_last_modified_newest_date` = max(slip, row) follows (§1.8).
   */
  private commit(company: CompanyState, order: NeRow, changes: NeRow, rowEdits: Array<[NeRow, NeRow]> = []): void {
    this.applyChanges(order, changes);
    const stamp = order.receive_order_last_modified_date;
    for (const [row, edit] of rowEdits) {
      Object.assign(row, edit, { receive_order_row_last_modified_date: stamp });
      const quantity = Number(row.receive_order_row_quantity) || 0;
      row.receive_order_row_sub_total_price = (quantity * Number(row.receive_order_row_unit_price ?? 0)).toFixed(2);
    }
    if (rowEdits.length > 0) this.recalcAmounts(company, order);
  }

  /** NE-SPLIT: 商品計 / 税金 / 総合計 follow the live rows (tax as the seed computes it: 10% included). */
  private recalcAmounts(company: CompanyState, order: NeRow): void {
    const goods = (company.rows.get(order.receive_order_id as string) ?? [])
      .filter(isLiveRow)
      .reduce((sum, r) => sum + (Number(r.receive_order_row_quantity) || 0) * (Number(r.receive_order_row_unit_price) || 0), 0);
    const fee = Number(order.receive_order_delivery_fee_amount ?? 0) || 0;
    order.receive_order_goods_amount = String(goods);
    order.receive_order_tax_amount = String(Math.floor((goods * 10) / 110));
    order.receive_order_total_amount = String(goods + fee);
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

  /**
   * The next `times` uploads are queued as usual (the job runs and changes stock once), but their answer never
   * reaches the caller: `drop` destroys the connection before answering (a timeout or reset on the caller's side),
   * `http-error` answers a bare `status` (default 502) from a proxy in front of NextEngine, without an envelope.
   */
  loseUploadAnswers(mode: LostUploadAnswer['mode'] = 'drop', options: { times?: number; status?: number } = {}): void {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('times must be a whole number ≥ 1');
    const status = options.status ?? 502;
    if (!(status >= 500 && status <= 599)) throw new Error('status must be a 5xx');
    for (let i = 0; i < times; i++) this.lostUploadAnswers.push({ mode, status });
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
      if (path.startsWith('/_sim/orders/')) return this.handleScenario(req, res, path);
      if (path === '/api_neauth') return this.handleApi(req as SiteRequest, res, 'neauth');
      if (path.startsWith('/api_')) return this.handleApi(req as SiteRequest, res, path);
      next();
    });
  }

  /**
   * The scenario hooks over HTTP (JSON body, optional `companyNeId` in it):
   * - `POST /_sim/orders/:id/cancel` `{ cancelTypeId?: 1 }`
   * - `POST /_sim/orders/:id/hold` `{ confirmCheck?: false }`
   * - `POST /_sim/orders/:id/release` `{ restoreRows?: false }`
   * - `POST /_sim/orders/:id/rows/:rowNo/cancel`
   * - `POST /_sim/orders/:parentId/merge` `{ childId }`
   * - `POST /_sim/orders/:id/split` `{ rowNo, quantity }` → `{ receiveOrderId: <new slip> }`
   * Each answers 200 `{ receiveOrderId, order }` (the slip after the change, with its rows), or 404 / 409 / 400
   * `{ error }`. They sit behind the fault injector like every route after `/_sim`'s own (a fault without
   * `pathIncludes` also hits them).
   */
  private handleScenario(req: Request, res: Response, path: string): void {
    if (req.method !== 'POST') {
      res.status(405).json({ error: 'POST only' });
      return;
    }
    const body = scenarioBody(req);
    const companyNeId = typeof body.companyNeId === 'string' ? body.companyNeId : undefined;
    const parts = path.split('/').slice(3).map(decodeURIComponent); // [id, action, ...]
    const [id, action] = parts;
    try {
      let answerId = id;
      if (parts.length === 2 && action === 'cancel') this.cancel(id, (body.cancelTypeId as string | number | undefined) ?? 1, companyNeId);
      else if (parts.length === 2 && action === 'hold') this.hold(id, { confirmCheck: body.confirmCheck === true }, companyNeId);
      else if (parts.length === 2 && action === 'release') this.release(id, { restoreRows: body.restoreRows === true }, companyNeId);
      else if (parts.length === 4 && action === 'rows' && parts[3] === 'cancel') this.cancelLine(id, parts[2], companyNeId);
      else if (parts.length === 2 && action === 'merge') {
        if (body.childId === undefined) throw new NeScenarioError(400, 'childId is required');
        this.merge(id, body.childId as string | number, companyNeId);
      } else if (parts.length === 2 && action === 'split') {
        if (body.rowNo === undefined) throw new NeScenarioError(400, 'rowNo is required');
        answerId = this.split(id, body.rowNo as string | number, Number(body.quantity), companyNeId);
      } else {
        res.status(404).json({ error: `no scenario hook ${path}` });
        return;
      }
      const company = this.company(companyNeId);
      const order = company.orders.get(answerId);
      res.status(200).json({ receiveOrderId: answerId, order: order ? { ...order, rows: company.rows.get(answerId) ?? [] } : null });
    } catch (e) {
      const status = e instanceof NeScenarioError ? e.status : 400;
      res.status(status).json({ error: (e as Error).message });
    }
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
      if (path === '/api_v1_master_goods/upload' && this.lostUploadAnswers.length) {
        return this.loseAnswer(req, res, this.lostUploadAnswers.shift()!);
      }
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

  /** The call ran; its answer is lost on the way back (see {@link loseUploadAnswers}). */
  private loseAnswer(req: Request, res: Response, lost: LostUploadAnswer): void {
    if (lost.mode === 'drop') {
      req.socket.destroy();
      return;
    }
    res.status(lost.status).type('text/html').send(`<html><body><h1>${lost.status}</h1></body></html>`);
  }

  /**
   * - `POST /_sim/uploads/lose-answer` `{ mode?: 'drop' | 'http-error', times?: 1, status?: 502 }`: see
   *   {@link loseUploadAnswers}; answers 204, or 400 `{ error }`.
   */
  protected override mountSimHooks(router: Router): void {
    router.post('/uploads/lose-answer', (req: Request, res: Response) => {
      const body = scenarioBody(req);
      const mode = body.mode ?? 'drop';
      if (mode !== 'drop' && mode !== 'http-error') {
        res.status(400).json({ error: 'mode must be drop or http-error' });
        return;
      }
      try {
        this.loseUploadAnswers(mode, { times: body.times as number | undefined, status: body.status as number | undefined });
        res.status(204).end();
      } catch (e) {
        res.status(400).json({ error: (e as Error).message });
      }
    });
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
    const rows = search((c, params) => this.sortedRows(c, params), ROW_SEARCH_FIELDS);
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
      // cancellations.md §1.3a (NE-CT): no `fields` needed; every type with its name and hidden flag.
      '/api_v1_system_canceltype/info': () => ({
        result: 'success',
        count: String(NE_CANCEL_TYPES.length),
        data: NE_CANCEL_TYPES.map((t) => ({ cancel_type_id: t.id, cancel_type_name: t.name, cancel_type_deleted_flag: '0' })),
      }),
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
      changes.receive_order_cancel_type_name = cancelTypeName(changes.receive_order_cancel_type_id ?? '');
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
    this.applyUpdate(company, order, changes, params.get(ROW_CANCEL_UPDATE_FLAG) === '1');
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
    const restoreRows = params.get(ROW_CANCEL_UPDATE_FLAG) === '1';
    const errors: Array<Record<string, unknown>> = [];
    for (const entry of entries) {
      const id = String(entry['@_receive_order_id'] ?? '');
      try {
        const order = this.lockedOrder(company, id, String(entry['@_receive_order_last_modified_date'] ?? ''));
        this.applyUpdate(company, order, this.planUpdate(order, entry.receiveorder_base, shippedFlag), restoreRows);
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
    this.takeShippedStock(company, id);
    return { result: 'success' };
  }

  /**
   * cancellations.md §1.6: 出荷確定 lowers 在庫数 and 引当数 by each live line's quantity (フリー在庫数 unchanged).
   * 引当数 is lowered by what the line had allocated, never below 0: a seed's goods allocation is not derived from its
   * orders, so a line may have more allocated than the goods show. Goods missing from the master are skipped.
   */
  private takeShippedStock(company: CompanyState, receiveOrderId: string): void {
    const now = this.clock.now().getTime();
    for (const row of company.rows.get(receiveOrderId) ?? []) {
      if (!isLiveRow(row)) continue;
      const goods = company.goods.get(row.receive_order_row_goods_id ?? '');
      if (!goods) continue;
      const quantity = Number(row.receive_order_row_quantity ?? 0) || 0;
      const allocated = Number(row.receive_order_row_stock_allocation_quantity ?? quantity) || 0;
      goods.stockQuantity -= quantity;
      goods.allocationQuantity -= Math.min(goods.allocationQuantity, Math.max(0, allocated));
      goods.modifiedAt = now;
    }
  }

  /**
   * update / bulkupdate: a change of the cancel type goes through {@link setCancelType} (rows follow it;
   * `receive_order_row_cancel_update_flag=1` restores them when the slip becomes valid again, cancellations.md §1.1).
   */
  private applyUpdate(company: CompanyState, order: NeRow, changes: NeRow, restoreRows: boolean): void {
    const type = changes.receive_order_cancel_type_id;
    if (type === undefined || type === null || type === (order.receive_order_cancel_type_id ?? '0')) {
      this.applyChanges(order, changes);
      return;
    }
    const rest: NeRow = { ...changes };
    delete rest.receive_order_cancel_type_id;
    delete rest.receive_order_cancel_type_name;
    this.setCancelType(company, order, type, { restoreRows, extra: rest });
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
      [...(c.rows.get(o.receive_order_id as string) ?? [])]
        .sort((a, b) => Number(a.receive_order_row_no) - Number(b.receive_order_row_no))
        .map((r) => rowView(o, r)),
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

/** A scenario hook refused: `status` is what `/_sim/orders/...` answers (404 unknown slip or row, 409 state, 400 input). */
export class NeScenarioError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** A hook's JSON body: `/_sim`'s own JSON parser may have read it already, else it is still raw. */
function scenarioBody(req: Request): Record<string, unknown> {
  const parsed: unknown = req.body;
  if (parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) return parsed as Record<string, unknown>;
  const raw = (req as SiteRequest).rawBody;
  if (!raw || raw.length === 0) return {};
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** cancellations.md §1.4: a row is live when neither cancelled nor deleted. */
function isLiveRow(row: NeRow): boolean {
  return row.receive_order_row_cancel_flag !== '1' && row.receive_order_row_deleted_flag !== '1';
}

/** cancellations.md §1.4: a slip is live when its cancel type is 0 and it is not deleted. */
function isValidSlip(order: NeRow): boolean {
  return (order.receive_order_cancel_type_id ?? '0') === '0' && order.receive_order_deleted_flag !== '1';
}

/**
 * A row as row search reads it: joined with its slip's fields (cancellations.md §1.3c; the slip is the prototype, so
 * nothing is copied) and with `receive_order_row_last_modified_newest_date` = max(slip, row) (§1.8).
 */
function rowView(order: NeRow, row: NeRow): NeRow {
  const view = Object.assign(Object.create(order) as NeRow, row);
  view.receive_order_row_last_modified_newest_date = newerOf(
    order.receive_order_last_modified_date,
    row.receive_order_row_last_modified_date,
  );
  return view;
}

/** NE datetimes compare as text (`YYYY-MM-DD HH:MM:SS`); a missing one loses. */
function newerOf(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a >= b ? a : b;
}

/** The master's name of a cancel type; an id outside the standard set still reads as a cancellation. */
function cancelTypeName(id: string): string {
  return CANCEL_TYPE_NAMES.get(id) ?? 'キャンセル';
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
