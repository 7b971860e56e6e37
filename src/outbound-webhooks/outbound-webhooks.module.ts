import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LiveEventsModule } from '../live-events/live-events.module';
import { OutboundWebhookTimings } from './outbound-webhook-timings';
import { OutboundWebhookWakeups } from './outbound-webhook-wakeups';
import { WebhookDeliveriesController, WebhookEndpointsController } from './outbound-webhooks.controller';
import { OutboundWebhookJobs } from './outbound-webhooks.jobs';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookSender } from './webhook-sender';

/** Outbound webhooks (DESIGN §4 "events", §8): tenants' endpoints, signed deliveries with retries, the delivery log. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpoint, WebhookDelivery]), LiveEventsModule],
  controllers: [WebhookEndpointsController, WebhookDeliveriesController],
  providers: [
    OutboundWebhookTimings,
    OutboundWebhookWakeups,
    WebhookDispatcher,
    WebhookSender,
    WebhookEndpointsService,
    OutboundWebhookJobs,
  ],
  exports: [OutboundWebhookJobs, OutboundWebhookTimings],
})
export class OutboundWebhooksModule {}
