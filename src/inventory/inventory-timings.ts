import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * How often Inventory's background work (the stock push and its reconciliation) runs and how long it waits.
 * Derived from the scheduler tick (SYNC_TICK_SECONDS, 30 s in production, 1 s in e2e tests), so tests run
 * the same code fast.
 */
@Injectable()
export class InventoryTimings {
  /** how often the workers look for due work without being woken */
  readonly tickMs: number;
  /** how long stock changes gather before they are sent together */
  readonly stockCoalesceMs: number;
  /** first retry delay of a failed push; doubles per attempt */
  readonly retryBaseMs: number;
  readonly retryMaxMs = 60 * 60_000;
  /** a push claimed by a worker that died comes back after this */
  readonly leaseMs = 20 * 60_000;
  /** attempts before a push that keeps failing is shown as failed (it can still be retried) */
  readonly maxAttempts = 10;
  /** how often failed stock pushes are re-sent and absolute levels compared */
  readonly reconcileEveryMs: number;
  /** an absolute level is re-sent at least this often, even if unchanged (the site may have drifted) */
  readonly refreshAfterMs = 6 * 60 * 60_000;

  constructor(config: AppConfig) {
    this.tickMs = config.syncTickSeconds * 1000;
    this.stockCoalesceMs = Math.min(this.tickMs, 5_000);
    this.retryBaseMs = this.tickMs;
    this.reconcileEveryMs = reconcileEveryMs(this.tickMs);
  }
}

/**
 * The slow cadence of periodic checks: five ticks at least, at most 15 minutes unless the tick is longer.
 * Stock reconciliation here; Fulfillment's re-check of held orders keeps the same pace.
 */
export function reconcileEveryMs(tickMs: number): number {
  return Math.max(tickMs * 5, Math.min(15 * 60_000, tickMs * 30));
}
