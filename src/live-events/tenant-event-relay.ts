import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RerunningTask } from '../common/rerunning-task';
import { AppConfig } from '../config/app-config';
import { LiveEventsTimings } from './live-events-timings';
import { NUMBERED_CHANNEL, TenantEventNotifications } from './tenant-event-notifications';

const BATCH = 1000;

/**
 * Numbers the events the triggers recorded, in the order they were recorded, once their transaction has
 * committed, and tells every instance which tenants have new events. Only one relay numbers at a time (a
 * transaction-scoped advisory lock, across instances), so seq order is commit order: a reader that has seen
 * seq N never later finds a new event with a smaller seq. Runs when a trigger's notification says there is
 * work, and on a short timer in case a notification was lost; also prunes old events where workers run.
 */
@Injectable()
export class TenantEventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TenantEventRelay.name);
  private readonly numbering = new RerunningTask(
    () => this.drain(),
    (error) => this.logger.error({ err: error }, 'Numbering tenant events failed; the next run tries again'),
  );
  private readonly timers: NodeJS.Timeout[] = [];
  private unlisten?: () => void;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly timings: LiveEventsTimings,
    notifications: TenantEventNotifications,
  ) {
    this.unlisten = notifications.listen({ pending: () => this.wake(), resumed: () => this.wake() });
  }

  onApplicationBootstrap(): void {
    this.timers.push(setInterval(() => this.wake(), this.timings.relaySafetyNetMs));
    if (this.config.workersEnabled) this.timers.push(setInterval(() => void this.pruneQuietly(), this.timings.pruneEveryMs));
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unlisten?.();
    for (const timer of this.timers) clearInterval(timer);
    await this.numbering.settled();
  }

  /** Runs the relay now, or once more right after the run in progress (which may have started before the news). */
  wake(): void {
    this.numbering.wake();
  }

  /** Numbers every waiting event; returns how many. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const numbered = await this.numberBatch();
      total += numbered;
      if (numbered < BATCH) return total;
    }
  }

  private async numberBatch(): Promise<number> {
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('tenant_events.relay'))`);
      const waiting: { id: string; tenant_id: string }[] = await manager.query(
        `SELECT id, tenant_id FROM tenant_events WHERE seq IS NULL ORDER BY recorded LIMIT $1`,
        [BATCH],
      );
      if (!waiting.length) return 0;
      // generate_series yields in order, so the numbers rise in recording order
      const seqs: { seq: string }[] = await manager.query(`SELECT nextval('tenant_events_seq') AS seq FROM generate_series(1, $1)`, [
        waiting.length,
      ]);
      await manager.query(`UPDATE tenant_events t SET seq = n.seq FROM unnest($1::uuid[], $2::bigint[]) AS n(id, seq) WHERE t.id = n.id`, [
        waiting.map((row) => row.id),
        seqs.map((row) => row.seq),
      ]);
      const highest = new Map<string, string>();
      waiting.forEach((row, index) => highest.set(row.tenant_id, seqs[index].seq));
      await manager.query(`SELECT pg_notify($1, tenant_id || ':' || seq) FROM unnest($2::text[], $3::text[]) AS h(tenant_id, seq)`, [
        NUMBERED_CHANNEL,
        [...highest.keys()],
        [...highest.values()],
      ]);
      return waiting.length;
    });
  }

  /** Deletes numbered events older than the retention; returns how many. */
  async prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted]: [unknown, number] = await this.db.query(
        `DELETE FROM tenant_events WHERE id IN (
           SELECT id FROM tenant_events WHERE created_at < now() - make_interval(days => $1) AND seq IS NOT NULL LIMIT 10000)`,
        [this.timings.retentionDays],
      );
      total += deleted;
      if (deleted < 10000) return total;
    }
  }

  private async pruneQuietly(): Promise<void> {
    try {
      await this.prune();
    } catch (error) {
      this.logger.error({ err: error }, 'Pruning old tenant events failed; the next run tries again');
    }
  }
}
