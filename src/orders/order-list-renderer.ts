import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config/app-config';
import { DEFAULT_ORDER_LIST_CACHE_MB } from '../config/config.loader';
import { type Page, pageJson } from '../common/pagination';
import { PreparedStatements } from '../database/prepared-statements';
import type { OrderSummaryDto } from './orders.dto';

/**
 * The orders list's items as JSON text (`OrderSummaryDto`), rendered once per row version.
 *
 * `GET /v1/orders` is the API's hottest route (a console polls it). The list query reads only each row's id
 * and version (PostgreSQL's `xmin`, new with every UPDATE of the row, including the `fulfillment_status` the
 * database keeps on it), and an order is read and rendered again only when its version is not the one cached.
 * The key is exact, so the cache can be stale only in what it holds, never in what it serves. The e2e tests
 * compare every list item with `GET /v1/orders/{id}`.
 *
 * Measured with `npm run bench:api` (see the README): sending the page is most of what a list request costs
 * beyond a bare route, so a summary is a few hundred bytes, not the whole order; each summary is cached as its
 * UTF-8 bytes, so a page is one `Buffer.concat` of them, with no string to join and encode per request (that
 * string and its encoding were half of what a list request allocated, and what a request allocates decides
 * how often the garbage collector stops the server: bench:api's p99); and the page's ETag is hashed from its
 * rows' versions, not from its body. A page asked again with the same rows at the same versions (a console
 * polling) is answered with the body and ETag built the first time (`response`): no 30 KB to allocate and copy.
 */
@Injectable()
export class OrderListRenderer {
  /** Bounded by size (`ORDER_LIST_CACHE_MB`): about 0.75 KB an order (~600 bytes of JSON and the entry), so some 40,000 orders in the default 32 MB. */
  private readonly cache: LRUCache<string, RenderedOrder> | null;
  /** Whole pages by what they are made of (`pageSource`), a quarter of the same budget. */
  private readonly pages: LRUCache<string, BuiltPage> | null;

  constructor(
    private readonly preparedStatements: PreparedStatements,
    config: AppConfig,
  ) {
    const megabytes = config.orderListCacheMb ?? DEFAULT_ORDER_LIST_CACHE_MB;
    this.cache =
      megabytes > 0 ? new LRUCache({ maxSize: megabytes * 1024 * 1024, sizeCalculation: (entry) => entry.json.length + 150 }) : null;
    this.pages =
      megabytes > 0
        ? new LRUCache({
            maxSize: megabytes * 256 * 1024,
            sizeCalculation: (page, source) => page.body.length + (page.gzipped?.length ?? 0) + source.length * 2 + 100,
          })
        : null;
  }

  /**
   * The page as the response body, with its weak ETag. The body is determined by the page's source (its rows'
   * ids and versions, in order, and its next cursor), so a page built for the same source is the same bytes.
   *
   * A page asked for again by a client that accepts gzip is answered gzipped (~4 KB instead of ~30 KB): it is
   * compressed once, the second time it is asked for, and kept beside its body. Not the first time: compressing 30 KB
   * costs ~0.3 ms of CPU, half what a whole list request served from the cache costs, and a page asked for once (a
   * filter tried, a page turned) would pay it for nothing; a console polling the same page pays it once.
   */
  response(tenantId: string, page: Page<RenderedOrder>, acceptsGzip = false): OrderListResponse {
    const source = pageSource(tenantId, page.data, page.nextCursor);
    const built = this.pages?.get(source);
    if (built === undefined) {
      const response = { etag: `W/"${hash('sha1', source, 'base64url')}"`, body: pageJson(page) };
      this.pages?.set(source, response);
      return response;
    }
    if (!acceptsGzip || built.body.length < MIN_GZIP_BYTES) return { etag: built.etag, body: built.body };
    let gzipped = built.gzipped;
    if (gzipped === undefined) {
      gzipped = gzipSync(built.body);
      // a new entry, not the old one changed: lru-cache sizes an entry again only when it is another object
      this.pages?.set(source, { ...built, gzipped });
    }
    return { etag: built.etag, body: gzipped, contentEncoding: 'gzip' };
  }

  /**
   * The JSON of each order, in the given order; an order deleted since it was found is left out.
   * Rows of other tenants are never read.
   */
  async render(tenantId: string, orders: OrderVersion[]): Promise<RenderedOrder[]> {
    const rendered = new Map<string, RenderedOrder>();
    for (const order of orders) {
      const cached = this.cache?.get(order.id);
      if (cached?.version === order.version) rendered.set(order.id, cached);
    }
    const stale = orders.filter((order) => !rendered.has(order.id)).map((order) => order.id);
    if (stale.length > 0) {
      const rows = await this.preparedStatements.query<OrderSummaryRow>(
        `SELECT ${ORDER_SUMMARY_COLUMNS} FROM orders o WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[])`,
        [tenantId, stale],
      );
      for (const row of rows) {
        const entry = { id: row.id, version: row.version, orderedAt: row.ordered_at, json: utf8(JSON.stringify(toOrderSummary(row))) };
        rendered.set(row.id, entry);
        this.cache?.set(row.id, entry);
      }
    }
    return orders.flatMap((order) => {
      const entry = rendered.get(order.id);
      return entry === undefined ? [] : [entry];
    });
  }
}

export interface OrderVersion {
  id: string;
  /** `xmin` as text */
  version: string;
}

export interface OrderListResponse {
  /** weak (`W/"…"`): it promises the same summaries, not the same bytes, so it is the same gzipped or not */
  etag: string;
  body: Buffer;
  /** `gzip` when `body` is gzipped; absent when it is the JSON itself */
  contentEncoding?: 'gzip';
}

/** A page as kept in the cache: its JSON, and the same gzipped once asked for again by a client that accepts it. */
interface BuiltPage {
  etag: string;
  body: Buffer;
  gzipped?: Buffer;
}

/** A smaller page (an empty one, a page of one or two orders) is sent as it is: gzip would save next to nothing. */
const MIN_GZIP_BYTES = 1024;

export interface RenderedOrder extends OrderVersion {
  /** for the next page's cursor, so the list's page query reads only ids and versions (see `OrdersService.list`) */
  orderedAt: Date;
  /** the order's `OrderSummaryDto` as JSON, UTF-8 */
  json: Buffer;
}

/**
 * Its own memory, not a slice of Node's shared 8 KB pool: a cached slice would keep its whole pool slab alive
 * for as long as it stays in the cache.
 */
function utf8(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

const ORDER_SUMMARY_COLUMNS =
  'o.id, o.xmin::text AS version, o.site, o.connection_id, o.external_order_id, o.source, o.status, o.hold_reason, o.site_status, ' +
  `o.ordered_at, o.recipient ->> 'name' AS recipient_name, o.recipient ->> 'region' AS recipient_prefecture, o.line_count, ` +
  'o.total_amount, o.currency, o.unmapped_line_count, o.confirmation_state, o.site_state, o.cancelled_after_instruction_at, ' +
  'o.fulfillment_status, o.tracking_push_state, o.updated_at';

interface OrderSummaryRow {
  id: string;
  version: string;
  site: OrderSummaryDto['site'];
  connection_id: string;
  external_order_id: string;
  source: OrderSummaryDto['source'];
  status: OrderSummaryDto['status'];
  hold_reason: string | null;
  site_status: string;
  ordered_at: Date;
  recipient_name: string | null;
  recipient_prefecture: string | null;
  line_count: number;
  total_amount: string | null;
  currency: string | null;
  unmapped_line_count: number;
  confirmation_state: OrderSummaryDto['confirmationState'];
  site_state: OrderSummaryDto['siteState'];
  cancelled_after_instruction_at: Date | null;
  fulfillment_status: OrderSummaryDto['fulfillmentStatus'];
  tracking_push_state: OrderSummaryDto['trackingPushState'];
  updated_at: Date;
}

/** The keys and order of `OrderSummaryDto`. */
function toOrderSummary(row: OrderSummaryRow): OrderSummaryDto {
  return {
    id: row.id,
    site: row.site,
    connectionId: row.connection_id,
    externalOrderId: row.external_order_id,
    source: row.source,
    status: row.status,
    holdReason: row.hold_reason,
    siteStatus: row.site_status,
    orderedAt: row.ordered_at,
    recipientName: row.recipient_name,
    recipientPrefecture: row.recipient_prefecture,
    lineCount: row.line_count,
    total: row.total_amount === null ? null : { amount: row.total_amount, currency: row.currency },
    unmapped: row.unmapped_line_count > 0,
    confirmationState: row.confirmation_state,
    siteState: row.site_state,
    cancelledAfterInstructionAt: row.cancelled_after_instruction_at,
    fulfillmentStatus: row.fulfillment_status,
    trackingPushState: row.tracking_push_state,
    updatedAt: row.updated_at,
  };
}

/** Bump when the summary's JSON changes shape, so no client keeps a page of the old shape as current. */
const SUMMARY_FORMAT = 2;

/**
 * What a page's body is made of: the summary format, the tenant, the next cursor and each row's id and version, in
 * order. Its hash is the page's ETag: hashing these ~50 bytes a row instead of the body is the same promise (any
 * write to a listed order gives it a new version) at a fraction of the cost.
 */
function pageSource(tenantId: string, items: readonly OrderVersion[], nextCursor: string | null): string {
  return `${SUMMARY_FORMAT}|${tenantId}|${nextCursor ?? ''}|${items.map((item) => `${item.id}:${item.version}`).join('|')}`;
}
