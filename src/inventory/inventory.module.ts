import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { SkuMappingModule } from '../sku-mapping/sku-mapping.module';
import { InventoryController } from './inventory.controller';
import { InventoryLevel, InventoryMovement } from './inventory.entity';
import { InventoryLedger } from './inventory-ledger';
import { InventoryReferenceCheck } from './inventory-reference.check';
import { InventoryService } from './inventory.service';
import { InventoryTimings } from './inventory-timings';
import { InventoryWakeups } from './inventory-wakeups';
import { InventoryJobs } from './inventory.jobs';
import { StockPushQueue } from './stock-push-queue';
import { StockPushService } from './stock-push.service';
import { StockReservations } from './stock-reservations';
import { SellableStock } from './sellable-stock';
import { SiteListings } from './site-listings';
import { StockDemandMarks } from './stock-demand-marks';
import { StockReconciliation } from './stock-reconciliation';
import { StockReconciliationController } from './stock-reconciliation.controller';

/**
 * Stock: a level per SKU (on hand, reserved), the ledger of every change (`InventoryLedger`, the only
 * writer of `inventory_levels` and `inventory_movements`), the seller's own adjustments (/v1/inventory),
 * and the stock each site may sell (on hand − reserved − sold but not yet reserved: `SellableStock`), pushed to the
 * sites with autoStockSync (the `stock_push_queue`, drained through SiteCalls; demand marks written by triggers on
 * orders, lines and mappings schedule pushes too: `StockDemandMarks`), addressed by the listings it keeps
 * (`site_listings`: `SiteListings`) and reconciled with what the sites show (`StockReconciliation`).
 *
 * Sits below Fulfillment, which reserves, releases and ships stock through `StockReservations` (in its
 * own transaction) and wakes the stock push through `InventoryWakeups`. Inventory never imports
 * Fulfillment: when the seller adds stock it publishes `inventory.stock-added` on the EventBus. Its
 * queries read orders and order lines (the listings a SKU sells on), never write them.
 */
@Module({
  imports: [TypeOrmModule.forFeature([InventoryLevel, InventoryMovement]), ConnectionsModule, SkuMappingModule],
  controllers: [InventoryController, StockReconciliationController],
  providers: [
    InventoryTimings,
    InventoryWakeups,
    StockPushQueue,
    InventoryLedger,
    InventoryService,
    StockReservations,
    StockPushService,
    SellableStock,
    SiteListings,
    StockDemandMarks,
    StockReconciliation,
    InventoryJobs,
    InventoryReferenceCheck,
  ],
  exports: [InventoryService, StockReservations, InventoryWakeups, InventoryJobs],
})
export class InventoryModule {}
