import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DEFAULT_STOCK_EVENTS_RETENTION_DAYS } from '../config/config.loader';

/** Rows looked at per statement: one short transaction each, so pruning never holds up the webhook or the folds. */
const BATCH = 5_000;

/**
 * Deletes the stock bridge's settled events older than STOCK_EVENTS_RETENTION_DAYS (hourly, where workers run).
 * Every POS change of every link is a row; without this the table — and every fold, tick and upload query on it —
 * grows for as long as the service runs.
 *
 * Settled: uploaded, netted, zero, ignored, unrecognised, and failed ones an upload reported. Never deleted, however
 * old: received, pending or uploading ones (still to be done) and failed ones no upload reported (the tick still
 * hands them to the next upload). Nothing else reads old events: the fold works from `stock_baselines`, a legacy
 * resend is looked for within minutes (LEGACY_RESEND_WINDOW_SECONDS), and Smaregi resends a webhook within hours —
 * a resend of a pruned change would be stored again and fold to no change against the baseline.
 *
 * The oldest rows are read in id order (the primary key, no scan of the table): ids are drawn in arrival order, so
 * the first batch with no row older than the retention ends the run (rows kept for their work are read again each
 * run: few, and each with a reason to be looked at).
 */
@Injectable()
export class StockEventRetention {
  private readonly logger = new Logger(StockEventRetention.name);

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** How many events it deleted (0 when the retention is 0: keep everything). */
  async prune(): Promise<number> {
    const days = this.config.stockEventsRetentionDays ?? DEFAULT_STOCK_EVENTS_RETENTION_DAYS;
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
}
