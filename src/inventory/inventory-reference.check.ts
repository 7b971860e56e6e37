import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type SkuReference, type SkuReferenceCheck, SkuReferenceCheckProvider } from '../sku-mapping/sku-reference-check';

/** A SKU with stock, or with any history in the ledger, cannot be deleted: the ledger must stay whole. */
@SkuReferenceCheckProvider()
@Injectable()
export class InventoryReferenceCheck implements SkuReferenceCheck {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findReferences(tenantId: string, skuIds: readonly string[]): Promise<SkuReference[]> {
    const rows: { sku_id: string; on_hand: number | null; reserved: number | null }[] = await this.db.query(
      `SELECT s.sku_id, l.on_hand, l.reserved FROM unnest($2::uuid[]) AS s(sku_id)
         LEFT JOIN inventory_levels l ON l.tenant_id = $1 AND l.sku_id = s.sku_id
        WHERE (l.on_hand > 0 OR l.reserved > 0)
           OR EXISTS (SELECT 1 FROM inventory_movements m WHERE m.tenant_id = $1 AND m.sku_id = s.sku_id)`,
      [tenantId, [...skuIds]],
    );
    return rows.map((row) => ({
      skuId: row.sku_id,
      description: row.on_hand ? `stock on hand ${row.on_hand} (${row.reserved ?? 0} reserved)` : 'stock movements in the inventory ledger',
    }));
  }
}
