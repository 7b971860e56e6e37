import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../jobs/job-queue.service';
import { NeOrderShipments } from './ne-order-shipments.service';
import { type ProcessResult, StockBridge, type UploadResult } from './stock-bridge.service';
import type { StockLink } from './stock-link.entity';

export const STOCK_PROCESS = 'stock-links.process';
export const STOCK_UPLOAD = 'stock-links.upload';
export const STOCK_SHIPMENTS = 'stock-links.shipments';

interface LinkJob {
  linkId: string;
}

/** Seconds before a job whose link was busy (another instance holds its lock) tries again. */
const BUSY_RETRY_SECONDS = 2;
/** A history record Smaregi did not show yet is looked for again after this long. */
const HISTORY_RETRY_SECONDS = 5;
/** Deltas NextEngine refused for now (free stock) are tried again after this long. */
const UPLOAD_RETRY_SECONDS = 120;
/** Webhooks of one link arriving closer together than this share one enqueue (sent when the window ends). */
const COALESCE_MS = 100;

/**
 * The bridge on the job queue: a webhook enqueues `process` (at most one waiting per link); processing
 * enqueues `upload` after the link's batching delay, so changes arriving meanwhile travel together. A
 * scheduler tick re-enqueues any link with work left (a lost enqueue never strands a change) and imports
 * NextEngine orders as Smaregi shipments for links that ask for it.
 */
@Injectable()
export class StockLinkJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StockLinkJobs.name);
  private readonly lastEnqueued = new Map<string, number>();
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly bridge: StockBridge,
    private readonly shipments: NeOrderShipments,
    private readonly clock: Clock,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.define({ name: STOCK_PROCESS, policy: 'short', retryLimit: 8, retryDelaySeconds: 5, expireInSeconds: 15 * 60 });
    // An upload call may be held by NextEngine for up to 60 minutes (wait_flag=1), then its queue job (or, when the
    // answer was lost, every job since) is waited for up to 10 minutes (NextEngineStockUploader). A job expiring
    // before that would be retried while still running (the link lock keeps the retry from sending anything).
    await this.queue.define({ name: STOCK_UPLOAD, policy: 'short', retryLimit: 8, retryDelaySeconds: 30, expireInSeconds: 90 * 60 });
    await this.queue.define({ name: STOCK_SHIPMENTS, policy: 'short', retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 30 * 60 });
    if (!this.config.workersEnabled) return;
    await this.queue.work<LinkJob>(STOCK_PROCESS, 2, (job) => this.runProcess(job.linkId));
    await this.queue.work<LinkJob>(STOCK_UPLOAD, 2, (job) => this.runUpload(job.linkId));
    await this.queue.work<LinkJob>(STOCK_SHIPMENTS, 1, (job) => this.runShipments(job.linkId));
  }

  async onApplicationShutdown(): Promise<void> {
    // A change whose trailing enqueue is dropped here is stored as received: the next tick enqueues it.
    for (const timer of this.trailing.values()) clearTimeout(timer);
  }

  /**
   * After a webhook stored changes. Only one processing job can wait per link anyway, so a burst needs
   * one enqueue, not one per request: the first of a burst is sent at once, the rest are folded into one
   * trailing send at the end of the window — the last change is always followed by an enqueue.
   */
  processingSoon(linkId: string): void {
    const now = Date.now();
    const since = now - (this.lastEnqueued.get(linkId) ?? 0);
    if (since >= COALESCE_MS) {
      this.lastEnqueued.set(linkId, now);
      void this.enqueueQuietly(linkId);
      return;
    }
    if (this.trailing.has(linkId)) return;
    const timer = setTimeout(() => {
      this.trailing.delete(linkId);
      this.lastEnqueued.set(linkId, Date.now());
      void this.enqueueQuietly(linkId);
    }, COALESCE_MS - since);
    timer.unref();
    this.trailing.set(linkId, timer);
  }

  private async enqueueQuietly(linkId: string): Promise<void> {
    try {
      await this.requestProcessing(linkId);
    } catch (error) {
      // Stored already: the scheduler tick finds received changes and enqueues them.
      this.logger.warn({ err: error, linkId }, 'Could not enqueue stock processing; the tick will');
    }
  }

  requestProcessing(linkId: string, afterSeconds = 0): Promise<string | null> {
    return this.queue.send<LinkJob>(STOCK_PROCESS, { linkId }, { singletonKey: linkId, startAfterSeconds: afterSeconds });
  }

  /**
   * What a flush left for the background, asked for now rather than at the next tick: the rest of a fold that took
   * on as many products as one does, the changes whose history record Smaregi does not show yet, the deltas
   * NextEngine refused for now. Says whether anything was left. An enqueue that fails is logged; the tick asks again.
   */
  async continueAfterFlush(linkId: string, folded: ProcessResult, uploaded: UploadResult): Promise<boolean> {
    const asks: Array<() => Promise<unknown>> = [];
    const foldAgain = foldAgainAfter(folded);
    if (foldAgain !== null) asks.push(() => this.requestProcessing(linkId, foldAgain));
    if (uploaded.retryLater) asks.push(() => this.requestUpload(linkId, UPLOAD_RETRY_SECONDS));
    for (const ask of asks) {
      try {
        await ask();
      } catch (error) {
        this.logger.warn({ err: error, linkId }, 'Could not enqueue what a flush left; the tick will');
      }
    }
    return asks.length > 0;
  }

  requestUpload(linkId: string, afterSeconds: number): Promise<string | null> {
    return this.queue.send<LinkJob>(STOCK_UPLOAD, { linkId }, { singletonKey: linkId, startAfterSeconds: afterSeconds });
  }

  /** Links with work left and links importing NE orders as shipments (schedules.ts runs it, never twice at once). */
  async tick(): Promise<void> {
    const work = (await this.db.query(
      `SELECT e.link_id AS "linkId", bool_or(e.status = 'received') AS received, bool_or(e.status IN ('pending', 'failed') AND e.upload_id IS NULL) AS pending,
              min(l.upload_delay_seconds) AS delay
         FROM stock_events e JOIN stock_links l ON l.id = e.link_id AND l.deleted_at IS NULL
        WHERE e.status IN ('received', 'pending') OR (e.status = 'failed' AND e.upload_id IS NULL)
        GROUP BY e.link_id`,
    )) as Array<{ linkId: string; received: boolean; pending: boolean; delay: number }>;
    for (const link of work) {
      if (link.received) await this.requestProcessing(link.linkId);
      else if (link.pending) await this.requestUpload(link.linkId, link.delay);
    }
    const shipping = (await this.db.query(`SELECT id FROM stock_links WHERE shipments_enabled AND deleted_at IS NULL`)) as Array<{
      id: string;
    }>;
    for (const { id } of shipping) await this.queue.send<LinkJob>(STOCK_SHIPMENTS, { linkId: id }, { singletonKey: id });
  }

  private async runProcess(linkId: string): Promise<void> {
    await this.locked(
      linkId,
      () => this.requestProcessing(linkId, BUSY_RETRY_SECONDS),
      async (link) => {
        const foldAgain = foldAgainAfter(await this.bridge.process(link));
        if (foldAgain !== null) await this.requestProcessing(linkId, foldAgain);
        if (await this.hasUploadWork(linkId)) await this.requestUpload(linkId, link.uploadDelaySeconds);
      },
    );
  }

  private async runUpload(linkId: string): Promise<void> {
    await this.locked(
      linkId,
      () => this.requestUpload(linkId, BUSY_RETRY_SECONDS),
      async (link) => {
        const foldAgain = foldAgainAfter(await this.bridge.process(link));
        if (foldAgain !== null) await this.requestProcessing(linkId, foldAgain);
        const result = await this.bridge.upload(link, 'schedule');
        if (result.retryLater) await this.requestUpload(linkId, UPLOAD_RETRY_SECONDS);
      },
    );
  }

  private async runShipments(linkId: string): Promise<void> {
    await this.locked(
      linkId,
      () => Promise.resolve(null),
      async (link) => {
        await this.shipments.importOrders(link, this.clock.now());
        await this.db.query(`UPDATE stock_links SET last_shipment_import_at = now() WHERE id = $1`, [linkId]);
      },
    );
  }

  /** Work under the link's lock; when another instance holds it, the job is sent again a little later. */
  private async locked(linkId: string, whenBusy: () => Promise<unknown>, work: (link: StockLink) => Promise<void>): Promise<void> {
    const ran = await this.bridge.withLinkLock(linkId, 0, async () => {
      const link = await this.bridge.liveLink(linkId);
      if (link) await work(link);
    });
    if (!ran) await whenBusy();
  }

  private async hasUploadWork(linkId: string): Promise<boolean> {
    const [row] = (await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM stock_events WHERE link_id = $1 AND (status = 'pending' OR (status = 'failed' AND upload_id IS NULL))) AS work`,
      [linkId],
    )) as Array<{ work: boolean }>;
    return row.work;
  }
}

/**
 * Seconds until what a fold left is folded again, or null when it left nothing — one rule for the jobs and the flush:
 * a history record Smaregi does not show yet is given time; changes merely left for the next fold (a full batch,
 * more products than one fold takes on) are folded at once.
 */
function foldAgainAfter(folded: ProcessResult): number | null {
  if (folded.retryLater) return HISTORY_RETRY_SECONDS;
  return folded.more ? 0 : null;
}
