import { Injectable } from '@nestjs/common';

import type { ConnectionContext, SyncCursor } from '../sales-site-connector';
import type { SoldOrder, SoldOrderBatch, SoldOrderFeed } from '../site-ports';
import { JST_OFFSET_MINUTES, parseInOffset } from '../shared/zoned-time';
import { NE_MAX_IN_VALUES, NextEngineClient, type NextEngineRow } from './nextengine.client';
import { isLiveRow, neDatetime, trimmedText } from './nextengine.mapper';

const ORDER_SEARCH = '/api_v1_receiveorder_base/search';
const ROW_SEARCH = '/api_v1_receiveorder_row/search';
const PAGE_LIMIT = 1000;
/** Re-read this far behind the cursor, as the change pull does (nextengine.changes.ts): late-visible stamps are still read. */
const OVERLAP_MS = 10 * 60_000;
const MAX_CLOCK_AHEAD_MS = 60 * 60_000;

const BASE_FIELDS = [
  'receive_order_id',
  'receive_order_date',
  'receive_order_creation_date',
  'receive_order_order_status_id',
  'receive_order_cancel_type_id',
  'receive_order_deleted_flag',
  'receive_order_last_modified_date',
  'receive_order_last_modified_null_safe_date',
];
const ROW_FIELDS = [
  'receive_order_row_receive_order_id',
  'receive_order_row_no',
  'receive_order_row_goods_id',
  'receive_order_row_quantity',
  'receive_order_row_cancel_flag',
  'receive_order_row_deleted_flag',
  'receive_order_include_from_order_id',
];

/** 納品書印刷待ち (20) and every later status (30/40 印刷, 50 出荷確定済): the order is confirmed, its goods sold. */
const FIRST_SOLD_STATUS = 20;
const VALID_TYPE = '0';
/** merged into another slip (同梱): its lines live on in the slip they were merged into (cancellations.md §1.2) */
const MERGED_TYPE = '3';
/** 伝票を確認後、有効にして下さい: a hold, not a cancel (cancellations.md §1.2) */
const HOLD_TYPE = '12';

/**
 * NextEngine's orders changed since a cursor, stated as sales: `receiveorder_base/search` by
 * `receive_order_last_modified_null_safe_date-gte` (cancellations.md §1.3b; the null-safe date also catches slips
 * never updated since creation), each slip's rows by `receive_order_row_receive_order_id-in` (≤ 1000). A cancel is
 * read as NextEngine's cancel type on the next read (cancellations.md §1.1: cancelling bumps the slip's last-modified
 * date — UNCONFIRMED but very likely, the change pull relies on it too).
 *
 * The cursor is the change pull's: base search has no order by date, so every batch but the last carries the cursor
 * the read started from, and the last the newest stamp seen less the time the walk took (NextEngine's own text).
 */
@Injectable()
export class NextEngineSoldOrders implements SoldOrderFeed {
  constructor(private readonly client: NextEngineClient) {}

  async *pullSoldOrders(ctx: ConnectionContext, cursor: SyncCursor | null, start: Date): AsyncIterable<SoldOrderBatch> {
    const started = ctx.now();
    const from = parseCursor(cursor) ?? start;
    const hold: SyncCursor = { value: cursorValue(from) };
    const conditions = { 'receive_order_last_modified_null_safe_date-gte': neDatetime(new Date(from.getTime() - OVERLAP_MS)) };
    let newest: Date | undefined;
    let pending: SoldOrder[] | undefined;
    for await (const page of this.client.searchAll(ctx, ORDER_SEARCH, BASE_FIELDS, conditions, PAGE_LIMIT)) {
      for (const base of page) {
        const stamp = parseInOffset(base.receive_order_last_modified_null_safe_date ?? base.receive_order_last_modified_date, JST_OFFSET_MINUTES);
        if (stamp && stamp.getTime() <= started.getTime() + MAX_CLOCK_AHEAD_MS && (!newest || stamp > newest)) newest = stamp;
      }
      const orders = await this.withRows(ctx, page);
      if (pending) yield { orders: pending, nextCursor: hold };
      pending = orders;
    }
    let next = from;
    if (newest) {
      const safe = new Date(newest.getTime() - Math.max(0, ctx.now().getTime() - started.getTime()));
      if (safe > next) next = safe;
    }
    yield { orders: pending ?? [], nextCursor: { value: cursorValue(next) } };
  }

  private async withRows(ctx: ConnectionContext, bases: NextEngineRow[]): Promise<SoldOrder[]> {
    const rows = new Map<string, NextEngineRow[]>();
    const ids = [...new Set(bases.map((base) => trimmedText(base.receive_order_id)).filter((id): id is string => !!id))];
    for (let at = 0; at < ids.length; at += NE_MAX_IN_VALUES) {
      const conditions = { 'receive_order_row_receive_order_id-in': ids.slice(at, at + NE_MAX_IN_VALUES).join(',') };
      for await (const page of this.client.searchAll(ctx, ROW_SEARCH, ROW_FIELDS, conditions, PAGE_LIMIT)) {
        for (const row of page) {
          const id = trimmedText(row.receive_order_row_receive_order_id) ?? '';
          rows.set(id, [...(rows.get(id) ?? []), row]);
        }
      }
    }
    return bases.flatMap((base) => {
      const id = trimmedText(base.receive_order_id);
      return id ? [toSoldOrder(id, base, rows.get(id) ?? [])] : [];
    });
  }
}

export function toSoldOrder(id: string, base: NextEngineRow, rows: NextEngineRow[]): SoldOrder {
  const type = trimmedText(base.receive_order_cancel_type_id) ?? VALID_TYPE;
  const deleted = trimmedText(base.receive_order_deleted_flag) === '1';
  const status = Number(trimmedText(base.receive_order_order_status_id) ?? '0');
  return {
    externalOrderId: id,
    // 受注日; a slip without one counts from its creation (起票) date
    receivedAt:
      parseInOffset(base.receive_order_date, JST_OFFSET_MINUTES) ?? parseInOffset(base.receive_order_creation_date, JST_OFFSET_MINUTES) ?? null,
    sold: !deleted && type === VALID_TYPE && status >= FIRST_SOLD_STATUS,
    cancelled: deleted || (type !== VALID_TYPE && type !== MERGED_TYPE && type !== HOLD_TYPE),
    lines: rows.filter(isLiveRow).flatMap((row) => {
      const goodsCode = trimmedText(row.receive_order_row_goods_id);
      const quantity = Number(trimmedText(row.receive_order_row_quantity) ?? '0');
      if (!goodsCode || !Number.isInteger(quantity) || quantity <= 0) return [];
      return [{ goodsCode, quantity, mergedFromOrderId: trimmedText(row.receive_order_include_from_order_id) ?? null }];
    }),
  };
}

function parseCursor(cursor: SyncCursor | null): Date | undefined {
  if (!cursor?.value) return undefined;
  try {
    const parsed = JSON.parse(cursor.value) as { lastModified?: unknown };
    return typeof parsed.lastModified === 'string' ? parseInOffset(parsed.lastModified, JST_OFFSET_MINUTES) : undefined;
  } catch {
    return undefined;
  }
}

function cursorValue(at: Date): string {
  return JSON.stringify({ lastModified: neDatetime(at) });
}


