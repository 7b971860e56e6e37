import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { ProblemException } from '../common/problem';
import { siteErrorToProblem } from '../connections/site-error.problem';
import { Capability, CapabilityMissingError, ConnectionUnavailableError, SiteCalls, SiteError } from '../connections/site-calls';
import type { ExternalOrderRef, ItemResult } from '../connectors/sales-site-connector';
import { OrderLine } from './order-line.entity';
import { Order } from './order.entity';
import { PullNotPossibleError } from './order-intake.service';
import { OrderTimeline } from './order-timeline';

const CONFIRM_BATCH = 500;

export interface ConfirmOutcome {
  confirmed: number;
  failed: number;
  /** failures the site may accept later: the job is retried for them */
  retryable: number;
}

/** Confirms new orders on the site (Qoo10 2→3, 11st 202→301), recording each order's outcome. */
@Injectable()
export class OrderConfirmationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    @InjectRepository(OrderLine) private readonly lines: Repository<OrderLine>,
    private readonly siteCalls: SiteCalls,
    private readonly timeline: OrderTimeline,
  ) {}

  /** Every order of the connection still waiting for confirmation on the site. */
  async confirmPending(connectionId: string): Promise<ConfirmOutcome> {
    const outcome: ConfirmOutcome = { confirmed: 0, failed: 0, retryable: 0 };
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.orders
        .createQueryBuilder('o')
        .where(
          `o.connection_id = :connectionId AND o.status = 'new' AND o.confirmation_state IN ('pending', 'failed') AND o.site_state = 'open' AND o.id > :afterId`,
          {
            connectionId,
            afterId,
          },
        )
        .orderBy('o.id')
        .limit(CONFIRM_BATCH)
        .getMany();
      if (!batch.length) return outcome;
      afterId = batch[batch.length - 1].id;
      let results: ItemResult[];
      try {
        const refs = await this.refs(batch);
        results = await this.siteCalls.runBulk(
          connectionId,
          Capability.OrderConfirmer,
          refs,
          (ref) => ref.externalOrderId,
          (confirmer, ctx) => confirmer.confirmOrders(ctx, refs),
        );
      } catch (error) {
        if (error instanceof CapabilityMissingError) return outcome;
        // An expired or deleted connection is never called; the orders wait, unconfirmed, for the seller.
        if (error instanceof ConnectionUnavailableError) throw new PullNotPossibleError(error.message);
        throw error;
      }
      for (const [index, order] of batch.entries()) {
        const result = results[index];
        await this.record(order, result);
        if (result.ok) outcome.confirmed += 1;
        else {
          outcome.failed += 1;
          if (result.retryable) outcome.retryable += 1;
        }
      }
    }
  }

  /** Confirm one order now (the API's "confirm" button). */
  async confirmOne(order: Order): Promise<void> {
    const connection = await this.siteCalls.describe(order.connectionId);
    if (!connection || !this.siteCalls.capabilities(connection.site).confirm || order.confirmationState === 'not_needed') {
      await this.orders.update(
        { id: order.id },
        { status: 'confirmed', confirmationState: order.confirmationState === 'not_needed' ? 'not_needed' : 'confirmed' },
      );
      return;
    }
    let result: ItemResult | undefined;
    try {
      const refs = await this.refs([order]);
      [result] = await this.siteCalls.run(connection.id, Capability.OrderConfirmer, (confirmer, ctx) => confirmer.confirmOrders(ctx, refs));
    } catch (error) {
      if (error instanceof ConnectionUnavailableError) {
        throw new ProblemException(HttpStatus.CONFLICT, 'connection-unavailable', 'The connection cannot be called', error.message);
      }
      if (!(error instanceof SiteError)) throw error;
      await this.record(order, {
        key: order.externalOrderId,
        ok: false,
        siteCode: error.siteCode,
        message: error.siteMessage ?? error.message,
      });
      throw siteErrorToProblem(error);
    }
    await this.record(order, result ?? { key: order.externalOrderId, ok: false, message: 'The site did not report on this order.' });
    if (!result?.ok) {
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'site-rejected', 'The site refused the confirmation', result?.message, {
        siteCode: result?.siteCode,
      });
    }
  }

  private async record(order: Pick<Order, 'id' | 'tenantId'>, result: ItemResult): Promise<void> {
    const orderId = order.id;
    await this.timeline.recordSiteCalls(null, [
      { tenantId: order.tenantId, orderId, call: 'confirm', ok: result.ok, siteCode: result.siteCode ?? null, message: result.message ?? null },
    ]);
    if (result.ok) {
      await this.db.query(
        `UPDATE orders SET status = CASE WHEN status = 'new' THEN 'confirmed' ELSE status END, confirmation_state = 'confirmed',
           confirmation_error = NULL, confirmation_attempts = confirmation_attempts + 1, updated_at = now() WHERE id = $1`,
        [orderId],
      );
    } else {
      const message = [result.siteCode, result.message].filter(Boolean).join(': ') || 'The site refused the confirmation.';
      await this.db.query(
        `UPDATE orders SET confirmation_state = 'failed', confirmation_error = $2, confirmation_attempts = confirmation_attempts + 1, updated_at = now()
         WHERE id = $1`,
        [orderId, message.slice(0, 2000)],
      );
    }
  }

  private async refs(orders: Order[]): Promise<ExternalOrderRef[]> {
    const lines = await this.lines
      .createQueryBuilder('l')
      .where('l.order_id IN (:...ids)', { ids: orders.map((order) => order.id) })
      .orderBy('l.position')
      .getMany();
    return orders.map((order) => ({
      externalOrderId: order.externalOrderId,
      refs: order.refs,
      lines: lines
        .filter((line) => line.orderId === order.id)
        .map((line) => ({ externalLineId: line.externalLineId, raw: line.raw ?? undefined })),
    }));
  }
}
