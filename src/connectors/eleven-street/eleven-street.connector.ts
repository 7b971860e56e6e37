import { Injectable, Logger } from '@nestjs/common';

import { SiteAuthError, SiteError, SiteRejectedError, SiteRetryableError } from '../http/site-errors';
import type {
  ConnectionContext,
  ConnectionTestResult,
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
  CancelRequest,
  CancelRequestHandler,
  ConnectionProbe,
  ListingDirectory,
  ListingRef,
  OrderChangeBatch,
  OrderChangeSource,
  OrderConfirmer,
  OrderSource,
  RecheckResult,
  SitePorts,
  StockSink,
  TrackingSink,
} from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { type ItemOutcome, itemOutcome } from '../shared/item-outcome';
import { KST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import {
  CANCEL_IN_PROGRESS,
  CANCEL_REQUESTED,
  CLAIM_LISTS,
  type ClaimList,
  type WindowClaims,
  changesOfWindow,
  ordersNeedingSnapshot,
  recheckResultOf,
} from './eleven-street.changes';
import { CLAIM_WINDOW_TOO_LONG_CODE, ELEVEN_STREET_ROOTS, ElevenStreetClient, WINDOW_TOO_LONG_CODES } from './eleven-street.client';
import { ELEVEN_STREET_DESCRIPTOR, ELEVEN_STREET_SETTINGS } from './eleven-street.descriptor';
import { type ElevenStreetStockAddress, ElevenStreetListingReader, type ListingLookup, stockAddressOf } from './eleven-street.listings';
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
/** cancellations.md §3.2/§3.3/§3.6: every claim list takes at most 30 days (-28008 beyond). */
const MAX_CLAIM_WINDOW_MS = 30 * DAY_MS;
/** §3.7: `orderlistall` / `orderlistalladdr` take at most 100 order numbers (-28003 beyond). */
const MAX_ORDERS_PER_STATUS_READ = 100;
/** Set by the caller of the change pull (issue 15); the first change pull looks back this far. */
const INITIAL_LOOKBACK_DAYS_SETTING = 'initialLookbackDays';

/**
 * §3.4: cancelreqconf answers "이미 취소 완료된 신청건 입니다" for a request already approved: the target
 * state is reached. Its code is one of -22001..-22004, which no source maps to a text (UNCONFIRMED), so the
 * text is what is matched.
 */
const ALREADY_CANCELLED_TEXT = /이미\s*취소\s*완료/;

/** §5: -3206 = already confirmed (or nothing left to confirm; add-ons follow their main line). */
const CONFIRM_OK_CODES = new Set(['-3206']);
/** -3207: status update error on 11st's side. */
const CONFIRM_RETRYABLE_CODES = new Set(['-3207']);
/** §6: -3308 dlvNo already shipped, -3309 already delivered: the target state is reached ([Ship-py]). */
const DELIVERY_OK_CODES = new Set(['-3308', '-3309']);
/** -3311: system error on 11st's side. */
const DELIVERY_RETRYABLE_CODES = new Set(['-3311']);
/** §7 stockqty: 404 = no such product/stock number. */
const ADDRESS_GONE_CODE = '404';

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

@Injectable()
export class ElevenStreetConnector
  implements
    SiteConnector,
    ConnectionProbe,
    OrderSource,
    OrderConfirmer,
    TrackingSink,
    StockSink,
    ListingDirectory,
    OrderChangeSource,
    CancelRequestHandler
{
  readonly stockMode = 'absolute' as const;
  readonly ports: SitePorts = {
    connection: this,
    orderSource: this,
    orderConfirmer: this,
    trackingSink: this,
    stockSink: this,
    listingDirectory: this,
    orderChangeSource: this,
    cancelRequestHandler: this,
  };
  readonly descriptor = ELEVEN_STREET_DESCRIPTOR;
  /** The order lists show 202/301 lines only: a line with a cancel request (701) drops out until it is settled. */
  readonly hidesLinesUnderClaim = true;
  private readonly logger = new Logger(ElevenStreetConnector.name);
  private readonly listings: ElevenStreetListingReader;

  constructor(private readonly client: ElevenStreetClient) {
    this.listings = new ElevenStreetListingReader(client);
  }

  /** The paid-orders list (결제완료) over the last minute, KST: authenticated and nearly always empty. */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const now = ctx.now();
      const start = formatInOffset(new Date(now.getTime() - MINUTE_MS), KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      const end = formatInOffset(now, KST_OFFSET_MINUTES, 'yyyyMMddHHmm');
      const result = await this.client.get(ctx, `ordservices/complete/${start}/${end}`, {
        maxAttempts: 2,
        roots: ELEVEN_STREET_ROOTS.orders,
      });
      return { ordersFound: orderRowsOf(result.document).length };
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
        const outcome = await itemOutcome(() => this.client.get(ctx, path, { roots: ELEVEN_STREET_ROOTS.result }), {
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
   * `reqdelivery` once per distinct `dlvNo` (§6: one call ships the whole bundle, and 11st keeps one waybill
   * per dlvNo). Two orders sharing a dlvNo (11st bundles orders of one buyer) get one push that covers both:
   * the first update naming the dlvNo is sent, and every order on it gets that call's result. An order is
   * shipped when each of its dlvNos is.
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const method = stringSetting(ctx, ELEVEN_STREET_SETTINGS.deliveryMethodCode, '01');
    type Planned = { key: string; dlvNos: string[]; courier: string; invcNo: string; sendDt: string };
    const plans: Array<Planned | ItemResult> = shipments.map((shipment) => {
      const dlvNos = dlvNosOf(shipment);
      if (dlvNos.length === 0) return missingLines(shipment.externalOrderId, 'dlvNo');
      const courier = method === '05' ? 'null' : this.courierCode(ctx, shipment.carrier);
      if (!courier) {
        return {
          key: shipment.externalOrderId,
          ok: false,
          message: `No 11st courier code (dlvEtprsCd) for carrier "${shipment.carrier}": add it to the connection setting courierCodes, e.g. {"${shipment.carrier}": "00034"}.`,
          retryable: false,
        };
      }
      return {
        key: shipment.externalOrderId,
        dlvNos,
        courier,
        invcNo: method === '05' ? 'null' : shipment.trackingNumber.trim(),
        sendDt: formatInOffset(shipment.shippedAt, KST_OFFSET_MINUTES, 'yyyyMMddHHmm'),
      };
    });

    const sent = new Map<string, { by: Planned; outcome: ItemOutcome }>();
    for (const plan of plans) {
      if (!('dlvNos' in plan)) continue;
      for (const dlvNo of plan.dlvNos) {
        if (sent.has(dlvNo)) continue;
        const path = `ordservices/reqdelivery/${plan.sendDt}/${method}/${plan.courier}/${encodeURIComponent(plan.invcNo)}/${dlvNo}`;
        const outcome = await itemOutcome(() => this.client.get(ctx, path, { roots: ELEVEN_STREET_ROOTS.result }), {
          okCodes: DELIVERY_OK_CODES,
          retryableCodes: DELIVERY_RETRYABLE_CODES,
        });
        sent.set(dlvNo, { by: plan, outcome });
      }
    }

    return plans.map((plan) => {
      if (!('dlvNos' in plan)) return plan;
      let failed: ItemOutcome | undefined;
      const notes: string[] = [];
      for (const dlvNo of plan.dlvNos) {
        const { by, outcome } = sent.get(dlvNo)!;
        if (!outcome.ok) {
          failed ??= { ...outcome, message: `dlvNo ${dlvNo}: ${outcome.message ?? ''}`.trim() };
          continue;
        }
        if (by !== plan) {
          notes.push(
            by.invcNo === plan.invcNo
              ? `dlvNo ${dlvNo} shipped with order ${by.key}`
              : `dlvNo ${dlvNo} shipped with order ${by.key} under invoice ${by.invcNo} (11st keeps one waybill per dlvNo)`,
          );
        }
      }
      if (failed) return { key: plan.key, ...failed };
      return notes.length > 0 ? { key: plan.key, ok: true, message: notes.join('; ') } : { key: plan.key, ok: true };
    });
  }

  /**
   * Each listing's option (`prdStckNo`), product (`prdNo`), `optWght` and `stckQty`, from 11st's product and
   * stock API (`ElevenStreetListingReader`). Throws when 11st could not be asked about every ref.
   */
  async readListings(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>> {
    const { found, failed } = await this.listings.lookup(ctx, refs);
    const [failure] = failed.values();
    if (failure) throw failure;
    return found;
  }

  /**
   * Absolute quantities through `PUT stockqty/{prdStckNo}` with the four-field body (§7), the listing's
   * current `optWght` kept. A listing comes with its stored address; one without is looked up first (all
   * such listings in one lookup) and its address returned on its result, to be stored. 11st answering 404
   * for an address means it is gone: the result says `listing: null` and may be retried (looked up again).
   */
  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const unaddressed = levels.filter((level) => isAbsoluteQuantity(level) && !stockAddressOf(level.listing));
    const lookup: ListingLookup =
      unaddressed.length > 0
        ? await this.listings.lookup(
            ctx,
            unaddressed.map((level) => ({ listingKey: level.listingKey, productCode: level.productCode ?? null })),
          )
        : { found: new Map(), failed: new Map() };
    const results: ItemResult[] = [];
    for (const level of levels) results.push(await this.pushLevel(ctx, level, lookup));
    return results;
  }

  private async pushLevel(ctx: ConnectionContext, level: StockUpdate, lookup: ListingLookup): Promise<ItemResult> {
    const key = level.listingKey;
    if (!isAbsoluteQuantity(level)) {
      return { key, ok: false, message: '11st takes absolute stock quantities (a whole number ≥ 0)', retryable: false };
    }
    const stored = stockAddressOf(level.listing);
    const found = stored ? undefined : lookup.found.get(key);
    const address = stored ?? stockAddressOf(found);
    if (!address) {
      const failure = lookup.failed.get(key);
      if (failure) {
        const siteCode = failure.siteCode !== undefined ? { siteCode: failure.siteCode } : {};
        return {
          key,
          ok: false,
          ...siteCode,
          message: `11st listing lookup failed: ${failure.siteMessage ?? failure.message}`,
          retryable: true,
        };
      }
      return {
        key,
        ok: false,
        message: `11st has no option with seller stock code (or single-option product with seller product code) "${key}"`,
        retryable: false,
      };
    }
    const outcome = await itemOutcome(() =>
      this.client.put(ctx, `prodservices/stockqty/${encodeURIComponent(address.prdStckNo)}`, stockQtyBody(address, level.quantity), {
        roots: ELEVEN_STREET_ROOTS.clientMessage,
      }),
    );
    // §7: 404 = "해당 상품/재고 번호 없음": the address is gone; the next push looks the listing up again.
    if (!outcome.ok && outcome.siteCode === ADDRESS_GONE_CODE) return { key, ...outcome, retryable: true, listing: null };
    if (!found) return { key, ...outcome };
    return { key, ...outcome, listing: outcome.ok ? { ...found, quantity: level.quantity } : found };
  }

  /** 셀러재고번호 `sellerStockCd` for option items, else 판매자상품코드 `sellerPrdCd`. */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = line.optionCode?.trim() || undefined;
    return { key: optionCode ?? line.productCode, productCode: line.productCode, ...(optionCode ? { optionCode } : {}) };
  }

  // ------------------------------------------------------------------ changes after intake

  /**
   * Cancels, holds and releases after intake (cancellations.md §3.8), read from the claim lists over
   * [cursor − overlap, now] in windows of at most 30 days (first run: `initialLookbackDays` back, default
   * 30), in KST minutes. Per window: `cancelorders`, `canceledorders`, `withdrawcanceledorders`,
   * `returnorders` and `exchangeorders`, plus `orderlistall` (one call per 100 orders) for the orders whose
   * cancels completed or were withdrawn in it: calls grow with the windows and the changes, never with
   * the open orders. One batch per window, its cursor the window end (an ISO instant); a failed call ends
   * the pull before that window's batch, so the cursor never passes it.
   */
  async *pullChanges(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderChangeBatch> {
    const now = floorToMinute(ctx.now().getTime());
    const overlapMs = numberSetting(ctx, ELEVEN_STREET_SETTINGS.overlapMinutes, DEFAULT_OVERLAP_MINUTES) * MINUTE_MS;
    const lookbackMs = numberSetting(ctx, INITIAL_LOOKBACK_DAYS_SETTING, DEFAULT_LOOKBACK_DAYS) * DAY_MS;
    const watermark = cursor ? Date.parse(cursor.value) : Number.NaN;
    const start = floorToMinute(Number.isFinite(watermark) ? Math.min(watermark, now) - overlapMs : now - lookbackMs);
    const log = (message: string) => this.logger.warn(`connection ${ctx.connectionId}: ${message}`);

    for (let windowStart = start; windowStart < now; ) {
      const windowEnd = Math.min(windowStart + MAX_CLAIM_WINDOW_MS, now);
      const claims = {} as WindowClaims;
      for (const list of CLAIM_LISTS) claims[list] = await this.claimRows(ctx, list, windowStart, windowEnd);
      const current = await this.orderStates(
        ctx,
        ordersNeedingSnapshot(claims, () => undefined),
        'orderlistall',
      );
      yield { changes: changesOfWindow(claims, current, log), nextCursor: { value: new Date(windowEnd).toISOString() } };
      windowStart = windowEnd;
    }
  }

  /**
   * The orders read by number through `orderlistalladdr` (§3.7, ≤ 100 per call): line statuses (701 / B01),
   * cancelled quantities and the recipient. A line waiting at 701 needs its claim number to be approved,
   * which this read lacks: it is looked up in `cancelorders` over the last 30 days (one call, only when such
   * a line is found); a request older than that is reported without `ordPrdCnSeq`, and `approveCancel`
   * looks again. An order 11st does not list is `found: false`.
   */
  async recheck(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<RecheckResult[]> {
    const ids = [...new Set(refs.map((ref) => ref.externalOrderId.trim()).filter(Boolean))];
    const current = await this.orderStates(ctx, ids, 'orderlistalladdr');
    const needsClaims = [...current.values()].some((rows) => rows.some((row) => row.ordPrdStat === CANCEL_IN_PROGRESS && !row.ordPrdCnSeq));
    const open = needsClaims ? await this.openCancelRequests(ctx) : new Map<string, ElevenStreetOrderRow>();
    const stamp = kstMinute(ctx.now().getTime());
    return refs.map((ref) => recheckResultOf(ref.externalOrderId, current.get(ref.externalOrderId.trim()), open, stamp));
  }

  /**
   * `cancelreqconf/{ordPrdCnSeq}/{ordNo}/{ordPrdSeq}` (§3.4) once per requested line; one result per order,
   * with 11st's `result_code` and `result_text` (the first failing line's when one fails). A request
   * already approved ("이미 취소 완료된 신청건") counts as done. A request without its claim number (read by
   * `recheck`) has it looked up among the open requests of the last 30 days.
   */
  async approveCancel(ctx: ConnectionContext, requests: CancelRequest[]): Promise<ItemResult[]> {
    const byOrder = new Map<string, Array<{ ordPrdCnSeq?: string; ordNo: string; ordPrdSeq: string }>>();
    for (const request of requests) {
      let lines = byOrder.get(request.externalOrderId);
      if (!lines) byOrder.set(request.externalOrderId, (lines = []));
      for (const line of requestedLines(request)) {
        const same = lines.find((known) => known.ordNo === line.ordNo && known.ordPrdSeq === line.ordPrdSeq);
        if (!same) lines.push(line);
        else same.ordPrdCnSeq ||= line.ordPrdCnSeq;
      }
    }
    let open: Map<string, ElevenStreetOrderRow> | undefined;
    const results: ItemResult[] = [];
    for (const [key, lines] of byOrder) {
      if (lines.length === 0) {
        results.push({ key, ok: false, message: 'the cancel request names no 11st line (ordNo/ordPrdSeq)', retryable: false });
        continue;
      }
      let failed: Omit<ItemResult, 'key'> | undefined;
      const answers: Array<{ code: string; text: string; line: string }> = [];
      for (const line of lines) {
        let seq = line.ordPrdCnSeq;
        if (!seq) {
          open ??= await this.openCancelRequests(ctx);
          seq = open.get(`${line.ordNo}/${line.ordPrdSeq}`)?.ordPrdCnSeq;
        }
        if (!seq) {
          failed ??= {
            ok: false,
            message: `line ${line.ordPrdSeq}: 11st shows no open cancel request for it in the last 30 days (no ordPrdCnSeq to approve)`,
            retryable: false,
          };
          continue;
        }
        const path = `claimservice/cancelreqconf/${[seq, line.ordNo, line.ordPrdSeq].map(encodeURIComponent).join('/')}`;
        try {
          const result = await this.client.get(ctx, path, { roots: ELEVEN_STREET_ROOTS.result });
          answers.push({ code: result.code ?? '0', text: result.text ?? '', line: line.ordPrdSeq });
        } catch (error) {
          if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
          if (ALREADY_CANCELLED_TEXT.test(error.siteMessage ?? '')) {
            answers.push({ code: error.siteCode ?? '', text: error.siteMessage ?? '', line: line.ordPrdSeq });
            continue;
          }
          failed ??= {
            ok: false,
            ...(error.siteCode !== undefined ? { siteCode: error.siteCode } : {}),
            message: `line ${line.ordPrdSeq}: ${error.siteMessage ?? error.message}`,
            retryable: error instanceof SiteRetryableError,
          };
        }
      }
      if (failed) results.push({ key, ...failed });
      else
        results.push({
          key,
          ok: true,
          siteCode: answers[0].code,
          message: answers.map((answer) => (lines.length > 1 ? `line ${answer.line}: ${answer.text}` : answer.text)).join('; '),
        });
    }
    return results;
  }

  /**
   * One claim list over [from, to]. A window 11st calls too long (-28008: how it counts 30 days is not
   * written down) or a full answer (3,000 rows, no paging) is halved, as for the order lists.
   */
  private async claimRows(ctx: ConnectionContext, list: ClaimList, from: number, to: number): Promise<ElevenStreetOrderRow[]> {
    const path = `claimservice/${list}/${kstMinute(from)}/${kstMinute(to)}`;
    let rows: ElevenStreetOrderRow[];
    try {
      rows = orderRowsOf((await this.client.get(ctx, path, { roots: ELEVEN_STREET_ROOTS.orders })).document);
    } catch (error) {
      if (error instanceof SiteRejectedError && error.siteCode === CLAIM_WINDOW_TOO_LONG_CODE && to - from > MIN_WINDOW_AFTER_ERROR_MS) {
        const middle = from + Math.max(MINUTE_MS, floorToMinute((to - from) / 2));
        return [...(await this.claimRows(ctx, list, from, middle)), ...(await this.claimRows(ctx, list, middle, to))];
      }
      throw error;
    }
    if (rows.length < MAX_ROWS) return rows;
    if (to - from <= MINUTE_MS) {
      this.logger.warn(
        `connection ${ctx.connectionId}: 11st ${list} returned ${rows.length} rows for the single minute ${kstMinute(from)}`,
      );
      return rows;
    }
    const middle = from + Math.max(MINUTE_MS, floorToMinute((to - from) / 2));
    return [...(await this.claimRows(ctx, list, from, middle)), ...(await this.claimRows(ctx, list, middle, to))];
  }

  /** The current rows of orders by number (`orderlistall` or `orderlistalladdr`), ≤ 100 numbers a call. */
  private async orderStates(
    ctx: ConnectionContext,
    ordNos: readonly string[],
    read: 'orderlistall' | 'orderlistalladdr',
  ): Promise<Map<string, ElevenStreetOrderRow[]>> {
    const byOrder = new Map<string, ElevenStreetOrderRow[]>();
    for (let index = 0; index < ordNos.length; index += MAX_ORDERS_PER_STATUS_READ) {
      const batch = ordNos.slice(index, index + MAX_ORDERS_PER_STATUS_READ);
      // §3.7: comma-separated with no spaces.
      const path = `claimservice/${read}/${batch.map(encodeURIComponent).join(',')}`;
      for (const row of orderRowsOf((await this.client.get(ctx, path, { roots: ELEVEN_STREET_ROOTS.orders })).document)) {
        if (!row.ordNo || !row.ordPrdSeq) continue;
        const rows = byOrder.get(row.ordNo);
        if (rows) rows.push(row);
        else byOrder.set(row.ordNo, [row]);
      }
    }
    return byOrder;
  }

  /**
   * Open cancel requests (`ordCnStatCd` 01) of the last 30 days by `ordNo/ordPrdSeq`, for their claim
   * numbers. A site failure other than a refused key leaves the map empty (the caller reports the request
   * without its number) rather than failing the whole read.
   */
  private async openCancelRequests(ctx: ConnectionContext): Promise<Map<string, ElevenStreetOrderRow>> {
    const now = floorToMinute(ctx.now().getTime());
    const open = new Map<string, ElevenStreetOrderRow>();
    try {
      for (const row of await this.claimRows(ctx, 'cancelorders', now - MAX_CLAIM_WINDOW_MS, now)) {
        if (row.ordCnStatCd === CANCEL_REQUESTED && row.ordNo && row.ordPrdSeq && row.ordPrdCnSeq)
          open.set(`${row.ordNo}/${row.ordPrdSeq}`, row);
      }
    } catch (error) {
      if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
      this.logger.warn(`connection ${ctx.connectionId}: 11st cancelorders could not be read for claim numbers: ${error.message}`);
    }
    return open;
  }

  // ------------------------------------------------------------------ pull

  private async listRows(ctx: ConnectionContext, list: (typeof LISTS)[number], from: number, to: number): Promise<ElevenStreetOrderRow[]> {
    const path = `ordservices/${list}/${kstMinute(from)}/${kstMinute(to)}`;
    let rows: ElevenStreetOrderRow[];
    try {
      rows = orderRowsOf((await this.client.get(ctx, path, { roots: ELEVEN_STREET_ROOTS.orders })).document);
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

function isAbsoluteQuantity(level: StockUpdate): level is StockUpdate & { quantity: number } {
  return level.quantity !== undefined && Number.isInteger(level.quantity) && level.quantity >= 0;
}

/** §7: all four fields are required, `optWght` as 11st shows it now. */
function stockQtyBody(address: ElevenStreetStockAddress, quantity: number): string {
  return (
    `<ProductStock><prdNo>${address.prdNo}</prdNo><prdStckNo>${address.prdStckNo}</prdStckNo>` +
    `<stckQty>${quantity}</stckQty><optWght>${address.optWght || '0'}</optWght></ProductStock>`
  );
}

function lineRawsOf(ref: ExternalOrderRef): ElevenStreetLineRaw[] {
  return (ref.lines ?? [])
    .map((line) => ({ ...(line.raw ?? {}), ordPrdSeq: String(line.raw?.ordPrdSeq ?? line.externalLineId) }) as ElevenStreetLineRaw)
    .filter((raw) => raw.ordPrdSeq && raw.dlvNo);
}

/**
 * The lines a cancel request names: `{ordPrdCnSeq, ordNo, ordPrdSeq}` as a `cancel_requested` change
 * carried it. Comma-separated lists (several lines in one request) are read pairwise; `ordNo` defaults to
 * the order's id.
 */
function requestedLines(request: CancelRequest): Array<{ ordPrdCnSeq?: string; ordNo: string; ordPrdSeq: string }> {
  const split = (value: unknown) =>
    typeof value === 'string' && value.trim() !== '' ? value.split(',').map((part) => part.trim()) : ([] as string[]);
  const seqs = split(request.request?.ordPrdSeq);
  const claims = split(request.request?.ordPrdCnSeq);
  const ordNos = split(request.request?.ordNo);
  return seqs
    .map((ordPrdSeq, index) => {
      const ordPrdCnSeq = claims.length === seqs.length ? claims[index] : seqs.length === 1 ? claims[0] : undefined;
      const ordNo = (ordNos.length === seqs.length ? ordNos[index] : ordNos[0]) || request.externalOrderId;
      return { ...(ordPrdCnSeq ? { ordPrdCnSeq } : {}), ordNo, ordPrdSeq };
    })
    .filter((line) => line.ordPrdSeq !== '');
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
