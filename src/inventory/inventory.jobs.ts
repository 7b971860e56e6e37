import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../jobs/job-queue.service';
import { InventoryWakeups, STOCK_PUSH, STOCK_RECONCILE } from './inventory-wakeups';
import { StockPushService } from './stock-push.service';
import { StockReconciliation } from './stock-reconciliation';

/**
 * Inventory's background work on the shared job queue: the stock push queue's drain (woken after stock
 * changes, and by the tick), the periodic re-send of absolute levels that drifted from what was last sent, and each
 * connection's comparison with what its site shows (`StockReconciliation`, when due). Retries of pushes are
 * per row (their own backoff), not per job.
 */
@Injectable()
export class InventoryJobs implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly wakeups: InventoryWakeups,
    private readonly stock: StockPushService,
    private readonly siteReconciliation: StockReconciliation,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const short = { policy: 'short' as const, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 30 * 60 };
    // A drain may wait on a NextEngine upload for over an hour (wait_flag=1, then its queue): the job outlives it.
    await this.queue.define({ name: STOCK_PUSH, ...short, expireInSeconds: 100 * 60 });
    await this.queue.define({ name: STOCK_RECONCILE, ...short });
    if (!this.config.workersEnabled) return;
    await this.queue.work(STOCK_PUSH, 1, async () => void (await this.stock.drain()));
    await this.queue.work(STOCK_RECONCILE, 1, async () => {
      await this.stock.reconcile();
      // Each connection's comparison with what its site shows, when due (daily by default).
      await this.siteReconciliation.runDue();
      await this.wakeups.stockPush();
    });
  }

  /** Catches what no wake-up announced: due and retried stock pushes, lost wake-ups (schedules.ts). */
  tick(): Promise<void> {
    return this.wakeups.stockPush();
  }

  /** Queues a comparison of what the absolute sites show with what they should (schedules.ts, every few minutes). */
  async reconcile(): Promise<void> {
    await this.queue.send(STOCK_RECONCILE, {}, { singletonKey: 'reconcile' });
  }
}
