import { Injectable, Logger } from '@nestjs/common';
import { JobQueue } from '../jobs/job-queue.service';
import { InventoryTimings } from './inventory-timings';

// Named when the stock push was part of fulfillment; pg-boss queues persist, so the names stay.
export const STOCK_PUSH = 'fulfillment.stock-push';
export const STOCK_RECONCILE = 'fulfillment.stock-reconcile';

/**
 * Wakes Inventory's stock-push worker after a committed stock change, through the shared job queue, so
 * that whichever instance runs workers picks it up. At most one wake-up waits; the tick catches anything a
 * lost wake-up missed, so a failure here is only logged. Fulfillment calls it after it reserved, released
 * or shipped stock.
 */
@Injectable()
export class InventoryWakeups {
  private readonly logger = new Logger(InventoryWakeups.name);

  constructor(
    private readonly queue: JobQueue,
    private readonly timings: InventoryTimings,
  ) {}

  /** Stock changes gather for `delaySeconds` before the drain runs (coalescing bursts). */
  async stockPush(delaySeconds = 0): Promise<void> {
    try {
      await this.queue.send(STOCK_PUSH, {}, { singletonKey: 'drain', startAfterSeconds: delaySeconds });
    } catch (error) {
      this.logger.warn({ err: error, queue: STOCK_PUSH }, 'Could not wake the stock-push worker; the next tick will do the work');
    }
  }

  /** A drain after the usual gathering time, for changes that come in bursts (a batch of instructions). */
  stockPushCoalesced(): Promise<void> {
    return this.stockPush(this.timings.stockCoalesceMs / 1000);
  }
}
