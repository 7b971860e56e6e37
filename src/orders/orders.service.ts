import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { type DataSource, Repository } from 'typeorm';
import { paginateSql } from '../common/pagination';
import { ConflictProblem, NotFoundProblem } from '../common/problem';
import { ConnectionsService } from '../connections/connections.service';
import { LineResolutionService } from './line-resolution.service';
import { OrderConfirmationService } from './order-confirmation.service';
import { type OrderListResponse, OrderListRenderer, type OrderVersion, type RenderedOrder } from './order-list-renderer';
import { OrderLine } from './order-line.entity';
import { assertTransition } from './order-state';
import { Order } from './order.entity';
import type { UnmappedListingDto, UnmappedQuery } from '../sku-mapping/unmapped-listings.dto';
import { type UnmappedListingsSource, UnmappedListingsSourceProvider } from '../sku-mapping/unmapped-listings';
import { SiteCalls } from '../connections/site-calls';
import { PreparedStatements } from '../database/prepared-statements';
import type { CreateManualOrderDto, ListOrdersQuery } from './orders.dto';

@UnmappedListingsSourceProvider()
@Injectable()
export class OrdersService implements UnmappedListingsSource {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    @InjectRepository(OrderLine) private readonly lines: Repository<OrderLine>,
    private readonly connections: ConnectionsService,
    private readonly siteCalls: SiteCalls,
    private readonly resolution: LineResolutionService,
    private readonly confirmation: OrderConfirmationService,
    private readonly listRenderer: OrderListRenderer,
    private readonly preparedStatements: PreparedStatements,
  ) {}

  /**
   * Plain SQL, not the query builder and entities: on this hot path building the query and hydrating 50
   * entities cost more than running it, and the page query is a prepared statement (`PreparedStatements`). The page's
   * rows are found first (ids and versions), then rendered, mostly from cache, and answered as the response body
   * with its ETag (see `OrderListRenderer`), gzipped for a client that accepts it when the page is asked for again.
   */
  async list(tenantId: string, query: ListOrdersQuery, acceptsGzip = false): Promise<OrderListResponse> {
    const params: unknown[] = [tenantId];
    const where = ['o.tenant_id = $1'];
    const filter = (condition: (param: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (query.connectionId) filter((p) => `o.connection_id = ${p}`, query.connectionId);
    if (query.site) filter((p) => `o.site = ${p}`, query.site);
    if (query.status) filter((p) => `o.status = ${p}`, query.status);
    if (query.orderedFrom) filter((p) => `o.ordered_at >= ${p}`, query.orderedFrom);
    if (query.orderedTo) filter((p) => `o.ordered_at < ${p}`, query.orderedTo);
    if (query.unmapped === true) where.push('o.unmapped_line_count > 0');
    if (query.unmapped === false) where.push('o.unmapped_line_count = 0');
    if (query.change === 'cancelled_after_instruction') where.push('o.cancelled_after_instruction_at IS NOT NULL');
    if (query.change === 'held_by_site') where.push(`o.site_state IN ('on_hold', 'cancel_requested')`);
    if (query.change === 'cancelled_by_site') where.push(`o.site_state IN ('cancelled', 'merged')`);
    if (query.q) {
      const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      filter((p) => `(o.external_order_id ILIKE ${p} OR o.recipient_name ILIKE ${p})`, pattern);
    }
    const page = await paginateSql<OrderVersion, RenderedOrder>(
      // a text search's best plan depends on its pattern (how many rows the trigram indexes find)
      (sql, values) => this.preparedStatements.query<OrderVersion>(sql, values, { planForValues: query.q !== undefined }),
      query,
      {
        // ids and versions only: the sort value of the cursor comes from the rendered last order, mostly cached, and
        // computing it for every row was a third of the query's cost in PostgreSQL (measured with the generic plan)
        select: 'o.id, o.xmin::text AS version',
        from: 'orders o',
        where,
        params,
        sortColumn: 'o.ordered_at',
        idColumn: 'o.id',
        items: (rows) => this.listRenderer.render(tenantId, rows),
        sortProperty: 'orderedAt',
      },
    );
    return this.listRenderer.response(tenantId, page, acceptsGzip);
  }

  async get(tenantId: string, id: string): Promise<Order> {
    const order = await this.orders.findOne({ where: { id, tenantId } });
    if (!order) throw new NotFoundProblem('Order');
    return order;
  }

  async getWithLines(tenantId: string, id: string): Promise<Order> {
    const order = await this.get(tenantId, id);
    order.lines = await this.lines.find({ where: { orderId: id, tenantId }, order: { position: 'ASC' } });
    return order;
  }

  /**
   * An order the site can no longer hand over (its waybill was printed there, or delivery started).
   * It is never overwritten by a later pull of the same order number.
   */
  async createManual(tenantId: string, input: CreateManualOrderDto): Promise<Order> {
    const connection = await this.connections.get(tenantId, input.connectionId);
    const id = await this.db.transaction(async (manager) => {
      const lines = input.lines.map((line, index) => {
        const external = {
          externalLineId: String(index + 1),
          productCode: line.productCode,
          optionCode: line.optionCode,
          productName: line.productName,
          optionName: line.optionName,
          quantity: line.quantity,
        };
        return { ...external, listingKey: this.siteCalls.listingKey(connection.site, external).key, unitPrice: line.unitPrice };
      });
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO orders (tenant_id, connection_id, site, external_order_id, source, status, site_status, site_status_name, ordered_at,
                             buyer, recipient, recipient_name, refs, content_hash, line_count)
         VALUES ($1, $2, $3, $4, 'manual', 'confirmed', 'manual', $5, $6, $7::jsonb, $8::jsonb, $9, $10::jsonb, $11, $12)
         ON CONFLICT (connection_id, external_order_id) DO NOTHING
         RETURNING id`,
        [
          tenantId,
          connection.id,
          connection.site,
          input.externalOrderId,
          input.note ?? null,
          input.orderedAt,
          input.buyer ? JSON.stringify(input.buyer) : null,
          JSON.stringify(input.recipient),
          input.recipient.name,
          JSON.stringify({ manual: true }),
          createHash('sha256').update(JSON.stringify(input)).digest('base64url'),
          lines.length,
        ],
      );
      if (!inserted.length) {
        throw new ConflictProblem('order-exists', `Order "${input.externalOrderId}" already exists for this connection.`);
      }
      const orderId = inserted[0].id;
      for (const [index, line] of lines.entries()) {
        await manager.query(
          `INSERT INTO order_lines (tenant_id, order_id, position, external_line_id, product_code, option_code, product_name, option_name, quantity, unit_price, listing_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            tenantId,
            orderId,
            index + 1,
            line.externalLineId,
            line.productCode,
            line.optionCode ?? null,
            line.productName,
            line.optionName ?? null,
            line.quantity,
            line.unitPrice ?? null,
            line.listingKey,
          ],
        );
      }
      await this.resolution.resolve(manager, tenantId, [orderId]);
      return orderId;
    });
    return this.getWithLines(tenantId, id);
  }

  async confirm(tenantId: string, id: string): Promise<Order> {
    const order = await this.get(tenantId, id);
    assertTransition(order.status, 'confirmed');
    await this.confirmation.confirmOne(order);
    return this.getWithLines(tenantId, id);
  }

  async cancel(tenantId: string, id: string): Promise<Order> {
    const order = await this.get(tenantId, id);
    assertTransition(order.status, 'cancelled');
    // Guarded on the status read, so a concurrent change makes this a conflict, not a lost update.
    const result = await this.orders.update({ id, tenantId, status: order.status }, { status: 'cancelled' });
    if (!result.affected) throw new ConflictProblem('order-changed', 'The order changed meanwhile; read it again.');
    return this.getWithLines(tenantId, id);
  }

  /** Listing keys seen on open orders that map to no SKU, with how many orders wait on each. */
  async unmapped(tenantId: string, query: UnmappedQuery): Promise<UnmappedListingDto[]> {
    const rows: {
      site: UnmappedListingDto['site'];
      listing_key: string;
      product_code: string;
      option_code: string | null;
      product_name: string;
      waiting: number;
      first_seen: Date;
    }[] = await this.db.query(
      `SELECT o.site, l.listing_key, min(l.product_code) AS product_code, min(l.option_code) AS option_code,
                min(l.product_name) AS product_name, count(DISTINCT o.id)::int AS waiting, min(o.created_at) AS first_seen
         FROM order_lines l JOIN orders o ON o.id = l.order_id
         WHERE l.tenant_id = $1 AND o.tenant_id = $1 AND l.sku_id IS NULL AND o.status NOT IN ('shipped', 'cancelled')
           AND ($2::text IS NULL OR o.site = $2)
         GROUP BY o.site, l.listing_key
         ORDER BY waiting DESC, o.site, l.listing_key
         LIMIT $3`,
      [tenantId, query.site ?? null, query.limit ?? 50],
    );
    return rows.map((row) => ({
      site: row.site,
      listingKey: row.listing_key,
      productCode: row.product_code,
      optionCode: row.option_code,
      productName: row.product_name,
      waitingOrders: row.waiting,
      firstSeenAt: row.first_seen,
    }));
  }

  /** After a SKU or mapping change: resolve every waiting line of the tenant again. */
  async reresolve(tenantId: string): Promise<number> {
    return this.db.transaction(async (manager) => (await this.resolution.resolve(manager, tenantId, null)).resolvedLines);
  }
}
