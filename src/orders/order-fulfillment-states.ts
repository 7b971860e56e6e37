import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Address, ExternalOrderRef, SiteId } from '../connectors/sales-site-connector';
import type { CancelApprovalState, SiteState } from './order.entity';
import { readExternalRefs } from './external-refs';
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
  /** what the site says of the order after intake (DESIGN §5a) */
  siteState: SiteState;
  siteStateReason: string | null;
  /** set while a site hold is in force: the status it interrupted */
  statusBeforeHold: OrderStatus | null;
  cancelApprovalState: CancelApprovalState | null;
  cancelledAfterInstructionAt: Date | null;
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

/** An order line as the site lists it now: what is still live to ship. */
export interface LiveLine {
  id: string;
  externalLineId: string;
  skuId: string | null;
  quantityPerUnit: number | null;
  /** units sold still live on the site (sold − cancelled there) */
  liveQuantity: number;
}

/** Where the tracking-number push of an order stands, shown on the order. */
export const ORDER_TRACKING_PUSH_STATES = ['pending', 'sent', 'failed', 'cancelled'] as const;
export type OrderTrackingPushState = (typeof ORDER_TRACKING_PUSH_STATES)[number];

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
              hold_reason AS "holdReason", recipient, unmapped_line_count AS "unmappedLineCount",
              site_state AS "siteState", site_state_reason AS "siteStateReason", status_before_hold AS "statusBeforeHold",
              cancel_approval_state AS "cancelApprovalState", cancelled_after_instruction_at AS "cancelledAfterInstructionAt"
         FROM orders WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
      [orderId, tenantId],
    );
    return rows[0] ?? null;
  }

  /**
   * The next order that the connection's autoFulfillmentShippingInstruction should instruct: confirmed,
   * fully mapped, never instructed before (an order whose fulfillment the seller cancelled waits for the seller)
   * and not held by fulfillment. Locked, skipping orders other workers hold, so instances share the work.
   * The one query here that reads Fulfillment's tables (`fulfillment_orders`, `fulfillment_holds`), read-only:
   * the exclusion must be in the locking query itself, or SKIP LOCKED would hand out orders already taken.
   */
  async lockNextAutoEligible(manager: EntityManager, tenantId: string | null, skip: readonly string[]): Promise<LockedOrder | null> {
    const rows: { id: string; tenant_id: string }[] = await manager.query(
      `SELECT o.id, o.tenant_id FROM orders o JOIN connections c ON c.id = o.connection_id
        WHERE o.status = 'confirmed' AND o.unmapped_line_count = 0 AND o.line_count > 0 AND o.site_state = 'open'
          AND c.deleted_at IS NULL AND (c.options ->> 'autoFulfillmentShippingInstruction')::boolean IS TRUE
          AND ($1::uuid IS NULL OR o.tenant_id = $1)
          AND NOT (o.id = ANY($2::uuid[]))
          -- an order whose instruction the site's change undid (lines added) is instructed anew; one the seller
          -- cancelled by hand waits for the seller
          AND NOT EXISTS (SELECT 1 FROM fulfillment_orders f WHERE f.order_id = o.id AND f.cancelled_by IS DISTINCT FROM 'site')
          AND NOT EXISTS (SELECT 1 FROM fulfillment_holds h WHERE h.order_id = o.id)
        ORDER BY o.ordered_at, o.id
        LIMIT 1
        FOR UPDATE OF o SKIP LOCKED`,
      [tenantId, [...skip]],
    );
    return rows[0] ? this.lock(manager, rows[0].tenant_id, rows[0].id) : null;
  }

  /** The lines to ship: each with its live quantity (what the site has not cancelled); wholly cancelled lines are left out. */
  async lines(manager: EntityManager, orderId: string): Promise<FulfillableLine[]> {
    return manager.query(
      `SELECT l.id, l.position, l.listing_key AS "listingKey", l.product_name AS "productName", l.option_name AS "optionName",
              l.quantity - l.cancelled_quantity AS quantity,
              l.sku_id AS "skuId", s.code AS "skuCode", l.quantity_per_unit AS "quantityPerUnit"
         FROM order_lines l LEFT JOIN skus s ON s.id = l.sku_id
        WHERE l.order_id = $1 AND l.quantity > l.cancelled_quantity ORDER BY l.position`,
      [orderId],
    );
  }

  /** Every line with its live quantity, cancelled ones included (at 0). */
  async liveLines(manager: EntityManager, orderId: string): Promise<LiveLine[]> {
    return manager.query(
      `SELECT id, external_line_id AS "externalLineId", sku_id AS "skuId", quantity_per_unit AS "quantityPerUnit",
              quantity - cancelled_quantity AS "liveQuantity"
         FROM order_lines WHERE order_id = $1 ORDER BY position`,
      [orderId],
    );
  }

  /** The site holds the order: remember what it interrupted, and hold it with the site's reason. */
  async holdForSite(manager: EntityManager, order: LockedOrder, reason: string): Promise<void> {
    if (order.statusBeforeHold === null) {
      await manager.query(`UPDATE orders SET status_before_hold = $2 WHERE id = $1`, [order.id, order.status]);
      order.statusBeforeHold = order.status;
    }
    await this.moveTo(manager, order, 'on_hold', reason);
  }

  /**
   * The site released its hold: back to what it interrupted. An order held for stock or mappings before goes back
   * to `confirmed`, for the shipping instruction to try it again.
   */
  async releaseSiteHold(manager: EntityManager, order: LockedOrder, resumeAs: OrderStatus): Promise<void> {
    await manager.query(`UPDATE orders SET status_before_hold = NULL, cancel_approval_state = NULL WHERE id = $1`, [order.id]);
    order.statusBeforeHold = null;
    order.cancelApprovalState = null;
    await this.moveTo(manager, order, resumeAs);
  }

  /** What the order returns to when the site hold ends (a fulfillment order cancelled meanwhile: `confirmed`). */
  async setStatusBeforeHold(manager: EntityManager, order: LockedOrder, status: OrderStatus): Promise<void> {
    await manager.query(`UPDATE orders SET status_before_hold = $2 WHERE id = $1`, [order.id, status]);
    order.statusBeforeHold = status;
  }

  /** The site cancelled after the warehouse had the waybill or shipped: flagged once, for the seller and the warehouse. */
  async markCancelledAfterInstruction(manager: EntityManager, order: LockedOrder): Promise<boolean> {
    if (order.cancelledAfterInstructionAt) return false;
    const [row]: { at: Date }[] = await manager.query(
      `UPDATE orders SET cancelled_after_instruction_at = now(), updated_at = now() WHERE id = $1 RETURNING cancelled_after_instruction_at AS at`,
      [order.id],
    );
    order.cancelledAfterInstructionAt = row.at;
    return true;
  }

  async setCancelApproval(manager: EntityManager, order: LockedOrder, state: CancelApprovalState | null): Promise<void> {
    await manager.query(`UPDATE orders SET cancel_approval_state = $2, updated_at = now() WHERE id = $1`, [order.id, state]);
    order.cancelApprovalState = state;
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

  /** The recipient as the site now says (an address change after intake). */
  async recipient(manager: EntityManager, orderId: string): Promise<Address | null> {
    const [row]: { recipient: Address | null }[] = await manager.query(`SELECT recipient FROM orders WHERE id = $1`, [orderId]);
    return row?.recipient ?? null;
  }

  /** What the connector needs to find the order on the site. */
  async externalRef(manager: EntityManager, orderId: string): Promise<ExternalOrderRef> {
    return (await readExternalRefs(manager, [orderId])).get(orderId)!;
  }
}
