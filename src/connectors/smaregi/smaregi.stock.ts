import { Injectable } from '@nestjs/common';

import { SiteRejectedError } from '../http/site-errors';
import type { ConnectionContext } from '../sales-site-connector';
import type {
  SiteStockHistory as SmaregiStockHistory,
  SiteStockLevel as SmaregiStockLevel,
  StockHistorySource,
} from '../site-ports';
import { SmaregiClient } from './smaregi.client';

export type {
  SiteStockHistory as SmaregiStockHistory,
  SiteStockLevel as SmaregiStockLevel,
} from '../site-ports';

const PAGE_LIMIT = 1000;
/** [YASU] INCLUDE_LIMIT (spec §A.3) and the Platform maximum (spec §C.3) are both 1000. */
const LEGACY_LIMIT = 1000;

/**
 * What the Smaregi ↔ NextEngine stock bridge reads and writes in Smaregi, over either API: stock levels
 * (legacy `stock_ref` / Platform `GET /pos/stock`), stock-history records for `pos:stock` webhook ids,
 * and products (their 商品コード, often the JAN). Shipments live in smaregi.shipments.ts.
 */
@Injectable()
export class SmaregiStockApi implements StockHistorySource {
  constructor(private readonly client: SmaregiClient) {}

  /** Every stock row, or one store's. */
  async readStock(ctx: ConnectionContext, filter: { storeId?: string | null } = {}): Promise<SmaregiStockLevel[]> {
    const out: SmaregiStockLevel[] = [];
    if (this.client.mode(ctx) === 'platform') {
      for (let page = 1; ; page++) {
        // Filter name `store_id` is UNCONFIRMED (spec §C.4): rows are filtered here as well.
        const query: Record<string, string> = { limit: String(PAGE_LIMIT), page: String(page) };
        if (filter.storeId) query.store_id = filter.storeId;
        const rows = asRows(await this.client.platform(ctx, 'GET', 'stock', { query }));
        for (const row of rows) pushLevel(out, row, filter.storeId);
        if (rows.length < PAGE_LIMIT) return out;
      }
    }
    for (let page = 1; ; page++) {
      const answer = await this.client.legacy(ctx, 'stock_ref', {
        table_name: 'Stock',
        fields: ['storeId', 'productId', 'stockAmount'],
        conditions: filter.storeId ? [{ storeId: filter.storeId }] : [],
        order: ['storeId', 'productId'],
        limit: LEGACY_LIMIT,
        page,
      });
      const rows = asRows((answer as { result?: unknown }).result);
      for (const row of rows) pushLevel(out, row, filter.storeId);
      if (rows.length < LEGACY_LIMIT) return out;
    }
  }

  /**
   * The history records behind `pos:stock` webhook ids, keyed by id; ids Smaregi does not (yet) show are
   * absent. Platform: `GET /pos/stock/changes/{product_id}/{store_id}` — the path is UNCONFIRMED (spec
   * §C.5 only says "read the stock / stock-history API"), newest first until every wanted id is found.
   */
  async readHistory(
    ctx: ConnectionContext,
    refs: ReadonlyArray<{ id: string; productId: string; storeId: string }>,
  ): Promise<Map<string, SmaregiStockHistory>> {
    const found = new Map<string, SmaregiStockHistory>();
    if (this.client.mode(ctx) === 'legacy') {
      for (const ref of refs) {
        const answer = await this.client.legacy(ctx, 'stock_ref', {
          table_name: 'StockHistory',
          conditions: [{ id: ref.id }],
          limit: 1,
          page: 1,
        });
        const history = toHistory(asRows((answer as { result?: unknown }).result)[0]);
        if (history) found.set(history.id, history);
      }
      return found;
    }
    const groups = new Map<string, { productId: string; storeId: string; ids: Set<string> }>();
    for (const ref of refs) {
      const key = `${ref.productId}\u0000${ref.storeId}`;
      const group = groups.get(key) ?? { productId: ref.productId, storeId: ref.storeId, ids: new Set<string>() };
      group.ids.add(ref.id);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      const path = `stock/changes/${encodeURIComponent(group.productId)}/${encodeURIComponent(group.storeId)}`;
      const lowest = Math.min(...[...group.ids].map(Number).filter(Number.isFinite));
      for (let page = 1; ; page++) {
        let rows: Array<Record<string, unknown>>;
        try {
          rows = asRows(
            await this.client.platform(ctx, 'GET', path, { query: { limit: String(PAGE_LIMIT), page: String(page), sort: 'id:desc' } }),
          );
        } catch (error) {
          if (isNotFound(error)) break;
          throw error;
        }
        for (const row of rows) {
          const history = toHistory(row);
          if (history && group.ids.has(history.id)) found.set(history.id, history);
        }
        const oldest = rows.length ? Number(rows[rows.length - 1].id) : 0;
        if (rows.length < PAGE_LIMIT || [...group.ids].every((id) => found.has(id)) || oldest < lowest) break;
      }
    }
    return found;
  }

  /**
   * One (store, product)'s history records above `afterId`, oldest first. Legacy: `stock_ref` on table
   * `StockHistory` (spec §A.2/§A.6, [YASU] StockHistoryConstants); Platform: `GET /pos/stock/changes/{product_id}/{store_id}`
   * (path UNCONFIRMED, see {@link readHistory}). Read newest first (`order: ["id desc"]` / `sort=id:desc`; the legacy
   * order syntax is UNCONFIRMED, spec §A.3), so paging stops at the first page that reaches `afterId`; an answer that
   * is not in descending order is read to its end, and the ids are filtered and sorted here either way.
   */
  async historySince(
    ctx: ConnectionContext,
    key: { productId: string; storeId: string; afterId: string },
  ): Promise<SmaregiStockHistory[]> {
    const after = Number(key.afterId);
    const found = new Map<string, SmaregiStockHistory>();
    const platform = this.client.mode(ctx) === 'platform';
    for (let page = 1; ; page++) {
      let rows: Array<Record<string, unknown>>;
      if (platform) {
        const path = `stock/changes/${encodeURIComponent(key.productId)}/${encodeURIComponent(key.storeId)}`;
        try {
          rows = asRows(
            await this.client.platform(ctx, 'GET', path, { query: { limit: String(PAGE_LIMIT), page: String(page), sort: 'id:desc' } }),
          );
        } catch (error) {
          if (isNotFound(error)) break;
          throw error;
        }
      } else {
        const answer = await this.client.legacy(ctx, 'stock_ref', {
          table_name: 'StockHistory',
          conditions: [{ productId: key.productId }, { storeId: key.storeId }],
          order: ['id desc'],
          limit: LEGACY_LIMIT,
          page,
        });
        rows = asRows((answer as { result?: unknown }).result);
      }
      const histories = rows.map(toHistory).filter((history): history is SmaregiStockHistory => history !== undefined);
      for (const history of histories) {
        // Conditions are matched here as well: a server that ignores one must not hand another product's records over.
        if (Number(history.id) > after && history.productId === key.productId && history.storeId === key.storeId) found.set(history.id, history);
      }
      const ids = histories.map((history) => Number(history.id));
      const descending = ids.every((id, index) => index === 0 || id <= ids[index - 1]);
      if (rows.length < (platform ? PAGE_LIMIT : LEGACY_LIMIT) || (descending && ids.length > 0 && ids[ids.length - 1] <= after)) break;
    }
    return [...found.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * The contract's highest stock-history id (legacy `stock_ref` StockHistory, newest first, one row). The Platform
   * API documents no contract-wide history list, so there the answer is null and the webhook's own ids are used.
   */
  async latestHistoryId(ctx: ConnectionContext): Promise<string | null> {
    if (this.client.mode(ctx) === 'platform') return null;
    const answer = await this.client.legacy(ctx, 'stock_ref', {
      table_name: 'StockHistory',
      fields: ['id'],
      conditions: [],
      order: ['id desc'],
      limit: 1,
      page: 1,
    });
    const id = text(asRows((answer as { result?: unknown }).result)[0]?.id);
    return id && /^[0-9]{1,18}$/.test(id) ? id : '0';
  }

  /** 商品コード by 商品ID; products Smaregi does not know are absent. */
  async productCodes(ctx: ConnectionContext, productIds: readonly string[]): Promise<Map<string, string>> {
    const codes = new Map<string, string>();
    const platform = this.client.mode(ctx) === 'platform';
    for (const productId of new Set(productIds)) {
      let row: Record<string, unknown> | undefined;
      if (platform) {
        try {
          row = asObject(await this.client.platform(ctx, 'GET', `products/${encodeURIComponent(productId)}`));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      } else {
        const answer = await this.client.legacy(ctx, 'product_ref', {
          table_name: 'Product',
          fields: ['productId', 'productCode'],
          conditions: [{ productId }],
          limit: 1,
          page: 1,
        });
        row = asRows((answer as { result?: unknown }).result)[0];
      }
      const code = row ? text(row.productCode) : undefined;
      if (code) codes.set(productId, code);
    }
    return codes;
  }

  /** 商品ID by 商品コード (the reverse of {@link productCodes}). */
  async productIdsByCode(ctx: ConnectionContext, productCodes: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(productCodes);
    const ids = new Map<string, string>();
    if (wanted.size === 0) return ids;
    if (this.client.mode(ctx) === 'platform') {
      // A product_code filter is not documented (UNCONFIRMED): the list is read and matched here.
      for (let page = 1; ; page++) {
        const rows = asRows(
          await this.client.platform(ctx, 'GET', 'products', { query: { limit: String(PAGE_LIMIT), page: String(page) } }),
        );
        for (const row of rows) {
          const code = text(row.productCode);
          const id = text(row.productId);
          if (code && id && wanted.has(code)) ids.set(code, id);
        }
        if (rows.length < PAGE_LIMIT || ids.size === wanted.size) return ids;
      }
    }
    for (const productCode of wanted) {
      const answer = await this.client.legacy(ctx, 'product_ref', {
        table_name: 'Product',
        fields: ['productId', 'productCode'],
        conditions: [{ productCode }],
        limit: 1,
        page: 1,
      });
      const id = text(asRows((answer as { result?: unknown }).result)[0]?.productId);
      if (id) ids.set(productCode, id);
    }
    return ids;
  }
}

function pushLevel(out: SmaregiStockLevel[], row: Record<string, unknown>, storeFilter: string | null | undefined): void {
  const storeId = text(row.storeId);
  const productId = text(row.productId);
  const amount = Number(row.stockAmount);
  if (!storeId || !productId || !Number.isFinite(amount)) return;
  if (storeFilter && storeId !== storeFilter) return;
  out.push({ storeId, productId, amount });
}

function toHistory(row: Record<string, unknown> | undefined): SmaregiStockHistory | undefined {
  if (!row) return undefined;
  const id = text(row.id);
  const productId = text(row.productId);
  const storeId = text(row.storeId);
  const amount = Number(row.amount);
  const stockAmount = Number(row.stockAmount);
  if (!id || !productId || !storeId || !Number.isFinite(amount) || !Number.isFinite(stockAmount)) return undefined;
  return { id, productId, storeId, amount, stockAmount, stockDivision: text(row.stockDivision) ?? null };
}

function asRows(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((row): row is Record<string, unknown> => row !== null && typeof row === 'object') : [];
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function isNotFound(error: unknown): boolean {
  return error instanceof SiteRejectedError && error.siteCode === '404';
}
