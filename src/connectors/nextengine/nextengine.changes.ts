import { Injectable, Logger } from '@nestjs/common';

import { SiteAuthError } from '../http/site-errors';
import type { ConnectionContext, ExternalOrder, ExternalOrderRef, SyncCursor } from '../sales-site-connector';
import type { OrderChange, OrderChangeBatch, OrderChangeKind, OrderChangeSource, RecheckResult } from '../site-ports';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';
import { NE_MAX_IN_VALUES, NextEngineClient, type NextEngineRow } from './nextengine.client';
import { NE_ORDER_FIELDS, NE_ROW_FIELDS, isCollectable, isLiveRow, lineIdOf, recipientOf, toExternalOrder, neDatetime, trimmedText } from './nextengine.mapper';

const ORDER_SEARCH = '/api_v1_receiveorder_base/search';
const ROW_SEARCH = '/api_v1_receiveorder_row/search';
const CANCEL_TYPE_INFO = '/api_v1_system_canceltype/info';

/** Slips (and rows) per search page; also the most an `-in` condition takes (spec §1.7). */
const PAGE_LIMIT = 1000;
/**
 * How far behind the cursor each pull starts again: a change NextEngine stamps a little before it becomes visible
 * (a long transaction, a replica) is still read. Re-reads are harmless: changes state what is true now.
 */
const OVERLAP_MS = 10 * 60_000;
const DEFAULT_LOOKBACK_DAYS = 30;
const DAY_MS = 24 * 60 * 60_000;
/** A stamp further ahead of our clock than this is not trusted as a cursor (it would skip every change until then). */
const MAX_CLOCK_AHEAD_MS = 60 * 60_000;

/** `receive_order_cancel_type_id` values with their own meaning (cancellations.md §1.2). */
const VALID_TYPE = '0';
const MERGED_TYPE = '3';
const HOLD_TYPE = '12';
/** Statuses before 納品書印刷待ち that cancellations.md §1.1 names hold-like (取込情報不足 / 受注メール取込済 / 起票済). */
const PRE_PRINT_STATUS_NAMES: Record<string, string> = { '0': '取込情報不足', '1': '受注メール取込済', '2': '起票済(CSV/手入力)' };
/** 納品書印刷中 / 印刷済: a split child or merge parent there is still to be shipped, though the order pull no longer reads it. */
const PRINTED_STATUSES = new Set(['30', '40']);

/**
 * `receiveorder_base` fields a change read asks for: cancellations.md §1.3b, plus the order pull's own fields so a
 * split child or a merge parent can be mapped exactly as the pull maps it.
 */
export const NE_CHANGE_ORDER_FIELDS: readonly string[] = unique([
  'receive_order_id',
  'receive_order_shop_id',
  'receive_order_shop_cut_form_id',
  'receive_order_order_status_id',
  'receive_order_cancel_type_id',
  'receive_order_cancel_date',
  'receive_order_deleted_flag',
  'receive_order_confirm_check_id',
  'receive_order_include_to_order_id',
  'receive_order_divide_from_order_id',
  'receive_order_copy_from_order_id',
  'receive_order_consignee_name',
  'receive_order_consignee_zip_code',
  'receive_order_consignee_address1',
  'receive_order_consignee_address2',
  'receive_order_consignee_tel',
  'receive_order_delivery_id',
  'receive_order_hope_delivery_date',
  'receive_order_hope_delivery_time_slot_id',
  'receive_order_send_date',
  'receive_order_last_modified_date',
  'receive_order_last_modified_null_safe_date',
  ...NE_ORDER_FIELDS,
]);

/** `receiveorder_row` fields (cancellations.md §1.3c / §1.4), plus the order pull's own. */
export const NE_CHANGE_ROW_FIELDS: readonly string[] = unique([
  ...NE_ROW_FIELDS,
  'receive_order_include_from_row_no',
  'receive_order_row_divide_from_row_no',
  'receive_order_row_last_modified_newest_date',
]);

/** What the row-level sweep needs to find slips whose rows changed without the slip's own date (UNCONFIRMED that NE does that). */
const ROW_SWEEP_FIELDS = ['receive_order_row_receive_order_id', 'receive_order_row_last_modified_newest_date'];

/** The change cursor (JSON in `SyncCursor.value`). */
interface NextEngineChangeCursor {
  /** NextEngine's own last-modified text (JST): the next pull reads from it minus {@link OVERLAP_MS} */
  lastModified: string;
}

/** One slip as read: its base row and all its rows (live or not). */
interface Slip {
  base: NextEngineRow;
  rows: NextEngineRow[];
}

/** What one slip says now: its changes, and the order to write first when the changes need it. */
export interface SlipReading {
  receiveOrderId: string;
  changes: OrderChange[];
  order?: ExternalOrder;
}

/**
 * NextEngine's changes after intake (cancellations.md §1, DESIGN §5a). NextEngine has no change feed: a slip states
 * its whole truth, so each changed slip is read again and stated as changes (cancelled, merged, held, released,
 * its lines' live quantities, its recipient, the slip it was split from). The core applies only what is new.
 */
@Injectable()
export class NextEngineChangeSource implements OrderChangeSource {
  private readonly logger = new Logger(NextEngineChangeSource.name);

  constructor(private readonly client: NextEngineClient) {}

  /**
   * The slips changed since the cursor, found two ways, each walked by offset/limit:
   * 1. `receiveorder_base/search` by `receive_order_last_modified_null_safe_date-gte` (cancels, holds, edits, merges,
   *    splits; the null-safe date also catches slips never updated since creation, §1.3b);
   * 2. `receiveorder_row/search` by `receive_order_row_last_modified_newest_date-gte`, fields = slip id and that date
   *    only, for slips whose rows changed without their own date (UNCONFIRMED whether NE does that; one call when
   *    nothing changed); those slips are then read by `receive_order_id-in`.
   * Every changed slip's rows come from `receiveorder_row/search` by `receive_order_row_receive_order_id-in` (≤ 1000).
   * So the calls grow with the changed slips, never with the open orders; the cancel-type master is read once, and
   * only when a cancelled slip needs its reason.
   *
   * The cursor: NextEngine's base search has no order by date (receive_order_id ascending is assumed), so a cursor
   * cannot advance page by page without skipping slips on later pages. Every batch but the last carries the cursor
   * the pull started from; the last carries the newest stamp seen, less the time the walk took (a slip changed
   * behind the walk's back is stamped after the walk began, and NextEngine's clock moved no more than ours). Stamps
   * are NextEngine's own text, so our clock's skew never enters the cursor.
   */
  async *pullChanges(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderChangeBatch> {
    const started = ctx.now();
    const prior = parseChangeCursor(cursor);
    const since = prior ? new Date(prior.getTime() - OVERLAP_MS) : new Date(started.getTime() - lookbackDays(ctx) * DAY_MS);
    const sinceText = neDatetime(since);
    const startedFrom = prior ?? new Date(since.getTime() + OVERLAP_MS);
    const holdCursor: SyncCursor = { value: cursorValue(startedFrom) };
    const reader = new SlipReader(this.client, ctx, this.logger);
    const seen = new Set<string>();
    let newest: Date | undefined;
    const note = (stamp: string | null | undefined) => {
      const at = parseInOffset(stamp, JST_OFFSET_MINUTES);
      if (!at || at.getTime() > started.getTime() + MAX_CLOCK_AHEAD_MS) return;
      if (!newest || at > newest) newest = at;
    };

    let pending: Omit<OrderChangeBatch, 'nextCursor'> | undefined;
    const conditions = { 'receive_order_last_modified_null_safe_date-gte': sinceText };
    for await (const page of this.client.searchAll(ctx, ORDER_SEARCH, NE_CHANGE_ORDER_FIELDS, conditions, PAGE_LIMIT)) {
      const bases: NextEngineRow[] = [];
      for (const base of page) {
        note(stampOf(base));
        const id = trimmedText(base.receive_order_id);
        if (!id || seen.has(id)) continue;
        seen.add(id);
        bases.push(base);
      }
      if (bases.length === 0) continue;
      const batch = toBatch(await reader.read(bases));
      if (pending) yield { ...pending, nextCursor: holdCursor };
      pending = batch;
    }

    const rowOnly: string[] = [];
    const sweep = { 'receive_order_row_last_modified_newest_date-gte': sinceText };
    for await (const page of this.client.searchAll(ctx, ROW_SEARCH, ROW_SWEEP_FIELDS, sweep, PAGE_LIMIT)) {
      for (const row of page) {
        note(row.receive_order_row_last_modified_newest_date);
        const id = trimmedText(row.receive_order_row_receive_order_id);
        if (!id || seen.has(id)) continue;
        seen.add(id);
        rowOnly.push(id);
      }
    }
    for (let start = 0; start < rowOnly.length; start += NE_MAX_IN_VALUES) {
      const bases = await reader.bases(rowOnly.slice(start, start + NE_MAX_IN_VALUES));
      if (bases.length === 0) continue;
      const batch = toBatch(await reader.read(bases));
      if (pending) yield { ...pending, nextCursor: holdCursor };
      pending = batch;
    }

    let next = startedFrom;
    if (newest) {
      const walkMs = Math.max(0, ctx.now().getTime() - started.getTime());
      const safe = new Date(newest.getTime() - walkMs);
      if (safe > next) next = safe;
    }
    yield { ...(pending ?? { changes: [] }), nextCursor: { value: cursorValue(next) } };
  }

  /**
   * The given slips read by id (`receive_order_id-in`, ≤ 1000 per call) with their rows, stated as changes exactly
   * as the pull states them. A slip NextEngine does not return is `found: false` (never assumed shipped or
   * cancelled); so is an id that is not a NextEngine 伝票番号 at all.
   */
  async recheck(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<RecheckResult[]> {
    const reader = new SlipReader(this.client, ctx, this.logger);
    const idOf = (ref: ExternalOrderRef) => String(ref.refs?.receiveOrderId ?? ref.externalOrderId).trim();
    const ids = [...new Set(refs.map(idOf).filter((id) => /^\d+$/.test(id)))];
    const bases = new Map<string, NextEngineRow>();
    const readings = new Map<string, SlipReading>();
    for (let start = 0; start < ids.length; start += NE_MAX_IN_VALUES) {
      const found = await reader.bases(ids.slice(start, start + NE_MAX_IN_VALUES));
      for (const base of found) bases.set(trimmedText(base.receive_order_id) ?? '', base);
      for (const reading of await reader.read(found)) readings.set(reading.receiveOrderId, reading);
    }
    return refs.map((ref) => {
      const id = idOf(ref);
      const base = bases.get(id);
      if (!base) return { externalOrderId: ref.externalOrderId, found: false, changes: [] };
      const status = trimmedText(base.receive_order_order_status_id);
      return {
        externalOrderId: ref.externalOrderId,
        found: true,
        changes: readings.get(id)?.changes ?? [],
        ...(status !== undefined ? { siteStatus: status } : {}),
      };
    });
  }
}

/** The reads of one pull or recheck: slips by id, their rows, and the cancel-type names (read at most once). */
class SlipReader {
  private names: Promise<ReadonlyMap<string, string>> | undefined;

  constructor(
    private readonly client: NextEngineClient,
    private readonly ctx: ConnectionContext,
    private readonly logger: Logger,
  ) {}

  /**
   * Slips by 伝票番号; ids NextEngine does not know are absent. At most {@link PAGE_LIMIT} distinct ids, so one page
   * holds every answer: no second call to find the end.
   */
  async bases(ids: string[]): Promise<NextEngineRow[]> {
    const conditions = { 'receive_order_id-in': ids.join(',') };
    const page = await this.client.searchPage(this.ctx, ORDER_SEARCH, NE_CHANGE_ORDER_FIELDS, conditions, { offset: 0, limit: PAGE_LIMIT });
    return page.filter((base) => trimmedText(base.receive_order_id) !== undefined);
  }

  /** The slips with their rows, stated as changes. */
  async read(bases: NextEngineRow[]): Promise<SlipReading[]> {
    const ids = bases.map((base) => trimmedText(base.receive_order_id) ?? '').filter((id) => id !== '');
    const rows = await this.rows(ids);
    const slips: Slip[] = bases.map((base) => ({ base, rows: rows.get(trimmedText(base.receive_order_id) ?? '') ?? [] }));
    const names = slips.some(({ base }) => needsCancelName(base)) ? await this.cancelTypeNames() : new Map<string, string>();
    const now = this.ctx.now();
    return slips.map((slip) => readSlip(slip, names, now)).filter((reading): reading is SlipReading => reading !== undefined);
  }

  /** Every row (live or not) of the slips, by 伝票番号, in NextEngine's order (slip id, row number). */
  private async rows(ids: string[]): Promise<Map<string, NextEngineRow[]>> {
    const byOrder = new Map<string, NextEngineRow[]>();
    for (let start = 0; start < ids.length; start += NE_MAX_IN_VALUES) {
      const conditions = { 'receive_order_row_receive_order_id-in': ids.slice(start, start + NE_MAX_IN_VALUES).join(',') };
      for await (const page of this.client.searchAll(this.ctx, ROW_SEARCH, NE_CHANGE_ROW_FIELDS, conditions, PAGE_LIMIT)) {
        for (const row of page) {
          const id = trimmedText(row.receive_order_row_receive_order_id);
          if (!id) continue;
          const list = byOrder.get(id) ?? [];
          list.push(row);
          byOrder.set(id, list);
        }
      }
    }
    return byOrder;
  }

  /**
   * The company's cancel-type names (`/api_v1_system_canceltype/info`, §1.3a): names are per company and editable,
   * so they are read, not hard-coded. A failed read leaves reasons by id; only an authorization failure is thrown
   * (every later call would fail the same way).
   */
  private cancelTypeNames(): Promise<ReadonlyMap<string, string>> {
    this.names ??= this.client.call(this.ctx, CANCEL_TYPE_INFO).then(
      (envelope) => {
        const names = new Map<string, string>();
        for (const row of Array.isArray(envelope.data) ? envelope.data : []) {
          const id = trimmedText(row?.cancel_type_id);
          const name = trimmedText(row?.cancel_type_name);
          if (id && name) names.set(id, name);
        }
        return names;
      },
      (error: unknown) => {
        if (error instanceof SiteAuthError) throw error;
        this.logger.warn(`NextEngine cancel-type master unreadable, reasons fall back to ids: ${(error as Error).message}`);
        return new Map<string, string>();
      },
    );
    return this.names;
  }
}

/**
 * What one slip states now (cancellations.md §1.4 decision rule, §1.5):
 * - deleted (`receive_order_deleted_flag` 1) → `cancelled`;
 * - cancel type 3 with `include_to_order_id` → `merged_into` that slip (the type is UNCONFIRMED for merges, so the
 *   link decides: type 3 without a link is an ordinary cancel);
 * - cancel type 12, or `receive_order_confirm_check_id` 1 (確認必要), or a status before 印刷待ち (0/1/2) → `on_hold`;
 * - any other type but 0 → `cancelled`, its reason the type's name;
 * - otherwise the slip is valid → `released`, and `line_cancelled` stating every row's live quantity (a cancelled or
 *   deleted row 0, else its quantity);
 * - unless cancelled or merged away → `address_changed` with the recipient mapped as the order pull maps it;
 * - `divide_from_order_id` set → `split_from` that slip.
 * A split child, and a merge parent holding rows merged in from another slip, come back as orders to write first,
 * when they are slips Mallbridge would work on (valid, 印刷待ち and due, or printed, with a live line).
 * Each change's `siteRef` is the slip's id and last-modified stamp, so a re-read of the same slip states the same
 * changes under the same keys; `split_from`'s is the slip's id and its source, as a split happens once.
 */
export function readSlip({ base, rows }: Slip, names: ReadonlyMap<string, string>, now: Date): SlipReading | undefined {
  const id = trimmedText(base.receive_order_id);
  if (!id) return undefined;
  const stamp = stampOf(base) ?? '';
  const siteRef = `${id}@${stamp}`;
  const occurredAt = parseInOffset(stamp, JST_OFFSET_MINUTES) ?? null;
  const type = trimmedText(base.receive_order_cancel_type_id) ?? VALID_TYPE;
  const status = trimmedText(base.receive_order_order_status_id);
  const deleted = trimmedText(base.receive_order_deleted_flag) === '1';
  const confirmCheck = trimmedText(base.receive_order_confirm_check_id) === '1';
  const includeTo = trimmedText(base.receive_order_include_to_order_id);
  const divideFrom = trimmedText(base.receive_order_divide_from_order_id);
  const raw = {
    receiveOrderId: id,
    cancelTypeId: type,
    orderStatusId: status ?? null,
    deletedFlag: trimmedText(base.receive_order_deleted_flag) ?? null,
    confirmCheckId: trimmedText(base.receive_order_confirm_check_id) ?? null,
    lastModified: stamp || null,
  };
  const change = (kind: OrderChangeKind, extra: Partial<OrderChange> = {}): OrderChange => ({
    externalOrderId: id,
    kind,
    siteRef,
    occurredAt,
    raw,
    ...extra,
  });

  const changes: OrderChange[] = [];
  let closed = false;
  if (deleted) {
    closed = true;
    changes.push(change('cancelled', { reason: '伝票削除 (receive_order_deleted_flag=1)' }));
  } else if (type === MERGED_TYPE && includeTo) {
    closed = true;
    changes.push(change('merged_into', { relatedExternalOrderId: includeTo, reason: cancelReason(type, names) }));
  } else if (type === HOLD_TYPE) {
    changes.push(change('on_hold', { reason: cancelReason(type, names) }));
  } else if (type !== VALID_TYPE) {
    closed = true;
    const cancelledAt = parseInOffset(base.receive_order_cancel_date, JST_OFFSET_MINUTES);
    changes.push(change('cancelled', { reason: cancelReason(type, names), occurredAt: cancelledAt ?? occurredAt }));
  } else if (confirmCheck) {
    changes.push(change('on_hold', { reason: '確認必要 (receive_order_confirm_check_id=1)' }));
  } else if (status !== undefined && status in PRE_PRINT_STATUS_NAMES) {
    // UNCONFIRMED that a slip can fall back from 印刷待ち to these (cancellations.md §1.1); if it does, it is not ready.
    changes.push(change('on_hold', { reason: `受注状態 ${status} ${PRE_PRINT_STATUS_NAMES[status]}` }));
  } else {
    changes.push(change('released'));
    const lines = rows.flatMap((row) => {
      const liveQuantity = liveQuantityOf(row);
      const externalLineId = trimmedText(row.receive_order_row_no) ? lineIdOf(row) : undefined;
      return liveQuantity === undefined || !externalLineId ? [] : [{ externalLineId, liveQuantity }];
    });
    if (lines.length > 0) changes.push(change('line_cancelled', { lines }));
  }
  if (!closed) {
    const recipient = recipientOf(base);
    if (recipient) changes.push(change('address_changed', { recipient }));
  }
  // A slip is split off its source once: that identity, not the stamp, keys the change, so later edits of the new
  // slip do not record the split again (the core records split_from once per key, whatever the order holds).
  if (divideFrom) changes.push(change('split_from', { relatedExternalOrderId: divideFrom, siteRef: `${id}@divide_from:${divideFrom}` }));

  const gainedRows = rows.some((row) => trimmedText(row.receive_order_include_from_order_id) !== undefined);
  const order = (divideFrom !== undefined || gainedRows) && isWorkable(base, now) ? asPulled(base, rows) : undefined;
  return { receiveOrderId: id, changes, ...(order ? { order } : {}) };
}

/** A slip Mallbridge would work on: valid, not awaiting a check, and 印刷待ち with its print date due, or printed. */
function isWorkable(base: NextEngineRow, now: Date): boolean {
  if (trimmedText(base.receive_order_confirm_check_id) === '1') return false;
  if ((trimmedText(base.receive_order_cancel_type_id) ?? VALID_TYPE) !== VALID_TYPE || trimmedText(base.receive_order_deleted_flag) === '1') return false;
  return isCollectable(base, now) || PRINTED_STATUSES.has(trimmedText(base.receive_order_order_status_id) ?? '');
}

/** The order exactly as the order pull maps it: the same fields in, the same mapper. None when no line is live. */
function asPulled(base: NextEngineRow, rows: NextEngineRow[]): ExternalOrder | undefined {
  const order = toExternalOrder(
    pick(base, NE_ORDER_FIELDS),
    rows.map((row) => pick(row, NE_ROW_FIELDS)),
  );
  return order.lines.length > 0 ? order : undefined;
}

/** A row's live quantity: 0 when cancelled or deleted, else its quantity; undefined when the quantity is unreadable. */
function liveQuantityOf(row: NextEngineRow): number | undefined {
  if (!isLiveRow(row)) return 0;
  const quantity = trimmedText(row.receive_order_row_quantity);
  // a malformed quantity is not stated: reading it as 0 would cancel a live line
  return quantity !== undefined && /^\d+$/.test(quantity) ? Number(quantity) : undefined;
}

function needsCancelName(base: NextEngineRow): boolean {
  const type = trimmedText(base.receive_order_cancel_type_id) ?? VALID_TYPE;
  return type !== VALID_TYPE && trimmedText(base.receive_order_deleted_flag) !== '1';
}

function cancelReason(type: string, names: ReadonlyMap<string, string>): string {
  return names.get(type) ?? `受注キャンセル区分 ${type}`;
}

function toBatch(readings: SlipReading[]): Omit<OrderChangeBatch, 'nextCursor'> {
  const orders = readings.flatMap((reading) => (reading.order ? [reading.order] : []));
  return { changes: readings.flatMap((reading) => reading.changes), ...(orders.length > 0 ? { orders } : {}) };
}

/** The slip's last-modified stamp: the null-safe date (creation when never updated), else the plain one. */
function stampOf(base: NextEngineRow): string | undefined {
  return trimmedText(base.receive_order_last_modified_null_safe_date) ?? trimmedText(base.receive_order_last_modified_date);
}

function lookbackDays(ctx: ConnectionContext): number {
  const days = Number(ctx.settings.initialLookbackDays);
  return Number.isFinite(days) && days > 0 ? days : DEFAULT_LOOKBACK_DAYS;
}

function parseChangeCursor(cursor: SyncCursor | null): Date | undefined {
  if (!cursor?.value) return undefined;
  try {
    const parsed = JSON.parse(cursor.value) as Partial<NextEngineChangeCursor>;
    // an unreadable cursor starts over from the look-back: re-reading is harmless, skipping is not
    return typeof parsed.lastModified === 'string' ? parseInOffset(parsed.lastModified, JST_OFFSET_MINUTES) : undefined;
  } catch {
    return undefined;
  }
}

function cursorValue(at: Date): string {
  const cursor: NextEngineChangeCursor = { lastModified: neDatetime(at) };
  return JSON.stringify(cursor);
}



function pick(row: NextEngineRow, fields: readonly string[]): NextEngineRow {
  const out: NextEngineRow = {};
  for (const field of fields) if (field in row) out[field] = row[field];
  return out;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
