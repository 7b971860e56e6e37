import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { ConnectorsModule } from '../connectors/connectors.module';
import { SkuMappingModule } from '../sku-mapping/sku-mapping.module';
import { SkuResolver } from '../sku-mapping/sku-resolver';
import { LineResolutionService } from './line-resolution.service';
import { OrderCatalogListener, OrderLinesReferenceCheck } from './order-catalog.listeners';
import { OrderConfirmationService } from './order-confirmation.service';
import { OrderCancelApprovals } from './order-cancel-approvals';
import { OrderChangeIntakeService } from './order-change-intake.service';
import { OrderEvent } from './order-event.entity';
import { OrderFulfillmentStates } from './order-fulfillment-states';
import { OrderTimeline } from './order-timeline';
import { OrderIntakeService } from './order-intake.service';
import { OrderLine } from './order-line.entity';
import { OrderListRenderer } from './order-list-renderer';
import { OrderSyncJobs } from './order-sync.jobs';
import { OrderWriter } from './order-writer';
import { Order } from './order.entity';
import { ConnectionSyncController, OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { SKU_LOOKUP } from './sku-lookup';

/**
 * Sales orders: intake from the sites (scheduled pulls and change intake), confirmation back to the site,
 * manual orders, the order list and timeline. Owns `orders` and `order_lines`: no other module writes them.
 * Fulfillment moves an order's status through {@link OrderFulfillmentStates}, inside its own transaction.
 * Sits below Fulfillment and Inventory; it wakes Fulfillment with `orders.changed` on the EventBus.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Order, OrderLine, OrderEvent]), ConnectionsModule, ConnectorsModule, SkuMappingModule],
  controllers: [OrdersController, ConnectionSyncController],
  providers: [
    { provide: SKU_LOOKUP, useExisting: SkuResolver },
    OrderWriter,
    LineResolutionService,
    OrderIntakeService,
    OrderConfirmationService,
    OrderSyncJobs,
    OrdersService,
    OrderListRenderer,
    OrderCatalogListener,
    OrderLinesReferenceCheck,
    OrderFulfillmentStates,
    OrderTimeline,
    OrderChangeIntakeService,
    OrderCancelApprovals,
  ],
  exports: [
    OrdersService,
    OrderIntakeService,
    LineResolutionService,
    OrderSyncJobs,
    OrderFulfillmentStates,
    OrderTimeline,
    OrderChangeIntakeService,
    OrderCancelApprovals,
  ],
})
export class OrdersModule {}
