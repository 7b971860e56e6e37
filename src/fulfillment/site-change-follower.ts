import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { EventBus } from '../events/event-bus';
import { StockReservations } from '../inventory/stock-reservations';
import { type LiveLine, type LockedOrder, OrderFulfillmentStates } from '../orders/order-fulfillment-states';
import type { OrderStatus } from '../orders/order-state';
import { OrderTimeline } from '../orders/order-timeline';
import { perSku, recordStep, stockReference } from './fulfillment-order-steps';
import type { FulfillmentStatus } from './fulfillment-state';
import { TrackingPushService } from './tracking-push.service';

/** A fulfillment order as following a site change needs it. */
interface LiveFulfillment {
  id: string;
  status: FulfillmentStatus;
  heldFrom: FulfillmentStatus | null;
  lines: Array<{ id: string; orderLineId: string; skuId: string; skuCode: string; orderedQuantity: number; quantity: number }>;
}

/** What happened while following, for the caller to act on after commit. */
export interface FollowOutcome {
  /** the connection's `autoCancelApproval` may approve this order's cancel request now */
  approveCancel: boolean;
  /** stock was released (a push may give it back to the sites) */
  released: boolean;
}

const BEFORE_WAYBILL: ReadonlySet<FulfillmentStatus> = new Set(['instructed']);

/**
 * Fulfillment follows what the site changed after intake (DESIGN §5a). Orders records the site's facts on the
 * order (cancelled, held, lines cancelled, address) and leaves an entry in `order_events` to follow; here, in one
 * transaction per order (the order locked first, then its fulfillment order, then stock — the lock order of every
 * fulfillment transaction), the order's status and its fulfillment order are brought in line with those facts:
 * - cancelled (or merged away) before the waybill: the fulfillment order is cancelled and its stock released
 *   through the ledger, the order cancelled; after the waybill or the shipment nothing is undone — the order is
 *   flagged `cancelled_after_instruction` and the warehouse told (an event);
 * - held (a hold, a buyer's cancel request): the order and its fulfillment order are held, and resume where they
 *   were when the site releases them;
 * - lines cancelled: the fulfillment order shrinks before the waybill (the difference released), is flagged after;
 *   lines added (a merge parent): before the waybill the instruction is redone with every line.
 * It works from the order's current facts, not from each event, so following twice changes nothing.
 */
@Injectable()
export class SiteChangeFollower {
  private readonly logger = new Logger(SiteChangeFollower.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly orders: OrderFulfillmentStates,
    private readonly timeline: OrderTimeline,
    private readonly stock: StockReservations,
    private readonly tracking: TrackingPushService,
    private readonly events: EventBus,
  ) {}

  /** Follows every order with site changes not followed yet; returns the orders whose cancel request may be approved. */
  async followPending(limit = 200): Promise<{ followed: number; approveCancel: string[]; released: boolean }> {
    const result = { followed: 0, approveCancel: [] as string[], released: false };
    const failed = new Set<string>();
    for (;;) {
      const due = (await this.timeline.ordersToFollow(limit + failed.size)).filter((order) => !failed.has(order.orderId));
      if (!due.length) return result;
      for (const { orderId, tenantId } of due) {
        try {
          const outcome = await this.follow(tenantId, orderId);
          result.followed += 1;
          if (outcome.approveCancel) result.approveCancel.push(orderId);
          result.released ||= outcome.released;
        } catch (error) {
          // Left pending: the next tick tries it again; never picked twice in one call.
          failed.add(orderId);
          this.logger.error({ err: error, orderId }, 'Could not follow a site change');
        }
      }
      if (due.length < limit) return result;
    }
  }

  async follow(tenantId: string, orderId: string): Promise<FollowOutcome> {
    const published: Array<() => void> = [];
    const outcome = await this.db.transaction(async (manager) => {
      const order = await this.orders.lock(manager, tenantId, orderId);
      if (!order) return { approveCancel: false, released: false };
      const pending = await this.timeline.pendingFollows(manager, orderId);
      if (!pending.length) return { approveCancel: false, released: false };
      const fulfillment = await this.lockFulfillment(manager, orderId);
      const result = await this.bringInLine(manager, order, fulfillment, pending, published);
      await this.timeline.markFollowed(
        manager,
        pending.map((event) => event.id),
      );
      return result;
    });
    for (const publish of published) publish();
    return outcome;
  }

  private async bringInLine(
    manager: EntityManager,
    order: LockedOrder,
    fulfillment: LiveFulfillment | null,
    pending: Array<{ kind: string }>,
    published: Array<() => void>,
  ): Promise<FollowOutcome> {
    const outcome: FollowOutcome = { approveCancel: false, released: false };
    if (order.siteState === 'cancelled' || order.siteState === 'merged') {
      outcome.released = await this.cancel(manager, order, fulfillment, published);
      return outcome;
    }
    const lines = await this.orders.liveLines(manager, order.id);
    if (fulfillment) {
      const lineOutcome = await this.followLines(manager, order, fulfillment, lines, published);
      outcome.released ||= lineOutcome.released;
      if (lineOutcome.cancelled) fulfillment = null;
    }
    if (fulfillment && pending.some((event) => event.kind === 'address_changed')) await this.followAddress(manager, order, fulfillment);

    if (order.siteState === 'on_hold' || order.siteState === 'cancel_requested') {
      await this.hold(manager, order, fulfillment);
      outcome.approveCancel =
        order.siteState === 'cancel_requested' &&
        order.cancelApprovalState !== 'approved' &&
        (!fulfillment || BEFORE_WAYBILL.has(fulfillment.heldFrom ?? fulfillment.status));
    } else if (order.statusBeforeHold !== null) {
      await this.release(manager, order, fulfillment);
    }
    return outcome;
  }

  /** The site cancelled the whole order (or merged it into another, whose fulfillment carries its lines). */
  private async cancel(
    manager: EntityManager,
    order: LockedOrder,
    fulfillment: LiveFulfillment | null,
    published: Array<() => void>,
  ): Promise<boolean> {
    if (fulfillment && !BEFORE_WAYBILL.has(fulfillment.heldFrom ?? fulfillment.status)) {
      await this.flagLateCancel(manager, order, fulfillment, 'the whole order', published);
      return false;
    }
    if (fulfillment)
      await this.cancelFulfillment(
        manager,
        fulfillment,
        order,
        `the site cancelled the order (${order.siteStateReason ?? order.siteState})`,
      );
    if (order.status !== 'cancelled' && order.status !== 'shipped') {
      await this.orders.moveTo(manager, order, 'cancelled', null);
    }
    return !!fulfillment;
  }

  /**
   * Shrinks the fulfillment order to the live lines before the waybill (or redoes the instruction when the site
   * added lines); after it, flags what can no longer be undone.
   */
  private async followLines(
    manager: EntityManager,
    order: LockedOrder,
    fulfillment: LiveFulfillment,
    lines: LiveLine[],
    published: Array<() => void>,
  ): Promise<{ released: boolean; cancelled: boolean }> {
    const live = new Map(lines.map((line) => [line.id, line]));
    const shrinks: Array<{ line: LiveFulfillment['lines'][number]; ordered: number; units: number }> = [];
    for (const line of fulfillment.lines) {
      const orderLine = live.get(line.orderLineId);
      const ordered = Math.min(line.orderedQuantity, orderLine?.liveQuantity ?? 0);
      if (ordered < line.orderedQuantity) {
        const units = line.orderedQuantity > 0 ? Math.round((line.quantity * ordered) / line.orderedQuantity) : 0;
        shrinks.push({ line, ordered, units });
      }
    }
    const covered = new Map(fulfillment.lines.map((line) => [line.orderLineId, line.orderedQuantity]));
    const grown = lines.some((line) => line.liveQuantity > (covered.get(line.id) ?? 0));
    const beforeWaybill = BEFORE_WAYBILL.has(fulfillment.heldFrom ?? fulfillment.status);

    if (!shrinks.length && !grown) return { released: false, cancelled: false };
    if (!beforeWaybill) {
      if (shrinks.length) await this.flagLateCancel(manager, order, fulfillment, 'some lines', published);
      if (grown) {
        await this.timeline.record(manager, {
          tenantId: order.tenantId,
          orderId: order.id,
          source: 'mallbridge',
          kind: 'lines_added_after_instruction',
          detail: { fulfillmentOrderId: fulfillment.id, fulfillmentStatus: fulfillment.status },
        });
      }
      return { released: false, cancelled: false };
    }
    if (grown) {
      // Lines joined the order (a merge): the warehouse gets one instruction with all of them, made anew.
      await this.cancelFulfillment(manager, fulfillment, order, 'the site added lines to the order; instructed again with all of them');
      await this.resumeAsConfirmed(manager, order);
      return { released: true, cancelled: true };
    }
    const remaining = fulfillment.lines.reduce((sum, line) => {
      const shrink = shrinks.find((candidate) => candidate.line.id === line.id);
      return sum + (shrink ? shrink.units : line.quantity);
    }, 0);
    if (remaining === 0) {
      await this.cancelFulfillment(manager, fulfillment, order, 'the site cancelled every line');
      if (order.status !== 'cancelled') await this.orders.moveTo(manager, order, 'cancelled', null);
      return { released: true, cancelled: true };
    }
    const release = new Map<string, number>();
    for (const { line, ordered, units } of shrinks) {
      release.set(line.skuId, (release.get(line.skuId) ?? 0) + (line.quantity - units));
      // A line the site cancelled whole leaves the fulfillment order: nothing of it is picked, labelled or shipped.
      if (ordered === 0 || units === 0) await manager.query(`DELETE FROM fulfillment_order_lines WHERE id = $1`, [line.id]);
      else
        await manager.query(`UPDATE fulfillment_order_lines SET ordered_quantity = $2, quantity = $3 WHERE id = $1`, [
          line.id,
          ordered,
          units,
        ]);
      line.orderedQuantity = ordered;
      line.quantity = units;
    }
    fulfillment.lines = fulfillment.lines.filter((line) => line.quantity > 0);
    await this.stock.release(manager, order.tenantId, release, stockReference(fulfillment.id));
    const detail = shrinks.map(({ line, ordered }) => `${line.skuCode} ${ordered === 0 ? 'removed' : `now ${ordered}`}`).join(', ');
    await recordStep(manager, fulfillment.id, {
      event: 'lines_cancelled',
      detail: `the site cancelled ${shrinks.length} line(s): ${detail}`,
    });
    return { released: true, cancelled: false };
  }

  private async followAddress(manager: EntityManager, order: LockedOrder, fulfillment: LiveFulfillment): Promise<void> {
    if (BEFORE_WAYBILL.has(fulfillment.heldFrom ?? fulfillment.status)) {
      const recipient = await this.orders.recipient(manager, order.id);
      await manager.query(`UPDATE fulfillment_orders SET recipient = $2::jsonb, updated_at = now() WHERE id = $1`, [
        fulfillment.id,
        recipient ? JSON.stringify(recipient) : null,
      ]);
      await recordStep(manager, fulfillment.id, { event: 'address_changed', detail: 'the site changed the delivery address' });
    } else {
      await this.timeline.record(manager, {
        tenantId: order.tenantId,
        orderId: order.id,
        source: 'mallbridge',
        kind: 'address_changed_after_waybill',
        detail: { fulfillmentOrderId: fulfillment.id, fulfillmentStatus: fulfillment.status },
      });
    }
  }

  private async hold(manager: EntityManager, order: LockedOrder, fulfillment: LiveFulfillment | null): Promise<void> {
    if (order.status === 'cancelled' || order.status === 'shipped') return;
    const reason = `Held by the site: ${order.siteState === 'cancel_requested' ? 'the buyer asked to cancel' : 'on hold'}${
      order.siteStateReason ? ` (${order.siteStateReason})` : ''
    }`;
    if (fulfillment && fulfillment.status !== 'on_hold') {
      await recordStep(manager, fulfillment.id, { event: 'on_hold', detail: reason }, { status: 'on_hold', heldFrom: fulfillment.status });
      fulfillment.heldFrom = fulfillment.status;
      fulfillment.status = 'on_hold';
    }
    if (order.statusBeforeHold === null || order.status !== 'on_hold' || order.holdReason !== reason) {
      await this.orders.holdForSite(manager, order, reason);
    }
  }

  private async release(manager: EntityManager, order: LockedOrder, fulfillment: LiveFulfillment | null): Promise<void> {
    if (order.status === 'cancelled' || order.status === 'shipped') return;
    if (fulfillment?.status === 'on_hold') {
      const resume = fulfillment.heldFrom ?? 'instructed';
      await recordStep(manager, fulfillment.id, { event: resume, detail: 'the site released its hold' }, { status: resume });
    }
    const before = order.statusBeforeHold;
    const resumeAs: OrderStatus = fulfillment ? 'shipping_instructed' : before === 'new' ? 'new' : 'confirmed';
    await this.orders.releaseSiteHold(manager, order, resumeAs);
  }

  private async flagLateCancel(
    manager: EntityManager,
    order: LockedOrder,
    fulfillment: LiveFulfillment,
    what: string,
    published: Array<() => void>,
  ): Promise<void> {
    const status = fulfillment.heldFrom ?? fulfillment.status;
    const first = await this.orders.markCancelledAfterInstruction(manager, order);
    await this.timeline.record(manager, {
      tenantId: order.tenantId,
      orderId: order.id,
      source: 'mallbridge',
      kind: 'cancelled_after_instruction',
      detail: { what, fulfillmentOrderId: fulfillment.id, fulfillmentStatus: status },
    });
    if (!first) return;
    await recordStep(manager, fulfillment.id, {
      event: 'cancelled_after_instruction',
      detail: `the site cancelled ${what} after the waybill; stop it if you still can`,
    });
    published.push(() =>
      this.events.publish('orders.cancelled-after-instruction', {
        tenantId: order.tenantId,
        orderId: order.id,
        connectionId: order.connectionId,
        externalOrderId: order.externalOrderId,
        fulfillmentOrderId: fulfillment.id,
        fulfillmentStatus: status,
      }),
    );
  }

  private async cancelFulfillment(manager: EntityManager, fulfillment: LiveFulfillment, order: LockedOrder, detail: string): Promise<void> {
    const release = perSku(fulfillment.lines);
    if (release.size) await this.stock.release(manager, order.tenantId, release, stockReference(fulfillment.id));
    await this.tracking.cancelUnsent(manager, order.id, fulfillment.id);
    await manager.query(`UPDATE fulfillment_orders SET cancelled_by = 'site', cancelled_at = now() WHERE id = $1`, [fulfillment.id]);
    await recordStep(manager, fulfillment.id, { event: 'cancelled', detail }, { status: 'cancelled' });
  }

  /** After the instruction was undone: the order waits to be instructed again (still held if the site holds it). */
  private async resumeAsConfirmed(manager: EntityManager, order: LockedOrder): Promise<void> {
    if (order.status === 'on_hold' && order.statusBeforeHold !== null) await this.orders.setStatusBeforeHold(manager, order, 'confirmed');
    else if (order.status === 'shipping_instructed') await this.orders.moveTo(manager, order, 'confirmed');
  }

  private async lockFulfillment(manager: EntityManager, orderId: string): Promise<LiveFulfillment | null> {
    const [row]: { id: string; status: FulfillmentStatus; held_from: FulfillmentStatus | null }[] = await manager.query(
      `SELECT id, status, held_from FROM fulfillment_orders WHERE order_id = $1 AND status <> 'cancelled' FOR UPDATE`,
      [orderId],
    );
    if (!row) return null;
    const lines: LiveFulfillment['lines'] = await manager.query(
      `SELECT id, order_line_id AS "orderLineId", sku_id AS "skuId", sku_code AS "skuCode", ordered_quantity AS "orderedQuantity", quantity
         FROM fulfillment_order_lines WHERE fulfillment_order_id = $1 ORDER BY position`,
      [row.id],
    );
    return { id: row.id, status: row.status, heldFrom: row.held_from, lines };
  }
}
