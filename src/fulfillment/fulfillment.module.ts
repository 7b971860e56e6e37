import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { ConnectorsModule } from '../connectors/connectors.module';
import { InventoryModule } from '../inventory/inventory.module';
import { OrdersModule } from '../orders/orders.module';
import { FulfillmentOrder, FulfillmentOrderLine } from './fulfillment-order.entity';
import { FulfillmentOrdersService } from './fulfillment-orders.service';
import { FulfillmentTimings } from './fulfillment-timings';
import { FulfillmentWakeups } from './fulfillment-wakeups';
import { FulfillmentOrdersController, ShippingInstructionController } from './fulfillment.controller';
import { FulfillmentJobs } from './fulfillment.jobs';
import { SiteChangeFollower } from './site-change-follower';
import { TrackingPush } from './tracking-push.entity';
import { TrackingPushService } from './tracking-push.service';

/**
 * Fulfillment orders: the shipping instruction (automatic or manual; an order that cannot be fulfilled is
 * held, and re-checked), the waybill and its label, the inbound scan, the shipment, and the tracking-number
 * push back to the site (an outbox, `tracking_pushes`). Owns `fulfillment_orders`, `fulfillment_order_lines`,
 * `fulfillment_holds` and `tracking_pushes`.
 *
 * Sits above Orders and Inventory and uses their exported services inside its own transactions: the sales
 * order's status through Orders' `OrderFulfillmentStates` (locked first), stock through Inventory's
 * `StockReservations`. Orders (new orders, lines a catalog change resolved) and Inventory (stock added) wake
 * it through the EventBus (`orders.changed`, `inventory.stock-added`), never by importing it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([FulfillmentOrder, FulfillmentOrderLine, TrackingPush]),
    ConnectionsModule,
    ConnectorsModule,
    OrdersModule,
    InventoryModule,
  ],
  controllers: [ShippingInstructionController, FulfillmentOrdersController],
  providers: [FulfillmentTimings, FulfillmentWakeups, TrackingPushService, FulfillmentOrdersService, SiteChangeFollower, FulfillmentJobs],
  exports: [FulfillmentOrdersService, FulfillmentJobs],
})
export class FulfillmentModule {}
