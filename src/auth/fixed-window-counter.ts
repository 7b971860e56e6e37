import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  resetAt: number;
  hits: number;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The rate limit's counts: a fixed window per key, O(1) per request. The throttler's own storage keeps
 * the time of every hit in the window and filters that list on each request, a cost that grows with the
 * limit. A caller past the limit waits until the window ends (`Retry-After`).
 */
export class FixedWindowCounter implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async increment(
    key: string,
    ttlMs: number,
    limit: number,
  ): Promise<{ totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number }> {
    const now = this.now();
    this.sweep(now, ttlMs);
    let window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { resetAt: now + ttlMs, hits: 0 };
      this.windows.set(key, window);
    }
    window.hits++;
    const timeToExpire = seconds(window.resetAt - now);
    const isBlocked = window.hits > limit;
    return { totalHits: window.hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }

  /** Drops ended windows once per window length, so idle keys do not accumulate. */
  private sweep(now: number, ttlMs: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + ttlMs;
    for (const [key, window] of this.windows) if (now >= window.resetAt) this.windows.delete(key);
  }
}
