import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { returnedRows } from '../common/sql';
import { StockPushQueue } from './stock-push-queue';

const BATCH = 1000;

/**
 * Turns demand marks into stock pushes. Triggers on orders, order lines and mappings mark a SKU whenever the
 * demand sold but not yet reserved may have moved (an order pulled, resolved, held, cancelled; a line cancelled;
 * a mapping made); this schedules a push of the SKU's listings on absolute sites, which then sell less (or
 * more). Marks are taken and their pushes queued in one transaction, so a crash loses neither.
 */
@Injectable()
export class StockDemandMarks {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: StockPushQueue,
  ) {}

  /** Schedules the pushes of every marked SKU; returns how many marks were taken. */
  async schedulePushes(): Promise<number> {
    let total = 0;
    for (;;) {
      const taken = await this.db.transaction(async (manager) => {
        const marks = returnedRows<{ tenant_id: string; sku_id: string }>(
          await manager.query(
            `DELETE FROM stock_demand_marks WHERE id IN (SELECT id FROM stock_demand_marks ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING tenant_id, sku_id`,
            [BATCH],
          ),
        );
        const byTenant = new Map<string, Set<string>>();
        for (const mark of marks) byTenant.set(mark.tenant_id, (byTenant.get(mark.tenant_id) ?? new Set()).add(mark.sku_id));
        for (const [tenantId, skuIds] of byTenant)
          await this.queue.enqueue(
            manager,
            tenantId,
            [...skuIds].map((skuId) => ({ skuId, onHandChanged: false, availableChanged: true })),
          );
        return marks.length;
      });
      total += taken;
      if (taken < BATCH) return total;
    }
  }
}
