import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EventBus } from '../events/event-bus';
import { type SkuReference, type SkuReferenceCheck, SkuReferenceCheckProvider } from '../sku-mapping/sku-reference-check';
import { OrdersService } from './orders.service';

/** A new SKU or mapping may complete orders that were waiting on unmapped lines. */
@Injectable()
export class OrderCatalogListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OrderCatalogListener.name);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly events: EventBus,
    private readonly orders: OrdersService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe('catalog.changed', async ({ tenantId }) => {
      const resolved = await this.orders.reresolve(tenantId);
      if (resolved) {
        this.logger.log({ tenantId, resolved }, 'Order lines resolved after a catalog change');
        this.events.publish('orders.changed', { tenantId, reason: 'lines-resolved' });
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}

/** A SKU that order lines point at cannot be deleted. */
@SkuReferenceCheckProvider()
@Injectable()
export class OrderLinesReferenceCheck implements SkuReferenceCheck {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findReferences(tenantId: string, skuIds: readonly string[]): Promise<SkuReference[]> {
    const rows: { sku_id: string; external_order_id: string }[] = await this.db.query(
      `SELECT l.sku_id, o.external_order_id FROM order_lines l JOIN orders o ON o.id = l.order_id
       WHERE l.tenant_id = $1 AND l.sku_id = ANY($2::uuid[]) LIMIT 5`,
      [tenantId, skuIds],
    );
    return rows.map((row) => ({ skuId: row.sku_id, description: `order ${row.external_order_id}` }));
  }
}
