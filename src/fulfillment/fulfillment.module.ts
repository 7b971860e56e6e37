import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { ConnectorsModule } from '../connectors/connectors.module';
import { OrdersModule } from '../orders/orders.module';
import { SkuMappingModule } from '../sku-mapping/sku-mapping.module';
import { FulfillmentOrder, FulfillmentOrderLine } from './fulfillment-order.entity';
import { FulfillmentOrdersService } from './fulfillment-orders.service';
import { FulfillmentTimings } from './fulfillment-timings';
import { FulfillmentWakeups } from './fulfillment-wakeups';
import { FulfillmentOrdersController, ShippingInstructionController } from './fulfillment.controller';
import { FulfillmentJobs } from './fulfillment.jobs';
import { InventoryController } from './inventory.controller';
import { InventoryLevel, InventoryMovement } from './inventory.entity';
import { InventoryLedger } from './inventory-ledger';
import { InventoryReferenceCheck } from './inventory-reference.check';
import { InventoryService } from './inventory.service';
import { OrderGateway } from './order-gateway';
import { StockPushQueue } from './stock-push-queue';
import { StockPushService } from './stock-push.service';
import { TrackingPush } from './tracking-push.entity';
import { TrackingPushService } from './tracking-push.service';

/**
 * Fulfillment orders (shipping instruction, waybill, inbound scan, shipment), the inventory ledger, and
 * the pushes back to the sites: tracking numbers (an outbox) and stock (a coalescing queue). Sits above
 * Orders and the SKU catalog; they wake it through the EventBus, never by importing it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([FulfillmentOrder, FulfillmentOrderLine, TrackingPush, InventoryLevel, InventoryMovement]),
    ConnectionsModule,
    ConnectorsModule,
    OrdersModule,
    SkuMappingModule,
  ],
  controllers: [ShippingInstructionController, FulfillmentOrdersController, InventoryController],
  providers: [
    FulfillmentTimings,
    FulfillmentWakeups,
    OrderGateway,
    StockPushQueue,
    InventoryLedger,
    InventoryService,
    TrackingPushService,
    StockPushService,
    FulfillmentOrdersService,
    FulfillmentJobs,
    InventoryReferenceCheck,
  ],
  exports: [FulfillmentOrdersService, InventoryService, FulfillmentJobs],
})
export class FulfillmentModule {}
