import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { reconcileEveryMs } from '../inventory/inventory-timings';

/**
 * How often fulfillment's background work (shipping instructions, the tracking push) runs and how long it
 * waits. Derived from the scheduler tick (SYNC_TICK_SECONDS, 30 s in production, 1 s in e2e tests), so
 * tests run the same code fast. The stock push's own timings are Inventory's.
 */
@Injectable()
export class FulfillmentTimings {
  /** how often the workers look for due work without being woken */
  readonly tickMs: number;
  /** first retry delay of a failed push; doubles per attempt */
  readonly retryBaseMs: number;
  readonly retryMaxMs = 60 * 60_000;
  /** a push claimed by a worker that died comes back after this */
  readonly leaseMs = 20 * 60_000;
  /** attempts before a push that keeps failing is shown as failed (it can still be retried) */
  readonly maxAttempts = 10;
  /** how often the tick re-checks every tenant's held orders (the pace of Inventory's stock reconciliation) */
  readonly recheckHeldEveryMs: number;

  constructor(config: AppConfig) {
    this.tickMs = config.syncTickSeconds * 1000;
    this.retryBaseMs = this.tickMs;
    this.recheckHeldEveryMs = reconcileEveryMs(this.tickMs);
  }
}
