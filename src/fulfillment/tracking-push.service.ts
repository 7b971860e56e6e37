import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictProblem } from '../common/problem';
import { Capability, CapabilityMissingError, ConnectionUnavailableError, SiteCalls } from '../connections/site-calls';
import type { ItemResult, TrackingUpdate } from '../connectors/sales-site-connector';
import { backoffMs } from '../common/backoff';
import { returnedRows } from '../common/sql';
import { OrderFulfillmentStates } from '../orders/order-fulfillment-states';
import { OrderTimeline } from '../orders/order-timeline';
import type { TrackingPushState } from './fulfillment-order.entity';
import { FulfillmentTimings } from './fulfillment-timings';

interface ClaimedPush {
  id: string;
  tenant_id: string;
  fulfillment_order_id: string;
  order_id: string;
  connection_id: string;
  carrier: string;
  tracking_number: string;
  shipped_at: Date;
  attempts: number;
}

/** `message` on success: what the site said besides (e.g. 11st: the bundle already shipped under another order's invoice). */
type Outcome = { ok: true; message?: string } | { ok: false; retryable: boolean; message: string; siteCode?: string };

/**
 * The tracking-number outbox. A push is written in the transaction that issues the waybill or records
 * the scan, unique per (fulfillment order, tracking number), so the same waybill is never queued twice;
 * a worker claims due pushes (a lease, so a crashed worker's push comes back), sends them through the
 * connector, and records the outcome on the push, the fulfillment order and the order.
 */
@Injectable()
export class TrackingPushService {
  private readonly logger = new Logger(TrackingPushService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly orders: OrderFulfillmentStates,
    private readonly siteCalls: SiteCalls,
    private readonly timings: FulfillmentTimings,
    private readonly timeline: OrderTimeline,
  ) {}

  /** Queues the push for this waybill; a second call for the same number is a no-op. Returns whether it was new. */
  async enqueue(
    manager: EntityManager,
    push: {
      tenantId: string;
      fulfillmentOrderId: string;
      orderId: string;
      connectionId: string;
      carrier: string;
      trackingNumber: string;
      shippedAt: Date;
    },
  ): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO tracking_pushes (tenant_id, fulfillment_order_id, order_id, connection_id, carrier, tracking_number, shipped_at, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
       ON CONFLICT (fulfillment_order_id, tracking_number) DO NOTHING RETURNING id`,
      [push.tenantId, push.fulfillmentOrderId, push.orderId, push.connectionId, push.carrier, push.trackingNumber, push.shippedAt],
    );
    if (inserted.length) await this.showState(manager, push.orderId, push.fulfillmentOrderId, 'pending', null);
    return inserted.length > 0;
  }

  /** A cancelled fulfillment order's push that has not gone out yet never will. */
  async cancelUnsent(manager: EntityManager, orderId: string, fulfillmentOrderId: string): Promise<void> {
    const cancelled = returnedRows(
      await manager.query(
        `UPDATE tracking_pushes SET state = 'cancelled', updated_at = now()
        WHERE fulfillment_order_id = $1 AND state IN ('pending', 'failed') RETURNING id`,
        [fulfillmentOrderId],
      ),
    );
    if (cancelled.length) await this.showState(manager, orderId, fulfillmentOrderId, 'cancelled', null);
  }

  /** The seller's "try again" after a push failed for good. */
  async retry(tenantId: string, fulfillmentOrderId: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const rows: { id: string; state: TrackingPushState; order_id: string }[] = await manager.query(
        `SELECT p.id, p.state, p.order_id FROM tracking_pushes p JOIN fulfillment_orders f ON f.id = p.fulfillment_order_id
          WHERE p.fulfillment_order_id = $1 AND p.tenant_id = $2 AND p.tracking_number = f.tracking_number FOR UPDATE OF p`,
        [fulfillmentOrderId, tenantId],
      );
      const push = rows[0];
      if (!push) throw new ConflictProblem('no-tracking-push', 'This fulfillment order has no tracking number to push yet.');
      if (push.state !== 'failed') {
        throw new ConflictProblem('tracking-push-not-failed', `The tracking push is ${push.state}; only a failed push can be retried.`, {
          state: push.state,
        });
      }
      await this.orders.setTrackingPush(manager, push.order_id, 'pending', null);
      await manager.query(
        `UPDATE fulfillment_orders SET tracking_push_state = 'pending', tracking_push_error = NULL, updated_at = now() WHERE id = $1`,
        [fulfillmentOrderId],
      );
      await manager.query(
        `UPDATE tracking_pushes SET state = 'pending', attempts = 0, next_attempt_at = now(), seller_retry = true, updated_at = now() WHERE id = $1`,
        [push.id],
      );
    });
  }

  /** Sends every due push; returns how many were attempted. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = returnedRows<ClaimedPush>(
        await this.db.query(
          `UPDATE tracking_pushes SET next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1, updated_at = now()
          WHERE id IN (SELECT p.id FROM tracking_pushes p WHERE p.state = 'pending' AND p.next_attempt_at <= now()
                          -- while the site holds the order nothing goes out on its own: on Qoo10 a waybill number ends a
                          -- buyer's pending cancel request, which is the seller's call (a retry by hand), not a retry's
                          AND (p.seller_retry OR NOT EXISTS (SELECT 1 FROM fulfillment_orders f WHERE f.id = p.fulfillment_order_id AND f.status = 'on_hold'))
                        ORDER BY p.next_attempt_at LIMIT $1 FOR UPDATE OF p SKIP LOCKED)
          RETURNING id, tenant_id, fulfillment_order_id, order_id, connection_id, carrier, tracking_number, shipped_at, attempts`,
          [50, this.timings.leaseMs / 1000],
        ),
      );
      if (!claimed.length) return total;
      total += claimed.length;
      const byConnection = new Map<string, ClaimedPush[]>();
      for (const push of claimed) byConnection.set(push.connection_id, [...(byConnection.get(push.connection_id) ?? []), push]);
      for (const [connectionId, pushes] of byConnection) {
        const outcomes = await this.send(connectionId, pushes).catch((error: unknown): Outcome[] => {
          this.logger.error({ err: error, connectionId }, 'Tracking push failed');
          return pushes.map(() => ({ ok: false, retryable: true, message: error instanceof Error ? error.message : String(error) }));
        });
        for (const [index, push] of pushes.entries()) await this.record(push, outcomes[index]);
      }
    }
  }

  private async send(connectionId: string, pushes: ClaimedPush[]): Promise<Outcome[]> {
    const updates: TrackingUpdate[] = [];
    for (const push of pushes) {
      updates.push({
        ...(await this.orders.externalRef(this.db.manager, push.order_id)),
        carrier: push.carrier,
        trackingNumber: push.tracking_number,
        shippedAt: new Date(push.shipped_at),
      });
    }
    let results: ItemResult[];
    try {
      results = await this.siteCalls.runBulk(
        connectionId,
        Capability.TrackingSink,
        updates,
        (update) => update.externalOrderId,
        (sink, ctx) => sink.pushTracking(ctx, updates),
      );
    } catch (error) {
      if (error instanceof ConnectionUnavailableError) {
        const message = error.permanent
          ? 'The connection was deleted.'
          : `The connection is ${error.state}; the push waits until it is active again.`;
        return pushes.map(() => ({ ok: false, retryable: !error.permanent, message }));
      }
      if (error instanceof CapabilityMissingError)
        return pushes.map(() => ({ ok: false, retryable: false, message: `${error.site} takes no tracking numbers.` }));
      throw error;
    }
    return results.map(
      (result): Outcome =>
        result.ok
          ? { ok: true, ...(result.message ? { message: result.message } : {}) }
          : {
              ok: false,
              retryable: !!result.retryable,
              message: result.message ?? 'The site refused the tracking number.',
              siteCode: result.siteCode,
            },
    );
  }

  private async record(push: ClaimedPush, outcome: Outcome): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.timeline.recordSiteCalls(manager, [
        {
          tenantId: push.tenant_id,
          orderId: push.order_id,
          call: 'tracking',
          ok: outcome.ok,
          siteCode: outcome.ok ? null : (outcome.siteCode ?? null),
          message: outcome.message ?? null,
          detail: { carrier: push.carrier, trackingNumber: push.tracking_number },
        },
      ]);
      if (outcome.ok) {
        await this.showState(manager, push.order_id, push.fulfillment_order_id, 'sent', null, push.tracking_number);
        await manager.query(
          `UPDATE tracking_pushes SET state = 'sent', sent_at = now(), last_error = NULL, last_site_code = NULL, updated_at = now() WHERE id = $1`,
          [push.id],
        );
        return;
      }
      const message = [outcome.siteCode, outcome.message].filter(Boolean).join(': ').slice(0, 2000);
      const giveUp = !outcome.retryable || push.attempts >= this.timings.maxAttempts;
      const state: TrackingPushState = giveUp ? 'failed' : 'pending';
      await this.showState(manager, push.order_id, push.fulfillment_order_id, state, message, push.tracking_number);
      await manager.query(
        `UPDATE tracking_pushes SET state = $2, last_error = $3, last_site_code = $4, next_attempt_at = now() + make_interval(secs => $5), updated_at = now()
          WHERE id = $1 AND state = 'pending'`,
        [
          push.id,
          state,
          message,
          outcome.siteCode ?? null,
          backoffMs(push.attempts, this.timings.retryBaseMs, this.timings.retryMaxMs) / 1000,
        ],
      );
    });
  }

  /**
   * The push state as the seller sees it, on the order and the fulfillment order (orders first: the lock
   * order every fulfillment transaction follows). A push for a number the fulfillment order no longer
   * carries does not overwrite it.
   */
  private async showState(
    manager: EntityManager,
    orderId: string,
    fulfillmentOrderId: string,
    state: TrackingPushState,
    error: string | null,
    trackingNumber?: string,
  ): Promise<void> {
    const current: { tracking_number: string | null; status: string }[] = await manager.query(
      `SELECT tracking_number, status FROM fulfillment_orders WHERE id = $1`,
      [fulfillmentOrderId],
    );
    if (trackingNumber !== undefined && current[0]?.tracking_number !== trackingNumber) return;
    if (current[0]?.status === 'cancelled' && state !== 'cancelled') return;
    await this.orders.setTrackingPush(manager, orderId, state, error);
    await manager.query(
      `UPDATE fulfillment_orders SET tracking_push_state = $2, tracking_push_error = $3, updated_at = now() WHERE id = $1`,
      [fulfillmentOrderId, state, error],
    );
  }
}
