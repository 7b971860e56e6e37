import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DEFAULT_STOCK_EVENTS_RETENTION_DAYS } from '../config/config.loader';

/** Rows looked at per statement: one short transaction each, so pruning never holds up the webhook or the folds. */
const BATCH = 5_000;

/**
 * Deletes what the stock bridge has settled, older than STOCK_EVENTS_RETENTION_DAYS (hourly, where workers run):
 * its events, then its upload runs. Every POS change of every link is an event row, and every upload run (up to one
 * per tick and link) an upload row; without this both tables — and every fold, tick and upload query on them — grow
 * for as long as the service runs.
 *
 * Events. Settled: uploaded, netted, zero, ignored, unrecognised, and failed ones an upload reported. Never deleted,
 * however old: received, pending or uploading ones (still to be done) and failed ones no upload reported (the tick
 * still hands them to the next upload). Nothing else reads old events: the fold works from `stock_baselines`, a legacy
 * resend is looked for within minutes (LEGACY_RESEND_WINDOW_SECONDS), and Smaregi resends a webhook within hours —
 * a resend of a pruned change would be stored again and fold to no change against the baseline.
 *
 * The oldest events are read in id order (the primary key, no scan of the table): ids are drawn in arrival order, so
 * the first batch with no row older than the retention ends the run (rows kept for their work are read again each
 * run: few, and each with a reason to be looked at).
 *
 * Uploads. A run is deleted only once no event names it: an event's `upload_id` is set to null when its upload goes
 * (ON DELETE SET NULL), and a failed event with no upload is one "no upload reported", which the tick would hand to an
 * upload again — a failure reported months ago sent again. So events go first, and a run some kept event still names
 * (an old `uploading` one) stays with it. A link's newest run always stays: it is the link's `lastUpload`, however
 * long the link has been quiet. The "no event names it" is read in the deleting statement's snapshot, so an event
 * made to name an old run while it is deleted would lose its reference; no code does that (an upload names only the
 * events it is sending then, in a run it has just started).
 */
@Injectable()
export class StockBridgeRetention {
  private readonly logger = new Logger(StockBridgeRetention.name);

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Events, then upload runs (see the class comment for why in this order); none when the retention is 0. */
  async prune(): Promise<{ events: number; uploads: number }> {
    const events = await this.pruneEvents();
    const uploads = await this.pruneUploads();
    return { events, uploads };
  }

  /** STOCK_EVENTS_RETENTION_DAYS, for events and upload runs alike; 0 keeps everything. */
  private retentionDays(): number {
    return this.config.stockEventsRetentionDays ?? DEFAULT_STOCK_EVENTS_RETENTION_DAYS;
  }

  /** How many events it deleted (0 when the retention is 0: keep everything). */
  async pruneEvents(): Promise<number> {
    const days = this.retentionDays();
    if (days <= 0) return 0;
    let after = '0';
    let deleted = 0;
    for (;;) {
      const [batch] = (await this.db.query(
        `WITH batch AS (
           SELECT id, received_at FROM stock_events WHERE id > $1::bigint ORDER BY id LIMIT $2
         ),
         gone AS (
           -- judged on the row itself, not the batch's snapshot: a row another transaction changes meanwhile is
           -- judged again as it is now (READ COMMITTED), so nothing that just gained work is deleted
           DELETE FROM stock_events e USING batch b
            WHERE e.id = b.id AND e.received_at < now() - make_interval(days => $3)
              AND (e.status IN ('uploaded', 'netted', 'zero', 'ignored', 'unrecognised') OR (e.status = 'failed' AND e.upload_id IS NOT NULL))
           RETURNING e.id
         )
         SELECT (SELECT max(id)::text FROM batch) AS last,
                (SELECT count(*)::int FROM gone) AS deleted,
                coalesce((SELECT bool_or(received_at < now() - make_interval(days => $3)) FROM batch), false) AS "anyOld"`,
        [after, BATCH, days],
      )) as Array<{ last: string | null; deleted: number; anyOld: boolean }>;
      deleted += batch.deleted;
      if (!batch.anyOld || batch.last === null) break;
      after = batch.last;
    }
    if (deleted > 0) this.logger.log({ deleted, retentionDays: days }, 'Pruned settled stock events');
    return deleted;
  }

  /**
   * How many upload runs it deleted. Link by link, oldest first, on the link's (link_id, started_at) index: no scan
   * of the table. The one statement judges each run as it is when deleted, so two instances pruning at once each
   * delete a run at most once between them.
   */
  async pruneUploads(): Promise<number> {
    const days = this.retentionDays();
    if (days <= 0) return 0;
    const links = (await this.db.query(`SELECT id FROM stock_links`)) as Array<{ id: string }>;
    let deleted = 0;
    for (const { id: linkId } of links) {
      for (;;) {
        const rows = (await this.db.query(
          `WITH old AS (
             SELECT u.id FROM stock_uploads u
              WHERE u.link_id = $1 AND u.started_at < now() - make_interval(days => $2)
                AND u.started_at < (SELECT max(n.started_at) FROM stock_uploads n WHERE n.link_id = $1)
                AND NOT EXISTS (SELECT 1 FROM stock_events e WHERE e.upload_id = u.id)
              ORDER BY u.started_at
              LIMIT $3
           )
           DELETE FROM stock_uploads u USING old WHERE u.id = old.id RETURNING u.id`,
          [linkId, days, BATCH],
        )) as [unknown[], number];
        deleted += rows[1];
        if (rows[1] < BATCH) break;
      }
    }
    if (deleted > 0) this.logger.log({ deleted, retentionDays: days }, 'Pruned old stock upload runs');
    return deleted;
  }
}
