import { Inject, Injectable, Optional } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { setTimeout as delay } from 'node:timers/promises';

import { SiteAuthError, SiteError, SiteRetryableError } from '../http/site-errors';
import type { ConnectionContext, ItemResult } from '../sales-site-connector';
import { itemFailure as failure } from '../shared/item-outcome';
import type { StockDeltaSink } from '../site-ports';
import { NE_MAX_IN_VALUES, NextEngineClient } from './nextengine.client';

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
}

export const NE_STOCK_UPLOAD_OPTIONS = Symbol('NE_STOCK_UPLOAD_OPTIONS');

export const DEFAULT_NE_STOCK_UPLOAD_OPTIONS: NextEngineStockUploadOptions = {
  // Hamee-style code polls every 5 s; we start sooner and back off.
  firstPollDelayMs: 2_000,
  maxPollDelayMs: 30_000,
  maxWaitMs: 10 * 60_000,
  sleep: (ms) => delay(ms),
};

const STOCK_SEARCH = '/api_v1_master_stock/search';
const GOODS_UPLOAD = '/api_v1_master_goods/upload';
const QUEUE_SEARCH = '/api_v1_system_que/search';
const STOCK_FIELDS = ['stock_goods_id', 'stock_quantity', 'stock_free_quantity'] as const;
const QUEUE_FIELDS = ['que_id', 'que_status_id', 'que_message'] as const;
const SEARCH_LIMIT = 1000;
// Uploads run under wait_flag=1: NextEngine may hold the call for up to 60 minutes under overload (spec §3).
const UPLOAD_TIMEOUT_MS = 61 * 60_000;

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
    let queId: string;
    try {
      queId = await this.upload(ctx, planned);
    } catch (error) {
      return planned.map(({ goodsCode }) => failure(goodsCode, error));
    }

    let outcome: { status: string; message: string };
    try {
      outcome = await this.waitForQueue(ctx, queId);
    } catch (error) {
      if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
      // The file is queued already: re-sending could apply it twice, so this is not retryable.
      return planned.map(({ goodsCode }) => ({
        key: goodsCode,
        ok: false,
        siteCode: error.siteCode,
        message: `Uploaded as queue ${queId}, but its outcome could not be read: ${error.message}`,
      }));
    }

    if (outcome.status === QUEUE_DONE) return planned.map(({ goodsCode }) => ({ key: goodsCode, ok: true }));
    if (outcome.status !== QUEUE_FAILED) {
      return planned.map(({ goodsCode }) => ({
        key: goodsCode,
        ok: false,
        siteCode: `que_status_id=${outcome.status}`,
        message: `Queue ${queId} has not finished yet; not re-sent, so that the change is never applied twice`,
      }));
    }

    let after: Map<string, NextEngineStockLevel> | undefined;
    try {
      after = await this.readStock(
        ctx,
        planned.map(({ goodsCode }) => goodsCode),
      );
    } catch (error) {
      if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
    }
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

  private async upload(ctx: ConnectionContext, deltas: NextEngineStockDelta[]): Promise<string> {
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
      { waitForCapacity: true, timeoutMs: UPLOAD_TIMEOUT_MS, maxAttempts: 1 },
    );
    const queId = envelope.que_id;
    if (queId === undefined || queId === null || String(queId) === '') {
      throw new SiteRetryableError('NextEngine accepted the stock upload without a que_id');
    }
    return String(queId);
  }

  /** Polls `system_que/search` with a growing interval until the job is done or the wait budget is spent. */
  private async waitForQueue(ctx: ConnectionContext, queId: string): Promise<{ status: string; message: string }> {
    let waited = 0;
    let wait = this.options.firstPollDelayMs;
    let last = { status: '0', message: '' };
    for (;;) {
      await this.options.sleep(wait);
      waited += wait;
      const rows = await this.client.searchPage(ctx, QUEUE_SEARCH, QUEUE_FIELDS, { 'que_id-eq': queId }, { offset: 0, limit: 1 });
      const row = rows[0];
      if (row) last = { status: String(row.que_status_id ?? '0').trim(), message: String(row.que_message ?? '') };
      // Other status values exist in the wild (3 in one app) with unknown meaning: treated as not finished.
      if (last.status === QUEUE_DONE || last.status === QUEUE_FAILED) return last;
      if (waited >= this.options.maxWaitMs) return last;
      wait = Math.min(wait * 2, this.options.maxPollDelayMs, Math.max(1, this.options.maxWaitMs - waited));
    }
  }
}

function orderedResults(merged: Map<string, number>, results: Map<string, ItemResult>): ItemResult[] {
  return [...merged.keys()].map((code) => results.get(code) ?? { key: code, ok: false, message: 'not processed' });
}
