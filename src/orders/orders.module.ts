import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { ConnectorsModule } from '../connectors/connectors.module';
import { SkuMappingModule } from '../sku-mapping/sku-mapping.module';
import { SkuResolver } from '../sku-mapping/sku-resolver';
import { LineResolutionService } from './line-resolution.service';
import { OrderCatalogListener, OrderLinesReferenceCheck } from './order-catalog.listeners';
import { OrderConfirmationService } from './order-confirmation.service';
import { OrderIntakeService } from './order-intake.service';
import { OrderLine } from './order-line.entity';
import { OrderListRenderer } from './order-list-renderer';
import { OrderSyncJobs } from './order-sync.jobs';
import { OrderWriter } from './order-writer';
import { Order } from './order.entity';
import { ConnectionSyncController, OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { SKU_LOOKUP } from './sku-lookup';

@Module({
  imports: [TypeOrmModule.forFeature([Order, OrderLine]), ConnectionsModule, ConnectorsModule, SkuMappingModule],
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
  ],
  exports: [OrdersService, OrderIntakeService, LineResolutionService, OrderSyncJobs],
})
export class OrdersModule {}
