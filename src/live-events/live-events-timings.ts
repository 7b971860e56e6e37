import { Injectable } from '@nestjs/common';

/**
 * How the live event stream paces itself. Plain fields, so a test can shorten them on the running app
 * (`app.get(LiveEventsTimings).heartbeatMs = 200`) before it opens a stream.
 */
@Injectable()
export class LiveEventsTimings {
  /** a `: ping` comment this often keeps proxies and load balancers from closing an idle stream */
  heartbeatMs = 15_000;
  /** the reconnection delay a client is told (`retry:`) */
  clientRetryMs = 3_000;
  /** the relay also runs this often, in case a wake-up notification was lost */
  relaySafetyNetMs = 2_000;
  /** a lost LISTEN connection is opened again after this long */
  listenReconnectMs = 1_000;
  /** how long numbered events stay in the log (Last-Event-ID can resume this far back) */
  retentionDays = 7;
  /** how often old events are pruned (where workers run) */
  pruneEveryMs = 60 * 60_000;
}
