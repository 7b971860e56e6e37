import { Injectable, Logger } from '@nestjs/common';

import { SiteRejectedError } from '../http/site-errors';
import type {
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrderLine,
  ExternalOrderRef,
  ItemResult,
  ListingKey,
  OrderBatch,
  SiteConnector,
  StockUpdate,
  SyncCursor,
  TrackingUpdate,
} from '../sales-site-connector';
import type { ConnectionProbe, OrderConfirmer, OrderSource, SitePorts, StockSink, TrackingSink } from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { type ItemOutcome, itemOutcome } from '../shared/item-outcome';
import { type XmlNode, textOf } from '../shared/xml';
import { KST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { ElevenStreetClient, WINDOW_TOO_LONG_CODES } from './eleven-street.client';
import { ELEVEN_STREET_DESCRIPTOR, ELEVEN_STREET_SETTINGS } from './eleven-street.descriptor';
import { type ElevenStreetLineRaw, type ElevenStreetOrderRow, orderRowsOf, toExternalOrders } from './eleven-street.mapper';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** §3: "조회 기간은 최대 7일". */
const MAX_WINDOW_MS = 7 * DAY_MS;
/** §3: "최대 3,000건까지 조회 가능", no paging: a full answer may be cut, so its window is halved. */
const MAX_ROWS = 3_000;
/** A window error on a window this short is not about its length. */
const MIN_WINDOW_AFTER_ERROR_MS = DAY_MS;
const LISTS = ['complete', 'packaging'] as const;
const DEFAULT_LOOKBACK_DAYS = 30;
const DEFAULT_OVERLAP_MINUTES = 60;

/** §5: -3206 = already confirmed (or nothing left to confirm; add-ons follow their main line). */
const CONFIRM_OK_CODES = new Set(['-3206']);
/** -3207: status update error on 11st's side. */
const CONFIRM_RETRYABLE_CODES = new Set(['-3207']);
/** §6: -3308 dlvNo already shipped, -3309 already delivered: the target state is reached ([Ship-py]). */
const DELIVERY_OK_CODES = new Set(['-3308', '-3309']);
/** -3311: system error on 11st's side. */
const DELIVERY_RETRYABLE_CODES = new Set(['-3311']);

/** Common carriers → `dlvEtprsCd` (§6 excerpt); `settings.courierCodes` adds to and overrides these. */
const DEFAULT_COURIER_CODES: Record<string, string> = {
  cj: '00034',
  lotte: '00012',
  hanjin: '00011',
  epost: '00007',
  logen: '00002',
  qxpress: '00108',
  ems: '00058',
  dhl: '00039',
  fedex: '00047',
  ups: '00053',
  usps: '00054',
};

interface StockRef {
  prdNo: string;
  prdStckNo: string;
}

interface StockRow {
  prdNo: string;
  prdStckNo: string;
  sellerStockCd: string;
  optWght: string;
}

@Injectable()
export class ElevenStreetConnector implements SiteConnector, ConnectionProbe, OrderSource, OrderConfirmer, TrackingSink, StockSink {
  readonly stockMode = 'absolute' as const;
  readonly ports: SitePorts = { connection: this, orderSource: this, orderConfirmer: this, trackingSink: this, stockSink: this };
  readonly descriptor = ELEVEN_STREET_DESCRIPTOR;
  private readonly logger = new Logger(ElevenStreetConnector.name);
  /**
   * Per connection: listing key → where 11st keeps its stock. Learnt from pulled orders and stock
   * reads, in memory only (a restart forgets it; keys are then found again through the product lookup).
   */
  private readonly stockRefs = new Map<string, Map<string, StockRef>>();

  constructor(private readonly client: ElevenStreetClient) {}

  /** The paid-orders list (결제완료) over the last minute, KST: authenticated and nearly always empty. */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const now = ctx.now();
      const start = formatInOffset(new Date(now.getTime() - MINUTE_MS), KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      const end = formatInOffset(now, KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      const result = await this.client.get(ctx, `ordservices/complete/${start}/${end}`, { maxAttempts: 2 });
      const orders = (result.document.orders as { order?: unknown[] } | undefined)?.order;
      return { ordersFound: Array.isArray(orders) ? orders.length : 0 };
    });
  }

  /**
   * 결제완료 (202) and 배송준비중 (301) lists, in windows of at most 7 days (KST minutes) from the
   * cursor minus the overlap (first pull: `lookbackDays` back) up to now. One batch per window; its
   * cursor is the window end (an ISO instant).
   */
  async *pullOrders(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderBatch> {
    const now = floorToMinute(ctx.now().getTime());
    const overlapMs = numberSetting(ctx, ELEVEN_STREET_SETTINGS.overlapMinutes, DEFAULT_OVERLAP_MINUTES) * MINUTE_MS;
    const lookbackMs = numberSetting(ctx, ELEVEN_STREET_SETTINGS.lookbackDays, DEFAULT_LOOKBACK_DAYS) * DAY_MS;
    const watermark = cursor ? Date.parse(cursor.value) : Number.NaN;
    const start = floorToMinute(Number.isFinite(watermark) ? Math.min(watermark, now) - overlapMs : now - lookbackMs);

    for (let windowStart = start; windowStart < now; ) {
      const windowEnd = Math.min(windowStart + MAX_WINDOW_MS, now);
      const rows: ElevenStreetOrderRow[] = [];
      for (const list of LISTS) rows.push(...(await this.listRows(ctx, list, windowStart, windowEnd)));
      this.rememberStockRefs(ctx, rows);
      yield { orders: toExternalOrders(rows), nextCursor: { value: new Date(windowEnd).toISOString() } };
      windowStart = windowEnd;
    }
  }

  /**
   * `reqpackaging` once per line (§5), main lines before their add-ons. An order is confirmed when
   * every line is; the first failing line's code and message are reported.
   */
  async confirmOrders(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    for (const ref of refs) {
      const lines = lineRawsOf(ref);
      if (lines.length === 0) {
        results.push(missingLines(ref.externalOrderId, 'ordPrdSeq/dlvNo'));
        continue;
      }
      lines.sort((a, b) => Number(a.addPrdYn === 'Y') - Number(b.addPrdYn === 'Y') || Number(a.ordPrdSeq) - Number(b.ordPrdSeq));
      let failed: ItemOutcome | undefined;
      for (const line of lines) {
        const path = [
          'ordservices/reqpackaging',
          line.ordNo || ref.externalOrderId,
          line.ordPrdSeq,
          line.addPrdYn || 'N',
          line.addPrdNo || 'null',
          line.dlvNo,
        ]
          .map(String)
          .join('/');
        const outcome = await itemOutcome(() => this.client.get(ctx, path), {
          okCodes: CONFIRM_OK_CODES,
          retryableCodes: CONFIRM_RETRYABLE_CODES,
        });
        if (!outcome.ok && !failed) failed = { ...outcome, message: `line ${line.ordPrdSeq}: ${outcome.message ?? ''}`.trim() };
      }
      results.push({ key: ref.externalOrderId, ...(failed ?? { ok: true }) });
    }
    return results;
  }

  /**
   * `reqdelivery` once per distinct `dlvNo` (§6: one call ships the whole bundle), shared across the
   * orders of this call. An order is shipped when each of its dlvNos is.
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const method = stringSetting(ctx, ELEVEN_STREET_SETTINGS.deliveryMethodCode, '01');
    const sent = new Map<string, { invcNo: string; outcome: ItemOutcome }>();
    const results: ItemResult[] = [];
    for (const shipment of shipments) {
      const dlvNos = dlvNosOf(shipment);
      if (dlvNos.length === 0) {
        results.push(missingLines(shipment.externalOrderId, 'dlvNo'));
        continue;
      }
      const courier = method === '05' ? 'null' : this.courierCode(ctx, shipment.carrier);
      if (!courier) {
        results.push({
          key: shipment.externalOrderId,
          ok: false,
          message: `No 11st courier code (dlvEtprsCd) for carrier "${shipment.carrier}": add it to the connection setting courierCodes, e.g. {"${shipment.carrier}": "00034"}.`,
          retryable: false,
        });
        continue;
      }
      const invcNo = method === '05' ? 'null' : shipment.trackingNumber.trim();
      const sendDt = formatInOffset(shipment.shippedAt, KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      let failed: ItemOutcome | undefined;
      for (const dlvNo of dlvNos) {
        let done = sent.get(dlvNo);
        if (done && done.invcNo !== invcNo) {
          failed ??= {
            ok: false,
            message: `dlvNo ${dlvNo} is shared with another order of this batch, shipped under invoice ${done.invcNo}`,
            retryable: false,
          };
          continue;
        }
        if (!done) {
          const path = `ordservices/reqdelivery/${sendDt}/${method}/${courier}/${encodeURIComponent(invcNo)}/${dlvNo}`;
          const outcome = await itemOutcome(() => this.client.get(ctx, path), {
            okCodes: DELIVERY_OK_CODES,
            retryableCodes: DELIVERY_RETRYABLE_CODES,
          });
          sent.set(dlvNo, (done = { invcNo, outcome }));
        }
        if (!done.outcome.ok && !failed) failed = { ...done.outcome, message: `dlvNo ${dlvNo}: ${done.outcome.message ?? ''}`.trim() };
      }
      results.push({ key: shipment.externalOrderId, ...(failed ?? { ok: true }) });
    }
    return results;
  }

  /**
   * Absolute quantities through `PUT stockqty/{prdStckNo}` (§7). The option's `prdStckNo` and current
   * `optWght` (all four body fields are required) come from the stock read of its product, read once
   * per product per call; the product is known from pulled orders, else looked up by seller code.
   */
  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const productStocks = new Map<string, Promise<StockRow[]>>();
    const readStocks = (prdNo: string) => {
      let rows = productStocks.get(prdNo);
      if (!rows) productStocks.set(prdNo, (rows = this.readStocks(ctx, prdNo)));
      return rows;
    };
    const results: ItemResult[] = [];
    for (const level of levels) {
      const key = level.listingKey;
      if (level.quantity === undefined || !Number.isInteger(level.quantity) || level.quantity < 0) {
        results.push({ key, ok: false, message: '11st takes absolute stock quantities (a whole number ≥ 0)', retryable: false });
        continue;
      }
      let row: StockRow | undefined;
      const located = await itemOutcome(async () => {
        row = await this.locateStock(ctx, key, readStocks, productStocks);
      });
      if (!located.ok) {
        results.push({ key, ...located });
        continue;
      }
      if (!row) {
        results.push({
          key,
          ok: false,
          message: `11st has no option with seller stock code (or seller product code) "${key}"`,
          retryable: false,
        });
        continue;
      }
      const target = row;
      const body =
        `<ProductStock><prdNo>${target.prdNo}</prdNo><prdStckNo>${target.prdStckNo}</prdStckNo>` +
        `<stckQty>${level.quantity}</stckQty><optWght>${target.optWght || '0'}</optWght></ProductStock>`;
      const outcome = await itemOutcome(() => this.client.put(ctx, `prodservices/stockqty/${target.prdStckNo}`, body));
      if (!outcome.ok && outcome.siteCode === '404') this.refsOf(ctx).delete(key);
      results.push({ key, ...outcome });
    }
    return results;
  }

  /** 셀러재고번호 `sellerStockCd` for option items, else 판매자상품코드 `sellerPrdCd`. */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = line.optionCode?.trim() || undefined;
    return { key: optionCode ?? line.productCode, productCode: line.productCode, ...(optionCode ? { optionCode } : {}) };
  }

  // ------------------------------------------------------------------ pull

  private async listRows(ctx: ConnectionContext, list: (typeof LISTS)[number], from: number, to: number): Promise<ElevenStreetOrderRow[]> {
    const path = `ordservices/${list}/${kstMinute(from)}/${kstMinute(to)}`;
    let rows: ElevenStreetOrderRow[];
    try {
      rows = orderRowsOf((await this.client.get(ctx, path)).document);
    } catch (error) {
      // How 11st counts the 7 days (hours or calendar dates) is not written down: a window it finds
      // too long is halved rather than failing the pull.
      if (error instanceof SiteRejectedError && WINDOW_TOO_LONG_CODES.has(error.siteCode ?? '') && to - from > MIN_WINDOW_AFTER_ERROR_MS) {
        return this.splitWindow(ctx, list, from, to);
      }
      throw error;
    }
    if (rows.length < MAX_ROWS) return rows;
    if (to - from <= MINUTE_MS) {
      // Minutes are the API's finest grain: nothing narrower can be asked for.
      this.logger.warn(
        `connection ${ctx.connectionId}: 11st ${list} returned ${rows.length} rows for the single minute ${kstMinute(from)}`,
      );
      return rows;
    }
    return this.splitWindow(ctx, list, from, to);
  }

  /**
   * Halves share their middle minute: whether the end minute is inclusive is UNCONFIRMED, so
   * overlapping costs only duplicates (merged by ordNo/ordPrdSeq) where a gap would lose orders.
   */
  private async splitWindow(
    ctx: ConnectionContext,
    list: (typeof LISTS)[number],
    from: number,
    to: number,
  ): Promise<ElevenStreetOrderRow[]> {
    const middle = from + Math.max(MINUTE_MS, floorToMinute((to - from) / 2));
    return [...(await this.listRows(ctx, list, from, middle)), ...(await this.listRows(ctx, list, middle, to))];
  }

  private rememberStockRefs(ctx: ConnectionContext, rows: ElevenStreetOrderRow[]): void {
    const refs = this.refsOf(ctx);
    for (const row of rows) {
      const key = row.sellerStockCd?.trim() || row.sellerPrdCd?.trim();
      if (key && row.prdNo && row.prdStckNo && row.addPrdYn !== 'Y') refs.set(key, { prdNo: row.prdNo, prdStckNo: row.prdStckNo });
    }
  }

  // ------------------------------------------------------------------ stock

  private refsOf(ctx: ConnectionContext): Map<string, StockRef> {
    let refs = this.stockRefs.get(ctx.connectionId);
    if (!refs) this.stockRefs.set(ctx.connectionId, (refs = new Map()));
    return refs;
  }

  private async locateStock(
    ctx: ConnectionContext,
    key: string,
    readStocks: (prdNo: string) => Promise<StockRow[]>,
    alreadyRead: Map<string, Promise<StockRow[]>>,
  ): Promise<StockRow | undefined> {
    const refs = this.refsOf(ctx);
    const known = refs.get(key);
    if (known) {
      const rows = await readStocks(known.prdNo).catch(() => [] as StockRow[]);
      const row = rows.find((candidate) => candidate.prdStckNo === known.prdStckNo) ?? matchStock(rows, key, undefined);
      if (row) return row;
      refs.delete(key);
    }
    // Options of a product read earlier in this call need no further lookup.
    for (const rows of alreadyRead.values()) {
      const row = (await rows.catch(() => [] as StockRow[])).find((candidate) => candidate.sellerStockCd === key);
      if (row) {
        refs.set(key, { prdNo: row.prdNo, prdStckNo: row.prdStckNo });
        return row;
      }
    }
    // Not seen on an order: the key may be a seller product code (single-option product), or a
    // stock code equal to its product's code, which the product lookup finds.
    const products = await this.client.get(ctx, `prodmarketservice/sellerprodcode/${encodeURIComponent(key)}`);
    for (const product of listOf((products.document.products as XmlNode | undefined)?.product)) {
      const prdNo = textOf(product.prdNo);
      if (!prdNo) continue;
      const row = matchStock(await readStocks(prdNo), key, textOf(product.sellerPrdCd));
      if (row) {
        refs.set(key, { prdNo: row.prdNo, prdStckNo: row.prdStckNo });
        return row;
      }
    }
    return undefined;
  }

  private async readStocks(ctx: ConnectionContext, prdNo: string): Promise<StockRow[]> {
    const result = await this.client.get(ctx, `prodmarketservice/prodmarket/stck/${encodeURIComponent(prdNo)}`);
    const stocks = result.document.ProductStocks as XmlNode | undefined;
    return listOf(stocks?.ProductStock).map((stock) => ({
      prdNo: cleanText(stock.prdNo) || prdNo,
      prdStckNo: cleanText(stock.prdStckNo),
      sellerStockCd: cleanText(stock.sellerStockCd),
      optWght: cleanText(stock.optWght),
    }));
  }

  private courierCode(ctx: ConnectionContext, carrier: string): string | undefined {
    const configured = ctx.settings[ELEVEN_STREET_SETTINGS.courierCodes] ?? ctx.settings.carrierCodes;
    const table: Record<string, string> = { ...DEFAULT_COURIER_CODES };
    if (configured && typeof configured === 'object') {
      for (const [name, code] of Object.entries(configured as Record<string, unknown>)) {
        if (typeof code === 'string' && code.trim() !== '') table[name.toLowerCase()] = code.trim();
      }
    }
    const wanted = carrier.trim();
    return table[wanted.toLowerCase()] ?? (/^\d{5}$/.test(wanted) ? wanted : undefined);
  }
}

function matchStock(rows: StockRow[], key: string, productCode: string | undefined): StockRow | undefined {
  const byStockCode = rows.find((row) => row.sellerStockCd === key);
  if (byStockCode) return byStockCode;
  // A product without options has one stock row, keyed by the product code (listing key fallback).
  return productCode === key && rows.length === 1 ? rows[0] : undefined;
}

function lineRawsOf(ref: ExternalOrderRef): ElevenStreetLineRaw[] {
  return (ref.lines ?? [])
    .map((line) => ({ ...(line.raw ?? {}), ordPrdSeq: String(line.raw?.ordPrdSeq ?? line.externalLineId) }) as ElevenStreetLineRaw)
    .filter((raw) => raw.ordPrdSeq && raw.dlvNo);
}

function dlvNosOf(shipment: TrackingUpdate): string[] {
  const fromLines = (shipment.lines ?? [])
    .map((line) => line.raw?.dlvNo)
    .filter((value): value is string => typeof value === 'string' && value !== '');
  const fromRefs = Array.isArray(shipment.refs?.dlvNos)
    ? (shipment.refs.dlvNos as unknown[]).filter((value): value is string => typeof value === 'string' && value !== '')
    : [];
  return [...new Set([...fromLines, ...fromRefs])];
}

function missingLines(key: string, what: string): ItemResult {
  return { key, ok: false, message: `the order carries no 11st line identifiers (${what}); pull it again`, retryable: false };
}

function listOf(value: unknown): XmlNode[] {
  if (Array.isArray(value)) return value.filter((item): item is XmlNode => item !== null && typeof item === 'object');
  return value !== null && typeof value === 'object' ? [value as XmlNode] : [];
}

function cleanText(value: unknown): string {
  const text = textOf(value)?.trim() ?? '';
  return text === 'null' ? '' : text;
}

function kstMinute(epochMs: number): string {
  return formatInOffset(new Date(epochMs), KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
}

function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function numberSetting(ctx: ConnectionContext, name: string, fallback: number): number {
  const value = Number(ctx.settings[name]);
  return ctx.settings[name] !== undefined && ctx.settings[name] !== null && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function stringSetting(ctx: ConnectionContext, name: string, fallback: string): string {
  const value = ctx.settings[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}
