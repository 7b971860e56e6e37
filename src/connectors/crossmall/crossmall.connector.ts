import { Injectable, Logger } from '@nestjs/common';

import { SiteError, SiteRejectedError } from '../http/site-errors';
import type {
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrder,
  ExternalOrderLine,
  ExternalOrderRef,
  ItemResult,
  ListingKey,
  OrderBatch,
  SiteConnector,
  SiteListing,
  StockUpdate,
  SyncCursor,
  TrackingUpdate,
} from '../sales-site-connector';
import type {
  ConnectionProbe,
  ListingDirectory,
  ListingRef,
  OrderChange,
  OrderChangeBatch,
  OrderChangeSource,
  OrderSource,
  RecheckResult,
  SitePorts,
  StockSink,
  TrackingSink,
} from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { type ItemOutcome, itemOutcome } from '../shared/item-outcome';
import { JST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { type CrossmallParams, CrossmallClient } from './crossmall.client';
import { deliveryNameFor, unmappedCarrierMessage } from './crossmall.carriers';
import { CROSSMALL_DEFAULTS, CROSSMALL_DESCRIPTOR, CROSSMALL_SETTINGS } from './crossmall.descriptor';
import { crossmallChangesOf, crossmallPhaseRules, readChangeCursor, writeChangeCursor } from './crossmall.changes';
import { CrossmallStock } from './crossmall.stock';
import { type CrossmallRow, bundleParentOf, crossmallOptionKey, isSetLine, rowText, toExternalOrder } from './crossmall.mapper';

/** §4: get_order answers at most 100 rows; a full page means "ask again after its last number". */
const PAGE_SIZE = 100;
/**
 * Orders per yielded batch. The intake commits each batch with its cursor, so at one call a second a seller sees a
 * first pull's orders arrive every ten or so get_order_detail calls, not after a whole page's hundred.
 */
export const ORDER_BATCH_SIZE = 10;
/** The cursor value that starts a pass over the phase from its first order. */
const QUEUE_START = '0';
/** Order lines kept per connection to skip get_order_detail for orders unchanged since the last pull. */
const DETAIL_CACHE_LIMIT = 10_000;
const DAY_MS = 86_400_000;
/** The first change pull looks back this many days unless `settings.initialLookbackDays` says otherwise. */
const DEFAULT_LOOKBACK_DAYS = 30;
/**
 * Each change pull re-reads this much before where the last one ended: `updated_at` is the site's clock and
 * a change committed while a window was read may carry a time inside it. Re-reads are harmless.
 */
const CHANGE_OVERLAP_MS = 15 * 60_000;
const DATETIME = 'yyyy-MM-dd HH:mm:ss';

interface OrderLines {
  details: CrossmallRow[];
  /** get_order_component rows by the line_no of their set line */
  components: Map<string, CrossmallRow[]>;
}

interface CachedLines extends OrderLines {
  updatedAt: string;
}

@Injectable()
export class CrossmallConnector
  implements SiteConnector, ConnectionProbe, OrderSource, OrderChangeSource, TrackingSink, StockSink, ListingDirectory
{
  readonly stockMode = 'absolute' as const;
  readonly ports: SitePorts = {
    connection: this,
    orderSource: this,
    orderChangeSource: this,
    trackingSink: this,
    stockSink: this,
    listingDirectory: this,
  };
  readonly descriptor = CROSSMALL_DESCRIPTOR;
  private readonly logger = new Logger(CrossmallConnector.name);
  /**
   * Per connection, in memory only: the lines (and set components) of orders already read, by 管理番号,
   * valid while the order's `updated_at` is unchanged. Losing it (restart, another instance) only costs calls.
   */
  private readonly detailCache = new Map<string, Map<string, CachedLines>>();

  private readonly stock: CrossmallStock;

  constructor(private readonly client: CrossmallClient) {
    this.stock = new CrossmallStock(client);
  }

  /**
   * `get_order` for at most one row: an exact match on one management number. get_order has no
   * documented row limit, and this still proves the signature, the company code and the IP allow-list.
   */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const result = await this.client.get(
        ctx,
        'get_order',
        [
          ['order_number', '1'],
          ['condition', '0'],
        ],
        { maxAttempts: 2 },
      );
      return { ordersFound: result.total };
    });
  }

  /**
   * The orders in the collect phase (`settings.collectPhaseName`), 100 per `get_order`, paged with
   * `order_number` = last row and `condition=1`; lines from `get_order_detail`.
   *
   * The phase is a work queue, not a change log: an order enters it long after it was numbered (e.g.
   * from 引当待ち once stock is allocated), so a watermark on the order number would miss it. Each pass
   * reads the phase whole. The cursor is the last 管理番号 of a committed page while a pass is under
   * way (a crashed pass resumes after it), and `0` once the pass has reached the end, so that the next
   * pull starts from the first order again.
   *
   * A page's orders are yielded {@link ORDER_BATCH_SIZE} at a time, each batch with the 管理番号 of the last header it
   * covers as its cursor ({@link coversPageHead}): committed with its batch, that cursor resumes a crashed pass right
   * after it, and the page's last batch carries the page's cursor as before.
   *
   * A merged-away child (non-empty `bundle_ahead_number`, cancellations.md §4.4) is never read nor shipped:
   * its lines come with its parent. A parent may carry `bundle_flag=1` itself (UNCONFIRMED), so the flag
   * alone never drops an order; but a flagged order without a parent number whose lines the site refuses
   * is skipped for this pass (logged) rather than stopping the whole pull. Set lines (`component_flag` 1)
   * become their components (get_order_component).
   */
  async *pullOrders(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderBatch> {
    const phase = collectPhase(ctx);
    let after = cursor && /^\d+$/.test(cursor.value) && Number(cursor.value) > 0 ? cursor.value : undefined;
    for (;;) {
      // `phase_name` is confirmed by one production call only; the rows are filtered on it again
      // below, so a server ignoring the filter still yields only the phase's orders.
      const params: [string, string][] = [['phase_name', phase]];
      if (after !== undefined) params.push(['order_number', after], ['condition', '1']);
      const page = await this.client.get(ctx, 'get_order', params);
      const headers = page.rows.map(rowText);
      let orders: ExternalOrder[] = [];
      for (const [index, header] of headers.entries()) {
        if (!header.order_number || header.phase_name !== phase) continue;
        // §4.2: a bundled child cannot be read; its lines are served under its parent (bundle_ahead_number).
        if (bundleParentOf(header) !== undefined) continue;
        let lines: OrderLines;
        try {
          lines = await this.linesOf(ctx, header);
        } catch (error) {
          if (!(error instanceof SiteRejectedError) || header.bundle_flag?.trim() !== '1') throw error;
          this.logger.warn(`CROSS MALL refused the lines of bundled order ${header.order_number}; skipped this pass: ${error.message}`);
          continue;
        }
        orders.push(toExternalOrder(header, lines.details, lines.components));
        if (orders.length >= ORDER_BATCH_SIZE && index < headers.length - 1 && coversPageHead(headers, index)) {
          yield { orders, nextCursor: { value: header.order_number } };
          orders = [];
        }
      }
      const last = headers.at(-1)?.order_number;
      const more = headers.length >= PAGE_SIZE && last !== undefined && /^\d+$/.test(last);
      yield { orders, nextCursor: { value: more ? last : QUEUE_START } };
      if (!more) return;
      after = last;
    }
  }

  /**
   * `upd_order_phase` to `settings.shippedPhaseName` with the ship date (JST), the delivery number and the
   * carrier's 配送便名 (`delivery_name`, {@link deliveryNameFor}). A carrier with no 配送便名 fails its order
   * without a call: the seller's CROSS MALL would not know our own carrier string.
   * The delivery-number parameter name is UNCONFIRMED (`delivery_no` in the one code source, the
   * field reads back as `delivery_number`): both are sent, and the order is read back to check the
   * number was recorded.
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const phase = stringSetting(ctx, CROSSMALL_SETTINGS.shippedPhaseName, CROSSMALL_DEFAULTS.shippedPhaseName);
    let phases: Promise<string[] | undefined> | undefined;
    let missingPhase: ItemOutcome | undefined;
    const results: ItemResult[] = [];

    for (const shipment of shipments) {
      const key = shipment.externalOrderId;
      const orderNumber = String(shipment.refs?.orderNumber ?? shipment.externalOrderId);
      const trackingNumber = shipment.trackingNumber.trim();
      if (!/^\d+$/.test(orderNumber)) {
        results.push({ key, ok: false, message: `"${orderNumber}" is not a CROSS MALL 管理番号`, retryable: false });
        continue;
      }
      const deliveryName = deliveryNameFor(ctx.settings, shipment.carrier);
      if (deliveryName === undefined) {
        results.push({ key, ok: false, message: unmappedCarrierMessage(shipment.carrier), retryable: false });
        continue;
      }
      if (missingPhase) {
        // Every order of the batch would hit the same missing phase: say so without asking again.
        results.push({ key, ...missingPhase });
        continue;
      }
      const params: [string, string][] = [
        ['order_number', orderNumber],
        ['after_phase_name', phase],
        ['delivery_date', formatInOffset(shipment.shippedAt, JST_OFFSET_MINUTES, 'yyyy-MM-dd')],
        ['delivery_date_update', '1'],
        ['delivery_no', trackingNumber],
        ['delivery_number', trackingNumber],
        // UNCONFIRMED names (§4.3 prose): without the convert flag a carrier lacking the order's time
        // slot would refuse the whole update.
        ['delivery_name', deliveryName],
        ['delivery_time_convert_error', '1'],
      ];
      const outcome = await itemOutcome(() => this.client.get(ctx, 'upd_order_phase', params));
      if (!outcome.ok) {
        if (outcome.retryable) {
          results.push({ key, ...outcome });
          continue;
        }
        phases ??= this.phaseNames(ctx);
        const known = await phases;
        if (known !== undefined && !known.includes(phase)) {
          missingPhase = {
            ...outcome,
            message: `${outcome.message ?? 'upd_order_phase failed'} — the shipped phase "${phase}" does not exist in CROSS MALL. Create it there or set shippedPhaseName to an existing phase, spelled exactly (spacing, width and case count).`,
            retryable: false,
          };
          results.push({ key, ...missingPhase });
        } else {
          const hint = known === undefined ? ` (if the phase "${phase}" is new: it must exist in CROSS MALL spelled exactly)` : '';
          results.push({ key, ...outcome, message: `${outcome.message ?? 'upd_order_phase failed'}${hint}` });
        }
        continue;
      }
      results.push({ key, ...(await this.checkDeliveryNumber(ctx, orderNumber, trackingNumber, phase)) });
    }
    return results;
  }

  /** `get_stock` by item code (see {@link CrossmallStock.readListings}). */
  readListings(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>> {
    return this.stock.readListings(ctx, refs);
  }

  /** `upd_stock`, absolute, at the stored address or the one found (see {@link CrossmallStock.pushStock}). */
  pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    return this.stock.pushStock(ctx, levels);
  }

  /**
   * CROSS MALL identifies a SKU by item code plus attribute 1 and 2 names, exact text (spacing and
   * case kept): `item_code`, or `item_code:attr1,attr2` (`item_code:attr1` when there is no second
   * attribute). The attributes come from the line's raw `attribute1_name`/`attribute2_name`, else
   * from its option code, taken as the already-joined `attr1,attr2`.
   */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = crossmallOptionCode(line);
    return {
      key: optionCode === undefined ? line.productCode : `${line.productCode}:${optionCode}`,
      productCode: line.productCode,
      ...(optionCode === undefined ? {} : { optionCode }),
    };
  }

  /**
   * Orders changed since the cursor (cancellations.md §4.2): `get_order` by `updated_at_fr`/`updated_at_to`
   * (`yyyy-mm-dd hh:mm:ss` JST) over [cursor − 15 min, now] — the first run over the last
   * `settings.initialLookbackDays` (default 30) — 100 rows a call, the next page asked with
   * `condition=1&order_number=<last>`. One batch per page: the changes each header states
   * ({@link crossmallChangesOf}), plus, for every merged-away child, its parent read again (get_order unless
   * the page holds it, get_order_detail + components) into `orders` when it is in the collect phase, so the
   * lines it gained are written with the merge. A child's own lines are never asked for (§4.4: the site
   * refuses them).
   *
   * Whether a `cancel_flag` or phase edit bumps `updated_at` is UNCONFIRMED (§4.2): {@link recheck} is the
   * safety net for orders about to ship. The cursor of a page that is not the last keeps the window and the
   * page's last 管理番号; only the last page moves it on to the window's end.
   */
  async *pullChanges(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderChangeBatch> {
    const now = ctx.now();
    const state = readChangeCursor(cursor);
    let from: Date;
    let to: Date;
    let after: string | undefined;
    if (state && 'after' in state) {
      ({ from, to, after } = state);
    } else {
      to = now;
      const start = state
        ? state.since.getTime() - CHANGE_OVERLAP_MS
        : now.getTime() - numberSetting(ctx, 'initialLookbackDays', DEFAULT_LOOKBACK_DAYS) * DAY_MS;
      // A cursor ahead of our clock (clock moved back) still reads the last overlap.
      from = new Date(Math.min(start, now.getTime() - CHANGE_OVERLAP_MS));
    }
    const rules = crossmallPhaseRules(ctx.settings);
    const phase = collectPhase(ctx);
    const window: [string, string][] = [
      ['updated_at_fr', formatInOffset(from, JST_OFFSET_MINUTES, DATETIME)],
      ['updated_at_to', formatInOffset(to, JST_OFFSET_MINUTES, DATETIME)],
    ];

    for (;;) {
      const params: [string, string][] = [...window];
      if (after !== undefined) params.push(['condition', '1'], ['order_number', after]);
      const page = (await this.client.get(ctx, 'get_order', params)).rows.map(rowText);
      const headers = page.filter((row) => isOrderNumber(row.order_number));

      const changes: OrderChange[] = [];
      const parents = new Set<string>();
      for (const header of headers) {
        changes.push(...crossmallChangesOf(header, rules));
        const parent = bundleParentOf(header);
        if (parent !== undefined) parents.add(parent);
      }
      const orders: ExternalOrder[] = [];
      for (const parent of parents) {
        const inPage = headers.find((header) => sameOrderNumber(header.order_number, parent));
        const header = inPage ?? (await this.readOrder(ctx, parent));
        if (!header) {
          this.logger.warn(`CROSS MALL order ${parent}, which others were merged into, was not found`);
          continue;
        }
        if (!inPage) changes.push(...crossmallChangesOf(header, rules));
        // A parent merged on into another order: its lines are with that one, which its own change re-reads.
        if (bundleParentOf(header) !== undefined) continue;
        // Written like a pulled order only from the collect phase, as the order pull would: a parent elsewhere
        // (not yet allocated, held, shipped) would otherwise be taken in before its time. Its lines come with
        // the order pull, which reads the phase whole, once it gets there.
        if (header.phase_name !== phase) continue;
        let lines: OrderLines;
        try {
          // Read afresh: whether a merge bumps the parent's updated_at is UNCONFIRMED, so the cache may not know.
          lines = await this.linesOf(ctx, header, true);
        } catch (error) {
          // A refusal retrying will not cure would hold the cursor for ever: the merge is still stated, and
          // the parent's lines come with the order pull when it reaches the collect phase.
          if (!(error instanceof SiteRejectedError)) throw error;
          this.logger.warn(`CROSS MALL refused the lines of order ${parent}, which others were merged into: ${error.message}`);
          continue;
        }
        orders.push(toExternalOrder(header, lines.details, lines.components));
      }

      const last = maxOrderNumber(headers);
      const more = page.length >= PAGE_SIZE && last !== undefined;
      if (more && after !== undefined && BigInt(last) <= BigInt(after)) {
        // A server ignoring condition=1 would serve the same page for ever; stop without moving the cursor.
        throw new SiteRejectedError(`CROSS MALL get_order paging did not advance past order ${after}`);
      }
      yield {
        changes,
        ...(orders.length > 0 ? { orders } : {}),
        nextCursor: writeChangeCursor(more ? { from, to, after: last } : { since: to }),
      };
      if (!more) return;
      after = last;
    }
  }

  /**
   * Each order read by its 管理番号 (`get_order` `order_number=<n>&condition=0`, cancellations.md §4.2; the
   * site has no multi-number filter, so one call per order) and stated as {@link crossmallChangesOf} does.
   * Not returned → `found: false`. A merged-away child says `merged_into` its parent; the parent's lines are
   * not read here (a recheck result carries no orders).
   */
  async recheck(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<RecheckResult[]> {
    const rules = crossmallPhaseRules(ctx.settings);
    const results: RecheckResult[] = [];
    for (const ref of refs) {
      const orderNumber = String(ref.refs?.orderNumber ?? ref.externalOrderId).trim();
      const header = isOrderNumber(orderNumber) ? await this.readOrder(ctx, orderNumber) : undefined;
      if (!header) {
        results.push({ externalOrderId: ref.externalOrderId, found: false, changes: [] });
        continue;
      }
      results.push({
        externalOrderId: ref.externalOrderId,
        found: true,
        changes: crossmallChangesOf(header, rules, ref.externalOrderId),
        ...(header.phase_name !== undefined ? { siteStatus: header.phase_name } : {}),
      });
    }
    return results;
  }

  // ------------------------------------------------------------------ helpers

  /** One order's header by its 管理番号, or undefined when the site does not return it. */
  private async readOrder(ctx: ConnectionContext, orderNumber: string): Promise<CrossmallRow | undefined> {
    const result = await this.client.get(ctx, 'get_order', [
      ['order_number', orderNumber],
      ['condition', '0'],
    ]);
    return result.rows.map(rowText).find((row) => sameOrderNumber(row.order_number, orderNumber));
  }

  /**
   * `get_order_detail` for an order that is not a merged-away child, and `get_order_component`
   * (`order_number` + `&line_no=`, §4.5) for each of its set lines (`component_flag` = "1").
   */
  private async linesOf(ctx: ConnectionContext, header: CrossmallRow, fresh = false): Promise<OrderLines> {
    let cache = this.detailCache.get(ctx.connectionId);
    if (!cache) this.detailCache.set(ctx.connectionId, (cache = new Map()));
    const cached = cache.get(header.order_number);
    if (!fresh && cached && header.updated_at && cached.updatedAt === header.updated_at) return cached;

    const result = await this.client.get(ctx, 'get_order_detail', [['order_number', header.order_number]]);
    const details = result.rows.map(rowText);
    const components = new Map<string, CrossmallRow[]>();
    for (const [index, row] of details.entries()) {
      if (!isSetLine(row)) continue;
      const lineNo = row.line_no || String(index + 1);
      const parts = await this.client.get(ctx, 'get_order_component', [
        ['order_number', header.order_number],
        ['line_no', lineNo],
      ]);
      const rows = parts.rows.map(rowText).filter((part) => part.line_no === undefined || part.line_no === lineNo);
      // No components listed: the set line stays as it is (its own item code), mappable like any line.
      if (rows.length === 0) this.logger.warn(`CROSS MALL listed no components for set line ${lineNo} of order ${header.order_number}`);
      components.set(lineNo, rows);
    }
    cache.delete(header.order_number);
    if (header.updated_at && details.length > 0) {
      if (cache.size >= DETAIL_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(header.order_number, { updatedAt: header.updated_at, details, components });
    }
    return { details, components };
  }

  /** `get_phase` (layout UNCONFIRMED: every text of every row is taken as a candidate name); undefined when unreadable. */
  private async phaseNames(ctx: ConnectionContext): Promise<string[] | undefined> {
    try {
      const result = await this.client.get(ctx, 'get_phase', [], { maxAttempts: 2 });
      const names = result.rows.flatMap((row) => Object.values(rowText(row)));
      return names.length > 0 ? names : undefined;
    } catch (error) {
      if (error instanceof SiteError) return undefined;
      throw error;
    }
  }

  private async checkDeliveryNumber(
    ctx: ConnectionContext,
    orderNumber: string,
    trackingNumber: string,
    phase: string,
  ): Promise<ItemOutcome> {
    let row: CrossmallRow | undefined;
    try {
      const params: CrossmallParams = [
        ['order_number', orderNumber],
        ['condition', '0'],
      ];
      row = (await this.client.get(ctx, 'get_order', params, { maxAttempts: 2 })).rows.map(rowText)[0];
    } catch (error) {
      if (!(error instanceof SiteError)) throw error;
    }
    // No read-back (the call failed or found nothing): the site said success, which stands.
    if (row === undefined || row.delivery_number === undefined || row.delivery_number === trackingNumber) return { ok: true };
    return {
      ok: false,
      message: `CROSS MALL moved order ${orderNumber} to "${phase}" but recorded delivery number "${row.delivery_number}" instead of "${trackingNumber}"`,
      retryable: false,
    };
  }
}

function crossmallOptionCode(line: ExternalOrderLine): string | undefined {
  const option = crossmallOptionKey(stringOrEmpty(line.raw?.attribute1_name), stringOrEmpty(line.raw?.attribute2_name));
  if (option !== undefined) return option;
  return line.optionCode === undefined || line.optionCode === '' ? undefined : line.optionCode;
}

function isOrderNumber(value: string | undefined): value is string {
  return value !== undefined && /^\d+$/.test(value);
}

function sameOrderNumber(a: string | undefined, b: string): boolean {
  return isOrderNumber(a) && isOrderNumber(b) && BigInt(a) === BigInt(b);
}

/**
 * Whether `headers[index]`'s 管理番号 can stand for "everything of this page up to here": a positive number below
 * every later header's, so that `order_number=<it>&condition=1` reads each of the rest again and nothing before it.
 * A page out of order or with a number that is not one is never cut there (its batch just grows).
 */
function coversPageHead(headers: readonly CrossmallRow[], index: number): boolean {
  const through = headers[index].order_number;
  if (!isOrderNumber(through) || BigInt(through) === 0n) return false;
  return headers.slice(index + 1).every(({ order_number: number }) => !number || (isOrderNumber(number) && BigInt(number) > BigInt(through)));
}

function maxOrderNumber(headers: CrossmallRow[]): string | undefined {
  let max: string | undefined;
  for (const { order_number: number } of headers)
    if (isOrderNumber(number) && (max === undefined || BigInt(number) > BigInt(max))) max = number;
  return max;
}

function numberSetting(ctx: ConnectionContext, name: string, fallback: number): number {
  const value = Number(ctx.settings[name]);
  return ctx.settings[name] !== undefined && ctx.settings[name] !== null && Number.isFinite(value) && value > 0 ? value : fallback;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function collectPhase(ctx: ConnectionContext): string {
  // `pendingShipmentPhaseName` was this setting's first name; connections saved with it keep working.
  return stringSetting(
    ctx,
    CROSSMALL_SETTINGS.collectPhaseName,
    stringSetting(ctx, 'pendingShipmentPhaseName', CROSSMALL_DEFAULTS.collectPhaseName),
  );
}

function stringSetting(ctx: ConnectionContext, name: string, fallback: string): string {
  const value = ctx.settings[name];
  // Phase names are exact text: only an entirely blank value falls back, nothing is trimmed.
  return typeof value === 'string' && value.trim() !== '' ? value : fallback;
}
