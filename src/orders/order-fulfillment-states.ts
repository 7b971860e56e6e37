import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Address, ExternalOrderRef, SiteId } from '../connectors/sales-site-connector';
import { assertTransition, type OrderStatus } from './order-state';

/** A sales order locked for fulfillment, as fulfillment needs it. */
export interface LockedOrder {
  id: string;
  tenantId: string;
  connectionId: string;
  site: SiteId;
  externalOrderId: string;
  status: OrderStatus;
  holdReason: string | null;
  recipient: Address | null;
  unmappedLineCount: number;
}

/** An order line with the SKU it takes, as a fulfillment order copies it. */
export interface FulfillableLine {
  id: string;
  position: number;
  listingKey: string;
  productName: string;
  optionName: string | null;
  quantity: number;
  skuId: string | null;
  skuCode: string | null;
  quantityPerUnit: number | null;
}

/** Where the tracking-number push of an order stands, shown on the order. */
export type OrderTrackingPushState = 'pending' | 'sent' | 'failed' | 'cancelled';

/**
 * The sales-order rows Fulfillment reads and moves, always in the caller's transaction (its
 * `EntityManager`): a fulfillment order and its order's status must change together, which the Orders
 * module's one-transaction-per-call services cannot offer. Fulfillment locks the order here first, then
 * its own rows, then stock — the one lock order every fulfillment transaction follows. Every status change
 * still goes through Orders' own transition table. Exported by OrdersModule for Fulfillment only.
 */
@Injectable()
export class OrderFulfillmentStates {
  async lock(manager: EntityManager, tenantId: string, orderId: string): Promise<LockedOrder | null> {
    const rows: LockedOrder[] = await manager.query(
      `SELECT id, tenant_id AS "tenantId", connection_id AS "connectionId", site, external_order_id AS "externalOrderId", status,
              hold_reason AS "holdReason", recipient, unmapped_line_count AS "unmappedLineCount"
         FROM orders WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
      [orderId, tenantId],
    );
    return rows[0] ?? null;
  }

  /**
   * The next order that the connection's autoFulfillmentShippingInstruction should instruct: confirmed,
   * fully mapped, never instructed before (an order whose fulfillment was cancelled waits for the seller)
   * and not held by fulfillment. Locked, skipping orders other workers hold, so instances share the work.
   * The one query here that reads Fulfillment's tables (`fulfillment_orders`, `fulfillment_holds`), read-only:
   * the exclusion must be in the locking query itself, or SKIP LOCKED would hand out orders already taken.
   */
  async lockNextAutoEligible(manager: EntityManager, tenantId: string | null, skip: readonly string[]): Promise<LockedOrder | null> {
    const rows: { id: string; tenant_id: string }[] = await manager.query(
      `SELECT o.id, o.tenant_id FROM orders o JOIN connections c ON c.id = o.connection_id
        WHERE o.status = 'confirmed' AND o.unmapped_line_count = 0 AND o.line_count > 0
          AND c.deleted_at IS NULL AND (c.options ->> 'autoFulfillmentShippingInstruction')::boolean IS TRUE
          AND ($1::uuid IS NULL OR o.tenant_id = $1)
          AND NOT (o.id = ANY($2::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM fulfillment_orders f WHERE f.order_id = o.id)
          AND NOT EXISTS (SELECT 1 FROM fulfillment_holds h WHERE h.order_id = o.id)
        ORDER BY o.ordered_at, o.id
        LIMIT 1
        FOR UPDATE OF o SKIP LOCKED`,
      [tenantId, [...skip]],
    );
    return rows[0] ? this.lock(manager, rows[0].tenant_id, rows[0].id) : null;
  }

  async lines(manager: EntityManager, orderId: string): Promise<FulfillableLine[]> {
    return manager.query(
      `SELECT l.id, l.position, l.listing_key AS "listingKey", l.product_name AS "productName", l.option_name AS "optionName", l.quantity,
              l.sku_id AS "skuId", s.code AS "skuCode", l.quantity_per_unit AS "quantityPerUnit"
         FROM order_lines l LEFT JOIN skus s ON s.id = l.sku_id
        WHERE l.order_id = $1 ORDER BY l.position`,
      [orderId],
    );
  }

  /** Moves a locked order (Orders' transition table decides); a hold keeps its reason, anything else clears it. */
  async moveTo(manager: EntityManager, order: LockedOrder, to: OrderStatus, holdReason: string | null = null): Promise<void> {
    if (order.status !== to) assertTransition(order.status, to);
    await manager.query(`UPDATE orders SET status = $2, hold_reason = $3, updated_at = now() WHERE id = $1`, [order.id, to, holdReason]);
    order.status = to;
    order.holdReason = holdReason;
  }

  async setTrackingPush(
    manager: EntityManager,
    orderId: string,
    state: OrderTrackingPushState | null,
    error: string | null,
  ): Promise<void> {
    await manager.query(`UPDATE orders SET tracking_push_state = $2, tracking_push_error = $3, updated_at = now() WHERE id = $1`, [
      orderId,
      state,
      error,
    ]);
  }

  /** What the connector needs to find the order on the site. */
  async externalRef(manager: EntityManager, orderId: string): Promise<ExternalOrderRef> {
    const [order]: { external_order_id: string; refs: Record<string, unknown> }[] = await manager.query(
      `SELECT external_order_id, refs FROM orders WHERE id = $1`,
      [orderId],
    );
    const lines: { external_line_id: string; raw: Record<string, unknown> | null }[] = await manager.query(
      `SELECT external_line_id, raw FROM order_lines WHERE order_id = $1 ORDER BY position`,
      [orderId],
    );
    return {
      externalOrderId: order.external_order_id,
      refs: order.refs,
      lines: lines.map((line) => ({ externalLineId: line.external_line_id, raw: line.raw ?? undefined })),
    };
  }
}
