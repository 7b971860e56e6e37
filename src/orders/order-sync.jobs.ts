import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { Connection } from '../connections/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { JobQueue } from '../jobs/job-queue.service';
import type { SyncRunTrigger } from '../jobs/sync-run.entity';
import { SyncRunsService } from '../jobs/sync-runs.service';
import { OrderConfirmationService } from './order-confirmation.service';
import { EventBus } from '../events/event-bus';
import { OrderChangeIntakeService } from './order-change-intake.service';
import { SiteAuthError } from '../connections/site-calls';
import { ConnectionBusyError, OrderIntakeService, PullNotPossibleError, type PullOutcome } from './order-intake.service';

function emptyOutcome(): PullOutcome {
  return { seen: 0, created: 0, updated: 0, unchanged: 0, failed: 0, pendingConfirmation: 0, createdIds: [] };
}

export const ORDERS_PULL = 'orders.pull';

/** A connection's run lock ($1: its id): a session advisory lock, held while a worker runs its sync. */
const TRY_RUN_LOCK = `SELECT pg_try_advisory_lock(hashtext('orders.run'), hashtext($1)) AS locked`;
const RELEASE_RUN_LOCK = `SELECT pg_advisory_unlock(hashtext('orders.run'), hashtext($1))`;
export const ORDERS_CONFIRM = 'orders.confirm';

interface PullJob {
  connectionId: string;
  tenantId: string;
  runId: string;
}

interface ConfirmJob {
  connectionId: string;
}

/**
 * The order sync on the job queue: a tick enqueues one pull per due connection (at most one
 * waiting per connection, whatever the number of instances), workers run them, failures retry
 * with exponential backoff and every run is recorded for the seller to see.
 */
@Injectable()
export class OrderSyncJobs implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly runs: SyncRunsService,
    private readonly connections: ConnectionsService,
    private readonly intake: OrderIntakeService,
    private readonly confirmation: OrderConfirmationService,
    private readonly changes: OrderChangeIntakeService,
    private readonly events: EventBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.define({ name: ORDERS_PULL, policy: 'short', retryLimit: 5, retryDelaySeconds: 15, expireInSeconds: 30 * 60 });
    await this.queue.define({ name: ORDERS_CONFIRM, policy: 'short', retryLimit: 6, retryDelaySeconds: 30, expireInSeconds: 15 * 60 });
    if (!this.config.workersEnabled) return;
    await this.queue.work<PullJob>(ORDERS_PULL, 2, (data, job) => this.runPull(data, job.retryCount, job.retryLimit));
    await this.queue.work<ConfirmJob>(ORDERS_CONFIRM, 1, (data) => this.runConfirm(data));
  }

  /** Enqueue a pull for every connection whose interval has passed (schedules.ts runs it, never twice at once). */
  async tick(): Promise<void> {
    const now = new Date();
    for (const connection of await this.connections.dueForOrderSync(now)) await this.enqueuePull(connection, 'schedule', now);
    await this.releaseAbandonedRuns();
  }

  /**
   * A run whose worker died (killed, out of memory) would show `running` until the queue expires its job
   * (30 minutes) and tries it again. Once no live worker holds the connection's lock, it says so at once.
   */
  private async releaseAbandonedRuns(): Promise<void> {
    for (const run of await this.runs.listRunning(ORDERS_PULL)) {
      if (await this.isRunning(run.connectionId)) continue;
      await this.runs.markAbandoned(
        run.id,
        'The process running this sync stopped. The queue runs it again within 30 minutes, from the last saved batch; scheduled syncs go on meanwhile.',
      );
    }
  }

  /**
   * Queue a pull now; when one is already waiting for this connection, answer with that run instead.
   * The run and its job are written in one transaction: a worker never starts a job whose run is not
   * recorded yet (its updates would find no row), and a refused job leaves no run behind.
   */
  async enqueuePull(connection: Connection, trigger: SyncRunTrigger, now = new Date()): Promise<{ runId: string | null; queued: boolean }> {
    const runId = this.runs.newRunId();
    const transaction = this.db.createQueryRunner();
    await transaction.connect();
    let jobId: string | null;
    try {
      await transaction.startTransaction();
      await this.runs.recordQueued(
        { id: runId, tenantId: connection.tenantId, connectionId: connection.id, kind: ORDERS_PULL, trigger },
        transaction.manager,
      );
      jobId = await this.queue.send<PullJob>(
        ORDERS_PULL,
        { connectionId: connection.id, tenantId: connection.tenantId, runId },
        { singletonKey: connection.id, transaction: transaction.manager },
      );
      if (jobId) await transaction.commitTransaction();
      else await transaction.rollbackTransaction();
    } catch (error) {
      if (transaction.isTransactionActive) await transaction.rollbackTransaction();
      throw error;
    } finally {
      await transaction.release();
    }
    if (!jobId) {
      const waiting = await this.runs.findWaiting(connection.id, ORDERS_PULL);
      return { runId: waiting?.id ?? null, queued: false };
    }
    await this.connections.markOrderSyncQueued(connection.id, now);
    return { runId, queued: true };
  }

  /**
   * Whether a live worker runs this connection's sync now. The run lock is a session lock, so it goes with the
   * connection of a process that died: a run still marked running without it was abandoned.
   */
  async isRunning(connectionId: string): Promise<boolean> {
    const probe = this.db.createQueryRunner();
    await probe.connect();
    try {
      const [{ locked }] = await probe.query(TRY_RUN_LOCK, [connectionId]);
      if (locked) await probe.query(RELEASE_RUN_LOCK, [connectionId]);
      return !locked;
    } finally {
      await probe.release();
    }
  }

  /**
   * One run, under the connection's run lock (one worker per connection across instances): the change pull
   * (cancels, holds, changes after intake), then the orders pull, then a recheck of open orders the orders pull no
   * longer saw; all counted on the run. Changes go first so that a cancel reaches the warehouse whatever else fails,
   * with the site's own words (a re-read by the orders pull would only see a line gone); an order first pulled in
   * this run has its changes read by the next run's overlap.
   */
  private async runPull(job: PullJob, retryCount: number, retryLimit: number): Promise<void> {
    const lock = this.db.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(TRY_RUN_LOCK, [job.connectionId]);
      if (!locked) {
        const busy = new ConnectionBusyError('Another worker is syncing this connection.');
        await this.runs.markFailed(job.runId, busy.message, null, true);
        throw busy;
      }
      try {
        await this.runs.markRunning(job.runId);
        await this.runLocked(job, retryCount, retryLimit);
      } finally {
        await lock.query(RELEASE_RUN_LOCK, [job.connectionId]);
      }
    } finally {
      await lock.release();
    }
  }

  private async runLocked(job: PullJob, retryCount: number, retryLimit: number): Promise<void> {
    const counts: PullOutcome = emptyOutcome();
    const progress = () => this.runs.recordProgress(job.runId, counts);
    let failure: unknown = null;
    const connection = await this.connections.findLive(job.connectionId);
    const changes = connection !== null && this.changes.hasChanges(connection.site);
    if (changes) {
      try {
        Object.assign(counts, await this.changes.pull(job.connectionId));
        await progress();
      } catch (error) {
        Object.assign(counts, (error as { partialChanges?: object }).partialChanges ?? {});
        // a refused credential stops the run here (siteCalls marked the connection): the seller must sign in again
        failure = error instanceof SiteAuthError ? new PullNotPossibleError(`The site refused the credentials: ${error.siteMessage ?? error.message}`) : error;
      }
    }
    if (!(failure instanceof PullNotPossibleError)) {
      const changeCounts = { changesSeen: counts.changesSeen, changesApplied: counts.changesApplied };
      try {
        const outcome = await this.intake.pull(job.connectionId, {
          onProgress: (pulled) => this.runs.recordProgress(job.runId, { ...pulled, ...changeCounts }),
        });
        Object.assign(counts, outcome, changeCounts);
      } catch (error) {
        const partial = (error as { partialOutcome?: PullOutcome }).partialOutcome;
        if (partial) Object.assign(counts, partial, changeCounts);
        // a connection that cannot work, or another worker on it, says more than a failed change pull
        if (error instanceof PullNotPossibleError || error instanceof ConnectionBusyError || !failure) failure = error;
      }
    }
    if (changes && !failure && counts.vanishedIds?.length) {
      try {
        const rechecked = await this.changes.recheckVanished(job.connectionId, counts.vanishedIds);
        counts.changesSeen = (counts.changesSeen ?? 0) + rechecked.changesSeen;
        counts.changesApplied = (counts.changesApplied ?? 0) + rechecked.changesApplied;
      } catch (error) {
        failure = error;
      }
    }
    if (failure) {
      const message = failure instanceof Error ? failure.message : String(failure);
      if (failure instanceof PullNotPossibleError) {
        await this.runs.markFailed(job.runId, message, counts, false);
        return; // retrying cannot help: the seller must act first
      }
      const willRetry = retryCount < retryLimit || failure instanceof ConnectionBusyError;
      await this.runs.markFailed(job.runId, message, counts, willRetry);
      throw failure;
    }
    await this.runs.markFinished(job.runId, counts);
    if (counts.created + counts.updated > 0)
      this.events.publish('orders.changed', { tenantId: job.tenantId, connectionId: job.connectionId, reason: 'intake' });
    if (connection?.options.autoOrderConfirmation && counts.pendingConfirmation > 0) {
      await this.queue.send<ConfirmJob>(ORDERS_CONFIRM, { connectionId: job.connectionId }, { singletonKey: job.connectionId });
    }
  }

  private async runConfirm(job: ConfirmJob): Promise<void> {
    try {
      const outcome = await this.confirmation.confirmPending(job.connectionId);
      if (outcome.retryable > 0) throw new Error(`${outcome.retryable} orders could not be confirmed yet; retrying`);
    } catch (error) {
      if (error instanceof PullNotPossibleError) return;
      throw error;
    }
  }
}
