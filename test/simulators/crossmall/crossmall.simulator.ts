import { createHash } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { SiteSimulator, type FaultSpec, type SiteRequest } from '../site-simulator';

/**
 * CROSS MALL WebAPI2 simulator — follows `shared/specs/crossmall.md`.
 *
 * `GET /webapi2/{api}?account=…&…&signing=md5(<raw query without signing> + <認証鍵>)` (§2). The signature is
 * checked over the query string exactly as it arrived — no decoding, re-encoding or sorting — and the caller's
 * IP must be on the account's allow-list. Answers are UTF-8 XML `<{ApiPascal} version="1.0"><ResultSet …>`
 * with `GetStatus`/`UpdStatus` = success | error and a `Message` on error, HTTP 200 (§3).
 *
 * Default credentials after `seed(undefined)`: account (会社コード) `9001`, auth key `mbTestKey01`,
 * allowed IPs `127.0.0.1`, `::ffff:127.0.0.1`.
 *
 * Changes after intake follow `shared/specs/cancellations.md` §4 (§4.7 "Test double"): every order keeps
 * `cancel_flag` (0 通常 / 1 保留 / 2 キャンセル), `phase_name`, `bundle_flag`, `bundle_ahead_number` and an
 * `updated_at` bumped on every change; `get_order` filters by `updated_at_fr/to` (date or datetime) and pages by
 * `order_number` + `condition=1`, 100 rows a call; `get_order_detail` and `get_order_component` refuse a
 * merged-away child (its lines are the parent's); set lines (`component_flag` 1) have their components.
 *
 * Scenario hooks, as methods and over HTTP (JSON bodies; `account` optional in every body, default the first):
 * - `addOrder(seed)`                          POST /_sim/orders                       body: CrossmallOrderSeed
 * - `getOrder(n)`                             GET  /_sim/orders/:n
 * - `hold(n)`     cancel_flag 0 → 1           POST /_sim/orders/:n/hold
 * - `release(n)`  cancel_flag 1 → 0           POST /_sim/orders/:n/release
 * - `cancel(n)`   cancel_flag 0|1 → 2         POST /_sim/orders/:n/cancel
 * - `setPhase(n, phase)` flag untouched       POST /_sim/orders/:n/phase             body: { phase_name }
 * - `bundle(child, parent, { markParent })`   POST /_sim/orders/:child/bundle         body: { parent, markParent? }
 * - `setAddress(n, { ship_* })`               POST /_sim/orders/:n/address            body: { ship_name?, ship_zip?, … }
 * Each answers 200 with the order as the simulator holds it; 404 unknown order, 409 a change the state does
 * not allow (hold of an order not at 0...), 400 a malformed body. No line-level cancel exists: the spec knows no
 * line cancel flag nor a line edit (the API cannot change amounts), so there is no hook for one.
 *
 * Stock, as a seller edits it in the CROSS MALL screens (not through upd_stock, so no request is recorded):
 * - `addSku(seed)`                                          POST /_sim/skus     body: CrossmallSkuSeed → 201
 * - `setStock(item_code, attribute1, attribute2, stock)`    POST /_sim/stock    body: { item_code, attribute1_name?,
 *                                                                                       attribute2_name?, stock }
 * - `getStock(item_code, attribute1, attribute2)`           GET  /_sim/stock?item_code=…&attribute1_name=…&attribute2_name=…
 * The SKU is named by item code + attribute names, exact text (absent names are ''); the stock hooks answer
 * the SKU as held, 404 for an unknown SKU, 400 for a stock that is not a whole number ≥ 0.
 */

// ---------------------------------------------------------------------------------------------------------------
// Seed shape (wire field names, snake_case, as the API returns them)
// ---------------------------------------------------------------------------------------------------------------

export interface CrossmallAccountSeed {
  /** 会社コード — the `account` query parameter. */
  account: string;
  /** 認証鍵 appended to the query string before hashing. */
  authKey: string;
  /**
   * Allowed caller IPs (max 24 on the real site). §2: `0.0.0.0` = deny all; an empty list = allow all.
   * Default: 127.0.0.1 and ::ffff:127.0.0.1.
   */
  allowedIps?: string[];
  /** The account's order phase names (get_phase), matched exactly by upd_order_phase / get_order. */
  phases?: string[];
}

export interface CrossmallOrderLineSeed {
  line_no?: number;
  item_code: string;
  item_name: string;
  attribute1_name?: string;
  attribute2_name?: string;
  amount: number;
  unit_price: number;
  amount_price?: number;
  tax_type?: string;
  reduced_tax_rate_type?: string;
  component_flag?: string;
  jan_cd?: string;
  lead_time_text?: string;
  /** Components of a set line (`component_flag` "1"), served by get_order_component (§4.5). */
  components?: CrossmallComponentSeed[];
}

/** One get_order_component row (cancellations.md §4.5 field names); `order_number`/`line_no` are the line's. */
export interface CrossmallComponentSeed {
  item_code: string;
  item_name?: string;
  attribute1_code?: string;
  attribute1_name?: string;
  attribute2_code?: string;
  attribute2_name?: string;
  /** Units of this component per set (UNCONFIRMED whether the real site multiplies it by the line amount). */
  component_count: number;
  jan_cd?: string;
}

/** The recipient fields `setAddress` may change. */
export type CrossmallAddressPatch = Partial<Pick<CrossmallOrderSeed, (typeof ADDRESS_FIELDS)[number]>>;
const ADDRESS_FIELDS = ['ship_name', 'ship_zip', 'ship_address1', 'ship_address2', 'ship_tel'] as const;

export interface CrossmallOrderSeed {
  /** Owner account; defaults to the first account. */
  account?: string;
  /** 管理番号. */
  order_number: number;
  /** `yyyy/mm/dd hh:mm:ss` (JST). */
  order_date: string;
  shop_name: string;
  /** Mall order number. */
  order_code: string;
  phase_name: string;
  /** 0 normal / 1 hold / 2 cancel. */
  cancel_flag?: number;
  client_name: string;
  client_tel?: string;
  client_mail?: string;
  ship_name: string;
  ship_zip: string;
  ship_address1: string;
  ship_address2?: string;
  ship_tel?: string;
  delivery_number?: string;
  delivery_name?: string;
  delivery_date?: string;
  delivery_req_date?: string;
  delivery_time_name?: string;
  delivery_type_name?: string;
  payment_name?: string;
  subtotal_price?: number;
  total_price?: number;
  order_memo?: string;
  delivery_memo?: string;
  /** 0 normal / 1 bundled (the child; `bundle` also marks the parent unless told not to, UNCONFIRMED). */
  bundle_flag?: number;
  /**
   * 同梱先管理番号: the parent 管理番号 of a merged-away child, 0 otherwise. A seeded child's lines move to its
   * parent (when the parent exists), as `bundle` moves them.
   */
  bundle_ahead_number?: number;
  /** `yyyy-mm-dd hh:mm:ss`; defaults to the order date. */
  updated_at?: string;
  order_option3?: string;
  check_mark1?: number;
  check_mark2?: number;
  check_mark3?: number;
  creating_source_type?: string;
  lines: CrossmallOrderLineSeed[];
}

export interface CrossmallSkuSeed {
  account?: string;
  item_code: string;
  item_name?: string;
  attribute1_code?: string;
  attribute1_name?: string;
  attribute2_code?: string;
  attribute2_name?: string;
  item_sku_code?: string;
  jan_code?: string;
  stock: number;
}

export interface CrossmallSeed {
  accounts?: CrossmallAccountSeed[];
  orders?: CrossmallOrderSeed[];
  skus?: CrossmallSkuSeed[];
}

type Account = Required<CrossmallAccountSeed>;
type Component = Required<CrossmallComponentSeed>;
type Line = Required<Omit<CrossmallOrderLineSeed, 'components'>> & { components: Component[] };
type Order = Required<Omit<CrossmallOrderSeed, 'lines'>> & { lines: Line[] };
type Sku = Required<CrossmallSkuSeed>;

export const CROSSMALL_DEFAULT_PHASES = [
  '新規受付',
  '入金待ち',
  '引当待ち',
  '発送待機',
  '発送待ち',
  'QXPRESS発送済み',
  '発送済み',
  '保留',
  'キャンセル',
];

export const CROSSMALL_DEFAULT_ACCOUNT: CrossmallAccountSeed = {
  account: '9001',
  authKey: 'mbTestKey01',
  allowedIps: ['127.0.0.1', '::ffff:127.0.0.1'],
};

/** §4: get_order answers at most 100 rows; page with order_number + condition=1. */
export const CROSSMALL_PAGE_SIZE = 100;

const JST_OFFSET_MS = 9 * 3_600_000;

/** Implemented APIs; the other names of §4 exist on the site but answer an error here. */
const KNOWN_APIS = new Set([
  'get_order',
  'get_order_detail',
  'get_order_component',
  'upd_order_phase',
  'upd_order_check_mark',
  'get_phase',
  'get_stock',
  'get_diff_stock',
  'upd_stock',
  'get_item',
  'upd_item',
  'get_item_attribute',
  'upd_item_attribute',
  'get_item_sku',
  'upd_item_sku',
  'get_diff_item_sku',
  'get_service_status',
  'upd_service_status',
]);

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, '0');

function jst(d: Date): { date: string; time: string } {
  const j = new Date(d.getTime() + JST_OFFSET_MS);
  return {
    date: `${j.getUTCFullYear()}-${pad(j.getUTCMonth() + 1)}-${pad(j.getUTCDate())}`,
    time: `${pad(j.getUTCHours())}:${pad(j.getUTCMinutes())}:${pad(j.getUTCSeconds())}`,
  };
}

/** `yyyy-mm-dd hh:mm:ss` JST. */
export function formatJstDash(d: Date): string {
  const { date, time } = jst(d);
  return `${date} ${time}`;
}

/** `yyyy/mm/dd hh:mm:ss` JST (the order_date format). */
export function formatJstSlash(d: Date): string {
  return formatJstDash(d).replace(/-/g, '/');
}

/**
 * An order in the collect phase (発送待機) dated ten minutes before the real clock (order_date and updated_at,
 * JST: inside a first change pull's look-back), one buyer as client and recipient; `overrides` for the rest.
 */
export function recentCrossmallOrder(
  orderNumber: number,
  lines: CrossmallOrderLineSeed[],
  overrides: Partial<CrossmallOrderSeed> = {},
): CrossmallOrderSeed {
  const at = new Date(Date.now() - 10 * 60_000);
  return {
    order_number: orderNumber,
    order_date: formatJstSlash(at),
    updated_at: formatJstDash(at),
    shop_name: '楽天市場店',
    order_code: `R-${orderNumber}`,
    phase_name: '発送待機',
    client_name: '田中 優子',
    ship_name: '田中 優子',
    ship_zip: '100-0001',
    ship_address1: '東京都千代田区千代田1-1',
    lines,
    ...overrides,
  };
}

function validDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function validDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  return !!m && validDate(m[1]) && +m[2] < 24 && +m[3] < 60 && +m[4] < 60;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `get_order` → `GetOrder` (§3: root element is the API name in PascalCase). */
function pascal(api: string): string {
  return api
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

export function crossmallSign(rawQuery: string, authKey: string): string {
  return createHash('md5')
    .update(rawQuery + authKey, 'utf8')
    .digest('hex');
}

type Row = Record<string, string | number>;

class ApiError extends Error {}

/** A scenario hook the state does not allow (HTTP 409), or an unknown order (HTTP 404). */
export class CrossmallSimStateError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 409,
  ) {
    super(message);
  }
}

interface Call {
  api: string;
  account: Account;
  params: URLSearchParams;
}

// ---------------------------------------------------------------------------------------------------------------
// Simulator
// ---------------------------------------------------------------------------------------------------------------

export class CrossmallSimulator extends SiteSimulator {
  private accounts: Account[] = [];
  private orders: Order[] = [];
  private skus: Sku[] = [];

  constructor(seed?: CrossmallSeed) {
    super('crossmall');
    this.seed(seed);
  }

  seed(seed: unknown): void {
    const s = (seed ?? {}) as CrossmallSeed;
    const accounts = s.accounts && s.accounts.length > 0 ? s.accounts : [CROSSMALL_DEFAULT_ACCOUNT];
    this.accounts = accounts.map((a) => ({
      account: String(a.account),
      authKey: a.authKey,
      allowedIps: [...(a.allowedIps ?? ['127.0.0.1', '::ffff:127.0.0.1'])],
      phases: [...(a.phases ?? CROSSMALL_DEFAULT_PHASES)],
    }));
    this.orders = [];
    this.skus = [];
    for (const o of s.orders ?? []) this.insertOrder(o);
    this.absorbBundledLines();
    for (const k of s.skus ?? []) this.addSku(k);
  }

  inspect(): { accounts: Account[]; orders: Order[]; skus: Sku[] } {
    return structuredClone({ accounts: this.accounts, orders: this.orders, skus: this.skus });
  }

  // ----- direct methods ------------------------------------------------------------------------------------------

  addOrder(o: CrossmallOrderSeed): void {
    this.insertOrder(o);
    this.absorbBundledLines();
  }

  private insertOrder(o: CrossmallOrderSeed): void {
    const account = String(o.account ?? this.accounts[0].account);
    if (this.orders.some((x) => x.account === account && x.order_number === o.order_number))
      throw new Error(`order_number ${o.order_number} already seeded`);
    const lines: Line[] = o.lines.map((l, i) => ({
      line_no: l.line_no ?? i + 1,
      item_code: l.item_code,
      item_name: l.item_name,
      attribute1_name: l.attribute1_name ?? '',
      attribute2_name: l.attribute2_name ?? '',
      amount: l.amount,
      unit_price: l.unit_price,
      amount_price: l.amount_price ?? l.amount * l.unit_price,
      tax_type: l.tax_type ?? '1',
      reduced_tax_rate_type: l.reduced_tax_rate_type ?? '0',
      component_flag: l.component_flag ?? '0',
      jan_cd: l.jan_cd ?? '',
      lead_time_text: l.lead_time_text ?? '',
      components: (l.components ?? []).map((c) => ({
        item_code: c.item_code,
        item_name: c.item_name ?? '',
        attribute1_code: c.attribute1_code ?? '',
        attribute1_name: c.attribute1_name ?? '',
        attribute2_code: c.attribute2_code ?? '',
        attribute2_name: c.attribute2_name ?? '',
        component_count: c.component_count,
        jan_cd: c.jan_cd ?? '',
      })),
    }));
    const subtotal = lines.reduce((n, l) => n + l.amount_price, 0);
    this.orders.push({
      account,
      order_number: o.order_number,
      order_date: o.order_date,
      shop_name: o.shop_name,
      order_code: o.order_code,
      phase_name: o.phase_name,
      cancel_flag: o.cancel_flag ?? 0,
      client_name: o.client_name,
      client_tel: o.client_tel ?? '',
      client_mail: o.client_mail ?? '',
      ship_name: o.ship_name,
      ship_zip: o.ship_zip,
      ship_address1: o.ship_address1,
      ship_address2: o.ship_address2 ?? '',
      ship_tel: o.ship_tel ?? '',
      delivery_number: o.delivery_number ?? '',
      delivery_name: o.delivery_name ?? '',
      delivery_date: o.delivery_date ?? '',
      delivery_req_date: o.delivery_req_date ?? '',
      delivery_time_name: o.delivery_time_name ?? '',
      delivery_type_name: o.delivery_type_name ?? '宅配便',
      payment_name: o.payment_name ?? 'クレジットカード',
      subtotal_price: o.subtotal_price ?? subtotal,
      total_price: o.total_price ?? subtotal,
      order_memo: o.order_memo ?? '',
      delivery_memo: o.delivery_memo ?? '',
      bundle_flag: o.bundle_flag ?? 0,
      bundle_ahead_number: o.bundle_ahead_number ?? 0,
      updated_at: o.updated_at ?? o.order_date.replace(/\//g, '-'),
      order_option3: o.order_option3 ?? '',
      check_mark1: o.check_mark1 ?? 0,
      check_mark2: o.check_mark2 ?? 0,
      check_mark3: o.check_mark3 ?? 0,
      creating_source_type: o.creating_source_type ?? '1',
      lines,
    });
  }

  addSku(k: CrossmallSkuSeed): void {
    this.skus.push({
      account: String(k.account ?? this.accounts[0].account),
      item_code: k.item_code,
      item_name: k.item_name ?? '',
      attribute1_code: k.attribute1_code ?? '',
      attribute1_name: k.attribute1_name ?? '',
      attribute2_code: k.attribute2_code ?? '',
      attribute2_name: k.attribute2_name ?? '',
      item_sku_code: k.item_sku_code ?? '',
      jan_code: k.jan_code ?? '',
      stock: k.stock,
    });
  }

  getOrder(orderNumber: number, account = this.accounts[0].account): Order | undefined {
    const o = this.orders.find((x) => x.account === account && x.order_number === Number(orderNumber));
    return o ? structuredClone(o) : undefined;
  }

  /** Moves the order to a phase (e.g. キャンセル) as the admin screen does: `cancel_flag` is not touched (§4.1). */
  setPhase(orderNumber: number, phase: string, account = this.accounts[0].account): Order {
    const o = this.mustFind(orderNumber, account);
    o.phase_name = phase;
    return this.touch(o);
  }

  /** 保留: cancel_flag 0 → 1 (cancellations.md §4.1, values UNCONFIRMED). */
  hold(orderNumber: number, account = this.accounts[0].account): Order {
    return this.moveFlag(orderNumber, account, [0], 1, 'hold');
  }

  /** Hold lifted: cancel_flag 1 → 0. */
  release(orderNumber: number, account = this.accounts[0].account): Order {
    return this.moveFlag(orderNumber, account, [1], 0, 'release');
  }

  /** キャンセル: cancel_flag 0 (or a held 1) → 2. */
  cancel(orderNumber: number, account = this.accounts[0].account): Order {
    return this.moveFlag(orderNumber, account, [0, 1], 2, 'cancel');
  }

  /**
   * 同梱 (§4.4): the child gets `bundle_flag` 1 and `bundle_ahead_number` = parent, and its lines move to the
   * parent (numbered after the parent's last line). Whether the parent carries `bundle_flag` 1 too is
   * UNCONFIRMED; it does unless `markParent` is false. Both orders' `updated_at` are bumped.
   */
  bundle(childNumber: number, parentNumber: number, options: { markParent?: boolean; account?: string } = {}): Order {
    const account = options.account ?? this.accounts[0].account;
    const child = this.mustFind(childNumber, account);
    const parent = this.mustFind(parentNumber, account);
    if (child === parent) throw new CrossmallSimStateError('an order cannot be bundled into itself');
    if (child.bundle_ahead_number !== 0)
      throw new CrossmallSimStateError(`order ${childNumber} is already bundled into ${child.bundle_ahead_number}`);
    if (parent.bundle_ahead_number !== 0)
      throw new CrossmallSimStateError(`order ${parentNumber} is itself bundled into ${parent.bundle_ahead_number}`);
    if (this.orders.some((o) => o.account === account && o.bundle_ahead_number === child.order_number))
      throw new CrossmallSimStateError(`order ${childNumber} is a bundle parent`);
    child.bundle_flag = 1;
    child.bundle_ahead_number = parent.order_number;
    if (options.markParent !== false) parent.bundle_flag = 1;
    this.moveLines(child, parent);
    this.touch(parent);
    return this.touch(child);
  }

  /** The recipient changed in the admin screen (the API cannot do it, §4 of crossmall.md). */
  setAddress(orderNumber: number, patch: CrossmallAddressPatch, account = this.accounts[0].account): Order {
    const o = this.mustFind(orderNumber, account);
    for (const [name, value] of Object.entries(patch)) {
      if (!(ADDRESS_FIELDS as readonly string[]).includes(name)) throw new CrossmallSimStateError(`${name} is not an address field`, 400);
      if (typeof value !== 'string') throw new CrossmallSimStateError(`${name} must be a string`, 400);
      o[name as (typeof ADDRESS_FIELDS)[number]] = value;
    }
    return this.touch(o);
  }

  private mustFind(orderNumber: number, account: string): Order {
    const o = this.orders.find((x) => x.account === account && x.order_number === Number(orderNumber));
    if (!o) throw new CrossmallSimStateError(`unknown order ${orderNumber}`, 404);
    return o;
  }

  private moveFlag(orderNumber: number, account: string, from: number[], to: number, what: string): Order {
    const o = this.mustFind(orderNumber, account);
    if (!from.includes(o.cancel_flag))
      throw new CrossmallSimStateError(`cannot ${what} order ${orderNumber}: cancel_flag is ${o.cancel_flag}`);
    o.cancel_flag = to;
    return this.touch(o);
  }

  /** §4.7: updated_at is bumped on every change. */
  private touch(o: Order): Order {
    o.updated_at = formatJstDash(this.clock.now());
    return structuredClone(o);
  }

  private moveLines(child: Order, parent: Order): void {
    let next = parent.lines.reduce((max, l) => Math.max(max, l.line_no), 0);
    for (const line of child.lines) parent.lines.push({ ...line, line_no: (next += 1) });
    child.lines = [];
  }

  /** A seeded child's lines are its parent's, as if `bundle` had moved them. */
  private absorbBundledLines(): void {
    for (const child of this.orders) {
      if (child.bundle_ahead_number === 0 || child.lines.length === 0) continue;
      const parent = this.orders.find((o) => o.account === child.account && o.order_number === child.bundle_ahead_number);
      if (parent && parent.bundle_ahead_number === 0) this.moveLines(child, parent);
    }
  }

  /** The seller overwrites a SKU's stock in the CROSS MALL screen: get_stock shows it at once. */
  setStock(itemCode: string, attr1: string, attr2: string, stock: number, account = this.accounts[0].account): Sku {
    if (!Number.isInteger(stock) || stock < 0) throw new CrossmallSimStateError(`stock must be a whole number ≥ 0, not ${stock}`, 400);
    const sku = this.findSku(itemCode, attr1, attr2, account);
    if (!sku) throw new CrossmallSimStateError(`unknown SKU ${itemCode}/${attr1}/${attr2}`, 404);
    sku.stock = stock;
    return { ...sku };
  }

  getStock(itemCode: string, attr1 = '', attr2 = '', account = this.accounts[0].account): number | undefined {
    return this.findSku(itemCode, attr1, attr2, account)?.stock;
  }

  private findSku(itemCode: string, attr1: string, attr2: string, account: string): Sku | undefined {
    return this.skus.find(
      (s) => s.account === account && s.item_code === itemCode && s.attribute1_name === attr1 && s.attribute2_name === attr2,
    );
  }

  setAllowedIps(ips: string[], account?: string): void {
    for (const a of this.accounts) if (account === undefined || a.account === account) a.allowedIps = [...ips];
  }

  // ----- transport ------------------------------------------------------------------------------------------------

  protected mountRoutes(app: Express): void {
    app.all('/webapi2/:api', (req, res) => this.handle(req as unknown as SiteRequest, res));
  }

  protected override mountSimHooks(router: express.Router): void {
    router.use(this.hookRoutes());
  }

  private hookRoutes(): express.Router {
    const router = express.Router();
    const json = express.json();
    type Body = Record<string, unknown>;
    const hook = (path: string, run: (n: number, body: Body, account: string) => Order | undefined, method: 'get' | 'post' = 'post') =>
      router[method](path, json, (req: Request, res: Response) => {
        const body = (req.body ?? {}) as Body;
        const n = Number(req.params.n);
        try {
          if (!Number.isInteger(n)) throw new CrossmallSimStateError(`"${String(req.params.n)}" is not a 管理番号`, 400);
          const account =
            typeof body.account === 'string'
              ? body.account
              : typeof req.query.account === 'string'
                ? req.query.account
                : this.accounts[0].account;
          const order = run(n, body, account);
          if (!order) throw new CrossmallSimStateError(`unknown order ${n}`, 404);
          res.json(order);
        } catch (error) {
          if (!(error instanceof CrossmallSimStateError)) throw error;
          res.status(error.status).json({ error: error.message });
        }
      });
    router.post('/orders', json, (req: Request, res: Response) => {
      const seed = req.body as CrossmallOrderSeed;
      if (!seed || typeof seed.order_number !== 'number' || !Array.isArray(seed.lines)) {
        res.status(400).json({ error: 'an order seed needs order_number (number) and lines (array)' });
        return;
      }
      try {
        this.addOrder(seed);
      } catch (error) {
        res.status(409).json({ error: (error as Error).message });
        return;
      }
      res.status(201).json(this.getOrder(seed.order_number, String(seed.account ?? this.accounts[0].account)));
    });
    this.stockHookRoutes(router, json);
    hook('/orders/:n', (n, _body, account) => this.getOrder(n, account), 'get');
    hook('/orders/:n/hold', (n, _body, account) => this.hold(n, account));
    hook('/orders/:n/release', (n, _body, account) => this.release(n, account));
    hook('/orders/:n/cancel', (n, _body, account) => this.cancel(n, account));
    hook('/orders/:n/phase', (n, body, account) => {
      const phase = body.phase_name ?? body.phaseName;
      if (typeof phase !== 'string' || phase === '') throw new CrossmallSimStateError('phase_name (string) is required', 400);
      return this.setPhase(n, phase, account);
    });
    hook('/orders/:n/bundle', (n, body, account) => {
      const parent = Number(body.parent ?? body.parentNumber);
      if (!Number.isInteger(parent)) throw new CrossmallSimStateError('parent (the 管理番号 to bundle into) is required', 400);
      if (body.markParent !== undefined && typeof body.markParent !== 'boolean')
        throw new CrossmallSimStateError('markParent must be a boolean', 400);
      return this.bundle(n, parent, { account, markParent: body.markParent as boolean | undefined });
    });
    hook('/orders/:n/address', (n, body, account) => {
      const { account: _account, ...patch } = body;
      return this.setAddress(n, patch as CrossmallAddressPatch, account);
    });
    return router;
  }

  /** The stock hooks (see the class comment): a seller's own edits, beside the API. */
  private stockHookRoutes(router: express.Router, json: express.RequestHandler): void {
    const answer = (res: Response, run: () => unknown, status = 200) => {
      try {
        res.status(status).json(run());
      } catch (error) {
        if (!(error instanceof CrossmallSimStateError)) throw error;
        res.status(error.status).json({ error: error.message });
      }
    };
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    const accountOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : this.accounts[0].account);
    router.post('/skus', json, (req: Request, res: Response) =>
      answer(
        res,
        () => {
          const seed = (req.body ?? {}) as CrossmallSkuSeed;
          if (typeof seed.item_code !== 'string' || seed.item_code === '' || !Number.isInteger(seed.stock) || seed.stock < 0)
            throw new CrossmallSimStateError('a SKU seed needs item_code (string) and stock (a whole number ≥ 0)', 400);
          const account = accountOf(seed.account);
          if (this.findSku(seed.item_code, seed.attribute1_name ?? '', seed.attribute2_name ?? '', account))
            throw new CrossmallSimStateError(`SKU ${seed.item_code}/${seed.attribute1_name ?? ''}/${seed.attribute2_name ?? ''} exists`);
          this.addSku({ ...seed, account });
          return this.findSku(seed.item_code, seed.attribute1_name ?? '', seed.attribute2_name ?? '', account);
        },
        201,
      ),
    );
    router.post('/stock', json, (req: Request, res: Response) =>
      answer(res, () => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (typeof body.item_code !== 'string' || typeof body.stock !== 'number')
          throw new CrossmallSimStateError('item_code (string) and stock (number) are required', 400);
        return this.setStock(body.item_code, text(body.attribute1_name), text(body.attribute2_name), body.stock, accountOf(body.account));
      }),
    );
    router.get('/stock', (req: Request, res: Response) =>
      answer(res, () => {
        const { item_code: itemCode, attribute1_name: a1, attribute2_name: a2, account } = req.query;
        const sku = this.findSku(text(itemCode), text(a1), text(a2), accountOf(account));
        if (!sku) throw new CrossmallSimStateError(`unknown SKU ${text(itemCode)}/${text(a1)}/${text(a2)}`, 404);
        return { ...sku };
      }),
    );
  }

  protected renderSiteError(fault: FaultSpec, req: SiteRequest, res: Response): void {
    const api = req.path.replace(/^\/webapi2\//, '') || 'get_order';
    const msg = fault.siteMessage ?? fault.siteCode ?? 'システムエラーが発生しました。';
    this.sendXml(res, this.errorXml(api, msg));
  }

  private sendXml(res: Response, body: string, status = 200): void {
    // A Buffer keeps the header exactly as written (express rewrites the charset of string bodies).
    res
      .status(status)
      .set('Content-Type', 'text/xml; charset=UTF-8')
      .send(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, 'utf8'));
  }

  private statusTag(api: string): string {
    return api.startsWith('upd_') ? 'UpdStatus' : 'GetStatus';
  }

  private errorXml(api: string, message: string): string {
    const root = pascal(api);
    const tag = this.statusTag(api);
    // §3: status `error` with the reason in <Message>; exact texts are UNCONFIRMED.
    return (
      `<${root} version="1.0"><ResultSet TotalResult="0"><ResultStatus><${tag}>error</${tag}>` +
      `<Message>${esc(message)}</Message></ResultStatus></ResultSet></${root}>`
    );
  }

  private successXml(api: string, rows: Row[]): string {
    const root = pascal(api);
    const tag = this.statusTag(api);
    // §3: rows are emitted as <Result No='n'> with a single-quoted attribute.
    const results = rows
      .map(
        (r, i) =>
          `<Result No='${i + 1}'>` +
          Object.entries(r)
            .map(([k, v]) => `<${k}>${esc(String(v))}</${k}>`)
            .join('') +
          `</Result>`,
      )
      .join('');
    return (
      `<${root} version="1.0"><ResultSet TotalResult="${rows.length}"><ResultStatus><${tag}>success</${tag}></ResultStatus>` +
      `${results}</ResultSet></${root}>`
    );
  }

  private handle(req: SiteRequest, res: Response): void {
    const api = String(req.params.api);
    if (!KNOWN_APIS.has(api)) {
      res.status(404).type('text/plain').send(`Not Found: /webapi2/${api}`);
      return;
    }
    // §1: every API is GET; UNCONFIRMED answer for other methods.
    if (req.method !== 'GET') {
      this.sendXml(res, this.errorXml(api, 'GETメソッドでリクエストしてください。'), 405);
      return;
    }
    const fail = (msg: string) => this.sendXml(res, this.errorXml(api, msg));
    const qIndex = req.originalUrl.indexOf('?');
    const rawQuery = qIndex >= 0 ? req.originalUrl.slice(qIndex + 1) : '';
    // §2/§6.2: drop the `signing` pair and hash the rest byte-for-byte as sent.
    const pairs = rawQuery === '' ? [] : rawQuery.split('&');
    const signingPairs = pairs.filter((p) => p.split('=')[0] === 'signing');
    const unsigned = pairs.filter((p) => p.split('=')[0] !== 'signing').join('&');
    const params = new URLSearchParams(unsigned);
    const account = this.accounts.find((a) => a.account === (params.get('account') ?? ''));
    if (!account) return fail('認証エラー：会社コード(account)が正しくありません。');
    if (!this.ipAllowed(account, req)) return fail('認証エラー（IP制限）：許可されていないIPアドレスからのアクセスです。');
    if (signingPairs.length !== 1) return fail('認証エラー：signingが指定されていません。');
    const signing = signingPairs[0].slice('signing='.length);
    // Lower-case hex only: every working client and the spec example are lower-case (§2).
    if (signing !== crossmallSign(unsigned, account.authKey)) return fail('認証エラー：signingが正しくありません。');
    try {
      const rows = this.dispatch({ api, account, params });
      this.sendXml(res, this.successXml(api, rows));
    } catch (e) {
      if (e instanceof ApiError) return fail(e.message);
      throw e;
    }
  }

  private ipAllowed(account: Account, req: Request): boolean {
    const ips = account.allowedIps;
    // §2: initial setting 0.0.0.0 = deny all; all blank = allow all.
    if (ips.includes('0.0.0.0')) return false;
    if (ips.length === 0) return true;
    return ips.includes(req.socket.remoteAddress ?? '');
  }

  private dispatch(c: Call): Row[] {
    switch (c.api) {
      case 'get_order':
        return this.getOrders(c);
      case 'get_order_detail':
        return this.getOrderDetail(c);
      case 'get_order_component':
        return this.getOrderComponent(c);
      case 'upd_order_phase':
        return this.updOrderPhase(c);
      case 'upd_order_check_mark':
        return this.updOrderCheckMark(c);
      case 'get_phase':
        return c.account.phases.map((p) => ({ phase_name: p }));
      case 'get_stock':
        return this.getStockRows(c);
      case 'upd_stock':
        return this.updStock(c);
      default:
        throw new ApiError(`${c.api} はシミュレータでは未対応です。`);
    }
  }

  // ----- §4.1 get_order -------------------------------------------------------------------------------------------

  private getOrders(c: Call): Row[] {
    const p = c.params;
    let orders = this.orders.filter((o) => o.account === c.account.account);
    const orderNumber = p.get('order_number');
    if (orderNumber !== null) {
      if (!/^\d+$/.test(orderNumber)) throw new ApiError('order_numberの形式が正しくありません。');
      const condition = p.get('condition') ?? '0';
      if (condition !== '0' && condition !== '1') throw new ApiError('conditionの値が正しくありません。');
      const n = Number(orderNumber);
      orders = orders.filter((o) => (condition === '1' ? o.order_number > n : o.order_number === n));
    }
    const orderCode = p.get('order_code');
    if (orderCode !== null) orders = orders.filter((o) => o.order_code === orderCode);
    const dateFr = p.get('order_date_fr');
    const dateTo = p.get('order_date_to');
    for (const [name, v] of [
      ['order_date_fr', dateFr],
      ['order_date_to', dateTo],
    ] as const)
      if (v !== null && !validDate(v)) throw new ApiError(`${name}の形式が正しくありません。(yyyy-mm-dd)`);
    if (dateFr !== null) orders = orders.filter((o) => o.order_date.slice(0, 10).replace(/\//g, '-') >= dateFr);
    if (dateTo !== null) orders = orders.filter((o) => o.order_date.slice(0, 10).replace(/\//g, '-') <= dateTo);
    // §4.1: `yyyy-mm-dd hh:mm:ss`, date-only also accepted (UNCONFIRMED: date-only "to" covers the whole day).
    const upd = (name: string, endOfDay: boolean): string | null => {
      const v = p.get(name);
      if (v === null) return null;
      if (validDateTime(v)) return v;
      if (validDate(v)) return `${v} ${endOfDay ? '23:59:59' : '00:00:00'}`;
      throw new ApiError(`${name}の形式が正しくありません。(yyyy-mm-dd hh:mm:ss)`);
    };
    const updFr = upd('updated_at_fr', false);
    const updTo = upd('updated_at_to', true);
    if (updFr !== null) orders = orders.filter((o) => o.updated_at >= updFr);
    if (updTo !== null) orders = orders.filter((o) => o.updated_at <= updTo);
    const phase = p.get('phase_name');
    // §4.1: exact phase name; an unknown name simply matches nothing on a read.
    if (phase !== null) orders = orders.filter((o) => o.phase_name === phase);
    for (const n of [1, 2, 3] as const) {
      const v = p.get(`check_mark${n}`);
      if (v === null) continue;
      if (v !== '0' && v !== '1') throw new ApiError(`check_mark${n}の値が正しくありません。`);
      orders = orders.filter((o) => o[`check_mark${n}`] === Number(v));
    }
    // UNCONFIRMED name of the cancel filter (§4.1): `cancel_flag`.
    const cancel = p.get('cancel_flag');
    if (cancel !== null) {
      if (!/^[012]$/.test(cancel)) throw new ApiError('cancel_flagの値が正しくありません。');
      orders = orders.filter((o) => o.cancel_flag === Number(cancel));
    }
    const sources = p.getAll('creating_source_type[]');
    if (sources.length > 0) orders = orders.filter((o) => sources.includes(o.creating_source_type));
    return orders
      .sort((a, b) => a.order_number - b.order_number)
      .slice(0, CROSSMALL_PAGE_SIZE)
      .map((o) => {
        const { lines: _lines, account: _account, ...row } = o;
        return row as Row;
      });
  }

  /** The order get_order_detail / get_order_component may read: not a merged-away child (§4.4, CM-TMPL). */
  private readableOrder(c: Call): Order | undefined {
    const n = c.params.get('order_number');
    if (n === null || n === '') throw new ApiError('order_numberは必須です。');
    if (!/^\d+$/.test(n)) throw new ApiError('order_numberの形式が正しくありません。');
    const order = this.orders.find((o) => o.account === c.account.account && o.order_number === Number(n));
    // cancellations.md §4.4: a bundled child cannot be named; its lines are its parent's. Exact text UNCONFIRMED.
    if (order && order.bundle_ahead_number !== 0)
      throw new ApiError(`同梱された子受注は指定できません。同梱先の管理番号（${order.bundle_ahead_number}）を指定してください。`);
    return order;
  }

  // ----- §4.2 get_order_detail ------------------------------------------------------------------------------------

  private getOrderDetail(c: Call): Row[] {
    const order = this.readableOrder(c);
    if (!order) return [];
    // A parent's lines include those its children brought (moved at bundle time).
    return order.lines.map(({ components: _components, ...line }) => line as Row);
  }

  // ----- cancellations.md §4.5 get_order_component ----------------------------------------------------------------

  /** Components of one set line, keyed by (order_number, line_no); a line that is no set has none. */
  private getOrderComponent(c: Call): Row[] {
    const lineNo = c.params.get('line_no');
    const order = this.readableOrder(c);
    if (lineNo === null || lineNo === '') throw new ApiError('line_noは必須です。');
    if (!/^\d+$/.test(lineNo)) throw new ApiError('line_noの形式が正しくありません。');
    const line = order?.lines.find((l) => l.line_no === Number(lineNo));
    if (!order || !line || line.component_flag !== '1') return [];
    return line.components.map((k) => ({
      order_number: order.order_number,
      line_no: line.line_no,
      set_item_code: line.item_code,
      item_code: k.item_code,
      item_name: k.item_name,
      attribute1_code: k.attribute1_code,
      attribute1_name: k.attribute1_name,
      attribute2_code: k.attribute2_code,
      attribute2_name: k.attribute2_name,
      component_count: k.component_count,
      jan_cd: k.jan_cd,
    }));
  }

  // ----- §4.3 upd_order_phase -------------------------------------------------------------------------------------

  private findOrder(c: Call): Order {
    const n = c.params.get('order_number');
    if (n === null || n === '') throw new ApiError('order_numberは必須です。');
    if (!/^\d+$/.test(n)) throw new ApiError('order_numberの形式が正しくありません。');
    const order = this.orders.find((o) => o.account === c.account.account && o.order_number === Number(n));
    if (!order) throw new ApiError(`管理番号 ${n} の受注が存在しません。`);
    return order;
  }

  private updOrderPhase(c: Call): Row[] {
    const p = c.params;
    const order = this.findOrder(c);
    const phase = p.get('after_phase_name');
    if (phase === null || phase === '') throw new ApiError('after_phase_nameは必須です。');
    // §4.3 / DESIGN §1: account-defined phase names, exact match (spacing and width included).
    if (!c.account.phases.includes(phase)) throw new ApiError(`受注ステータス「${phase}」は存在しません。`);
    const dateUpdate = p.get('delivery_date_update');
    if (dateUpdate !== null && dateUpdate !== '0' && dateUpdate !== '1') throw new ApiError('delivery_date_updateの値が正しくありません。');
    const deliveryDate = p.get('delivery_date');
    if (dateUpdate === '1' && (deliveryDate === null || !validDate(deliveryDate)))
      throw new ApiError('delivery_dateの形式が正しくありません。(yyyy-mm-dd)');
    // UNCONFIRMED (§4.3): the tracking-number parameter name; [Tmpl] code sends `delivery_no`, the field is
    // `delivery_number` — both are taken, and must agree when both are sent.
    const no = p.get('delivery_no');
    const number = p.get('delivery_number');
    if (no !== null && number !== null && no !== number) throw new ApiError('delivery_noとdelivery_numberが一致しません。');
    const deliveryNo = no ?? number;
    const deliveryName = p.get('delivery_name');

    order.phase_name = phase;
    // §4.3: the ship date only changes when delivery_date_update=1.
    if (dateUpdate === '1' && deliveryDate !== null) order.delivery_date = deliveryDate;
    if (deliveryNo !== null) order.delivery_number = deliveryNo;
    if (deliveryName !== null && deliveryName !== '') order.delivery_name = deliveryName;
    order.updated_at = formatJstDash(this.clock.now());
    return [{ order_number: order.order_number, phase_name: order.phase_name }];
  }

  // ----- §4.4 upd_order_check_mark --------------------------------------------------------------------------------

  private updOrderCheckMark(c: Call): Row[] {
    const order = this.findOrder(c);
    const type = c.params.get('check_mark_type') ?? '';
    const value = c.params.get('check_mark_value') ?? '';
    if (!/^[123]$/.test(type)) throw new ApiError('check_mark_typeの値が正しくありません。(1〜3)');
    if (value !== '0' && value !== '1') throw new ApiError('check_mark_valueの値が正しくありません。(0/1)');
    order[`check_mark${type as '1' | '2' | '3'}`] = Number(value);
    order.updated_at = formatJstDash(this.clock.now());
    return [{ order_number: order.order_number, check_mark_type: type, check_mark_value: value }];
  }

  // ----- §4.5 stock -----------------------------------------------------------------------------------------------

  private getStockRows(c: Call): Row[] {
    const p = c.params;
    const itemCode = p.get('item_code');
    const skuCode = p.get('sku_code');
    const janCode = p.get('jan_code');
    if (!itemCode && !skuCode && !janCode) throw new ApiError('item_code、sku_code、jan_codeのいずれかを指定してください。');
    const a1 = p.get('attribute1_name');
    const a2 = p.get('attribute2_name');
    const rows = this.skus.filter(
      (s) =>
        s.account === c.account.account &&
        (!itemCode || s.item_code === itemCode) &&
        (!skuCode || s.item_sku_code === skuCode) &&
        (!janCode || s.jan_code === janCode) &&
        (a1 === null || s.attribute1_name === a1) &&
        (a2 === null || s.attribute2_name === a2),
    );
    // §4.5: production code reads `item_cd`, the spec-derived sample shows `item_code`; both are emitted.
    return rows.map((s) => ({
      item_code: s.item_code,
      item_cd: s.item_code,
      attribute1_code: s.attribute1_code,
      attribute1_name: s.attribute1_name,
      attribute2_code: s.attribute2_code,
      attribute2_name: s.attribute2_name,
      item_sku_code: s.item_sku_code,
      jan_code: s.jan_code,
      stock: s.stock,
    }));
  }

  /**
   * §4.5 upd_stock — parameter names are UNCONFIRMED: `item_code` + `attribute1_name` + `attribute2_name` (the
   * SKU identity, exact text; omitted attributes mean ''), `stock` (quantity), `update_type` u (overwrite,
   * default) / a (add) / d (delete → stock 0).
   */
  private updStock(c: Call): Row[] {
    const p = c.params;
    const itemCode = p.get('item_code');
    if (!itemCode) throw new ApiError('item_codeは必須です。');
    const a1 = p.get('attribute1_name') ?? '';
    const a2 = p.get('attribute2_name') ?? '';
    const mode = p.get('update_type') ?? 'u';
    if (!['u', 'a', 'd'].includes(mode)) throw new ApiError('update_typeの値が正しくありません。(u/a/d)');
    const sku = this.skus.find(
      (s) => s.account === c.account.account && s.item_code === itemCode && s.attribute1_name === a1 && s.attribute2_name === a2,
    );
    if (!sku) throw new ApiError(`商品コード ${itemCode}（${a1}/${a2}）の在庫が存在しません。`);
    const raw = p.get('stock');
    if (mode === 'd') sku.stock = 0;
    else {
      if (raw === null || !(mode === 'a' ? /^-?\d+$/ : /^\d+$/).test(raw)) throw new ApiError('stockの値が正しくありません。');
      const next = mode === 'a' ? sku.stock + Number(raw) : Number(raw);
      if (next < 0) throw new ApiError('在庫数がマイナスになります。');
      sku.stock = next;
    }
    return [{ item_code: sku.item_code, attribute1_name: sku.attribute1_name, attribute2_name: sku.attribute2_name, stock: sku.stock }];
  }

  // ----- demo data ----------------------------------------------------------------------------------------------

  /** Japanese shop data dated relative to `now`; includes a bundled parent/child pair and a 2-line order. */
  static demoSeed(now: Date = new Date()): CrossmallSeed {
    const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
    const slash = (h: number) => formatJstSlash(ago(h));
    const dash = (h: number) => formatJstDash(ago(h));
    const ship = {
      ship_name: '田中 優子',
      ship_zip: '060-0001',
      ship_address1: '北海道札幌市中央区北一条西2-1',
      ship_address2: '札幌パークビル301',
      ship_tel: '011-222-3333',
    };
    return {
      accounts: [{ ...CROSSMALL_DEFAULT_ACCOUNT }],
      skus: [
        {
          item_code: 'KUTSUSHITA-01',
          item_name: '綿混ショートソックス',
          attribute1_code: 'BK',
          attribute1_name: 'ブラック',
          attribute2_code: 'M',
          attribute2_name: '23-25cm',
          item_sku_code: 'KUTSUSHITA-01-BK-M',
          jan_code: '4589859570040',
          stock: 48,
        },
        {
          item_code: 'KUTSUSHITA-01',
          item_name: '綿混ショートソックス',
          attribute1_code: 'WH',
          attribute1_name: 'ホワイト',
          attribute2_code: 'M',
          attribute2_name: '23-25cm',
          item_sku_code: 'KUTSUSHITA-01-WH-M',
          jan_code: '4589859570057',
          stock: 12,
        },
        {
          item_code: 'HOUJICHA-200',
          item_name: '加賀棒ほうじ茶 200g',
          item_sku_code: 'HOUJICHA-200',
          jan_code: '4901234567894',
          stock: 80,
        },
      ],
      orders: [
        {
          order_number: 10001,
          order_date: slash(5),
          updated_at: dash(5),
          shop_name: '楽天市場店',
          order_code: '123456-20260301-0000001',
          phase_name: '発送待機',
          client_name: '田中 優子',
          client_tel: '011-222-3333',
          client_mail: 'yuko.tanaka@example.jp',
          ...ship,
          delivery_name: 'ヤマト運輸',
          delivery_time_name: '午前中',
          lines: [
            {
              item_code: 'KUTSUSHITA-01',
              item_name: '綿混ショートソックス',
              attribute1_name: 'ブラック',
              attribute2_name: '23-25cm',
              amount: 2,
              unit_price: 990,
              jan_cd: '4589859570040',
            },
            {
              item_code: 'HOUJICHA-200',
              item_name: '加賀棒ほうじ茶 200g',
              amount: 1,
              unit_price: 1296,
              jan_cd: '4901234567894',
              reduced_tax_rate_type: '1',
            },
          ],
        },
        {
          order_number: 10002,
          order_date: slash(4),
          updated_at: dash(4),
          shop_name: 'Yahoo!ショッピング店',
          order_code: 'mbshop-10000231',
          phase_name: '発送待機',
          client_name: '中村 健太',
          client_tel: '06-6543-2100',
          ship_name: '中村 健太',
          ship_zip: '542-0081',
          ship_address1: '大阪府大阪市中央区南船場4-3-2',
          ship_address2: '',
          ship_tel: '06-6543-2100',
          lines: [
            {
              item_code: 'KUTSUSHITA-01',
              item_name: '綿混ショートソックス',
              attribute1_name: 'ホワイト',
              attribute2_name: '23-25cm',
              amount: 3,
              unit_price: 990,
              jan_cd: '4589859570057',
            },
          ],
        },
        {
          // Bundled child of 10002 (同梱): listed by get_order, its lines served under the parent.
          order_number: 10003,
          order_date: slash(3),
          updated_at: dash(3),
          shop_name: 'Yahoo!ショッピング店',
          order_code: 'mbshop-10000232',
          phase_name: '発送待機',
          bundle_flag: 1,
          bundle_ahead_number: 10002,
          client_name: '中村 健太',
          ship_name: '中村 健太',
          ship_zip: '542-0081',
          ship_address1: '大阪府大阪市中央区南船場4-3-2',
          lines: [{ item_code: 'HOUJICHA-200', item_name: '加賀棒ほうじ茶 200g', amount: 2, unit_price: 1296, jan_cd: '4901234567894' }],
        },
        {
          order_number: 10004,
          order_date: slash(30),
          updated_at: dash(2),
          shop_name: 'Qoo10店',
          order_code: '1062429999',
          phase_name: 'QXPRESS発送済み',
          client_name: '小林 さくら',
          ship_name: '小林 さくら',
          ship_zip: '980-0811',
          ship_address1: '宮城県仙台市青葉区一番町3-1-1',
          delivery_number: '503012345678',
          delivery_date: dash(2).slice(0, 10),
          lines: [{ item_code: 'HOUJICHA-200', item_name: '加賀棒ほうじ茶 200g', amount: 1, unit_price: 1296 }],
        },
      ],
    };
  }
}
