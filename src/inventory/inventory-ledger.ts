import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConflictProblem } from '../common/problem';
import type { MovementReason } from './inventory.entity';
import { returnedRows } from '../common/sql';
import { StockPushQueue } from './stock-push-queue';

export interface LevelSnapshot {
  skuId: string;
  onHand: number;
  reserved: number;
}

export interface LevelChange {
  skuId: string;
  reason: MovementReason;
  onHandDelta: number;
  reservedDelta: number;
  referenceType: string;
  referenceId: string | null;
  note?: string | null;
}

/**
 * The only writer of inventory levels. Every change is a guarded UPDATE (the level stays whole:
 * on hand ≥ reserved ≥ 0) plus its ledger movement, and queues the stock push for the sites selling
 * the SKU — all in the caller's transaction, so a level never moves without its movement and its push.
 */
@Injectable()
export class InventoryLedger {
  constructor(private readonly stockPush: StockPushQueue) {}

  /**
   * Locks the levels of these SKUs, in SKU order so that concurrent multi-SKU reservations never
   * deadlock. SKUs without a level row are absent (nothing in stock).
   */
  async lock(manager: EntityManager, tenantId: string, skuIds: readonly string[]): Promise<Map<string, LevelSnapshot>> {
    const rows: { sku_id: string; on_hand: number; reserved: number }[] = await manager.query(
      `SELECT sku_id, on_hand, reserved FROM inventory_levels WHERE tenant_id = $1 AND sku_id = ANY($2::uuid[]) ORDER BY sku_id FOR UPDATE`,
      [tenantId, [...skuIds]],
    );
    return new Map(rows.map((row) => [row.sku_id, { skuId: row.sku_id, onHand: row.on_hand, reserved: row.reserved }]));
  }

  /** Locks one SKU's level, creating an empty one first if the SKU has never had stock. */
  async lockOrCreate(manager: EntityManager, tenantId: string, skuId: string): Promise<LevelSnapshot> {
    await manager.query(`INSERT INTO inventory_levels (tenant_id, sku_id) VALUES ($1, $2) ON CONFLICT (tenant_id, sku_id) DO NOTHING`, [
      tenantId,
      skuId,
    ]);
    const levels = await this.lock(manager, tenantId, [skuId]);
    return levels.get(skuId)!;
  }

  /**
   * Applies the changes in order. The UPDATE only matches while the result stays whole, so even a caller
   * that skipped {@link lock} cannot drive a level negative: it gets a 409 instead.
   */
  async apply(
    manager: EntityManager,
    tenantId: string,
    changes: readonly LevelChange[],
  ): Promise<(LevelSnapshot & { movementId: string })[]> {
    const after: (LevelSnapshot & { movementId: string })[] = [];
    for (const change of changes) {
      const rows = returnedRows<{ on_hand: number; reserved: number }>(
        await manager.query(
          `UPDATE inventory_levels SET on_hand = on_hand + $3, reserved = reserved + $4, updated_at = now()
          WHERE tenant_id = $1 AND sku_id = $2
            AND on_hand + $3 >= 0 AND reserved + $4 >= 0 AND on_hand + $3 >= reserved + $4
          RETURNING on_hand, reserved`,
          [tenantId, change.skuId, change.onHandDelta, change.reservedDelta],
        ),
      );
      if (!rows.length) {
        throw new ConflictProblem(
          'insufficient-stock',
          `The stock of SKU ${change.skuId} cannot change by ${change.onHandDelta} on hand / ${change.reservedDelta} reserved.`,
        );
      }
      const level = { skuId: change.skuId, onHand: rows[0].on_hand, reserved: rows[0].reserved };
      const [movement]: { id: string }[] = await manager.query(
        `INSERT INTO inventory_movements (tenant_id, sku_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reference_type, reference_id, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          tenantId,
          change.skuId,
          change.reason,
          change.onHandDelta,
          change.reservedDelta,
          level.onHand,
          level.reserved,
          change.referenceType,
          change.referenceId,
          change.note ?? null,
        ],
      );
      after.push({ ...level, movementId: movement.id });
    }
    await this.stockPush.enqueue(
      manager,
      tenantId,
      changes.map((change, index) => ({
        skuId: change.skuId,
        onHandBefore: after[index].onHand - change.onHandDelta,
        onHandChanged: change.onHandDelta !== 0,
        availableChanged: change.onHandDelta - change.reservedDelta !== 0,
      })),
    );
    return after;
  }
}
