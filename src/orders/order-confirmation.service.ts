import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { ProblemException } from '../common/problem';
import { ConnectionContextFactory } from '../connections/connection-context.factory';
import { ConnectionsService } from '../connections/connections.service';
import { siteErrorToProblem } from '../connections/site-error.problem';
import { ConnectorRegistry } from '../connectors/connector-registry';
import { SiteAuthError, SiteError } from '../connectors/http/site-errors';
import type { ExternalOrderRef, ItemResult } from '../connectors/sales-site-connector';
import { OrderLine } from './order-line.entity';
import { Order } from './order.entity';
import { PullNotPossibleError } from './order-intake.service';

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
    private readonly connections: ConnectionsService,
    private readonly contexts: ConnectionContextFactory,
    private readonly connectors: ConnectorRegistry,
  ) {}

  /** Every order of the connection still waiting for confirmation on the site. */
  async confirmPending(connectionId: string): Promise<ConfirmOutcome> {
    const connection = await this.connections.findLive(connectionId);
    if (!connection || connection.status !== 'active') throw new PullNotPossibleError('The connection is not active.');
    const connector = this.connectors.get(connection.site);
    const outcome: ConfirmOutcome = { confirmed: 0, failed: 0, retryable: 0 };
    if (!connector.confirmOrders) return outcome;
    const context = this.contexts.create(connection);
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.orders
        .createQueryBuilder('o')
        .where(`o.connection_id = :connectionId AND o.status = 'new' AND o.confirmation_state IN ('pending', 'failed') AND o.id > :afterId`, {
          connectionId,
          afterId,
        })
        .orderBy('o.id')
        .limit(CONFIRM_BATCH)
        .getMany();
      if (!batch.length) return outcome;
      afterId = batch[batch.length - 1].id;
      let results: ItemResult[];
      try {
        results = await connector.confirmOrders(context, await this.refs(batch));
      } catch (error) {
        if (error instanceof SiteAuthError) {
          await this.connections.markAuthExpired(connectionId, error.siteMessage ?? error.message);
          throw new PullNotPossibleError(`The site refused the credentials: ${error.siteMessage ?? error.message}`);
        }
        throw error;
      }
      const byKey = new Map(results.map((result) => [result.key, result]));
      for (const order of batch) {
        const result = byKey.get(order.externalOrderId) ?? { key: order.externalOrderId, ok: false, message: 'The site did not report on this order.', retryable: true };
        await this.record(order.id, result);
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
    const connection = await this.connections.findLive(order.connectionId);
    const connector = connection ? this.connectors.get(connection.site) : null;
    if (!connection || !connector?.confirmOrders || order.confirmationState === 'not_needed') {
      await this.orders.update({ id: order.id }, { status: 'confirmed', confirmationState: order.confirmationState === 'not_needed' ? 'not_needed' : 'confirmed' });
      return;
    }
    let result: ItemResult;
    try {
      [result] = await connector.confirmOrders(this.contexts.create(connection), await this.refs([order]));
    } catch (error) {
      if (!(error instanceof SiteError)) throw error;
      if (error instanceof SiteAuthError) await this.connections.markAuthExpired(connection.id, error.siteMessage ?? error.message);
      await this.record(order.id, { key: order.externalOrderId, ok: false, siteCode: error.siteCode, message: error.siteMessage ?? error.message });
      throw siteErrorToProblem(error);
    }
    await this.record(order.id, result ?? { key: order.externalOrderId, ok: false, message: 'The site did not report on this order.' });
    if (!result?.ok) {
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'site-rejected', 'The site refused the confirmation', result?.message, {
        siteCode: result?.siteCode,
      });
    }
  }

  private async record(orderId: string, result: ItemResult): Promise<void> {
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
      lines: lines.filter((line) => line.orderId === order.id).map((line) => ({ externalLineId: line.externalLineId, raw: line.raw ?? undefined })),
    }));
  }
}
