import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Address, SiteId } from '../connectors/sales-site-connector';
import type { ConfirmationState } from './order.entity';
import type { OrderStatus } from './order-state';

/** The start of the hold reason of an order whose site status was not understood; a later readable status releases it. */
export const UNRECOGNIZED_STATUS_HOLD = 'Unrecognized site status';

export interface PreparedLine {
  externalLineId: string;
  position: number;
  productCode: string;
  optionCode: string | null;
  productName: string;
  optionName: string | null;
  quantity: number;
  unitPrice: string | null;
  listingKey: string;
  raw: Record<string, unknown> | null;
  /** resolved before writing, so a batch is written once instead of inserted and then updated */
  skuId: string | null;
  quantityPerUnit: number | null;
  resolution: 'mapping' | 'code' | null;
}

export interface PreparedOrder {
  externalOrderId: string;
  status: OrderStatus;
  /** set when the order arrives held (its site status was not understood) */
  holdReason: string | null;
  confirmationState: ConfirmationState;
  siteStatus: string;
  siteStatusName: string | null;
  orderedAt: Date;
  paidAt: Date | null;
  buyer: Address | null;
  recipient: Address | null;
  totalAmount: string | null;
  currency: string | null;
  refs: Record<string, unknown>;
  raw: unknown;
  contentHash: string;
  lines: PreparedLine[];
}

export function unmappedLineCount(order: PreparedOrder): number {
  return order.lines.filter((line) => line.skuId === null).length;
}

export interface BatchWriteResult {
  createdIds: string[];
  updatedIds: string[];
  unchanged: number;
  /** updated orders whose live lines or recipient changed: site changes Fulfillment must follow */
  siteChangedIds: string[];
}

interface Scope {
  tenantId: string;
  connectionId: string;
  site: SiteId;
}

// Rows per statement: one statement's arrays stay a few MB, so memory stays flat.
const ORDER_CHUNK = 500;
const LINE_CHUNK = 1000;

/**
 * The per-row columns of `orders`, each sent as one array parameter and spread by `unnest`: a statement
 * then has a constant text and one parameter per column instead of one per cell (over 10,000), which the
 * driver and PostgreSQL handle much faster (bench:intake: the lines' share of a first pull about halved).
 */
const ORDER_ARRAYS = [
  ['external_order_id', 'text'],
  ['status', 'text'],
  ['hold_reason', 'text'],
  ['confirmation_state', 'text'],
  ['site_status', 'text'],
  ['site_status_name', 'text'],
  ['ordered_at', 'timestamptz'],
  ['paid_at', 'timestamptz'],
  ['buyer', 'jsonb'],
  ['recipient', 'jsonb'],
  ['recipient_name', 'text'],
  ['total_amount', 'numeric'],
  ['currency', 'text'],
  ['refs', 'jsonb'],
  ['raw', 'jsonb'],
  ['content_hash', 'text'],
  ['line_count', 'integer'],
  ['unmapped_line_count', 'integer'],
] as const;

const LINE_ARRAYS = [
  ['order_id', 'uuid'],
  ['position', 'integer'],
  ['external_line_id', 'text'],
  ['product_code', 'text'],
  ['option_code', 'text'],
  ['product_name', 'text'],
  ['option_name', 'text'],
  ['quantity', 'integer'],
  ['unit_price', 'numeric'],
  ['listing_key', 'text'],
  ['raw', 'jsonb'],
  ['sku_id', 'uuid'],
  ['quantity_per_unit', 'integer'],
  ['resolution', 'text'],
] as const;

/** `unnest($first::type[], ...)` over the given columns, parameters numbered from `first`. */
function unnestOf(columns: readonly (readonly [string, string])[], first: number): string {
  return `unnest(${columns.map(([, type], index) => `$${first + index}::${type}[]`).join(', ')}) AS u(${columns.map(([name]) => name).join(', ')})`;
}

const INSERT_ORDERS = `INSERT INTO orders (tenant_id, connection_id, site, source, ${ORDER_ARRAYS.map(([name]) => name).join(', ')})
         SELECT $1::uuid, $2::uuid, $3::text, 'site', u.* FROM ${unnestOf(ORDER_ARRAYS, 4)}
         ON CONFLICT (connection_id, external_order_id) DO UPDATE SET
           site_status = EXCLUDED.site_status,
           site_status_name = EXCLUDED.site_status_name,
           ordered_at = EXCLUDED.ordered_at,
           paid_at = EXCLUDED.paid_at,
           buyer = EXCLUDED.buyer,
           recipient = EXCLUDED.recipient,
           recipient_name = EXCLUDED.recipient_name,
           total_amount = EXCLUDED.total_amount,
           currency = EXCLUDED.currency,
           refs = EXCLUDED.refs,
           raw = EXCLUDED.raw,
           content_hash = EXCLUDED.content_hash,
           line_count = EXCLUDED.line_count,
           unmapped_line_count = EXCLUDED.unmapped_line_count,
           -- confirmed on the site meanwhile (by hand, or by our own earlier call): follow it; a status we could not
           -- read before and can now releases the hold it caused
           status = CASE WHEN orders.status = 'new' AND EXCLUDED.status = 'confirmed' THEN 'confirmed'
                         WHEN orders.status = 'on_hold' AND orders.hold_reason LIKE '${UNRECOGNIZED_STATUS_HOLD}%' AND EXCLUDED.status <> 'on_hold'
                           THEN EXCLUDED.status
                         ELSE orders.status END,
           hold_reason = CASE WHEN orders.status = 'on_hold' AND orders.hold_reason LIKE '${UNRECOGNIZED_STATUS_HOLD}%'
                           THEN EXCLUDED.hold_reason ELSE orders.hold_reason END,
           confirmation_state = CASE
             WHEN orders.confirmation_state IN ('pending', 'failed') AND EXCLUDED.confirmation_state = 'not_needed' THEN 'confirmed'
             ELSE orders.confirmation_state END,
           updated_at = now()
         WHERE orders.source = 'site' AND orders.content_hash IS DISTINCT FROM EXCLUDED.content_hash
         RETURNING id, external_order_id, (xmax = 0) AS inserted`;

// The lines of an order created in this very statement cannot exist yet: a plain INSERT spares the
// speculative insertion ON CONFLICT costs per row, which on a first pull is most of the lines' write.
const INSERT_NEW_LINES = `INSERT INTO order_lines (tenant_id, ${LINE_ARRAYS.map(([name]) => name).join(', ')})
         SELECT $1::uuid, u.* FROM ${unnestOf(LINE_ARRAYS, 2)}`;

const UPSERT_LINES = `${INSERT_NEW_LINES}
         ON CONFLICT (order_id, external_line_id) DO UPDATE SET
           -- a site that lists a line with less than before has taken that much out already: what we had counted as
           -- cancelled absorbs it, so the live quantity is the site's (an NE split shrinks the row itself)
           cancelled_quantity = GREATEST(0, order_lines.cancelled_quantity - GREATEST(0, order_lines.quantity - EXCLUDED.quantity)),
           position = EXCLUDED.position,
           product_code = EXCLUDED.product_code,
           option_code = EXCLUDED.option_code,
           product_name = EXCLUDED.product_name,
           option_name = EXCLUDED.option_name,
           quantity = EXCLUDED.quantity,
           unit_price = EXCLUDED.unit_price,
           raw = EXCLUDED.raw,
           listing_key = EXCLUDED.listing_key,
           sku_id = EXCLUDED.sku_id,
           quantity_per_unit = EXCLUDED.quantity_per_unit,
           resolution = EXCLUDED.resolution`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes pulled orders in multi-row statements. An order whose content hash did not change is not
 * touched at all (no row version, no line writes); a manual order is never overwritten by a pull.
 */
@Injectable()
export class OrderWriter {
  /**
   * `missingLinesCancelled`: a line the site no longer lists for an order is cancelled there (false for sites whose
   * lists hide lines under a claim, `OrderSource.hidesLinesUnderClaim`: the line is then left as it is).
   */
  async writeBatch(
    manager: EntityManager,
    scope: Scope,
    orders: PreparedOrder[],
    options: { missingLinesCancelled?: boolean } = {},
  ): Promise<BatchWriteResult> {
    const result: BatchWriteResult = { createdIds: [], updatedIds: [], unchanged: 0, siteChangedIds: [] };
    const addressChanged: string[] = [];
    const changed = new Map<string, PreparedOrder>();
    for (const all of chunks(orders, ORDER_CHUNK)) {
      // A re-read mostly brings orders we already hold unchanged: comparing hashes first spares sending
      // and parsing their JSON only for the upsert's WHERE to drop them (which still guards the rest).
      const stored: { external_order_id: string; content_hash: string | null }[] = await manager.query(
        // One unique-index probe per id, whatever the statistics say mid-pull: as `= ANY(...)` or a plain join the
        // planner scanned the whole table for each chunk (90 ms a chunk at 100,000 orders). LIMIT 1 (the key is
        // unique) keeps the subquery from being flattened into such a join.
        `SELECT o.external_order_id, o.content_hash
           FROM unnest($2::text[]) AS k(external_order_id)
           CROSS JOIN LATERAL (
             SELECT external_order_id, content_hash FROM orders
              WHERE connection_id = $1 AND external_order_id = k.external_order_id
              LIMIT 1
           ) o`,
        [scope.connectionId, all.map((order) => order.externalOrderId)],
      );
      const storedHash = new Map(stored.map((row) => [row.external_order_id, row.content_hash]));
      const chunk = all.filter((order) => storedHash.get(order.externalOrderId) !== order.contentHash);
      result.unchanged += all.length - chunk.length;
      if (!chunk.length) continue;
      const previousRecipients = await this.recipientsOf(
        manager,
        scope.connectionId,
        chunk.filter((order) => storedHash.has(order.externalOrderId)),
      );
      const rows: { id: string; external_order_id: string; inserted: boolean }[] = await manager.query(INSERT_ORDERS, [
        scope.tenantId,
        scope.connectionId,
        scope.site,
        chunk.map((order) => order.externalOrderId),
        chunk.map((order) => order.status),
        chunk.map((order) => order.holdReason),
        chunk.map((order) => order.confirmationState),
        chunk.map((order) => order.siteStatus),
        chunk.map((order) => order.siteStatusName),
        chunk.map((order) => order.orderedAt),
        chunk.map((order) => order.paidAt),
        chunk.map((order) => (order.buyer ? JSON.stringify(order.buyer) : null)),
        chunk.map((order) => (order.recipient ? JSON.stringify(order.recipient) : null)),
        chunk.map((order) => order.recipient?.name ?? null),
        chunk.map((order) => order.totalAmount),
        chunk.map((order) => order.currency),
        chunk.map((order) => JSON.stringify(order.refs)),
        chunk.map((order) => (order.raw === undefined ? null : JSON.stringify(order.raw))),
        chunk.map((order) => order.contentHash),
        chunk.map((order) => order.lines.length),
        chunk.map((order) => unmappedLineCount(order)),
      ]);
      const byExternalId = new Map(chunk.map((order) => [order.externalOrderId, order]));
      for (const row of rows) {
        (row.inserted ? result.createdIds : result.updatedIds).push(row.id);
        changed.set(row.id, byExternalId.get(row.external_order_id)!);
      }
      result.unchanged += chunk.length - rows.length;
      addressChanged.push(...(await this.recordAddressChanges(manager, scope.tenantId, previousRecipients)));
    }
    if (changed.size) {
      const before = await this.liveQuantities(manager, result.updatedIds);
      await this.writeLines(manager, scope.tenantId, changed, new Set(result.updatedIds), options.missingLinesCancelled ?? true);
      result.siteChangedIds = await this.recordLineChanges(manager, scope.tenantId, before);
    }
    result.siteChangedIds = [...new Set([...result.siteChangedIds, ...addressChanged])];
    return result;
  }

  private async writeLines(
    manager: EntityManager,
    tenantId: string,
    orders: Map<string, PreparedOrder>,
    updatedIds: Set<string>,
    missingLinesCancelled: boolean,
  ): Promise<void> {
    const lines: (PreparedLine & { orderId: string })[] = [];
    for (const [orderId, order] of orders) for (const line of order.lines) lines.push({ ...line, orderId });
    const fresh = lines.filter((line) => !updatedIds.has(line.orderId));
    const kept = lines.filter((line) => updatedIds.has(line.orderId));
    for (const [statement, chunk] of [
      ...chunks(fresh, LINE_CHUNK).map((chunk) => [INSERT_NEW_LINES, chunk] as const),
      ...chunks(kept, LINE_CHUNK).map((chunk) => [UPSERT_LINES, chunk] as const),
    ]) {
      await manager.query(statement, [
        tenantId,
        chunk.map((line) => line.orderId),
        chunk.map((line) => line.position),
        chunk.map((line) => line.externalLineId),
        chunk.map((line) => line.productCode),
        chunk.map((line) => line.optionCode),
        chunk.map((line) => line.productName),
        chunk.map((line) => line.optionName),
        chunk.map((line) => line.quantity),
        chunk.map((line) => line.unitPrice),
        chunk.map((line) => line.listingKey),
        chunk.map((line) => (line.raw ? JSON.stringify(line.raw) : null)),
        chunk.map((line) => line.skuId),
        chunk.map((line) => line.quantityPerUnit),
        chunk.map((line) => line.resolution),
      ]);
    }
    // Lines the site no longer lists for an updated order are cancelled there (a new order has no old lines): kept,
    // since a fulfillment order may hold them, with nothing live.
    if (!updatedIds.size || !missingLinesCancelled) return;
    await manager.query(
      `UPDATE order_lines l SET cancelled_quantity = l.quantity
       WHERE l.order_id = ANY($1::uuid[]) AND l.cancelled_quantity < l.quantity
         AND (l.order_id, l.external_line_id) NOT IN (SELECT * FROM unnest($2::uuid[], $3::text[]))`,
      [[...updatedIds], kept.map((line) => line.orderId), kept.map((line) => line.externalLineId)],
    );
  }

  /** The stored recipients of orders about to be updated, by id. */
  private async recipientsOf(manager: EntityManager, connectionId: string, orders: PreparedOrder[]): Promise<Map<string, string | null>> {
    if (!orders.length) return new Map();
    const rows: { id: string; recipient: string | null }[] = await manager.query(
      `SELECT id, recipient::text AS recipient FROM orders WHERE connection_id = $1 AND external_order_id = ANY($2::text[]) AND source = 'site'`,
      [connectionId, orders.map((order) => order.externalOrderId)],
    );
    return new Map(rows.map((row) => [row.id, row.recipient]));
  }

  /**
   * A pull that re-lists an order under way with another recipient changed where it goes: recorded as the site's
   * `address_changed` for Fulfillment to follow, as the change intake would (which then finds it already true).
   */
  private async recordAddressChanges(manager: EntityManager, tenantId: string, previous: Map<string, string | null>): Promise<string[]> {
    if (!previous.size) return [];
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO order_events (tenant_id, order_id, source, kind, detail, follow_state)
       SELECT $1, o.id, 'site', 'address_changed',
              jsonb_build_object('recipient', o.recipient, 'previous', u.recipient::jsonb, 'reason', 'the site listed the order with another recipient'),
              'pending'
         FROM unnest($2::uuid[], $3::text[]) AS u(id, recipient) JOIN orders o ON o.id = u.id
        WHERE o.recipient IS DISTINCT FROM u.recipient::jsonb AND o.status IN ('shipping_instructed', 'on_hold')
       RETURNING order_id AS id`,
      [tenantId, [...previous.keys()], [...previous.values()]],
    );
    return rows.map((row) => row.id);
  }

  /** Each updated order's live quantity per line, to tell afterwards whether the pull changed what ships. */
  private async liveQuantities(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, string>> {
    if (!orderIds.length) return new Map();
    const rows: { order_id: string; live: string }[] = await manager.query(
      `SELECT order_id, string_agg(external_line_id || ':' || (quantity - cancelled_quantity), ',' ORDER BY external_line_id) AS live
         FROM order_lines WHERE order_id = ANY($1::uuid[]) GROUP BY order_id`,
      [[...orderIds]],
    );
    return new Map(rows.map((row) => [row.order_id, row.live]));
  }

  /**
   * A pull that re-lists an order with other lines or quantities changed what ships: that goes on the order's
   * timeline as a site change for Fulfillment to follow, as if the change intake had reported it.
   */
  private async recordLineChanges(manager: EntityManager, tenantId: string, before: Map<string, string>): Promise<string[]> {
    const after = await this.liveQuantities(manager, [...before.keys()]);
    const changed = [...before].filter(([orderId, live]) => after.get(orderId) !== live).map(([orderId]) => orderId);
    if (!changed.length) return [];
    await manager.query(
      `INSERT INTO order_events (tenant_id, order_id, source, kind, detail, follow_state)
       SELECT $1, u.order_id, 'site', 'lines_changed', jsonb_build_object('before', u.before, 'after', u.after, 'reason', 'the site listed the order with other lines'), 'pending'
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(order_id, before, after)`,
      [tenantId, changed, changed.map((id) => before.get(id) ?? ''), changed.map((id) => after.get(id) ?? '')],
    );
    return changed;
  }

  async saveCursor(manager: EntityManager, connectionId: string, kind: string, value: string): Promise<void> {
    await manager.query(
      `INSERT INTO sync_cursors (connection_id, kind, value, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (connection_id, kind) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [connectionId, kind, value],
    );
  }

  async loadCursor(manager: EntityManager, connectionId: string, kind: string): Promise<string | null> {
    const [row] = await manager.query(`SELECT value FROM sync_cursors WHERE connection_id = $1 AND kind = $2`, [connectionId, kind]);
    return row?.value ?? null;
  }
}
