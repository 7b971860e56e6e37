import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { MetricsModule } from '../metrics/metrics.module';
import { NeOrderShipments } from './ne-order-shipments.service';
import { LinkSites } from './link-sites';
import { SmaregiWebhookController } from './smaregi-webhook.controller';
import { SMAREGI_WEBHOOK_ROUTE, SmaregiWebhookReceiver } from './smaregi-webhook.receiver';
import { StockBaselineSeeder } from './stock-baseline.seeder';
import { StockBridge } from './stock-bridge.service';
import { StockCodeResolver } from './stock-code-resolver';
import { StockBridgeRetention } from './stock-bridge-retention';
import { StockLink } from './stock-link.entity';
import { StockLinkFlush } from './stock-link.flush';
import { StockLinkJobs } from './stock-link.jobs';
import { StockLinkMailer } from './stock-link.mailer';
import { StockLinkNotices } from './stock-link-notices';
import { StockLinksController } from './stock-links.controller';
import { StockLinksService } from './stock-links.service';
import { WebhookGroupCommit, WebhookLinkCache } from './stock-webhook-group-commit';
import { StockWebhookIntake } from './stock-webhook-intake.service';

/** The Smaregi ↔ NextEngine stock bridge (DESIGN §7). Needs `AppConfig`, `Clock` and `JobQueue` from the root. */
@Module({
  imports: [TypeOrmModule.forFeature([StockLink]), ConnectionsModule, MetricsModule],
  controllers: [StockLinksController, SmaregiWebhookController],
  providers: [
    LinkSites,
    StockLinksService,
    StockBaselineSeeder,
    StockCodeResolver,
    StockBridge,
    StockLinkMailer,
    StockLinkNotices,
    StockLinkJobs,
    StockLinkFlush,
    StockWebhookIntake,
    WebhookLinkCache,
    WebhookGroupCommit,
    NeOrderShipments,
    StockBridgeRetention,
  ],
  exports: [StockLinkJobs, StockBridgeRetention],
})
export class StockLinksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SmaregiWebhookReceiver).forRoutes({ path: SMAREGI_WEBHOOK_ROUTE, method: RequestMethod.POST });
  }
}
