import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { InventoryLedger, type LevelChange } from './inventory-ledger';
import type { MovementReason } from './inventory.entity';
import { type OwnShipment, StockPushQueue } from './stock-push-queue';

/** What a stock change is for, as the ledger records it (e.g. `fulfillment_order` and its id). */
export interface StockReference {
  type: string;
  id: string;
}

/** SKU id → SKU units. */
export type SkuQuantities = ReadonlyMap<string, number>;

/**
 * What Fulfillment asks of Inventory, always in the caller's transaction (which has locked the sales order
 * and the fulfillment order first): lock the levels it needs, reserve stock for a fulfillment order, release
 * it when that is cancelled, take it out when it ships. Each change goes through the ledger, which writes
 * the movement and queues the stock push, so the sites follow.
 */
@Injectable()
export class StockReservations {
  constructor(
    private readonly ledger: InventoryLedger,
    private readonly stockPush: StockPushQueue,
  ) {}

  /**
   * Locks these SKUs' levels (in SKU order, so concurrent reservations never deadlock) and returns what each
   * has available (on hand − reserved). SKUs that never had stock are absent.
   */
  async lockAvailable(manager: EntityManager, tenantId: string, skuIds: readonly string[]): Promise<Map<string, number>> {
    const levels = await this.ledger.lock(manager, tenantId, skuIds);
    return new Map([...levels].map(([skuId, level]) => [skuId, level.onHand - level.reserved]));
  }

  /** Reserves the quantities (on hand stays, reserved rises); fails with a 409 if any SKU lacks the stock. */
  async reserve(manager: EntityManager, tenantId: string, quantities: SkuQuantities, reference: StockReference): Promise<void> {
    await this.ledger.apply(manager, tenantId, changes(quantities, 'reservation', reference, 0, 1));
  }

  /** Gives reserved quantities back (a cancelled fulfillment order). */
  async release(manager: EntityManager, tenantId: string, quantities: SkuQuantities, reference: StockReference): Promise<void> {
    await this.ledger.apply(manager, tenantId, changes(quantities, 'release', reference, 0, -1));
  }

  /**
   * Reserved quantities leave the warehouse (on hand and reserved both fall). `shipment` names the sales
   * order and its lines, so a site that lowers its own stock on shipment is not told twice.
   */
  async ship(
    manager: EntityManager,
    tenantId: string,
    quantities: SkuQuantities,
    reference: StockReference,
    shipment: OwnShipment,
  ): Promise<void> {
    await this.ledger.apply(manager, tenantId, changes(quantities, 'shipment', reference, -1, -1));
    await this.stockPush.leaveOutOwnShipment(manager, tenantId, shipment);
  }
}

/** One ledger change per SKU, in SKU order (the order levels are locked in). */
function changes(
  quantities: SkuQuantities,
  reason: MovementReason,
  reference: StockReference,
  onHandSign: number,
  reservedSign: number,
): LevelChange[] {
  return [...quantities]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([skuId, quantity]) => ({
      skuId,
      reason,
      onHandDelta: onHandSign * quantity,
      reservedDelta: reservedSign * quantity,
      referenceType: reference.type,
      referenceId: reference.id,
    }));
}
