import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { type Page, paginate } from '../common/pagination';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '../common/problem';
import { StockReservations } from '../inventory/stock-reservations';
import { type FulfillableLine, type LockedOrder, OrderFulfillmentStates } from '../orders/order-fulfillment-states';
import { isUniqueViolation } from '../common/sql';
import { assertFulfillmentTransition, type FulfillmentStatus, ORDER_STATUS_FOR } from './fulfillment-state';
import { FulfillmentOrder, FulfillmentOrderLine } from './fulfillment-order.entity';
import type { InboundScanDto, IssueWaybillDto, ListFulfillmentOrdersQuery } from './fulfillment.dto';
import { generateTrackingNumber, shortageReason, shortages, stockNeeds, unmappedReason } from './quantities';
import { TrackingPush } from './tracking-push.entity';
import { perSku, recordStep, stockReference } from './fulfillment-order-steps';
import { TrackingPushService } from './tracking-push.service';

export type InstructionTrigger = 'auto' | 'manual';

export type InstructionOutcome = { result: 'instructed'; fulfillmentOrderId: string } | { result: 'held'; holdReason: string };

export interface FulfillmentOrderDetail {
  order: FulfillmentOrder;
  lines: FulfillmentOrderLine[];
  push: TrackingPush | null;
}

/**
 * Shipping instructions and the fulfillment order's life. Every change runs in one transaction that
 * locks the sales order first (through Orders' `OrderFulfillmentStates`), then the fulfillment order, then
 * stock levels in SKU order (through Inventory's `StockReservations`): the same order everywhere, so
 * concurrent requests queue up instead of deadlocking.
 */
@Injectable()
export class FulfillmentOrdersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(FulfillmentOrder) private readonly fulfillmentOrders: Repository<FulfillmentOrder>,
    @InjectRepository(FulfillmentOrderLine) private readonly lines: Repository<FulfillmentOrderLine>,
    @InjectRepository(TrackingPush) private readonly pushes: Repository<TrackingPush>,
    private readonly orders: OrderFulfillmentStates,
    private readonly stock: StockReservations,
    private readonly tracking: TrackingPushService,
  ) {}

  /** POST /v1/orders/{id}/fulfillment: reserve the order's stock and hand it to the warehouse, or hold it saying why. */
  async instruct(tenantId: string, orderId: string, trigger: InstructionTrigger = 'manual'): Promise<InstructionOutcome> {
    return this.db.transaction(async (manager) => {
      const order = await this.orders.lock(manager, tenantId, orderId);
      if (!order) throw new NotFoundProblem('Order');
      return this.instructLocked(manager, order, trigger);
    });
  }

  /**
   * Instructs the locked order: all its lines reserved at once, or none and the order held with the
   * reason (unmapped listing keys, or each short SKU with what it needs and what is available).
   */
  async instructLocked(manager: EntityManager, order: LockedOrder, trigger: InstructionTrigger): Promise<InstructionOutcome> {
    if (order.siteState !== 'open' || order.statusBeforeHold !== null) {
      throw new ConflictProblem(
        'order-held-by-site',
        `The site says the order is ${order.siteState.replace('_', ' ')}${order.siteStateReason ? ` (${order.siteStateReason})` : ''}; it cannot be instructed for shipping.`,
      );
    }
    if (order.status !== 'on_hold' && order.status !== 'confirmed') {
      throw new ConflictProblem('order-not-instructable', `An order in status "${order.status}" cannot be instructed for shipping.`, {
        from: order.status,
        to: 'shipping_instructed',
      });
    }
    const lines = await this.orders.lines(manager, order.id);
    if (!lines.length) throw new ConflictProblem('order-has-no-lines', 'The order has no lines to ship.');
    const unmapped = lines.filter((line) => !line.skuId);
    if (unmapped.length) return this.hold(manager, order, unmappedReason(unmapped.map((line) => line.listingKey)), trigger);

    const needs = stockNeeds(lines);
    const available = await this.stock.lockAvailable(manager, order.tenantId, [...needs.keys()]);
    const codes = new Map(lines.map((line) => [line.skuId!, line.skuCode ?? line.skuId!]));
    const short = shortages(needs, available, codes);
    if (short.length) return this.hold(manager, order, shortageReason(short), trigger);

    const fulfillmentOrderId = await this.insertFulfillmentOrder(manager, order, lines, trigger);
    await this.stock.reserve(manager, order.tenantId, needs, stockReference(fulfillmentOrderId));
    await this.orders.moveTo(manager, order, 'shipping_instructed');
    await manager.query(`DELETE FROM fulfillment_holds WHERE order_id = $1`, [order.id]);
    return { result: 'instructed', fulfillmentOrderId };
  }

  private async hold(manager: EntityManager, order: LockedOrder, reason: string, trigger: InstructionTrigger): Promise<InstructionOutcome> {
    await this.orders.moveTo(manager, order, 'on_hold', reason);
    await manager.query(
      `INSERT INTO fulfillment_holds (order_id, tenant_id, reason, trigger) VALUES ($1, $2, $3, $4)
       ON CONFLICT (order_id) DO UPDATE SET reason = EXCLUDED.reason, checked_at = now()`,
      [order.id, order.tenantId, reason, trigger],
    );
    return { result: 'held', holdReason: reason };
  }

  private async insertFulfillmentOrder(
    manager: EntityManager,
    order: LockedOrder,
    lines: FulfillableLine[],
    trigger: InstructionTrigger,
  ): Promise<string> {
    let inserted: { id: string }[];
    try {
      inserted = await manager.query(
        `INSERT INTO fulfillment_orders (tenant_id, order_id, connection_id, site, external_order_id, status, trigger, recipient, timeline)
         VALUES ($1, $2, $3, $4, $5, 'instructed', $6, $7::jsonb, jsonb_build_array(jsonb_build_object('at', now(), 'event', 'instructed', 'detail', $8::text)))
         RETURNING id`,
        [
          order.tenantId,
          order.id,
          order.connectionId,
          order.site,
          order.externalOrderId,
          trigger,
          order.recipient ? JSON.stringify(order.recipient) : null,
          `${trigger} shipping instruction`,
        ],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictProblem('already-instructed', 'The order already has a fulfillment order.');
      throw error;
    }
    const id = inserted[0].id;
    await manager.query(
      `INSERT INTO fulfillment_order_lines (tenant_id, fulfillment_order_id, order_line_id, position, sku_id, sku_code, product_name, option_name, ordered_quantity, quantity)
       SELECT $1, $2, l.id, l.position, l.sku_id, l.sku_code, l.product_name, l.option_name, l.quantity, l.units
         FROM unnest($3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[])
              AS l(id, position, sku_id, sku_code, product_name, option_name, quantity, units)`,
      [
        order.tenantId,
        id,
        lines.map((line) => line.id),
        lines.map((line) => line.position),
        lines.map((line) => line.skuId),
        lines.map((line) => line.skuCode ?? ''),
        lines.map((line) => line.productName),
        lines.map((line) => line.optionName),
        lines.map((line) => line.quantity),
        lines.map((line) => line.quantity * (line.quantityPerUnit ?? 1)),
      ],
    );
    return id;
  }

  /** Every order the connection's auto option should instruct, each in its own transaction. */
  async instructEligible(tenantId: string | null): Promise<{ instructed: number; held: number }> {
    const counts = { instructed: 0, held: 0 };
    const failed: string[] = [];
    for (;;) {
      let orderId: string | null = null;
      try {
        const outcome = await this.db.transaction(async (manager) => {
          const order = await this.orders.lockNextAutoEligible(manager, tenantId, failed);
          if (!order) return null;
          orderId = order.id;
          return this.instructLocked(manager, order, 'auto');
        });
        if (!outcome) return counts;
        counts[outcome.result] += 1;
      } catch (error) {
        // Never pick the same order again in this run; the next run tries it once more.
        if (!orderId) throw error;
        failed.push(orderId);
      }
    }
  }

  /** Held orders try again, oldest hold first, each once per call. */
  async recheckHeld(tenantId: string | null): Promise<{ released: number }> {
    const startedAt = new Date();
    let released = 0;
    for (;;) {
      let holdOrderId: string | null = null;
      const done = await this.db
        .transaction(async (manager) => {
          const [hold]: { order_id: string; tenant_id: string; trigger: InstructionTrigger }[] = await manager.query(
            `SELECT order_id, tenant_id, trigger FROM fulfillment_holds
            WHERE ($1::uuid IS NULL OR tenant_id = $1) AND checked_at < $2
            ORDER BY held_at, order_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [tenantId, startedAt],
          );
          if (!hold) return true;
          holdOrderId = hold.order_id;
          await manager.query(`UPDATE fulfillment_holds SET checked_at = now() WHERE order_id = $1`, [hold.order_id]);
          const order = await this.orders.lock(manager, hold.tenant_id, hold.order_id);
          if (order && order.statusBeforeHold !== null) return false; // the site holds it: its release decides
          if (!order || order.status !== 'on_hold') {
            // Someone moved the order on: it is no longer ours to release.
            await manager.query(`DELETE FROM fulfillment_holds WHERE order_id = $1`, [hold.order_id]);
            return false;
          }
          const outcome = await this.instructLocked(manager, order, hold.trigger);
          if (outcome.result === 'instructed') released += 1;
          return false;
        })
        .catch(async (error: unknown) => {
          if (!holdOrderId) throw error;
          // Rolled back with the failure: mark it checked on its own, or this loop would pick it forever.
          await this.db.query(`UPDATE fulfillment_holds SET checked_at = now() WHERE order_id = $1`, [holdOrderId]);
          return false;
        });
      if (done) return { released };
    }
  }

  async issueWaybill(tenantId: string, id: string, input: IssueWaybillDto): Promise<FulfillmentOrderDetail> {
    await this.transition(tenantId, id, 'waybill_issued', async (manager, fo) => {
      const trackingNumber = input.trackingNumber?.trim() || generateTrackingNumber();
      await this.setWaybill(manager, fo, input.carrier.trim(), trackingNumber, 'waybill_issued_at');
      return `${input.carrier.trim()} ${trackingNumber}${input.trackingNumber ? '' : ' (generated)'}`;
    });
    return this.get(tenantId, id);
  }

  /**
   * The labelled parcel arrived at the warehouse. Its barcode must be the issued waybill's number; with
   * no waybill issued here (label printed elsewhere), the scan brings the number and the carrier.
   */
  async inboundScan(tenantId: string, id: string, input: InboundScanDto): Promise<FulfillmentOrderDetail> {
    await this.transition(tenantId, id, 'received', async (manager, fo) => {
      const barcode = input.barcode.trim();
      if (fo.trackingNumber) {
        if (barcode !== fo.trackingNumber) {
          throw new ConflictProblem(
            'barcode-mismatch',
            `The scanned barcode ${barcode} is not this parcel's waybill ${fo.trackingNumber}.`,
          );
        }
        await manager.query(`UPDATE fulfillment_orders SET received_at = now() WHERE id = $1`, [fo.id]);
        return barcode;
      }
      if (!input.carrier?.trim()) {
        throw new ValidationProblem([
          { field: 'carrier', message: 'carrier is required when no waybill was issued for this fulfillment order' },
        ]);
      }
      await this.setWaybill(manager, fo, input.carrier.trim(), barcode, 'received_at');
      return `${input.carrier.trim()} ${barcode}`;
    });
    return this.get(tenantId, id);
  }

  async ship(tenantId: string, id: string): Promise<FulfillmentOrderDetail> {
    await this.transition(tenantId, id, 'shipped', async (manager, fo) => {
      const lines = await this.lines.find({ where: { fulfillmentOrderId: fo.id } });
      await this.stock.ship(manager, tenantId, perSku(lines), stockReference(fo.id), {
        orderId: fo.orderId,
        lines: lines.map((line) => ({ orderLineId: line.orderLineId, units: line.orderedQuantity })),
      });
      await manager.query(`UPDATE fulfillment_orders SET shipped_at = now() WHERE id = $1`, [fo.id]);
      return undefined;
    });
    return this.get(tenantId, id);
  }

  /** Releases the reservations and puts the sales order back to confirmed; an unsent tracking push is dropped. */
  async cancel(tenantId: string, id: string): Promise<FulfillmentOrderDetail> {
    await this.transition(tenantId, id, 'cancelled', async (manager, fo) => {
      const lines = await this.lines.find({ where: { fulfillmentOrderId: fo.id } });
      await this.stock.release(manager, tenantId, perSku(lines), stockReference(fo.id));
      await this.tracking.cancelUnsent(manager, fo.orderId, fo.id);
      await manager.query(`UPDATE fulfillment_orders SET cancelled_at = now(), cancelled_by = 'seller' WHERE id = $1`, [fo.id]);
      return undefined;
    });
    return this.get(tenantId, id);
  }

  list(tenantId: string, query: ListFulfillmentOrdersQuery): Promise<Page<FulfillmentOrder>> {
    const builder = this.fulfillmentOrders.createQueryBuilder('f').where('f.tenant_id = :tenantId', { tenantId });
    if (query.status) builder.andWhere('f.status = :status', { status: query.status });
    if (query.orderId) builder.andWhere('f.order_id = :orderId', { orderId: query.orderId });
    if (query.connectionId) builder.andWhere('f.connection_id = :connectionId', { connectionId: query.connectionId });
    return paginate(builder, query, { alias: 'f', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  async get(tenantId: string, id: string): Promise<FulfillmentOrderDetail> {
    const order = await this.fulfillmentOrders.findOne({ where: { id, tenantId } });
    if (!order) throw new NotFoundProblem('Fulfillment order');
    const lines = await this.lines.find({ where: { fulfillmentOrderId: id, tenantId }, order: { position: 'ASC' } });
    const push = order.trackingNumber
      ? await this.pushes.findOne({ where: { fulfillmentOrderId: id, trackingNumber: order.trackingNumber } })
      : null;
    return { order, lines, push };
  }

  /**
   * One transition: locks the sales order, then the fulfillment order; checks the transition; runs the
   * step; moves both statuses and notes it on the timeline.
   */
  private async transition(
    tenantId: string,
    id: string,
    to: FulfillmentStatus,
    step: (manager: EntityManager, fo: FulfillmentOrder) => Promise<string | undefined>,
  ): Promise<void> {
    const found = await this.fulfillmentOrders.findOne({ where: { id, tenantId }, select: { id: true, orderId: true } });
    if (!found) throw new NotFoundProblem('Fulfillment order');
    await this.db.transaction(async (manager) => {
      const order = await this.orders.lock(manager, tenantId, found.orderId);
      const fo = await manager.getRepository(FulfillmentOrder).findOne({ where: { id, tenantId }, lock: { mode: 'pessimistic_write' } });
      if (!order || !fo) throw new NotFoundProblem('Fulfillment order');
      assertFulfillmentTransition(fo.status, to);
      const detail = await step(manager, fo);
      await recordStep(manager, fo.id, { event: to, detail }, { status: to });
      // A sales order cancelled meanwhile stays cancelled; its fulfillment order can still be cancelled to free the stock.
      // One the site holds stays held, and returns to confirmed when the site releases it.
      if (to === 'cancelled' && order.status === 'cancelled') return;
      if (to === 'cancelled' && order.statusBeforeHold !== null) await this.orders.setStatusBeforeHold(manager, order, 'confirmed');
      else await this.orders.moveTo(manager, order, ORDER_STATUS_FOR[to]);
    });
  }

  /** Records the waybill and queues its push to the site, in the same transaction. */
  private async setWaybill(
    manager: EntityManager,
    fo: FulfillmentOrder,
    carrier: string,
    trackingNumber: string,
    stamp: 'waybill_issued_at' | 'received_at',
  ): Promise<void> {
    try {
      await manager.query(`UPDATE fulfillment_orders SET carrier = $2, tracking_number = $3, ${stamp} = now() WHERE id = $1`, [
        fo.id,
        carrier,
        trackingNumber,
      ]);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictProblem(
          'tracking-number-in-use',
          `${carrier} waybill ${trackingNumber} is already on another fulfillment order.`,
        );
      throw error;
    }
    await this.tracking.enqueue(manager, {
      tenantId: fo.tenantId,
      fulfillmentOrderId: fo.id,
      orderId: fo.orderId,
      connectionId: fo.connectionId,
      carrier,
      trackingNumber,
      shippedAt: new Date(),
    });
  }
}
