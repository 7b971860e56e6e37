import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { type Page, paginate } from '../common/pagination';
import { ConflictProblem, ValidationProblem } from '../common/problem';
import { EventBus } from '../events/event-bus';
import type { Sku } from '../sku-mapping/sku.entity';
import { SkusService } from '../sku-mapping/skus.service';
import { InventoryLedger, type LevelSnapshot } from './inventory-ledger';
import { InventoryLevel, InventoryMovement } from './inventory.entity';
import type { CreateAdjustmentDto, ListInventoryQuery, ListMovementsQuery } from './inventory.dto';
import { SellableStock } from './sellable-stock';

export interface LevelWithSku {
  level: InventoryLevel;
  sku: Pick<Sku, 'id' | 'code' | 'name' | 'optionName'> | null;
  awaitingReservation: number;
}

/** Stock levels and the seller's own stock changes: receipts, losses, corrections and counts. */
@Injectable()
export class InventoryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(InventoryLevel) private readonly levels: Repository<InventoryLevel>,
    @InjectRepository(InventoryMovement) private readonly movements: Repository<InventoryMovement>,
    private readonly skus: SkusService,
    private readonly ledger: InventoryLedger,
    private readonly events: EventBus,
    private readonly sellable: SellableStock,
  ) {}

  async list(tenantId: string, query: ListInventoryQuery): Promise<Page<LevelWithSku>> {
    const builder = this.levels.createQueryBuilder('l').where('l.tenant_id = :tenantId', { tenantId });
    if (query.skuId) builder.andWhere('l.sku_id = :skuId', { skuId: query.skuId });
    const page = await paginate(builder, query, { alias: 'l', sortColumn: 'created_at', sortProperty: 'createdAt' });
    return { data: await this.withSkus(tenantId, page.data), nextCursor: page.nextCursor };
  }

  /**
   * receipt (+n), loss (−n) and adjustment (±n) change on-hand stock by a delta; stocktake sets the
   * counted quantity. Stock reserved for fulfillment orders cannot be taken away: cancel those first.
   * Stock added is announced (`inventory.stock-added`), so orders held for lack of it are re-checked.
   */
  async adjust(tenantId: string, input: CreateAdjustmentDto): Promise<{ level: LevelWithSku; movement: InventoryMovement | null }> {
    const sku = await this.skus.get(tenantId, input.skuId);
    const fieldError = (message: string) => new ValidationProblem([{ field: 'quantity', message }]);
    if ((input.reason === 'receipt' || input.reason === 'loss') && input.quantity <= 0)
      throw fieldError(`a ${input.reason} quantity must be positive`);
    if (input.reason === 'adjustment' && input.quantity === 0) throw fieldError('an adjustment must change the stock');
    if (input.reason === 'stocktake' && input.quantity < 0) throw fieldError('a stocktake count cannot be negative');

    const movementId = await this.db.transaction(async (manager) => {
      const level = await this.ledger.lockOrCreate(manager, tenantId, sku.id);
      const delta = onHandDelta(input.reason, input.quantity, level);
      if (level.onHand + delta < level.reserved) {
        throw new ConflictProblem(
          'stock-reserved',
          `SKU ${sku.code} has ${level.onHand} on hand, ${level.reserved} of them reserved for fulfillment orders: on hand cannot become ${level.onHand + delta}.`,
          { onHand: level.onHand, reserved: level.reserved },
        );
      }
      if (delta === 0) return null; // a stocktake that confirms the count: nothing moved
      const [applied] = await this.ledger.apply(manager, tenantId, [
        {
          skuId: sku.id,
          reason: input.reason,
          onHandDelta: delta,
          reservedDelta: 0,
          referenceType: 'adjustment',
          referenceId: input.reference ?? null,
          note: input.note,
        },
      ]);
      return applied.movementId;
    });
    const level = await this.levels.findOneOrFail({ where: { tenantId, skuId: sku.id } });
    const movement = movementId ? await this.movements.findOneOrFail({ where: { id: movementId, tenantId } }) : null;
    if (movement && movement.onHandDelta > 0) this.events.publish('inventory.stock-added', { tenantId });
    return { level: (await this.withSkus(tenantId, [level]))[0], movement };
  }

  listMovements(tenantId: string, query: ListMovementsQuery): Promise<Page<InventoryMovement>> {
    const builder = this.movements.createQueryBuilder('m').where('m.tenant_id = :tenantId', { tenantId });
    if (query.skuId) builder.andWhere('m.sku_id = :skuId', { skuId: query.skuId });
    if (query.reason) builder.andWhere('m.reason = :reason', { reason: query.reason });
    return paginate(builder, query, { alias: 'm', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  private async withSkus(tenantId: string, levels: InventoryLevel[]): Promise<LevelWithSku[]> {
    if (!levels.length) return [];
    const rows: { id: string; code: string; name: string; option_name: string | null }[] = await this.db.query(
      `SELECT id, code, name, option_name FROM skus WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, levels.map((level) => level.skuId)],
    );
    const byId = new Map(rows.map((row) => [row.id, { id: row.id, code: row.code, name: row.name, optionName: row.option_name }]));
    const stock = await this.sellable.read(
      this.db.manager,
      tenantId,
      levels.map((level) => level.skuId),
    );
    return levels.map((level) => ({
      level,
      sku: byId.get(level.skuId) ?? null,
      awaitingReservation: stock.get(level.skuId)?.awaitingReservation ?? 0,
    }));
  }
}

/** The on-hand change an adjustment makes. */
export function onHandDelta(reason: CreateAdjustmentDto['reason'], quantity: number, level: Pick<LevelSnapshot, 'onHand'>): number {
  switch (reason) {
    case 'receipt':
      return quantity;
    case 'loss':
      return -quantity;
    case 'adjustment':
      return quantity;
    case 'stocktake':
      return quantity - level.onHand;
  }
}
