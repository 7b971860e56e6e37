import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { CancelRequest } from '../connectors/site-ports';
import { Capability, CapabilityMissingError, ConnectionUnavailableError, SiteCalls } from '../connections/site-calls';
import { OrderChangeIntakeService } from './order-change-intake.service';
import { readExternalRefs } from './external-refs';
import { OrderTimeline } from './order-timeline';

interface Candidate {
  id: string;
  tenantId: string;
  connectionId: string;
  externalOrderId: string;
  refs: Record<string, unknown>;
  cancelRequest: Record<string, string> | null;
}

/**
 * Buyers' cancel requests that wait for the seller (11st after 발주확인, Qoo10 ClaimStat 1; DESIGN §5a). With the
 * connection's `autoCancelApproval`, an order Fulfillment found untouched by the warehouse (its fulfillment order
 * held before any waybill) is approved on the site; the approval and the site's answer go on the order's timeline,
 * and an approved request cancels the order as the site would. Without the option, or when the site refuses,
 * the order stays held and shown. `cancel_approval_state` 'pending' survives a crash: the tick sends it again.
 */
@Injectable()
export class OrderCancelApprovals {
  private readonly logger = new Logger(OrderCancelApprovals.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly siteCalls: SiteCalls,
    private readonly changes: OrderChangeIntakeService,
    private readonly timeline: OrderTimeline,
  ) {}

  /** Orders Fulfillment found approvable: those whose connection approves on its own are approved now. */
  async approve(orderIds: readonly string[]): Promise<number> {
    if (!orderIds.length) return 0;
    await this.db.query(
      `UPDATE orders o SET cancel_approval_state = 'pending', updated_at = now()
         FROM connections c
        WHERE o.id = ANY($1::uuid[]) AND c.id = o.connection_id AND c.deleted_at IS NULL
          AND (c.options ->> 'autoCancelApproval')::boolean IS TRUE
          AND o.site_state = 'cancel_requested' AND o.cancel_approval_state IS DISTINCT FROM 'approved'`,
      [[...orderIds]],
    );
    return this.approvePending(orderIds);
  }

  /** Every approval left pending (a crash, a site that failed), or only these orders'. */
  async approvePending(orderIds: readonly string[] | null = null): Promise<number> {
    const candidates: Candidate[] = await this.db.query(
      `SELECT id, tenant_id AS "tenantId", connection_id AS "connectionId", external_order_id AS "externalOrderId", refs,
              cancel_request AS "cancelRequest"
         FROM orders
        WHERE cancel_approval_state = 'pending' AND site_state = 'cancel_requested' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
        ORDER BY connection_id, id LIMIT 500`,
      [orderIds ? [...orderIds] : null],
    );
    const byConnection = new Map<string, Candidate[]>();
    for (const candidate of candidates)
      byConnection.set(candidate.connectionId, [...(byConnection.get(candidate.connectionId) ?? []), candidate]);
    let approved = 0;
    for (const [connectionId, orders] of byConnection) {
      try {
        approved += await this.approveOn(connectionId, orders);
      } catch (error) {
        this.logger.warn({ err: error, connectionId }, 'Cancel approvals could not be sent');
      }
    }
    return approved;
  }

  private async approveOn(connectionId: string, orders: Candidate[]): Promise<number> {
    const refs = await readExternalRefs(
      this.db,
      orders.map((order) => order.id),
    );
    const requests: Array<CancelRequest & { orderId: string; tenantId: string }> = orders.map((order) => ({
      ...refs.get(order.id)!,
      request: order.cancelRequest ?? {},
      orderId: order.id,
      tenantId: order.tenantId,
    }));
    let results;
    try {
      results = await this.siteCalls.runBulk(
        connectionId,
        Capability.CancelRequestHandler,
        requests,
        (request) => request.externalOrderId,
        (handler, ctx) => {
          return handler.approveCancel(
            ctx,
            requests.map(({ orderId: _orderId, tenantId: _tenantId, ...request }) => request),
          );
        },
      );
    } catch (error) {
      if (error instanceof ConnectionUnavailableError || error instanceof CapabilityMissingError) {
        // Nothing was sent: the orders stay held for the seller, and say why.
        await this.db.query(`UPDATE orders SET cancel_approval_state = 'failed', updated_at = now() WHERE id = ANY($1::uuid[])`, [
          orders.map((order) => order.id),
        ]);
        await this.timeline.recordSiteCalls(
          null,
          requests.map((request) => ({
            tenantId: request.tenantId,
            orderId: request.orderId,
            call: 'cancel_approval',
            ok: false,
            message: error.message,
          })),
        );
        return 0;
      }
      throw error;
    }
    await this.timeline.recordSiteCalls(
      null,
      requests.map((request, index) => ({
        tenantId: request.tenantId,
        orderId: request.orderId,
        call: 'cancel_approval' as const,
        ok: results[index].ok,
        siteCode: results[index].siteCode ?? null,
        message: results[index].message ?? null,
      })),
    );
    const refused = requests.filter((_request, index) => !results[index].ok && !results[index].retryable).map((request) => request.orderId);
    if (refused.length) {
      await this.db.query(`UPDATE orders SET cancel_approval_state = 'failed', updated_at = now() WHERE id = ANY($1::uuid[])`, [refused]);
    }
    const accepted = requests.filter((_request, index) => results[index].ok);
    if (!accepted.length) return 0;
    await this.db.query(`UPDATE orders SET cancel_approval_state = 'approved', updated_at = now() WHERE id = ANY($1::uuid[])`, [
      accepted.map((request) => request.orderId),
    ]);
    // What the approval did is read back from the site, never assumed: a request may cover some lines of the order
    // only (Qoo10 per orderNo, 11st per line), and the site's answer says which are cancelled now.
    await this.changes
      .recheckMany(
        connectionId,
        accepted.map((request) => request.orderId),
        'the cancel request was approved',
      )
      .catch((error: unknown) =>
        this.logger.warn({ err: error, connectionId }, 'Could not read approved cancels back; the next change pull will'),
      );
    return accepted.length;
  }
}
