import { type BeforeApplicationShutdown, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../config/app-config';
import { ConnectionKeepAlive } from '../connections/connection-keep-alive';
import { ConnectionsModule } from '../connections/connections.module';
import { FulfillmentJobs } from '../fulfillment/fulfillment.jobs';
import { FulfillmentModule } from '../fulfillment/fulfillment.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { IdempotencySweeper } from '../idempotency/idempotency-sweeper';
import { InventoryJobs } from '../inventory/inventory.jobs';
import { InventoryModule } from '../inventory/inventory.module';
import { OrderSyncJobs } from '../orders/order-sync.jobs';
import { OrdersModule } from '../orders/orders.module';
import { OutboundWebhookJobs } from '../outbound-webhooks/outbound-webhooks.jobs';
import { OutboundWebhooksModule } from '../outbound-webhooks/outbound-webhooks.module';
import { StockBridgeRetention } from '../stock-links/stock-bridge-retention';
import { StockLinkJobs } from '../stock-links/stock-link.jobs';
import { StockLinksModule } from '../stock-links/stock-links.module';

/** One periodic task: what runs, and how often. */
interface ScheduleEntry {
  name: string;
  everySeconds: number;
  run: () => Promise<unknown>;
}

/**
 * Every schedule of the service, in one place (@nestjs/schedule cron jobs). Each tick only finds due work and
 * hands it to the job queue (pg-boss), which shares it between instances. Here, and only here: a tick never runs
 * over itself (the cron job waits for completion), a failing tick is logged and tried at the next one, and at
 * shutdown the ticks stop and the running ones finish before the queue closes. Ticks run where workers run
 * (WORKERS_ENABLED), so API-only instances stay quiet.
 *
 * SYNC_TICK_SECONDS paces the ticks (30 s in production, 1 s in e2e tests, so tests run the same code fast).
 */
@Injectable()
export class Schedules implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Schedules.name);
  private readonly jobs: CronJob[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly orderSync: OrderSyncJobs,
    private readonly fulfillment: FulfillmentJobs,
    private readonly inventory: InventoryJobs,
    private readonly stockLinks: StockLinkJobs,
    private readonly stockBridgeRetention: StockBridgeRetention,
    private readonly keepAlive: ConnectionKeepAlive,
    private readonly idempotency: IdempotencySweeper,
    private readonly webhooks: OutboundWebhookJobs,
  ) {}

  entries(): ScheduleEntry[] {
    const tick = this.config.syncTickSeconds;
    // the slow checks: five ticks at least, at most 15 minutes unless the tick is longer
    const slow = Math.max(tick * 5, Math.min(15 * 60, tick * 30));
    return [
      // connections whose order pull is due → orders.pull jobs; abandoned runs shown as such
      { name: 'orders.sync', everySeconds: tick, run: () => this.orderSync.tick() },
      // automatic shipping instructions, due tracking pushes
      { name: 'fulfillment.tick', everySeconds: tick, run: () => this.fulfillment.tick() },
      // held orders of every tenant tried again (stock or mappings may have arrived unannounced)
      { name: 'fulfillment.recheck-held', everySeconds: slow, run: () => this.fulfillment.recheckHeld() },
      // due and retried stock pushes
      { name: 'inventory.tick', everySeconds: tick, run: () => this.inventory.tick() },
      // what absolute sites show compared with what they should; failed pushes sent again
      { name: 'inventory.reconcile', everySeconds: slow, run: () => this.inventory.reconcile() },
      // stock-bridge links with work left; NextEngine orders → Smaregi shipments
      { name: 'stock-links.tick', everySeconds: tick, run: () => this.stockLinks.tick() },
      // a cheap authenticated call for connections whose tokens would lapse unused (NextEngine)
      { name: 'connections.keep-alive', everySeconds: Math.min(tick * 10, 3600), run: () => this.keepAlive.run() },
      // tenant events → webhook deliveries; due deliveries and retries
      { name: 'webhooks.tick', everySeconds: tick, run: () => this.webhooks.tick() },
      { name: 'idempotency.sweep', everySeconds: 3600, run: () => this.idempotency.sweep() },
      // settled stock-bridge events, then the upload runs they named, past STOCK_EVENTS_RETENTION_DAYS
      { name: 'stock-links.prune', everySeconds: 3600, run: () => this.stockBridgeRetention.prune() },
    ];
  }

  onApplicationBootstrap(): void {
    if (!this.config.workersEnabled) return;
    for (const entry of this.entries()) {
      const job = CronJob.from({
        cronTime: everySecondsCron(entry.everySeconds),
        onTick: () => this.runEntry(entry),
        waitForCompletion: true,
        start: false,
      });
      this.registry.addCronJob(entry.name, job);
      this.jobs.push(job);
      job.start();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const job of this.jobs) void job.stop();
    await Promise.all([...this.running]);
  }

  private runEntry(entry: ScheduleEntry): Promise<void> {
    const run = this.runLogged(entry).finally(() => this.running.delete(run));
    this.running.add(run);
    return run;
  }

  private async runLogged(entry: ScheduleEntry): Promise<void> {
    try {
      await entry.run();
    } catch (error) {
      this.logger.error({ err: error, schedule: entry.name }, 'A scheduled task failed');
    }
  }
}

/**
 * A cron expression (with seconds) that fires about every `seconds`: under a minute by the second field,
 * otherwise by whole minutes. Cron steps restart each minute or hour, so a step that does not divide it
 * leaves one shorter gap; ticks only look for due work, so that is harmless.
 */
export function everySecondsCron(seconds: number): string {
  if (seconds < 60) return `*/${Math.max(1, Math.round(seconds))} * * * * *`;
  const minutes = Math.min(60, Math.round(seconds / 60));
  return minutes >= 60 ? '0 0 * * * *' : `0 */${minutes} * * * *`;
}

@Module({
  imports: [
    ConnectionsModule,
    OrdersModule,
    FulfillmentModule,
    InventoryModule,
    StockLinksModule,
    IdempotencyModule,
    OutboundWebhooksModule,
  ],
  providers: [Schedules],
})
export class SchedulesModule {}
