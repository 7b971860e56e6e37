import { Injectable } from '@nestjs/common';

import { SiteError } from '../http/site-errors';
import type {
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrder,
  ExternalOrderLine,
  ItemResult,
  ListingKey,
  OrderBatch,
  SiteConnector,
  StockUpdate,
  SyncCursor,
  TrackingUpdate,
} from '../sales-site-connector';
import type { ConnectionProbe, OrderSource, SitePorts, StockSink, TrackingSink } from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { type ItemOutcome, itemOutcome } from '../shared/item-outcome';
import { JST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { type CrossmallParams, CrossmallClient } from './crossmall.client';
import { CROSSMALL_DEFAULTS, CROSSMALL_DESCRIPTOR, CROSSMALL_SETTINGS } from './crossmall.descriptor';
import { type CrossmallRow, crossmallListingKey, crossmallOptionKey, rowText, toExternalOrder } from './crossmall.mapper';

/** §4: get_order answers at most 100 rows; a full page means "ask again after its last number". */
const PAGE_SIZE = 100;
/** The cursor value that starts a pass over the phase from its first order. */
const QUEUE_START = '0';
/** Order lines kept per connection to skip get_order_detail for orders unchanged since the last pull. */
const DETAIL_CACHE_LIMIT = 10_000;

interface CachedDetails {
  updatedAt: string;
  details: CrossmallRow[];
}

@Injectable()
export class CrossmallConnector implements SiteConnector, ConnectionProbe, OrderSource, TrackingSink, StockSink {
  readonly stockMode = 'absolute' as const;
  readonly ports: SitePorts = { connection: this, orderSource: this, trackingSink: this, stockSink: this };
  readonly descriptor = CROSSMALL_DESCRIPTOR;
  /**
   * Per connection, in memory only: the lines of orders already read, by 管理番号, valid while the
   * order's `updated_at` is unchanged. Losing it (restart, another instance) only costs calls.
   */
  private readonly detailCache = new Map<string, Map<string, CachedDetails>>();

  constructor(private readonly client: CrossmallClient) {}

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
   */
  async *pullOrders(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderBatch> {
    // `pendingShipmentPhaseName` was this setting's first name; connections saved with it keep working.
    const phase = stringSetting(
      ctx,
      CROSSMALL_SETTINGS.collectPhaseName,
      stringSetting(ctx, 'pendingShipmentPhaseName', CROSSMALL_DEFAULTS.collectPhaseName),
    );
    let after = cursor && /^\d+$/.test(cursor.value) && Number(cursor.value) > 0 ? cursor.value : undefined;
    for (;;) {
      // `phase_name` is confirmed by one production call only; the rows are filtered on it again
      // below, so a server ignoring the filter still yields only the phase's orders.
      const params: [string, string][] = [['phase_name', phase]];
      if (after !== undefined) params.push(['order_number', after], ['condition', '1']);
      const page = await this.client.get(ctx, 'get_order', params);
      const headers = page.rows.map(rowText);
      const orders: ExternalOrder[] = [];
      for (const header of headers) {
        if (!header.order_number || header.phase_name !== phase) continue;
        // §4.2: a bundled child cannot be read; its lines are served under its parent (bundle_ahead_number).
        if (header.bundle_flag === '1') continue;
        orders.push(toExternalOrder(header, await this.detailsOf(ctx, header)));
      }
      const last = headers.at(-1)?.order_number;
      const more = headers.length >= PAGE_SIZE && last !== undefined && /^\d+$/.test(last);
      yield { orders, nextCursor: { value: more ? last : QUEUE_START } };
      if (!more) return;
      after = last;
    }
  }

  /**
   * `upd_order_phase` to `settings.shippedPhaseName` with the ship date (JST) and the delivery number.
   * The delivery-number parameter name is UNCONFIRMED (`delivery_no` in the one code source, the
   * field reads back as `delivery_number`): both are sent, and the order is read back to check the
   * number was recorded.
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const phase = stringSetting(ctx, CROSSMALL_SETTINGS.shippedPhaseName, CROSSMALL_DEFAULTS.shippedPhaseName);
    const deliveryNames = objectSetting(ctx, CROSSMALL_SETTINGS.deliveryNames);
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
      ];
      const deliveryName = deliveryNames[shipment.carrier] ?? deliveryNames[shipment.carrier.toLowerCase()];
      if (typeof deliveryName === 'string' && deliveryName !== '') {
        // UNCONFIRMED names (§4.3 prose): without the convert flag a carrier lacking the order's time
        // slot would refuse the whole update.
        params.push(['delivery_name', deliveryName], ['delivery_time_convert_error', '1']);
      }
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

  /**
   * Absolute quantities through `upd_stock` (mode `u`, overwrite), keyed by item code + attribute 1 +
   * attribute 2 as CROSS MALL spells them. The parameter names of upd_stock are UNCONFIRMED (§4.5):
   * the quantity and mode names are settings, and every update is read back with get_stock, so
   * a name the site ignores is reported instead of passing silently.
   */
  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const quantityParam = stringSetting(ctx, CROSSMALL_SETTINGS.stockQuantityParam, CROSSMALL_DEFAULTS.stockQuantityParam);
    const modeParam = stringSetting(ctx, CROSSMALL_SETTINGS.stockModeParam, CROSSMALL_DEFAULTS.stockModeParam);
    const stockRows = new Map<string, Promise<CrossmallRow[]>>();
    const readStock = (itemCode: string, fresh = false) => {
      let rows = fresh ? undefined : stockRows.get(itemCode);
      if (!rows) {
        rows = this.client.get(ctx, 'get_stock', [['item_code', itemCode]]).then((result) => result.rows.map(rowText));
        stockRows.set(itemCode, rows);
      }
      return rows;
    };

    const results: ItemResult[] = [];
    const written: { index: number; itemCode: string; quantity: number }[] = [];
    for (const level of levels) {
      const key = level.listingKey;
      const separator = key.indexOf(':');
      const itemCode = separator < 0 ? key : key.slice(0, separator);
      if (level.quantity === undefined || !Number.isInteger(level.quantity) || level.quantity < 0 || itemCode === '') {
        results.push({
          key,
          ok: false,
          message: 'CROSS MALL takes an absolute stock quantity (a whole number ≥ 0) for an item code',
          retryable: false,
        });
        continue;
      }
      let sku: CrossmallRow | undefined;
      const found = await itemOutcome(async () => {
        sku = (await readStock(itemCode)).find((row) => skuKey(row, itemCode) === key);
      });
      if (!found.ok || !sku) {
        results.push({
          key,
          ...(found.ok
            ? { ok: false, message: `CROSS MALL has no SKU "${key}" (item code and attribute names must match exactly)`, retryable: false }
            : found),
        });
        continue;
      }
      const attribute1 = sku.attribute1_name ?? '';
      const attribute2 = sku.attribute2_name ?? '';
      const params: [string, string][] = [['item_code', itemCode]];
      if (attribute1 !== '' || attribute2 !== '') params.push(['attribute1_name', attribute1]);
      if (attribute2 !== '') params.push(['attribute2_name', attribute2]);
      params.push([quantityParam, String(level.quantity)], [modeParam, 'u']);
      const outcome = await itemOutcome(() => this.client.get(ctx, 'upd_stock', params));
      results.push({ key, ...outcome });
      if (outcome.ok) written.push({ index: results.length - 1, itemCode, quantity: level.quantity });
    }

    // Read back once per item code.
    const reread = new Map<string, Promise<CrossmallRow[] | undefined>>();
    for (const write of written) {
      let rows = reread.get(write.itemCode);
      if (!rows) reread.set(write.itemCode, (rows = readStock(write.itemCode, true).catch(() => undefined)));
      const now = (await rows)?.find((row) => skuKey(row, write.itemCode) === results[write.index].key);
      // A failed read-back proves nothing either way; the site said success.
      if (now === undefined) continue;
      if (Number(now.stock) !== write.quantity) {
        results[write.index] = {
          key: results[write.index].key,
          ok: false,
          message: `CROSS MALL answered success but its stock reads ${now.stock ?? '?'} instead of ${write.quantity}: the upd_stock parameter names (${quantityParam}, ${modeParam}) may be wrong for this account`,
          retryable: false,
        };
      }
    }
    return results;
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

  // ------------------------------------------------------------------ helpers

  private async detailsOf(ctx: ConnectionContext, header: CrossmallRow): Promise<CrossmallRow[]> {
    let cache = this.detailCache.get(ctx.connectionId);
    if (!cache) this.detailCache.set(ctx.connectionId, (cache = new Map()));
    const cached = cache.get(header.order_number);
    if (cached && header.updated_at && cached.updatedAt === header.updated_at) return cached.details;

    const result = await this.client.get(ctx, 'get_order_detail', [['order_number', header.order_number]]);
    const details = result.rows.map(rowText);
    cache.delete(header.order_number);
    if (header.updated_at && details.length > 0) {
      if (cache.size >= DETAIL_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(header.order_number, { updatedAt: header.updated_at, details });
    }
    return details;
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

function skuKey(row: CrossmallRow, itemCode: string): string {
  return crossmallListingKey(row.item_code ?? row.item_cd ?? itemCode, row.attribute1_name ?? '', row.attribute2_name ?? '');
}

function crossmallOptionCode(line: ExternalOrderLine): string | undefined {
  const option = crossmallOptionKey(stringOrEmpty(line.raw?.attribute1_name), stringOrEmpty(line.raw?.attribute2_name));
  if (option !== undefined) return option;
  return line.optionCode === undefined || line.optionCode === '' ? undefined : line.optionCode;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringSetting(ctx: ConnectionContext, name: string, fallback: string): string {
  const value = ctx.settings[name];
  // Phase names are exact text: only an entirely blank value falls back, nothing is trimmed.
  return typeof value === 'string' && value.trim() !== '' ? value : fallback;
}

function objectSetting(ctx: ConnectionContext, name: string): Record<string, unknown> {
  const value = ctx.settings[name];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
