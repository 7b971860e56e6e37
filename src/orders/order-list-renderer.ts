import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DEFAULT_ORDER_LIST_CACHE_MB } from '../config/config.loader';

/**
 * The orders list's items as JSON text: `toOrderDto(order)` without lines, rendered once per row version.
 *
 * `GET /v1/orders` is the API's hottest route (a console polls it), and at 50 orders a page nearly all of its
 * cost was reading and writing the same orders again: pg decoding three jsonb documents and four timestamps
 * per row, mapping to DTOs, JSON.stringify. The list query now reads only each row's id and version
 * (PostgreSQL's `xmin`, new with every UPDATE of the row), and an order is read and rendered again only when
 * its version is not the one cached. The key is exact, so the cache can be stale only in what it holds, never
 * in what it serves. Rendering in SQL (`row_to_json`) was measured too: it moved the cost into PostgreSQL.
 * The e2e tests compare every list item with `GET /v1/orders/{id}`.
 */
@Injectable()
export class OrderListRenderer {
  /** Bounded by size (`ORDER_LIST_CACHE_MB`): about 1 KB an order, so some 30,000 orders in the default 32 MB. */
  private readonly cache: LRUCache<string, RenderedOrder> | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    config: AppConfig,
  ) {
    const megabytes = config.orderListCacheMb ?? DEFAULT_ORDER_LIST_CACHE_MB;
    this.cache =
      megabytes > 0 ? new LRUCache({ maxSize: megabytes * 1024 * 1024, sizeCalculation: (entry) => 2 * entry.json.length + 100 }) : null;
  }

  /**
   * The JSON of each order, in the given order; an order deleted since it was found is left out.
   * Rows of other tenants are never read.
   */
  async render(tenantId: string, orders: OrderVersion[]): Promise<{ id: string; json: string }[]> {
    const rendered = new Map<string, string>();
    for (const order of orders) {
      const cached = this.cache?.get(order.id);
      if (cached?.version === order.version) rendered.set(order.id, cached.json);
    }
    const stale = orders.filter((order) => !rendered.has(order.id)).map((order) => order.id);
    if (stale.length > 0) {
      const rows = await this.db.query<OrderListRow[]>(
        `SELECT ${ORDER_LIST_COLUMNS} FROM orders o WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[])`,
        [tenantId, stale],
      );
      for (const row of rows) {
        const json = renderOrder(row);
        rendered.set(row.id, json);
        this.cache?.set(row.id, { version: row.version, json });
      }
    }
    return orders.flatMap((order) => {
      const json = rendered.get(order.id);
      return json === undefined ? [] : [{ id: order.id, json }];
    });
  }
}

export interface OrderVersion {
  id: string;
  /** `xmin` as text */
  version: string;
}

interface RenderedOrder {
  version: string;
  json: string;
}

/** Times as UTC text (`timestamp::text`): cheaper for PostgreSQL to write and for us to read than a Date. */
const utc = (column: string) => `(o.${column} AT TIME ZONE 'UTC')::text AS ${column}`;

const ORDER_LIST_COLUMNS =
  'o.id, o.xmin::text AS version, o.connection_id, o.site, o.external_order_id, o.source, o.status, o.hold_reason, ' +
  `o.site_status, o.site_status_name, ${utc('ordered_at')}, ${utc('paid_at')}, o.buyer::text AS buyer, o.recipient::text AS recipient, ` +
  'o.total_amount, o.currency, o.line_count, o.unmapped_line_count, o.confirmation_state, o.confirmation_error, ' +
  `o.confirmation_attempts, o.site_state, o.site_state_reason, o.merged_into, ${utc('cancelled_after_instruction_at')}, ` +
  `o.cancel_approval_state, o.refs::text AS refs, ${utc('created_at')}, ${utc('updated_at')}`;

interface OrderListRow {
  id: string;
  version: string;
  connection_id: string;
  site: string;
  external_order_id: string;
  source: string;
  status: string;
  hold_reason: string | null;
  site_status: string;
  site_status_name: string | null;
  /** UTC text, e.g. `2026-11-23 02:54:55.35` */
  ordered_at: string;
  paid_at: string | null;
  /** jsonb as text, valid JSON as it is */
  buyer: string | null;
  recipient: string | null;
  total_amount: string | null;
  currency: string | null;
  line_count: number;
  unmapped_line_count: number;
  confirmation_state: string;
  confirmation_error: string | null;
  confirmation_attempts: number;
  site_state: string;
  site_state_reason: string | null;
  merged_into: string | null;
  cancelled_after_instruction_at: string | null;
  cancel_approval_state: string | null;
  refs: string;
  created_at: string;
  updated_at: string;
}

const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
const json = (value: string | null) => value ?? 'null';

/** `2026-11-23 02:54:55.35` → `"2026-11-23T02:54:55.350Z"`, as `Date#toJSON` writes it. Columns hold milliseconds. */
function time(utcText: string | null): string {
  if (utcText === null) return 'null';
  const fraction = utcText.length > 19 ? utcText.slice(19).padEnd(4, '0') : '.000';
  return `"${utcText.slice(0, 10)}T${utcText.slice(11, 19)}${fraction}Z"`;
}

/** The keys and order of `toOrderDto`. */
function renderOrder(row: OrderListRow): string {
  const total = row.total_amount === null ? 'null' : `{"amount":${text(row.total_amount)},"currency":${text(row.currency)}}`;
  return (
    `{"id":${text(row.id)},"connectionId":${text(row.connection_id)},"site":${text(row.site)},` +
    `"externalOrderId":${text(row.external_order_id)},"source":${text(row.source)},"status":${text(row.status)},` +
    `"holdReason":${text(row.hold_reason)},"siteStatus":${text(row.site_status)},"siteStatusName":${text(row.site_status_name)},` +
    `"orderedAt":${time(row.ordered_at)},"paidAt":${time(row.paid_at)},"buyer":${json(row.buyer)},"recipient":${json(row.recipient)},` +
    `"total":${total},"lineCount":${row.line_count},"unmappedLineCount":${row.unmapped_line_count},` +
    `"confirmation":{"state":${text(row.confirmation_state)},"error":${text(row.confirmation_error)},"attempts":${row.confirmation_attempts}},` +
    `"siteChange":{"state":${text(row.site_state)},"reason":${text(row.site_state_reason)},"mergedInto":${text(row.merged_into)},` +
    `"cancelledAfterInstructionAt":${time(row.cancelled_after_instruction_at)},"cancelApproval":${text(row.cancel_approval_state)}},` +
    `"refs":${json(row.refs)},"createdAt":${time(row.created_at)},"updatedAt":${time(row.updated_at)}}`
  );
}
