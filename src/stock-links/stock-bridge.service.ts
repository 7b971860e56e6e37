import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Capability, SiteError, SiteRejectedError } from '../connections/site-calls';
import type { ItemResult } from '../connectors/sales-site-connector';
import type { SiteGoodsStock, SiteStockHistory } from '../connectors/site-ports';
import { LinkConnectionError, LinkSites } from './link-sites';
import {
  type Baseline,
  type FoldOutcome,
  foldHistory,
  type HistoryChange,
  LEGACY_RESEND_WINDOW_SECONDS,
  legacyDelta,
  netByCode,
  type TravelRule,
} from './stock-delta';
import { StockCodeResolver } from './stock-code-resolver';
import type { StockLink } from './stock-link.entity';
import { StockLinkMailer } from './stock-link.mailer';
import { StockLinkNotices } from './stock-link-notices';
import type { StockUploadRow } from './stock-links.service';

/** A Platform history record not visible yet is looked for again this many times before the change fails. */
const HISTORY_ATTEMPTS = 5;
/** A retryable NextEngine refusal (not enough free stock yet) is tried again this many times. */
const UPLOAD_ATTEMPTS = 5;
const PROCESS_BATCH = 5000;
/**
 * The (store, product)s one fold takes on: each may cost Smaregi history reads, one after another at Smaregi's pace
 * (≥ 100 ms apiece). A stocktake touches every product at once. Folded whole — one transaction under the link's
 * lock — nothing of it travelled until the last product was read (5,000 products: 8 minutes and more), a flush
 * request waited as long, and at a slow answer the job outlived its 15 minutes, so pg-boss counted it failed while
 * it still ran. In folds of this many products it commits as it goes, and the next fold follows at once (`more`).
 */
export const MAX_FOLD_PRODUCTS = 200;
const UPLOAD_BATCH = 20000;

interface ReceivedEvent {
  id: string;
  kind: 'platform' | 'legacy';
  sourceKey: string | null;
  storeId: string;
  productId: string;
  amountAfter: string | null;
  attempts: number;
}

interface EventOutcome {
  id: string;
  status: 'received' | 'pending' | 'zero' | 'ignored' | 'failed';
  delta: number | null;
  amountAfter: number | null;
  code: string | null;
  reason: string | null;
  attempts: number;
}

export interface ProcessResult {
  processed: number;
  /** some changes wait for Smaregi to show their history record */
  retryLater: boolean;
  /** changes were left for the next fold (a full batch, or more products than a fold takes on): fold again now */
  more?: boolean;
}

export interface UploadResult {
  upload: StockUploadRow | null;
  /** some deltas were refused for now and wait for the next upload */
  retryLater: boolean;
}

/**
 * The bridge's work for one link, always under the link's lock: received changes become deltas against
 * the baselines (converted to NextEngine codes), and pending deltas are uploaded to NextEngine in one
 * netted batch whose per-code outcome is recorded on every change and mailed.
 */
@Injectable()
export class StockBridge {
  private readonly logger = new Logger(StockBridge.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sites: LinkSites,
    private readonly codes: StockCodeResolver,
    private readonly mailer: StockLinkMailer,
    private readonly notices: StockLinkNotices,
  ) {}

  /**
   * Runs `work` holding the link's session advisory lock, so one instance at a time computes deltas or
   * uploads for a link. Waits up to `waitMs` for the lock; null when it stayed busy.
   */
  async withLinkLock<T>(linkId: string, waitMs: number, work: () => Promise<T>): Promise<{ value: T } | null> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    const key = `stock-link:${linkId}`;
    try {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [key])) as Array<{
          locked: boolean;
        }>;
        if (locked) break;
        if (Date.now() >= deadline) return null;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      try {
        return { value: await work() };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
      }
    } finally {
      await runner.release();
    }
  }

  async liveLink(linkId: string): Promise<StockLink | null> {
    const [row] = (await this.db.query(`SELECT * FROM stock_links WHERE id = $1 AND deleted_at IS NULL`, [linkId])) as Array<
      Record<string, unknown>
    >;
    return row ? toLink(row) : null;
  }

  /** Received changes → deltas. Must run under the link's lock (baselines are read-modify-write). */
  async process(link: StockLink): Promise<ProcessResult> {
    const received = (await this.db.query(
      `SELECT id::text, kind, source_key AS "sourceKey", store_id AS "storeId", product_id AS "productId",
              amount_after::text AS "amountAfter", attempts
         FROM stock_events WHERE link_id = $1 AND status = 'received' ORDER BY id LIMIT ${PROCESS_BATCH}`,
      [link.id],
    )) as ReceivedEvent[];
    if (received.length === 0) return { processed: 0, retryLater: false };

    const rule = travelRule(link);
    const inFilter = (event: ReceivedEvent) => !link.storeId || event.storeId === link.storeId;
    const events = withinProducts(received, inFilter, MAX_FOLD_PRODUCTS);
    const travelling = events.filter(inFilter);
    const histories = await this.histories(link, travelling);
    const baselines = await this.baselines(link.id, travelling);
    const legacyHistories = await this.legacyHistories(link, travelling, baselines);
    const staleResends = await this.staleResends(
      link.id,
      travelling.filter((event) => event.kind === 'legacy' && !legacyHistories.has(baselineKey(event.storeId, event.productId))),
    );

    const outcomes: EventOutcome[] = [];
    const needCode: EventOutcome[] = [];
    const productOf = new Map<string, string>();
    let retryLater = false;
    for (const event of events) {
      const outcome: EventOutcome = {
        id: event.id,
        status: 'zero',
        delta: null,
        amountAfter: null,
        code: null,
        reason: null,
        attempts: event.attempts,
      };
      outcomes.push(outcome);
      if (!inFilter(event)) {
        Object.assign(outcome, { status: 'ignored', reason: `store filter: only store ${link.storeId} travels` });
        continue;
      }
      const key = baselineKey(event.storeId, event.productId);
      let computed: FoldOutcome;
      if (event.kind === 'platform') {
        const history = histories.get((event.sourceKey ?? '').replace(/^pf:/, ''));
        if (!history) {
          outcome.attempts += 1;
          const giveUp = outcome.attempts >= HISTORY_ATTEMPTS;
          retryLater ||= !giveUp;
          Object.assign(outcome, {
            status: giveUp ? 'failed' : 'received',
            reason: `Smaregi does not show stock-history record ${event.sourceKey?.slice(3)} for product ${event.productId} in store ${event.storeId}`,
          });
          continue;
        }
        computed = foldHistory(baselines.get(key), [toChange(history)], rule);
        outcome.amountAfter = history.stockAmount;
      } else {
        outcome.amountAfter = Number(event.amountAfter);
        const records = legacyHistories.get(key);
        if (records) {
          // The history since the baseline is the truth; the push's absolute amount only says "look". Later pushes
          // for the same (store, product) in this batch find nothing newer, and neither does a late resend.
          computed = foldHistory(baselines.get(key), records, rule);
          legacyHistories.set(key, []);
        } else if (staleResends.has(event.id)) {
          outcome.reason = `an older amount (${outcome.amountAfter}) arriving again after a newer one (Smaregi's resend): not applied`;
          continue;
        } else {
          computed = legacyDelta(baselines.get(key), outcome.amountAfter, rule);
        }
      }
      baselines.set(key, computed.next);
      outcome.delta = computed.delta;
      const kept = keptReason(rule, computed.kept);
      if (computed.delta !== 0) {
        outcome.reason = kept;
        needCode.push(outcome);
        productOf.set(outcome.id, event.productId);
      } else if (kept) {
        Object.assign(outcome, { status: 'ignored', reason: kept });
      } else {
        outcome.reason = computed.absorbed
          ? "the bridge's own shipment of a NextEngine order: already subtracted in NextEngine"
          : 'no change against the last known amount';
      }
    }

    if (needCode.length) {
      const resolved = await this.codes.toNextEngine(
        link,
        needCode.map((outcome) => productOf.get(outcome.id)!),
      );
      for (const outcome of needCode) {
        const resolution = resolved.get(productOf.get(outcome.id)!);
        if (resolution?.ok) Object.assign(outcome, { status: 'pending', code: resolution.code });
        else Object.assign(outcome, { status: 'failed', reason: resolution?.reason ?? 'no NextEngine code' });
      }
    }

    await this.db.transaction(async (manager) => {
      // The rows are found by id (`= ANY`, primary key) among the link's received ones (the work index), never by
      // `link_id` alone: on statistics older than a burst, PostgreSQL hashed the link's whole history for each batch
      // (a sequential scan: 38 µs a change at 75,000 events, growing with every change kept; 12 µs this way).
      await manager.query(
        `UPDATE stock_events e SET status = o.status, delta = o.delta, amount_after = COALESCE(o.amount_after, e.amount_after),
                nextengine_code = o.code, reason = o.reason, attempts = o.attempts,
                processed_at = CASE WHEN o.status = 'received' THEN NULL ELSE now() END
           FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::int[])
             AS o(id, status, delta, amount_after, code, reason, attempts)
          WHERE e.id = ANY($1::bigint[]) AND e.id = o.id AND e.link_id = $8 AND e.status = 'received'`,
        [
          outcomes.map((o) => o.id),
          outcomes.map((o) => o.status),
          outcomes.map((o) => o.delta),
          outcomes.map((o) => o.amountAfter),
          outcomes.map((o) => o.code),
          outcomes.map((o) => o.reason),
          outcomes.map((o) => o.attempts),
          link.id,
        ],
      );
      const entries = [...baselines.entries()];
      if (entries.length) {
        await manager.query(
          `INSERT INTO stock_baselines (link_id, store_id, product_id, amount, history_id, own_pending, updated_at)
           SELECT $1, s, p, a, h, o, now() FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) AS t(s, p, a, h, o)
           ON CONFLICT (link_id, store_id, product_id)
           DO UPDATE SET amount = EXCLUDED.amount, history_id = EXCLUDED.history_id, own_pending = EXCLUDED.own_pending, updated_at = now()`,
          [
            link.id,
            entries.map(([key]) => key.split('\u0000')[0]),
            entries.map(([key]) => key.split('\u0000')[1]),
            entries.map(([, b]) => b.amount),
            entries.map(([, b]) => b.historyId),
            entries.map(([, b]) => b.ownPending),
          ],
        );
      }
    });
    const processed = outcomes.filter((o) => o.status !== 'received').length;
    const more = received.length === PROCESS_BATCH || events.length < received.length;
    return { processed, retryLater, more };
  }

  /**
   * Pending deltas → one NextEngine upload (relative `zaiko_su`), netted per goods code. Changes that
   * failed before reaching this point (a product on one side only) are reported in the same result.
   */
  async upload(link: StockLink, trigger: 'schedule' | 'flush'): Promise<UploadResult> {
    await this.failInterruptedUploads(link.id);
    const pending = (await this.db.query(
      `SELECT id::text, nextengine_code AS code, delta::int AS delta, attempts FROM stock_events
        WHERE link_id = $1 AND status = 'pending' ORDER BY id LIMIT ${UPLOAD_BATCH}`,
      [link.id],
    )) as Array<{ id: string; code: string; delta: number; attempts: number }>;
    const [{ unreported }] = (await this.db.query(
      `SELECT count(*)::int AS unreported FROM stock_events WHERE link_id = $1 AND status = 'failed' AND upload_id IS NULL`,
      [link.id],
    )) as Array<{ unreported: number }>;
    if (pending.length === 0 && unreported === 0) return { upload: null, retryLater: false };

    const uploadId = randomUUID();
    const groups = netByCode(pending.map((row) => ({ eventId: row.id, code: row.code, delta: row.delta })));
    const zero = groups.filter((group) => group.delta === 0);
    const sending = groups.filter((group) => group.delta !== 0);
    await this.db.transaction(async (manager) => {
      await manager.query(`INSERT INTO stock_uploads (id, link_id, trigger, status, rows_sent) VALUES ($1, $2, $3, 'running', $4)`, [
        uploadId,
        link.id,
        trigger,
        sending.length,
      ]);
      await manager.query(
        `UPDATE stock_events SET status = 'netted', upload_id = $2, reason = 'cancelled out within the batch (e.g. a transfer between stores)'
          WHERE id = ANY($1::bigint[])`,
        [zero.flatMap((group) => group.eventIds), uploadId],
      );
      await manager.query(`UPDATE stock_events SET status = 'uploading', upload_id = $2 WHERE id = ANY($1::bigint[])`, [
        sending.flatMap((group) => group.eventIds),
        uploadId,
      ]);
      await manager.query(`UPDATE stock_events SET upload_id = $2 WHERE link_id = $1 AND status = 'failed' AND upload_id IS NULL`, [
        link.id,
        uploadId,
      ]);
    });

    let uploadError: string | null = null;
    let results = new Map<string, ItemResult>();
    let before: Map<string, SiteGoodsStock> | undefined;
    if (sending.length) {
      try {
        // Read first: a failure here (expired sign-in, NE down) provably sent nothing, so the deltas stay pending.
        before = await this.sites.nextEngine(link, Capability.StockDeltaSink, (nextEngine, ctx) =>
          nextEngine.readStock(
            ctx,
            sending.map((group) => group.code),
          ),
        );
      } catch (error) {
        if (!(error instanceof SiteError || error instanceof LinkConnectionError)) throw error;
        uploadError = `NextEngine could not be read, nothing was sent: ${error.message}`;
        await this.db.query(
          `UPDATE stock_events SET status = 'pending', upload_id = NULL, reason = $2 WHERE upload_id = $1 AND status = 'uploading'`,
          [uploadId, uploadError],
        );
      }
      const snapshot = before;
      if (snapshot) {
        try {
          results = new Map(
            (
              await this.sites.nextEngine(link, Capability.StockDeltaSink, (nextEngine, ctx) =>
                nextEngine.uploadDeltas(
                  ctx,
                  sending.map((group) => ({ goodsCode: group.code, delta: group.delta })),
                  snapshot,
                ),
              )
            ).map((result) => [result.key, result]),
          );
        } catch (error) {
          uploadError = `The upload to NextEngine broke off; whether it was applied is unknown, so it is not sent again: ${error instanceof Error ? error.message : String(error)}`;
          this.logger.error({ err: error, linkId: link.id }, 'Stock upload to NextEngine broke off');
        }
      }
    }

    const attemptsOf = new Map(pending.map((row) => [row.id, row.attempts]));
    const uploaded: string[] = [];
    const failed: Array<{ id: string; reason: string }> = [];
    const retry: Array<{ id: string; reason: string }> = [];
    if (before) {
      for (const group of sending) {
        const result = results.get(group.code);
        if (result?.ok) {
          uploaded.push(...group.eventIds);
          continue;
        }
        const reason = result?.message ?? uploadError ?? 'no result from NextEngine';
        for (const id of group.eventIds) {
          if (result?.retryable && (attemptsOf.get(id) ?? 0) + 1 < UPLOAD_ATTEMPTS) retry.push({ id, reason });
          else failed.push({ id, reason });
        }
      }
    }

    const upload = await this.db.transaction(async (manager) => {
      await manager.query(`UPDATE stock_events SET status = 'uploaded', reason = NULL, processed_at = now() WHERE id = ANY($1::bigint[])`, [
        uploaded,
      ]);
      await manager.query(
        `UPDATE stock_events e SET status = 'failed', reason = f.reason, processed_at = now()
           FROM unnest($1::bigint[], $2::text[]) AS f(id, reason) WHERE e.id = f.id`,
        [failed.map((f) => f.id), failed.map((f) => f.reason)],
      );
      // Refused for now (not enough free stock in NE yet): pending again, reported in this run, retried later.
      await manager.query(
        `UPDATE stock_events e SET status = 'pending', upload_id = NULL, attempts = e.attempts + 1, reason = f.reason
           FROM unnest($1::bigint[], $2::text[]) AS f(id, reason) WHERE e.id = f.id`,
        [retry.map((f) => f.id), retry.map((f) => f.reason)],
      );
      const [counts] = (await manager.query(
        `SELECT count(*) FILTER (WHERE status = 'uploaded')::int AS uploaded, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                count(*) FILTER (WHERE status = 'netted')::int AS netted
           FROM stock_events WHERE upload_id = $1`,
        [uploadId],
      )) as Array<{ uploaded: number; failed: number; netted: number }>;
      const failedCount = counts.failed + retry.length;
      const status =
        uploadError && counts.uploaded === 0
          ? 'failed'
          : failedCount === 0 && !uploadError
            ? 'succeeded'
            : counts.uploaded > 0 || counts.netted > 0
              ? 'partial'
              : 'failed';
      const [row] = (await manager.query(
        `UPDATE stock_uploads SET status = $2, uploaded = $3, failed = $4, netted = $5, error = $6, finished_at = now() WHERE id = $1
         RETURNING id, trigger, status, rows_sent AS "rowsSent", uploaded, failed, netted, error, mail_status AS "mailStatus",
                   mail_error AS "mailError", started_at AS "startedAt", finished_at AS "finishedAt"`,
        [uploadId, status, counts.uploaded, failedCount, counts.netted, uploadError],
      )) as [StockUploadRow[], number];
      await manager.query(`UPDATE stock_links SET last_upload_at = now() WHERE id = $1`, [link.id]);
      return row[0];
    });

    const mail = await this.mailResult(link, upload, retry);
    await this.db.query(`UPDATE stock_uploads SET mail_status = $2, mail_error = $3 WHERE id = $1`, [uploadId, mail.status, mail.error]);
    await this.notices.changeApplied(link, upload);
    return {
      upload: { ...upload, mailStatus: mail.status, mailError: mail.error },
      retryLater: retry.length > 0 || pending.length === UPLOAD_BATCH || !!(uploadError && !before),
    };
  }

  /**
   * A run left `running` (the process died mid-upload; we hold the lock, so no one else is running it):
   * its file may or may not have reached NextEngine, so its changes are failed visibly, never re-sent.
   */
  private async failInterruptedUploads(linkId: string): Promise<void> {
    await this.db.query(
      `WITH interrupted AS (
         UPDATE stock_uploads SET status = 'failed', finished_at = now(), error = 'interrupted; whether NextEngine applied it is unknown'
          WHERE link_id = $1 AND status = 'running' RETURNING id)
       UPDATE stock_events SET status = 'failed', reason = 'the upload was interrupted; whether NextEngine applied it is unknown, so it is not sent again'
        WHERE upload_id IN (SELECT id FROM interrupted) AND status = 'uploading'`,
      [linkId],
    );
  }

  private async mailResult(
    link: StockLink,
    upload: StockUploadRow,
    retry: Array<{ id: string; reason: string }>,
  ): Promise<{ status: string; error: string | null }> {
    const rows = (await this.db.query(
      `SELECT product_id AS "productId", store_id AS "storeId", nextengine_code AS code, delta::int AS delta, status, reason
         FROM stock_events WHERE upload_id = $1 ORDER BY id`,
      [upload.id],
    )) as Array<{ productId: string; storeId: string; code: string | null; delta: number | null; status: string; reason: string | null }>;
    const retrying = await this.db.query(
      `SELECT product_id AS "productId", store_id AS "storeId", nextengine_code AS code, delta::int AS delta, 'retrying' AS status, reason
         FROM stock_events WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [retry.map((r) => r.id)],
    );
    const lines = [...rows, ...(retrying as typeof rows)].map(
      (row) =>
        `${row.status.padEnd(9)} Smaregi ${row.productId} (store ${row.storeId}) → NextEngine ${row.code ?? '-'}  ${row.delta === null ? '' : row.delta > 0 ? `+${row.delta}` : row.delta}${row.reason ? `  — ${row.reason}` : ''}`,
    );
    const subject = `[Mallbridge] Smaregi → NextEngine stock upload: ${upload.uploaded} uploaded, ${upload.failed} failed`;
    const text = [
      `Stock link ${link.id}: upload ${upload.id} (${upload.trigger}) ${upload.status}.`,
      `Uploaded ${upload.uploaded}, failed ${upload.failed}, netted out ${upload.netted}; ${upload.rowsSent} rows sent to NextEngine.`,
      ...(upload.error ? ['', upload.error] : []),
      '',
      ...lines,
    ].join('\n');
    const outcome = await this.mailer.send(link.notificationEmail, subject, text);
    return { status: outcome.status, error: outcome.status === 'failed' ? outcome.error : null };
  }

  private async histories(link: StockLink, events: ReceivedEvent[]): Promise<Map<string, SiteStockHistory>> {
    const refs = events
      .filter((event) => event.kind === 'platform' && event.sourceKey)
      .map((event) => ({ id: event.sourceKey!.slice(3), productId: event.productId, storeId: event.storeId }));
    return refs.length
      ? this.sites.smaregi(link, Capability.StockHistorySource, (smaregi, ctx) => smaregi.readHistory(ctx, refs))
      : new Map();
  }

  /**
   * The history behind legacy pushes, per (store, product): every record above the baseline's history id (or the
   * link's floor for a product first seen). Absent for a key whose history cannot be read — no floor known (a
   * Platform-credentialled connection, or a link seeded before floors were kept), or Smaregi refuses the read (e.g.
   * the function is not 「利用する」) — and those pushes fall back to their absolute amounts (see legacyDelta).
   */
  private async legacyHistories(
    link: StockLink,
    events: ReceivedEvent[],
    baselines: Map<string, Baseline>,
  ): Promise<Map<string, HistoryChange[]>> {
    const out = new Map<string, HistoryChange[]>();
    const keys = new Map<string, { storeId: string; productId: string; afterId: string }>();
    for (const event of events) {
      if (event.kind !== 'legacy') continue;
      const key = baselineKey(event.storeId, event.productId);
      const afterId = baselines.get(key)?.historyId ?? (link.historyFloor === null ? null : Number(link.historyFloor));
      if (afterId !== null && !keys.has(key)) keys.set(key, { storeId: event.storeId, productId: event.productId, afterId: String(afterId) });
    }
    if (keys.size === 0) return out;
    try {
      await this.sites.smaregi(link, Capability.StockHistorySource, async (smaregi, ctx) => {
        for (const [key, ref] of keys) out.set(key, (await smaregi.historySince(ctx, ref)).map(toChange));
      });
    } catch (error) {
      if (!(error instanceof SiteRejectedError)) throw error;
      this.logger.warn({ linkId: link.id, err: error }, 'Smaregi stock history cannot be read; legacy pushes use their absolute amounts');
      out.clear();
    }
    return out;
  }

  /**
   * Legacy rows (history unreadable) that repeat an amount received within the resend window after another amount
   * was received for the same (store, product): an old amount arriving late (LEGACY_RESEND_WINDOW_SECONDS).
   *
   * One pass over each (store, product)'s receipts in the window (index stock_events_key_received): they are cut into
   * runs of one amount, and a row is stale when a receipt of the same content lies in an EARLIER run, i.e. with
   * another amount received between the two. Asked pair by pair instead (each row × each earlier receipt of its
   * content × the receipts between), it took longer than the fold has for a product whose amount repeated: over 13
   * minutes for 1,700 rows among 75,000 receipts of one amount (bench:webhook's data, history made unreadable).
   */
  private async staleResends(linkId: string, events: ReceivedEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = (await this.db.query(
      `WITH batch AS (
         SELECT id, store_id, product_id, content_hash, received_at FROM stock_events
          WHERE id = ANY($2::bigint[]) AND link_id = $1 AND content_hash IS NOT NULL
       ),
       keys AS (
         -- a minute's margin: ids and receipt times of concurrent inserts may disagree by a transaction's length
         SELECT store_id, product_id, min(received_at) - make_interval(secs => $3 + 60) AS since, max(id) AS last
           FROM batch GROUP BY store_id, product_id
       ),
       receipts AS (
         SELECT h.id, h.store_id, h.product_id, h.content_hash, h.received_at,
                CASE WHEN h.amount_after IS DISTINCT FROM lag(h.amount_after) OVER key_order THEN 1 ELSE 0 END AS new_amount
           FROM keys k
           JOIN stock_events h ON h.link_id = $1 AND h.store_id = k.store_id AND h.product_id = k.product_id
                              AND h.received_at >= k.since AND h.id <= k.last
         WINDOW key_order AS (PARTITION BY h.store_id, h.product_id ORDER BY h.id)
       ),
       runs AS (
         SELECT id, store_id, product_id, content_hash, received_at,
                sum(new_amount) OVER (PARTITION BY store_id, product_id ORDER BY id) AS run
           FROM receipts
       ),
       contents AS (
         SELECT store_id, product_id, content_hash, run, max(received_at) AS latest
           FROM runs WHERE content_hash IS NOT NULL GROUP BY store_id, product_id, content_hash, run
       )
       SELECT b.id::text FROM batch b JOIN runs r ON r.id = b.id
        WHERE EXISTS (
          SELECT 1 FROM contents c
           WHERE c.store_id = b.store_id AND c.product_id = b.product_id AND c.content_hash = b.content_hash
             AND c.run < r.run AND c.latest >= b.received_at - make_interval(secs => $3))`,
      [linkId, events.map((event) => event.id), LEGACY_RESEND_WINDOW_SECONDS],
    )) as Array<{ id: string }>;
    return new Set(rows.map((row) => row.id));
  }

  private async baselines(linkId: string, events: ReceivedEvent[]): Promise<Map<string, Baseline>> {
    const keys = [...new Set(events.map((event) => baselineKey(event.storeId, event.productId)))];
    const rows = (await this.db.query(
      `SELECT b.store_id AS "storeId", b.product_id AS "productId", b.amount::text AS amount, b.history_id::text AS "historyId", b.own_pending::text AS "ownPending"
         FROM stock_baselines b JOIN unnest($2::text[], $3::text[]) AS k(s, p) ON b.store_id = k.s AND b.product_id = k.p
        WHERE b.link_id = $1`,
      [linkId, keys.map((key) => key.split('\u0000')[0]), keys.map((key) => key.split('\u0000')[1])],
    )) as Array<{ storeId: string; productId: string; amount: string; historyId: string | null; ownPending: string }>;
    return new Map(
      rows.map((row) => [
        baselineKey(row.storeId, row.productId),
        {
          amount: Number(row.amount),
          historyId: row.historyId === null ? null : Number(row.historyId),
          ownPending: Number(row.ownPending),
        },
      ]),
    );
  }
}

function travelRule(link: StockLink): TravelRule {
  return { stockMaster: link.stockMaster, neMasterDivisions: link.neMasterDivisions ?? [] };
}

function toChange(history: SiteStockHistory): HistoryChange {
  return { id: Number(history.id), amount: history.amount, stockAmount: history.stockAmount, division: history.stockDivision };
}

/** Why part (or all) of a change stayed in Smaregi, or null when everything travelled. */
function keptReason(rule: TravelRule, kept: FoldOutcome['kept']): string | null {
  if (kept.length === 0) return null;
  const parts = kept.map((k) => `${k.division === null ? 'an increase' : `在庫区分 ${k.division}`} (${k.amount > 0 ? '+' : ''}${k.amount})`);
  const why =
    kept.some((k) => k.division === null)
      ? 'without its history a return cannot be told from a receipt or a transfer-in'
      : `only 在庫区分 ${rule.neMasterDivisions.join(', ') || '(none)'} (sales and returns) travel`;
  return `NextEngine is the stock master: ${parts.join(', ')} stays in Smaregi; ${why}`;
}

/**
 * The changes of the first `max` travelling (store, product)s, in arrival order, with every change of each, and every
 * change that does not travel (it needs no read). The others wait for the next fold: per (store, product), changes
 * are still folded in the order they came, since a product's changes are either all in or all left.
 */
export function withinProducts<T extends { storeId: string; productId: string }>(
  events: T[],
  travels: (event: T) => boolean,
  max: number,
): T[] {
  const products = new Set<string>();
  return events.filter((event) => {
    if (!travels(event)) return true;
    const key = baselineKey(event.storeId, event.productId);
    if (products.has(key)) return true;
    if (products.size >= max) return false;
    products.add(key);
    return true;
  });
}

function baselineKey(storeId: string, productId: string): string {
  return `${storeId}\u0000${productId}`;
}

function toLink(row: Record<string, unknown>): StockLink {
  const camel: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) camel[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  return camel as unknown as StockLink;
}
