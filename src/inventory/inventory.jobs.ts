import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../jobs/job-queue.service';
import { InventoryTimings } from './inventory-timings';
import { InventoryWakeups, STOCK_PUSH, STOCK_RECONCILE } from './inventory-wakeups';
import { StockPushService } from './stock-push.service';

/**
 * Inventory's background work on the shared job queue: the stock push queue's drain (woken after stock
 * changes, and by the tick) and the periodic reconciliation of what the sites show. Retries of pushes are
 * per row (their own backoff), not per job.
 */
@Injectable()
export class InventoryJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InventoryJobs.name);
  private ticking: Promise<void> | null = null;
  private lastReconcile = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly timings: InventoryTimings,
    private readonly queue: JobQueue,
    private readonly wakeups: InventoryWakeups,
    private readonly stock: StockPushService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const short = { policy: 'short' as const, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 30 * 60 };
    await this.queue.define({ name: STOCK_PUSH, ...short });
    await this.queue.define({ name: STOCK_RECONCILE, ...short });
    if (!this.config.workersEnabled) return;
    await this.queue.work(STOCK_PUSH, 1, async () => void (await this.stock.drain()));
    await this.queue.work(STOCK_RECONCILE, 1, async () => {
      await this.stock.reconcile();
      await this.wakeups.stockPush();
    });
    this.lastReconcile = Date.now();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ticking;
  }

  /** Catches what no wake-up announced: due and retried stock pushes, lost wake-ups; now and then a reconciliation. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        const reconcile = Date.now() - this.lastReconcile >= this.timings.reconcileEveryMs;
        await this.wakeups.stockPush();
        if (reconcile) {
          this.lastReconcile = Date.now();
          await this.queue.send(STOCK_RECONCILE, {}, { singletonKey: 'reconcile' });
        }
      } catch (error) {
        this.logger.error({ err: error }, 'Inventory tick failed');
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }
}
