import { AppConfig } from '../config/app-config';

/**
 * How an outbox of pushes to the sites (tracking numbers, stock) retries, derived from the scheduler tick
 * (SYNC_TICK_SECONDS, 30 s in production, 1 s in e2e tests), so tests run the same code fast.
 */
export abstract class PushTimings {
  /** first retry delay of a failed push; doubles per attempt (backoff.ts) */
  readonly retryBaseMs: number;
  readonly retryMaxMs = 60 * 60_000;
  /** a push claimed by a worker that died comes back after this */
  readonly leaseMs = 20 * 60_000;
  /** attempts before a push that keeps failing is shown as failed (it can still be retried) */
  readonly maxAttempts = 10;

  constructor(config: AppConfig) {
    this.retryBaseMs = config.syncTickSeconds * 1000;
  }
}
