import { Inject, Injectable, Optional } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { setTimeout as delay } from 'node:timers/promises';

import { SiteAnswerLostError, SiteError } from '../http/site-errors';
import { SiteHttpStatusError } from '../http/site-http-status-error';
import type { ConnectionContext, ItemResult } from '../sales-site-connector';
import { itemFailure as failure } from '../shared/item-outcome';
import { formatInOffset, JST_OFFSET_MINUTES } from '../shared/zoned-time';
import type { StockDeltaSink } from '../site-ports';
import { NE_MAX_IN_VALUES, NextEngineClient, type NextEngineRow } from './nextengine.client';

/** One stock change for NextEngine: `delta` is added to 在庫数 (negative subtracts). */
export interface NextEngineStockDelta {
  /** 商品コード (syohin_code / goods_id) */
  goodsCode: string;
  delta: number;
}

/** A goods code's stock as `master_stock/search` reports it. */
export interface NextEngineStockLevel {
  /** 在庫数: what `zaiko_su` adds to */
  stock: number;
  /** フリー在庫数: the most a negative `zaiko_su` may subtract */
  free: number;
}

export interface NextEngineStockUploadOptions {
  /** wait before the first queue poll; NextEngine's queue needs a few seconds at the least */
  firstPollDelayMs: number;
  /** the poll interval doubles up to this */
  maxPollDelayMs: number;
  /** give up polling (report "still queued") once this much time has been spent waiting */
  maxWaitMs: number;
  /** how to wait between polls (tests advance a simulated clock instead) */
  sleep: (ms: number) => Promise<void>;
  /**
   * The upload call's own timeout. Under `wait_flag=1` NextEngine may hold the call for up to 60 minutes before
   * it runs it (spec §3), so the call must outlast that: giving up earlier would leave a request NextEngine may
   * still queue after we have looked for it. The shared HTTP client honours timeouts beyond undici's 300 s.
   */
  uploadTimeoutMs: number;
}

export const NE_STOCK_UPLOAD_OPTIONS = Symbol('NE_STOCK_UPLOAD_OPTIONS');

export const DEFAULT_NE_STOCK_UPLOAD_OPTIONS: NextEngineStockUploadOptions = {
  // Hamee-style code polls every 5 s; we start sooner and back off.
  firstPollDelayMs: 2_000,
  maxPollDelayMs: 30_000,
  maxWaitMs: 10 * 60_000,
  sleep: (ms) => delay(ms),
  uploadTimeoutMs: 61 * 60_000,
};

const STOCK_SEARCH = '/api_v1_master_stock/search';
const GOODS_UPLOAD = '/api_v1_master_goods/upload';
const QUEUE_SEARCH = '/api_v1_system_que/search';
const STOCK_FIELDS = ['stock_goods_id', 'stock_quantity', 'stock_free_quantity'] as const;
const QUEUE_FIELDS = ['que_id', 'que_status_id', 'que_message'] as const;
const QUEUE_WINDOW_FIELDS = ['que_id', 'que_method_name', 'que_status_id', 'que_message', 'que_creation_date'] as const;
const SEARCH_LIMIT = 1000;
/**
 * How far before our upload the queue search for its job starts: NextEngine stamps `que_creation_date` with its
 * own clock (JST assumed, spec §3 UNCONFIRMED), so this covers clock skew between us and NextEngine. A wider
 * window only adds other jobs to wait for; it never clears an upload wrongly.
 */
const QUEUE_WINDOW_SLACK_MS = 2 * 60_000;

/** que_status_id (spec §6.8, confirmed by working code): 2 all succeeded, -1 failed, 0/1 waiting/running. */
const QUEUE_DONE = '2';
const QUEUE_FAILED = '-1';

/**
 * Spec §8 (old manual): ≤30 half-width alphanumerics and hyphens. Whether today's NextEngine allows more is
 * UNCONFIRMED; checking here keeps one malformed code from failing the whole upload file for every row.
 */
const GOODS_CODE = /^[A-Za-z0-9-]{1,30}$/;

/**
 * Stock changes to NextEngine through the goods-master CSV upload (`syohin_code,zaiko_su`, where `zaiko_su`
 * is RELATIVE — spec §6.7) and its upload queue. Used by the NextEngine connector (absolute targets turned
 * into deltas) and by the Smaregi ↔ NextEngine stock bridge (deltas as they are).
 *
 * The queue answers per file, not per row, so every row is checked first (code format, code known to the
 * stock master, no subtraction beyond free stock): the known causes of a failing file are reported on
 * their own row and kept out of the file. When a file fails anyway, the stock is read again and each row
 * is reported by whether its delta took effect — whether NextEngine applies the good rows of a failing
 * file is UNCONFIRMED, and a delta must never be sent twice.
 *
 * A lost answer is never a resend: when the upload call times out, loses its connection or answers 5xx, the
 * file may be queued all the same, so the upload queue and the stock are read to tell applied, not applied
 * (retryable) and unknown (not retryable) apart. After the file may have reached NextEngine, every
 * site failure is reported per row, never thrown: callers read a thrown error as "nothing happened, send again".
 */
@Injectable()
export class NextEngineStockUploader implements StockDeltaSink {
  private readonly options: NextEngineStockUploadOptions;

  constructor(
    private readonly client: NextEngineClient,
    @Optional() @Inject(NE_STOCK_UPLOAD_OPTIONS) options?: Partial<NextEngineStockUploadOptions>,
  ) {
    this.options = { ...DEFAULT_NE_STOCK_UPLOAD_OPTIONS, ...options };
  }

  /** `master_stock/search` for the given codes; codes NextEngine does not know are absent from the map. */
  async readStock(ctx: ConnectionContext, goodsCodes: readonly string[]): Promise<Map<string, NextEngineStockLevel>> {
    const levels = new Map<string, NextEngineStockLevel>();
    const unique = [...new Set(goodsCodes.filter((code) => GOODS_CODE.test(code)))];
    for (let start = 0; start < unique.length; start += NE_MAX_IN_VALUES) {
      const chunk = unique.slice(start, start + NE_MAX_IN_VALUES);
      for await (const rows of this.client.searchAll(
        ctx,
        STOCK_SEARCH,
        STOCK_FIELDS,
        { 'stock_goods_id-in': chunk.join(',') },
        SEARCH_LIMIT,
      )) {
        for (const row of rows) {
          const code = row.stock_goods_id;
          if (!code) continue;
          const stock = Number(row.stock_quantity ?? '0');
          const free = row.stock_free_quantity === null || row.stock_free_quantity === undefined ? stock : Number(row.stock_free_quantity);
          levels.set(code, { stock: Number.isFinite(stock) ? stock : 0, free: Number.isFinite(free) ? free : 0 });
        }
      }
    }
    return levels;
  }

  /**
   * Uploads the deltas as one CSV file and waits for the queue's verdict. Deltas for the same code are
   * summed. One result per distinct code, keyed by the goods code. `snapshot` is the stock just read by the
   * caller (saves a second read when the caller computed the deltas from it).
   */
  async uploadDeltas(
    ctx: ConnectionContext,
    deltas: readonly NextEngineStockDelta[],
    snapshot?: Map<string, NextEngineStockLevel>,
  ): Promise<ItemResult[]> {
    const merged = new Map<string, number>();
    for (const { goodsCode, delta } of deltas) merged.set(goodsCode, (merged.get(goodsCode) ?? 0) + delta);

    const results = new Map<string, ItemResult>();
    const candidates: NextEngineStockDelta[] = [];
    for (const [goodsCode, delta] of merged) {
      if (!GOODS_CODE.test(goodsCode)) {
        results.set(goodsCode, {
          key: goodsCode,
          ok: false,
          message: `Not a NextEngine goods code (≤30 half-width letters, digits, hyphens): ${goodsCode}`,
        });
      } else if (!Number.isInteger(delta)) {
        results.set(goodsCode, { key: goodsCode, ok: false, message: `The stock change must be a whole number: ${delta}` });
      } else if (delta === 0) {
        results.set(goodsCode, { key: goodsCode, ok: true });
      } else {
        candidates.push({ goodsCode, delta });
      }
    }

    const planned: NextEngineStockDelta[] = [];
    let before = snapshot;
    if (candidates.length > 0) {
      try {
        before ??= await this.readStock(
          ctx,
          candidates.map((candidate) => candidate.goodsCode),
        );
      } catch (error) {
        for (const candidate of candidates) results.set(candidate.goodsCode, failure(candidate.goodsCode, error));
        return orderedResults(merged, results);
      }
      for (const candidate of candidates) {
        const level = before.get(candidate.goodsCode);
        if (!level) {
          results.set(candidate.goodsCode, {
            key: candidate.goodsCode,
            ok: false,
            message: `Goods code ${candidate.goodsCode} is not in the NextEngine stock master`,
          });
        } else if (candidate.delta < 0 && -candidate.delta > level.free) {
          // [MAN-zaiko]: a subtraction beyond free stock fails the file; NextEngine's allocations may drop later.
          results.set(candidate.goodsCode, {
            key: candidate.goodsCode,
            ok: false,
            retryable: true,
            message: `Cannot subtract ${-candidate.delta} from ${candidate.goodsCode}: only ${level.free} free in NextEngine`,
          });
        } else {
          planned.push(candidate);
        }
      }
    }
    if (planned.length === 0) return orderedResults(merged, results);

    for (const result of await this.uploadChecked(ctx, planned, before ?? new Map())) results.set(result.key, result);
    return orderedResults(merged, results);
  }

  private async uploadChecked(
    ctx: ConnectionContext,
    planned: NextEngineStockDelta[],
    before: Map<string, NextEngineStockLevel>,
  ): Promise<ItemResult[]> {
    const sentAt = ctx.now();
    let queId: string | null;
    try {
      queId = await this.upload(ctx, planned);
    } catch (error) {
      if (!answerMayBeLost(error)) return planned.map(({ goodsCode }) => failure(goodsCode, error));
      return this.settleLostAnswer(ctx, planned, before, sentAt, { siteCode: error.siteCode, reason: error.message });
    }
    if (queId === null) {
      return this.settleLostAnswer(ctx, planned, before, sentAt, { reason: 'NextEngine accepted the stock upload without a que_id' });
    }
    return this.settleQueued(ctx, planned, before, queId);
  }

  /** The file is queued as `queId`: its verdict decides, and a failed file is checked row by row against the stock. */
  private async settleQueued(
    ctx: ConnectionContext,
    planned: NextEngineStockDelta[],
    before: Map<string, NextEngineStockLevel>,
    queId: string,
  ): Promise<ItemResult[]> {
    let outcome: QueueJob;
    try {
      outcome = await this.poll(
        () => this.readJob(ctx, queId),
        (job) => isFinished(job.status),
      );
    } catch (error) {
      // Also for a refused sign-in: the file is queued already, and a thrown error would read as "send again".
      if (!(error instanceof SiteError)) throw error;
      return planned.map(({ goodsCode }) => ({
        key: goodsCode,
        ok: false,
        retryable: false,
        siteCode: error.siteCode,
        message: `Uploaded as queue ${queId}, but its outcome could not be read: ${error.message}`,
      }));
    }

    if (outcome.status === QUEUE_DONE) return planned.map(({ goodsCode }) => ({ key: goodsCode, ok: true }));
    if (outcome.status !== QUEUE_FAILED) {
      return planned.map(({ goodsCode }) => ({
        key: goodsCode,
        ok: false,
        retryable: false,
        siteCode: `que_status_id=${outcome.status}`,
        message: `Queue ${queId} has not finished yet; not re-sent, so that the change is never applied twice`,
      }));
    }

    const after = await this.readStockQuietly(
      ctx,
      planned.map(({ goodsCode }) => goodsCode),
    );
    return planned.map(({ goodsCode, delta }) => {
      const was = before.get(goodsCode);
      const now = after?.get(goodsCode);
      if (was && now && now.stock - was.stock === delta) return { key: goodsCode, ok: true };
      const named = outcome.message.includes(goodsCode);
      return {
        key: goodsCode,
        ok: false,
        siteCode: QUEUE_FAILED,
        message: outcome.message || `Queue ${queId} failed`,
        // a row the message does not blame failed only because the file did; if we could not verify
        // that it was not applied, it is not safe to send again
        retryable: !named && after !== undefined,
      };
    });
  }

  /**
   * The upload's answer was lost (timeout, dropped connection, 5xx, or a success without its que_id), so NextEngine
   * may have queued the file, and we have no que_id to follow. The queue jobs created since just before the upload
   * are waited for (spec §6.8), then the stock is read again and compared, code by code, with the stock read before:
   * - moved by exactly the delta → applied;
   * - unchanged, and no queue job that could be ours is still waiting or running → not applied: safe to send again;
   * - anything else → unknown: not retryable, so that it is never applied twice (a relative stock push counts it as
   *   sent; the reconciliation report shows any difference).
   * Doubts: other writers move NextEngine's stock between the two reads (NextEngine's own shipments at 出荷確定, the
   * seller, other apps), so a coincidence can mislead in either direction. Queue rows cannot be tied to our file with
   * certainty (UNCONFIRMED whether the uploader can set `que_client_file_name` or `que_upload_name`), so every job in
   * the window counts as possibly ours. A timed-out `wait_flag=1` call might still be held by NextEngine and queued
   * after we looked: the upload timeout outlasts NextEngine's 60-minute wait, so by then it has run or been dropped.
   */
  private async settleLostAnswer(
    ctx: ConnectionContext,
    planned: NextEngineStockDelta[],
    before: Map<string, NextEngineStockLevel>,
    sentAt: Date,
    lost: { reason: string; siteCode?: string },
  ): Promise<ItemResult[]> {
    let stillQueued: QueueJob[];
    let after: Map<string, NextEngineStockLevel>;
    try {
      stillQueued = await this.poll(
        () => this.unfinishedJobsSince(ctx, new Date(sentAt.getTime() - QUEUE_WINDOW_SLACK_MS)),
        (jobs) => jobs.length === 0,
      );
      after = await this.readStock(
        ctx,
        planned.map(({ goodsCode }) => goodsCode),
      );
    } catch (error) {
      // A refused sign-in included: a thrown error would read as "send again".
      if (!(error instanceof SiteError)) throw error;
      return planned.map(({ goodsCode, delta }) =>
        unknownOutcome(goodsCode, delta, lost, `NextEngine could not be read afterwards (${error.message})`),
      );
    }
    return planned.map(({ goodsCode, delta }) => {
      const was = before.get(goodsCode)?.stock;
      const now = after.get(goodsCode)?.stock;
      if (was !== undefined && now !== undefined && now - was === delta) return { key: goodsCode, ok: true };
      if (was !== undefined && now === was && stillQueued.length === 0) {
        return {
          key: goodsCode,
          ok: false,
          retryable: true,
          ...(lost.siteCode !== undefined ? { siteCode: lost.siteCode } : {}),
          message: `${lost.reason}; NextEngine shows no change to ${goodsCode} and no upload job that could still apply it, so it was not applied`,
        };
      }
      const seen = stillQueued.length
        ? `queue jobs ${stillQueued.map((job) => job.queId).join(', ')} still waiting or running`
        : `在庫数 ${was ?? '?'} → ${now ?? '?'}`;
      return unknownOutcome(goodsCode, delta, lost, seen);
    });
  }

  /** The stock after a failed file, or undefined when it cannot be read (then nothing can be called safe to resend). */
  private async readStockQuietly(ctx: ConnectionContext, goodsCodes: string[]): Promise<Map<string, NextEngineStockLevel> | undefined> {
    try {
      return await this.readStock(ctx, goodsCodes);
    } catch (error) {
      if (!(error instanceof SiteError)) throw error;
      return undefined;
    }
  }

  /** Sends the CSV; the que_id NextEngine answered, or null when it answered success without one. */
  private async upload(ctx: ConnectionContext, deltas: NextEngineStockDelta[]): Promise<string | null> {
    // The header row is required (spec §6.7). Codes are ASCII (checked above), so the UNCONFIRMED
    // encoding question (Shift_JIS or UTF-8) does not arise.
    const csv = stringify(
      deltas.map(({ goodsCode, delta }) => [goodsCode, String(delta)]),
      { header: true, columns: ['syohin_code', 'zaiko_su'] },
    );
    const envelope = await this.client.call(
      ctx,
      GOODS_UPLOAD,
      { data_type: 'csv', data: csv },
      // A lost answer could mean the file was queued: one attempt only, never a duplicate delta.
      { waitForCapacity: true, timeoutMs: this.options.uploadTimeoutMs, maxAttempts: 1 },
    );
    const queId = envelope.que_id;
    return queId === undefined || queId === null || String(queId) === '' ? null : String(queId);
  }

  private async readJob(ctx: ConnectionContext, queId: string): Promise<QueueJob> {
    const [row] = await this.client.searchPage(ctx, QUEUE_SEARCH, QUEUE_FIELDS, { 'que_id-eq': queId }, { offset: 0, limit: 1 });
    // a job not listed yet is still to come
    return row ? queueJob(row) : { queId, status: '0', message: '' };
  }

  /** Upload-queue jobs created since `since` (NextEngine's JST wall clock) that have not finished. */
  private async unfinishedJobsSince(ctx: ConnectionContext, since: Date): Promise<QueueJob[]> {
    const conditions = { 'que_creation_date-gte': formatInOffset(since, JST_OFFSET_MINUTES, 'yyyy-MM-dd HH:mm:ss') };
    const unfinished: QueueJob[] = [];
    for await (const rows of this.client.searchAll(ctx, QUEUE_SEARCH, QUEUE_WINDOW_FIELDS, conditions, SEARCH_LIMIT)) {
      for (const job of rows.map(queueJob)) if (!isFinished(job.status)) unfinished.push(job);
    }
    return unfinished;
  }

  /**
   * Reads the queue with a growing interval until `done`, or until the wait budget is spent (then the last
   * reading is returned as it is).
   */
  private async poll<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    let waited = 0;
    let wait = this.options.firstPollDelayMs;
    for (;;) {
      await this.options.sleep(wait);
      waited += wait;
      const value = await read();
      if (done(value) || waited >= this.options.maxWaitMs) return value;
      wait = Math.min(wait * 2, this.options.maxPollDelayMs, Math.max(1, this.options.maxWaitMs - waited));
    }
  }
}

interface QueueJob {
  queId: string;
  status: string;
  message: string;
}

function queueJob(row: NextEngineRow): QueueJob {
  return { queId: String(row.que_id ?? ''), status: String(row.que_status_id ?? '0').trim(), message: String(row.que_message ?? '') };
}

/** Other status values exist in the wild (3 in one app) with unknown meaning: treated as not finished. */
function isFinished(status: string): boolean {
  return status === QUEUE_DONE || status === QUEUE_FAILED;
}

/**
 * Whether a failed upload call may still have reached NextEngine and queued the file: no answer came back
 * (timeout, dropped connection) or a 5xx without NextEngine's envelope. NextEngine's own error envelope
 * (overload, bad parameters...) means it refused the call.
 */
function answerMayBeLost(error: unknown): error is SiteError {
  return error instanceof SiteAnswerLostError || error instanceof SiteHttpStatusError;
}

function unknownOutcome(goodsCode: string, delta: number, lost: { reason: string; siteCode?: string }, seen: string): ItemResult {
  return {
    key: goodsCode,
    ok: false,
    retryable: false,
    ...(lost.siteCode !== undefined ? { siteCode: lost.siteCode } : {}),
    message:
      `Outcome unknown: ${lost.reason}; whether NextEngine applied ${delta > 0 ? '+' : ''}${delta} to ${goodsCode} cannot be told ` +
      `(${seen}). Not sent again, so that it is never applied twice.`,
  };
}

function orderedResults(merged: Map<string, number>, results: Map<string, ItemResult>): ItemResult[] {
  return [...merged.keys()].map((code) => results.get(code) ?? { key: code, ok: false, message: 'not processed' });
}
