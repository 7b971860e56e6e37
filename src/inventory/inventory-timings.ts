import { Injectable } from '@nestjs/common';
import { PushTimings } from '../common/push-timings';
import { AppConfig } from '../config/app-config';

/** How the stock push gathers, retries and refreshes. How often Inventory's ticks run is schedules.ts's. */
@Injectable()
export class InventoryTimings extends PushTimings {
  /** how long stock changes gather before they are sent together */
  readonly stockCoalesceMs: number;
  /** an absolute level is re-sent at least this often, even if unchanged (the site may have drifted) */
  readonly refreshAfterMs = 6 * 60 * 60_000;
  /** a relative site's push may wait this long for its answer (NextEngine: up to 60 min under wait_flag=1, then its queue) */
  readonly relativeLeaseMs = 90 * 60_000;
  /** a stored listing address is read from the site again once it is this old */
  readonly listingRefreshAfterMs = 24 * 60 * 60_000;

  constructor(config: AppConfig) {
    super(config);
    this.stockCoalesceMs = Math.min(config.syncTickSeconds * 1000, 5_000);
  }
}
