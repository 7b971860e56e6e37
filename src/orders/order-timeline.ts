import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { type Page, type PageQuery, paginate } from '../common/pagination';
import { NotFoundProblem } from '../common/problem';
import { OrderEvent, type OrderEventSource } from './order-event.entity';

/** The calls Mallbridge makes to a site for one order, as the timeline names them. */
export type OrderSiteCall = 'confirm' | 'tracking' | 'cancel_approval' | 'recheck';

export interface SiteCallRecord {
  tenantId: string;
  orderId: string;
  call: OrderSiteCall;
  ok: boolean;
  siteCode?: string | null;
  message?: string | null;
  detail?: Record<string, unknown>;
}

export interface OrderEventInput {
  tenantId: string;
  orderId: string;
  source: OrderEventSource;
  kind: string;
  detail: Record<string, unknown>;
  dedupeKey?: string | null;
  /** a site change Fulfillment must follow */
  follow?: boolean;
  occurredAt?: Date | null;
}

type Executor = Pick<EntityManager, 'query'> | Pick<DataSource, 'query'>;

/**
 * The per-order timeline (`order_events`, owned by Orders): site changes, our status changes and the calls made
 * to the site for the order. Site changes waiting to be followed by Fulfillment are read and closed here too.
 */
@Injectable()
export class OrderTimeline {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(OrderEvent) private readonly events: Repository<OrderEvent>,
  ) {}

  /** Writes an entry; false when its dedupe key was recorded before (the change was already applied). */
  async record(executor: Executor, event: OrderEventInput): Promise<boolean> {
    const rows: unknown[] = await executor.query(
      `INSERT INTO order_events (tenant_id, order_id, source, kind, detail, dedupe_key, follow_state, occurred_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
       ON CONFLICT (order_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        event.tenantId,
        event.orderId,
        event.source,
        event.kind,
        JSON.stringify(event.detail),
        event.dedupeKey ?? null,
        event.follow ? 'pending' : null,
        event.occurredAt ?? null,
      ],
    );
    return rows.length > 0;
  }

  /** The calls made for these orders and what the site answered, one entry each. */
  async recordSiteCalls(executor: Executor | null, records: readonly SiteCallRecord[]): Promise<void> {
    if (!records.length) return;
    await (executor ?? this.db).query(
      `INSERT INTO order_events (tenant_id, order_id, source, kind, detail)
       SELECT u.tenant_id, u.order_id, 'site_call', u.kind, u.detail
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[]) AS u(tenant_id, order_id, kind, detail)`,
      [
        records.map((record) => record.tenantId),
        records.map((record) => record.orderId),
        records.map((record) => record.call),
        records.map((record) =>
          JSON.stringify({
            ok: record.ok,
            ...(record.siteCode ? { siteCode: record.siteCode } : {}),
            ...(record.message ? { message: record.message } : {}),
            ...(record.detail ?? {}),
          }),
        ),
      ],
    );
  }

  /** Newest first. */
  async list(tenantId: string, orderId: string, query: PageQuery): Promise<Page<OrderEvent>> {
    const [order] = await this.db.query(`SELECT 1 FROM orders WHERE id = $1 AND tenant_id = $2`, [orderId, tenantId]);
    if (!order) throw new NotFoundProblem('Order');
    const builder = this.events.createQueryBuilder('e').where('e.tenant_id = :tenantId AND e.order_id = :orderId', { tenantId, orderId });
    return paginate(builder, query, { alias: 'e', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  /** Orders with site changes Fulfillment has not followed yet, oldest first. */
  async ordersToFollow(limit: number): Promise<Array<{ orderId: string; tenantId: string }>> {
    return this.db.query(
      `SELECT order_id AS "orderId", tenant_id AS "tenantId" FROM order_events WHERE follow_state = 'pending'
        GROUP BY order_id, tenant_id ORDER BY min(created_at) LIMIT $1`,
      [limit],
    );
  }

  /** The order's site changes not followed yet, oldest first (the caller holds the order's lock). */
  async pendingFollows(
    manager: EntityManager,
    orderId: string,
  ): Promise<Array<{ id: string; kind: string; detail: Record<string, unknown> }>> {
    return manager.query(
      `SELECT id, kind, detail FROM order_events WHERE order_id = $1 AND follow_state = 'pending' ORDER BY created_at, id`,
      [orderId],
    );
  }

  async markFollowed(manager: EntityManager, eventIds: readonly string[]): Promise<void> {
    if (!eventIds.length) return;
    await manager.query(`UPDATE order_events SET follow_state = 'done' WHERE id = ANY($1::uuid[])`, [[...eventIds]]);
  }
}
