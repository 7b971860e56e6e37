import { Injectable, Optional } from '@nestjs/common';

import { InvalidInputError } from '../../common/domain-errors';
import { AppConfig } from '../../config/app-config';
import { SiteRejectedError } from '../http/site-errors';
import type {
  AuthorizationInput,
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrder,
  ExternalOrderLine,
  ExternalOrderRef,
  ItemResult,
  ListingKey,
  OrderBatch,
  SiteConnector,
  SiteDescriptor,
  SiteListing,
  StockUpdate,
  SyncCursor,
  TrackingUpdate,
} from '../sales-site-connector';
import type {
  CancelRequest,
  CancelRequestHandler,
  ConnectionProbe,
  ListingRef,
  OrderChange,
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
import { itemFailure } from '../shared/item-outcome';
import { JST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { shippingCorpFor, unknownCarrierMessage } from './qoo10.carriers';
import { Qoo10Client } from './qoo10.client';
import { QOO10_CREDENTIALS, QOO10_DESCRIPTOR, qoo10CredentialFields } from './qoo10.descriptor';
import {
  CANCELLED_CLAIMS,
  CLAIM,
  HOLDING_CLAIMS,
  SHIPPED_STATUSES,
  changesOfPack,
  claimDate,
  claimLeavesLineLive,
  claimLineOf,
  lineRef,
  readChangeCursor,
  writeChangeCursor,
  type ClaimLine,
  type PendingRequest,
} from './qoo10.changes';
import { Qoo10Listings } from './qoo10.listings';
import { groupByPack, orderNosOf, toExternalOrder, type Qoo10ShippingRow } from './qoo10.mapper';
import { Qoo10StockPush } from './qoo10.stock';

// CONFIRMED by two sources: a seller authorization key lives one year from issue.
const CERTIFICATION_KEY_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const NEW_ORDER_STATUS = '2';
/** 新規注文 (2) and 配送準備 (3): the collectable statuses (DESIGN §1). */
const COLLECTABLE_STATUSES = ['2', '3'];
const ORDER_DATE_CONDITION = '1';
const SHIPPING_INFO = 'ShippingBasic.GetShippingInfo_v3';
/** Packs per yielded batch. */
const BATCH_SIZE = 200;
/** "Already order-confirmed" (documented for the bulk form; the single form is assumed to share it). */
const ALREADY_CONFIRMED = '-10012';

/**
 * Pull settings (connection settings). The window limit of GetShippingInfo is UNCONFIRMED (≈90 days inferred,
 * one client chunks 30): windows stay well inside it.
 */
const DEFAULT_LOOKBACK_DAYS = 30;
const DEFAULT_WINDOW_DAYS = 30;
const MAX_WINDOW_DAYS = 89;
/**
 * Orders are searched by order date (the payment date is empty in some production data, spec §4.2), and an
 * order awaiting payment (1) enters 新規注文 (2) when paid without its order date changing. The overlap must
 * cover that delay (konbini / bank transfer deadlines), so it is days, not minutes; each run costs one call
 * per status per window either way.
 */
const DEFAULT_OVERLAP_HOURS = 7 * 24;

const CLAIM_INFO = 'ShippingBasic.GetClaimInfo_V3';
const CLAIM_BY_ORDER = 'ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2';
const CANCEL_PROCESS = 'Claim.SetCancelProcess';
/** GetClaimInfo_V3 `search_condition`: 2 claim request date, 3 cancel/refund completion date (cancellations.md §2.1). */
const BY_REQUEST_DATE = '2';
const BY_COMPLETION_DATE = '3';
/** Listed by request date, one call each: the cancel side (1, 2; 3 also by completion date), returns and exchanges. */
const HOLDING_LISTS = [CLAIM.CANCEL_REQUESTED, CLAIM.CANCELLING];
const AFTER_SHIPMENT_LISTS = [
  CLAIM.RETURN_REQUESTED,
  CLAIM.RETURNING,
  CLAIM.RETURNED,
  CLAIM.EXCHANGE_REQUESTED,
  CLAIM.EXCHANGE_APPROVED,
  CLAIM.RESHIPPING,
];
/** GetClaimInfo_V3 refuses a period over 90 days (-10003, CONFIRMED): windows stay a day inside it. */
const MAX_CLAIM_WINDOW_DAYS = 89;
/**
 * Claims are listed by request date, which Qoo10 stamps when the buyer asks: the overlap only covers late
 * publication and clock skew (every run costs the same calls whatever the overlap).
 */
const DEFAULT_CHANGE_OVERLAP_HOURS = 6;
/** A request still waiting after this long is no longer followed by the change pull (a recheck still reads it). */
const PENDING_HORIZON_DAYS = 89;
const CHANGE_BATCH_SIZE = 500;
/**
 * The by-order read's answer for an unknown orderNo is not documented; SetCancelProcess's "bad order number" and
 * "no order" (-10001, -10002) are read as "Qoo10 does not know it" (UNCONFIRMED).
 */
const UNKNOWN_ORDER_CODES: ReadonlySet<string> = new Set(['-10001', '-10002']);
/**
 * SetCancelProcess `CancelReason`: empty is 在庫なし, the seller's fault; 1 is 注文変更. The guide says a buyer's
 * own reason is not updated by this method, so this only matters if Qoo10 records the approval as a seller cancel.
 */
const APPROVAL_CANCEL_REASON = '1';

@Injectable()
export class Qoo10Connector
  implements SiteConnector, ConnectionProbe, OrderSource, OrderConfirmer, TrackingSink, StockSink, OrderChangeSource, CancelRequestHandler
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
  readonly descriptor: SiteDescriptor;
  /** GetShippingInfo leaves out lines being cancelled (claim 2, 3); whether a requested one (1) shows is UNCONFIRMED. */
  readonly hidesLinesUnderClaim = true;

  private readonly listings: Qoo10Listings;
  private readonly stock: Qoo10StockPush;

  /** the deployment's own API key (`QOO10_API_KEY`): used for the key exchange of a connection that brings none */
  private readonly serviceApiKey: string | undefined;

  constructor(
    private readonly client: Qoo10Client,
    @Optional() config?: AppConfig,
  ) {
    this.serviceApiKey = config?.qoo10ApiKey || undefined;
    this.descriptor = this.serviceApiKey
      ? { ...QOO10_DESCRIPTOR, credentialFields: qoo10CredentialFields({ serviceApiKey: true }) }
      : QOO10_DESCRIPTOR;
    this.listings = new Qoo10Listings(client);
    this.stock = new Qoo10StockPush(client, this.listings);
  }

  /**
   * A one-day order query (new orders, by order date, the last 24 hours). UNCONFIRMED: whether Qoo10
   * answers an empty period with ResultCode 0 and an empty list or with a "no data" code; a non-zero
   * code is reported as a failure with Qoo10's own words.
   */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const envelope = await this.client.call(ctx, 'ShippingBasic.GetShippingInfo_v3', this.oneDayOrderQuery(ctx), { maxAttempts: 2 });
      return { ordersFound: Array.isArray(envelope.ResultObject) ? envelope.ResultObject.length : 0 };
    });
  }

  /**
   * "Get Auth": the API key and QSM login id (the connection's shop id) with the password given here
   * create the seller authorization key. Only the key is saved; the password is used for that one
   * request, and a copy found among the stored credentials is removed.
   * `input.apiKey` replaces the stored API key (saved only once Qoo10 accepted it). A connection without
   * an API key of its own uses the service's (`QOO10_API_KEY`), which is never copied into the connection.
   */
  async authorize(ctx: ConnectionContext, input: AuthorizationInput): Promise<void> {
    const password = input.password || ctx.credentials[QOO10_CREDENTIALS.password];
    if (!password) throw new InvalidInputError('Qoo10 needs the QSM password to create a seller authorization key', 'credentials.password');
    const apiKey = input.apiKey || ctx.credentials[QOO10_CREDENTIALS.apiKey] || this.serviceApiKey;
    if (!apiKey) throw new InvalidInputError('Qoo10 needs the API key issued in QSM', 'credentials.apiKey');

    const certificationKey = await this.client.createCertificationKey(ctx, { apiKey, loginId: ctx.shopId, password });

    const patch: Record<string, string | null> = { [QOO10_CREDENTIALS.certificationKey]: certificationKey };
    if (input.apiKey) patch[QOO10_CREDENTIALS.apiKey] = input.apiKey;
    if (ctx.credentials[QOO10_CREDENTIALS.password] !== undefined) patch[QOO10_CREDENTIALS.password] = null;
    await ctx.saveCredentials(patch, { tokenExpiresAt: new Date(ctx.now().getTime() + CERTIFICATION_KEY_LIFETIME_MS) });
  }

  /**
   * "Renew Tokens" after -90004/-90005: the QSM password again (optionally with a fresh API key) runs
   * the key exchange; or a seller authorization key issued in QSM itself (`certificationKey`) is
   * checked with a one-day order query and stored. A fresh API key alone cannot mint a key.
   */
  async renewCredentials(ctx: ConnectionContext, input: AuthorizationInput = {}): Promise<void> {
    if (input.password) return this.authorize(ctx, input);
    if (input.certificationKey) {
      await this.client.call(ctx, 'ShippingBasic.GetShippingInfo_v3', this.oneDayOrderQuery(ctx), {
        key: input.certificationKey,
        maxAttempts: 2,
      });
      await ctx.saveCredentials(
        { [QOO10_CREDENTIALS.certificationKey]: input.certificationKey },
        // issued outside Mallbridge, so its real issue date is unknown: assume today
        { tokenExpiresAt: new Date(ctx.now().getTime() + CERTIFICATION_KEY_LIFETIME_MS) },
      );
      return;
    }
    throw new InvalidInputError(
      input.apiKey
        ? 'Qoo10 needs the QSM password with the new API key to create a seller authorization key'
        : 'Renewing Qoo10 needs the QSM password (and optionally a new API key) or a seller authorization key',
    );
  }

  /**
   * New (2) and confirmed (3) orders by order date, in windows of `settings.searchWindowDays` (default 30).
   * The first pull looks back `settings.initialLookbackDays` (default 30); later pulls start at the cursor
   * minus `settings.overlapHours` (default 168). Rows (one per orderNo) are grouped by packNo into one order
   * each — across windows too, so that a pack is never emitted with part of its lines. Every window is read
   * before anything is yielded; only the last batch carries the new cursor (the end of the last window), the
   * earlier ones keep the incoming cursor, so a failure part-way never advances it.
   */
  async *pullOrders(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderBatch> {
    const now = ctx.now();
    const windowMs = Math.min(Math.max(numberSetting(ctx, 'searchWindowDays', DEFAULT_WINDOW_DAYS), 1 / 24), MAX_WINDOW_DAYS) * DAY_MS;
    const since = cursorDate(cursor);
    const start = since
      ? new Date(since.getTime() - numberSetting(ctx, 'overlapHours', DEFAULT_OVERLAP_HOURS) * HOUR_MS)
      : new Date(now.getTime() - numberSetting(ctx, 'initialLookbackDays', DEFAULT_LOOKBACK_DAYS) * DAY_MS);

    const rows: Qoo10ShippingRow[] = [];
    for (let from = start; from.getTime() < now.getTime(); ) {
      const to = new Date(Math.min(from.getTime() + windowMs, now.getTime()));
      for (const status of COLLECTABLE_STATUSES) {
        const envelope = await this.client.call(ctx, SHIPPING_INFO, {
          ShippingStatus: status,
          SearchStartDate: formatInOffset(from, JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
          SearchEndDate: formatInOffset(to, JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
          SearchCondition: ORDER_DATE_CONDITION,
        });
        // UNCONFIRMED whether an empty period answers [] or omits ResultObject: both read as no orders.
        if (Array.isArray(envelope.ResultObject)) {
          for (const row of envelope.ResultObject) if (row && typeof row === 'object') rows.push(row as Qoo10ShippingRow);
        }
      }
      from = to;
    }

    const orders: ExternalOrder[] = [...groupByPack(rows)].map(([packNo, packRows]) => toExternalOrder(packNo, packRows));
    const nextCursor: SyncCursor = { value: now.toISOString() };
    const batchCount = Math.max(1, Math.ceil(orders.length / BATCH_SIZE));
    for (let index = 0; index < batchCount; index++) {
      const batch = orders.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE);
      yield { orders: batch, nextCursor: index === batchCount - 1 ? nextCursor : cursor };
    }
  }

  /**
   * `SetSellerCheckYN_V2` (新規注文 → 配送準備) for every orderNo of each pack, reported per pack. An orderNo
   * already confirmed (-10012) counts as confirmed, so a retried confirmation is harmless.
   * `settings.estimatedShipDays` (optional) sends EstShipDt = today (JST) + that many days.
   */
  async confirmOrders(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    const estDays = ctx.settings.estimatedShipDays;
    const estShipDt =
      typeof estDays === 'number' && Number.isFinite(estDays) && estDays >= 0
        ? formatInOffset(new Date(ctx.now().getTime() + Math.trunc(estDays) * DAY_MS), JST_OFFSET_MINUTES, 'yyyyMMdd')
        : undefined;
    for (const ref of refs) {
      results.push(
        await this.perOrderNo(ref.externalOrderId, orderNosOf(ref), async (orderNo) => {
          try {
            await this.client.call(ctx, 'ShippingBasic.SetSellerCheckYN_V2', {
              OrderNo: orderNo,
              ...(estShipDt ? { EstShipDt: estShipDt } : {}),
            });
          } catch (error) {
            if (error instanceof SiteRejectedError && error.siteCode === ALREADY_CONFIRMED) return;
            throw error;
          }
        }),
      );
    }
    return results;
  }

  /**
   * `SetSendingInfo` for EVERY orderNo of each pack (spec §6), reported per pack. The carrier goes out as a
   * ShippingCorp name Qoo10 knows: `settings.carrierNames`, else the built-in names ({@link shippingCorpFor}). A
   * carrier with neither fails its pack (not retryable, naming the carrier and the setting) before any call is made
   * for it; the other packs still go.
   *
   * Each orderNo is read first (`GetShippingAndClaimInfoByOrderNo_V2`, as cancellations.md §2.6 advises before
   * SetSendingInfo): one Qoo10 already shows as shipped (4, 5) counts as done and is not sent again, so a push
   * re-sent after a partial failure finishes the pack. One cancelled (claim 3, 16) takes no waybill: the pack's
   * other orderNos still get it, and the pack is reported done when one of them took it (the buyer cancelled that
   * line, the parcel carries the rest — the pack's stored orderNos may predate the cancel); a pack whose every
   * orderNo is cancelled is reported, not retried. One being cancelled (claim 2) is reported, not sent. When the
   * read itself is refused the waybill is sent as before (the read only saves calls).
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    for (const shipment of shipments) {
      const shippingCorp = shippingCorpFor(ctx.settings, shipment.carrier);
      if (shippingCorp === undefined) {
        results.push({ key: shipment.externalOrderId, ok: false, retryable: false, message: unknownCarrierMessage(shipment.carrier) });
        continue;
      }
      const orderNos = orderNosOf(shipment);
      const cancelled: string[] = [];
      let carried = 0;
      const result = await this.perOrderNo(shipment.externalOrderId, orderNos, async (orderNo) => {
        const line = await this.readLine(ctx, orderNo).catch((error: unknown) => {
          if (error instanceof SiteRejectedError) return undefined;
          throw error;
        });
        if (line?.shippingStatus !== undefined && SHIPPED_STATUSES.has(line.shippingStatus)) {
          carried += 1;
          return;
        }
        const claim = line?.claim.kind === 'code' ? line.claim.code : undefined;
        if (claim !== undefined && (CANCELLED_CLAIMS.has(claim) || claim === CLAIM.CANCELLING)) {
          const why = `(claimStatus ${claim}${line?.reason ? `: ${line.reason}` : ''})`;
          if (claim !== CLAIM.CANCELLING) {
            cancelled.push(`orderNo ${orderNo} is cancelled on Qoo10 ${why}`);
            return;
          }
          throw new SiteRejectedError(
            `Qoo10 orderNo ${orderNo} is being cancelled (claimStatus ${claim}): no waybill sent`,
            undefined,
            `orderNo ${orderNo} is being cancelled on Qoo10 ${why}`,
          );
        }
        await this.client.call(ctx, 'ShippingBasic.SetSendingInfo', {
          OrderNo: orderNo,
          ShippingCorp: shippingCorp,
          TrackingNo: shipment.trackingNumber,
        });
        carried += 1;
      });
      if (result.ok && carried === 0 && cancelled.length) {
        results.push({
          key: shipment.externalOrderId,
          ok: false,
          retryable: false,
          message: `${cancelled.join('; ')}: no waybill sent`,
        });
      } else {
        results.push(result);
      }
    }
    return results;
  }

  /**
   * Claims since the cursor (cancellations.md §2.6), from `ShippingBasic.GetClaimInfo_V3`, one call per ClaimStat
   * per window of at most 89 days (Qoo10 refuses over 90 with -10003):
   * - ClaimStat 1, 2, 4, 5, 6, 11, 12, 13 by claim request date (`search_condition=2`), and 3 both by request date
   *   and by completion date (`search_condition=3`), so a request completed long after it was made is seen;
   * - over [cursor − `settings.changeOverlapHours` (default 6), now]; the first pull looks back
   *   `settings.initialLookbackDays` (default 30) and walks it in windows;
   * - 1 and 2 from the oldest request still waiting at the last pull: Qoo10 lists no withdrawn requests, so the
   *   cursor remembers the waiting ones, and one that is listed neither as waiting nor as cancelled any more is
   *   read by orderNo (`GetShippingAndClaimInfoByOrderNo_V2`): live again → `released`.
   * Calls: ten per window, plus one per request that stopped waiting (and one per claim row without a packNo).
   * Everything is read before anything is yielded; only the last batch carries the new cursor.
   */
  async *pullChanges(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderChangeBatch> {
    const now = ctx.now();
    const state = readChangeCursor(cursor);
    const start = state.at
      ? new Date(
          Math.min(state.at.getTime(), now.getTime()) - numberSetting(ctx, 'changeOverlapHours', DEFAULT_CHANGE_OVERLAP_HOURS) * HOUR_MS,
        )
      : new Date(now.getTime() - numberSetting(ctx, 'initialLookbackDays', DEFAULT_LOOKBACK_DAYS) * DAY_MS);
    const horizon = now.getTime() - PENDING_HORIZON_DAYS * DAY_MS;
    const followed = state.pending.filter((entry) => Date.parse(entry.since) >= horizon);
    const heldFrom = new Date(Math.min(start.getTime(), ...followed.map((entry) => Date.parse(entry.since))));
    const windowMs =
      Math.min(Math.max(numberSetting(ctx, 'searchWindowDays', DEFAULT_WINDOW_DAYS), 1 / 24), MAX_CLAIM_WINDOW_DAYS) * DAY_MS;

    const listed: ClaimLine[] = [];
    const listedFrom = new Map<ClaimLine, Date>();
    const list = async (claimStat: number, condition: string, from: Date) => {
      for (let windowStart = from; windowStart.getTime() < now.getTime(); ) {
        const windowEnd = new Date(Math.min(windowStart.getTime() + windowMs, now.getTime()));
        const envelope = await this.client.call(ctx, CLAIM_INFO, {
          ClaimStat: String(claimStat),
          search_Sdate: formatInOffset(windowStart, JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
          search_Edate: formatInOffset(windowEnd, JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
          search_condition: condition,
        });
        for (const row of rowsOf(envelope.ResultObject)) {
          const line = claimLineOf(row, claimStat);
          if (!line) continue;
          listed.push(line);
          listedFrom.set(line, windowStart);
        }
        windowStart = windowEnd;
      }
    };
    for (const claimStat of HOLDING_LISTS) await list(claimStat, BY_REQUEST_DATE, heldFrom);
    await list(CLAIM.CANCELLED, BY_REQUEST_DATE, start);
    await list(CLAIM.CANCELLED, BY_COMPLETION_DATE, start);
    for (const claimStat of AFTER_SHIPMENT_LISTS) await list(claimStat, BY_REQUEST_DATE, start);

    const lines = currentClaims(listed);
    const rechecked: ClaimLine[] = [];
    const codeOf = (line: ClaimLine) => (line.claim.kind === 'code' ? line.claim.code : -1);
    const waiting = new Map(lines.filter((line) => HOLDING_CLAIMS.has(codeOf(line))).map((line) => [line.orderNo, line]));
    const cancelled = new Set(lines.filter((line) => CANCELLED_CLAIMS.has(codeOf(line))).map((line) => line.orderNo));

    // Requests that waited at the last pull and are listed neither as waiting nor as cancelled now.
    const nextPending: PendingRequest[] = [];
    const released = new Map<string, string[]>();
    for (const entry of state.pending) {
      if (waiting.has(entry.orderNo) || cancelled.has(entry.orderNo)) continue;
      const line = await this.readLine(ctx, entry.orderNo);
      if (!line) continue; // Qoo10 does not know it (any more): nothing to say about it
      line.packNo ??= entry.packNo;
      const stillFollowed = Date.parse(entry.since) >= horizon;
      if (HOLDING_CLAIMS.has(codeOf(line))) {
        rechecked.push(line);
        listedFrom.set(line, new Date(entry.since));
        if (stillFollowed) waiting.set(line.orderNo, line);
        continue;
      }
      if (line.claim.kind !== 'none') rechecked.push(line);
      if (claimLeavesLineLive(line) && line.shippingStatusReadable) {
        released.set(entry.packNo, [...(released.get(entry.packNo) ?? []), entry.ref]);
      } else if (!CANCELLED_CLAIMS.has(codeOf(line)) && stillFollowed) {
        nextPending.push(entry); // unreadable: not assumed either way, asked again next time
      }
    }

    const claims = currentClaims([...lines, ...rechecked]);
    const packOf = new Map(state.pending.map((entry) => [entry.orderNo, entry.packNo]));
    for (const line of claims) {
      if (line.packNo) packOf.set(line.orderNo, line.packNo);
    }
    for (const line of claims) {
      if (line.packNo) continue;
      // The claim row names its pack (packNo, CONFIRMED); should one not, the by-order read does.
      if (!packOf.has(line.orderNo)) packOf.set(line.orderNo, (await this.readLine(ctx, line.orderNo))?.packNo ?? line.orderNo);
      line.packNo = packOf.get(line.orderNo);
    }
    for (const line of waiting.values()) {
      nextPending.push({
        orderNo: line.orderNo,
        packNo: line.packNo ?? line.orderNo,
        ref: lineRef(line),
        since: (claimDate(line.requestDate) ?? listedFrom.get(line) ?? start).toISOString(),
      });
    }

    const byPack = new Map<string, ClaimLine[]>();
    for (const line of claims) byPack.set(line.packNo!, [...(byPack.get(line.packNo!) ?? []), line]);
    const changes: OrderChange[] = [];
    for (const [packNo, packLines] of byPack) changes.push(...changesOfPack(packNo, packLines));
    const stillHeld = new Set([...waiting.values()].map((line) => line.packNo));
    for (const [packNo, refs] of released) {
      if (stillHeld.has(packNo)) continue; // another line of the pack still waits for the seller
      changes.push({
        externalOrderId: packNo,
        kind: 'released',
        // the withdrawn request's own identity: a later request and its release are new changes
        siteRef: `withdrawn:${refs.sort().join('+')}`,
        occurredAt: now,
        reason: 'no cancel request waits on Qoo10 any more (withdrawn, or refused by shipping)',
      });
    }

    const nextCursor = writeChangeCursor(now, nextPending);
    const batchCount = Math.max(1, Math.ceil(changes.length / CHANGE_BATCH_SIZE));
    for (let index = 0; index < batchCount; index++) {
      yield {
        changes: changes.slice(index * CHANGE_BATCH_SIZE, (index + 1) * CHANGE_BATCH_SIZE),
        nextCursor: index === batchCount - 1 ? nextCursor : cursor,
      };
    }
  }

  /**
   * Each order read by id: one `GetShippingAndClaimInfoByOrderNo_V2` per orderNo of the pack (the method takes
   * one). Its claims give the same changes as the change pull, with `cancelled` when every line is cancelled; a
   * pack where nothing holds or ends a line and every shipping status reads → `released`. No line known → found
   * false. `siteStatus`: the least advanced live line's shipping status, or the raw value when one cannot be read.
   */
  async recheck(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<RecheckResult[]> {
    const results: RecheckResult[] = [];
    for (const ref of refs) {
      const externalOrderId = ref.externalOrderId;
      const orderNos = orderNosOf(ref);
      const lines: ClaimLine[] = [];
      for (const orderNo of orderNos) {
        const line = await this.readLine(ctx, orderNo);
        if (line) lines.push(line);
      }
      if (!lines.length) {
        results.push({ externalOrderId, found: false, changes: [] });
        continue;
      }
      const current = currentClaims(lines);
      const changes = changesOfPack(externalOrderId, current, current.length === orderNos.length ? orderNos : undefined);
      const ended = (line: ClaimLine) => line.claim.kind === 'code' && CANCELLED_CLAIMS.has(line.claim.code);
      const live = current.filter((line) => !ended(line));
      // Released only when every line not cancelled reads clearly: no claim that holds it (1, 2), none unreadable,
      // and a shipping status 1–5. Anything else is not assumed either way.
      if (live.length && live.every((line) => line.shippingStatusReadable && claimLeavesLineLive(line))) {
        changes.push({
          externalOrderId,
          kind: 'released',
          // A snapshot: nothing holds the pack now. Stamped with the time asked, so a later hold and release of the
          // same pack is a new change (the core writes nothing for a release of an order it does not hold).
          siteRef: `open@${ctx.now().toISOString()}`,
          occurredAt: ctx.now(),
          reason: null,
        });
      }
      const siteStatus = siteStatusOf(live.length ? live : current);
      results.push({ externalOrderId, found: true, changes, ...(siteStatus !== undefined ? { siteStatus } : {}) });
    }
    return results;
  }

  /**
   * Approves buyers' cancel requests with `Claim.SetCancelProcess` (ContrNo = orderNo) for every orderNo the
   * request names (`request.ContrNo`, comma-separated), reported per order. UNCONFIRMED (cancellations.md §2.4):
   * whether SetCancelProcess completes a buyer's pending request (ClaimStat 1 → 3) — Qoo10 has no dedicated
   * approve method, and this one is the seller's own cancel. So each orderNo is read first and cancelled only
   * while a request waits on it (1, 2): a request withdrawn meanwhile must not become a seller cancel. One already
   * cancelled counts as done; -10004 (already shipped or cancelled) and every other refusal are reported with
   * Qoo10's words, not retryable.
   */
  async approveCancel(ctx: ConnectionContext, requests: CancelRequest[]): Promise<ItemResult[]> {
    const orders = new Map<string, string[]>();
    for (const request of requests) {
      const orderNos = orders.get(request.externalOrderId) ?? [];
      for (const orderNo of (request.request?.ContrNo ?? '').split(/[\s,]+/)) {
        if (orderNo && !orderNos.includes(orderNo)) orderNos.push(orderNo);
      }
      orders.set(request.externalOrderId, orderNos);
    }
    const results: ItemResult[] = [];
    for (const [key, orderNos] of orders) {
      if (!orderNos.length) {
        results.push({ key, ok: false, retryable: false, message: `The cancel request of order ${key} names no Qoo10 orderNo (ContrNo)` });
        continue;
      }
      results.push(
        await this.perOrderNo(key, orderNos, async (orderNo) => {
          const line = await this.readLine(ctx, orderNo);
          if (!line) throw new SiteRejectedError(`Qoo10 does not know orderNo ${orderNo}`);
          if (line.claim.kind === 'code' && CANCELLED_CLAIMS.has(line.claim.code)) return;
          if (line.claim.kind !== 'code' || !HOLDING_CLAIMS.has(line.claim.code)) {
            const claim = line.claim.kind === 'code' ? String(line.claim.code) : line.claim.kind === 'none' ? 'none' : line.claim.raw;
            throw new SiteRejectedError(
              `No cancel request waits on Qoo10 orderNo ${orderNo} (claimStatus ${claim}, shippingStatus ${line.shippingStatus ?? '?'}): not cancelled`,
            );
          }
          await this.client.call(ctx, CANCEL_PROCESS, { ContrNo: orderNo, CancelReason: APPROVAL_CANCEL_REASON });
        }),
      );
    }
    return results;
  }

  /** Absolute quantities to items without options and to option rows (see {@link Qoo10StockPush}). */
  pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    return this.stock.pushStock(ctx, levels);
  }

  /** Items without options by seller code, option rows by option code (see {@link Qoo10Listings}). */
  readListings(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>> {
    return this.listings.readListings(ctx, refs);
  }

  /** 販売者オプションコード for option items, else 販売者商品コード (sellerItemCode). */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = line.optionCode?.trim() || undefined;
    return { key: optionCode ?? line.productCode, productCode: line.productCode, ...(optionCode ? { optionCode } : {}) };
  }

  /**
   * One orderNo read with `GetShippingAndClaimInfoByOrderNo_V2` (one flattened object: shipping status and claim);
   * undefined when Qoo10 does not know it (an unknown-order code, or an empty answer).
   */
  private async readLine(ctx: ConnectionContext, orderNo: string): Promise<ClaimLine | undefined> {
    let envelope;
    try {
      envelope = await this.client.call(ctx, CLAIM_BY_ORDER, { OrderNo: orderNo });
    } catch (error) {
      if (error instanceof SiteRejectedError && error.siteCode !== undefined && UNKNOWN_ORDER_CODES.has(error.siteCode)) return undefined;
      throw error;
    }
    const object: unknown = Array.isArray(envelope.ResultObject) ? envelope.ResultObject[0] : envelope.ResultObject;
    if (!object || typeof object !== 'object') return undefined;
    const row = { ...(object as Record<string, unknown>) };
    if (Object.keys(row).length === 0) return undefined;
    if (text(row.orderNo) === undefined && text(row.OrderNo) === undefined) row.orderNo = orderNo;
    return claimLineOf(row);
  }

  /** Runs `call` for every orderNo of a pack; the pack succeeds when all of them did (the first failure is reported). */
  private async perOrderNo(key: string, orderNos: string[], call: (orderNo: string) => Promise<void>): Promise<ItemResult> {
    if (orderNos.length === 0) return { key, ok: false, message: `Order ${key} carries no Qoo10 orderNo` };
    let firstFailure: ItemResult | undefined;
    const failed: string[] = [];
    // Every orderNo is tried even after one fails: the others still move on, and a retry of the pack repeats only harmless calls.
    for (const orderNo of orderNos) {
      try {
        await call(orderNo);
      } catch (error) {
        const result = itemFailure(key, error);
        failed.push(orderNo);
        firstFailure ??= result;
      }
    }
    if (!firstFailure) return { key, ok: true };
    return { ...firstFailure, message: `orderNo ${failed.join(', ')} of ${orderNos.length}: ${firstFailure.message ?? ''}`.trim() };
  }

  private oneDayOrderQuery(ctx: ConnectionContext): Record<string, string> {
    const now = ctx.now();
    return {
      ShippingStatus: NEW_ORDER_STATUS,
      SearchStartDate: formatInOffset(new Date(now.getTime() - DAY_MS), JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
      SearchEndDate: formatInOffset(now, JST_OFFSET_MINUTES, 'yyyyMMddHHmmss'),
      SearchCondition: '1',
    };
  }
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const result = String(value).trim();
  return result === '' ? undefined : result;
}

function numberSetting(ctx: ConnectionContext, name: string, fallback: number): number {
  const value = Number(ctx.settings[name]);
  return ctx.settings[name] !== undefined && ctx.settings[name] !== null && Number.isFinite(value) && value > 0 ? value : fallback;
}

function rowsOf(resultObject: unknown): Record<string, unknown>[] {
  // UNCONFIRMED whether an empty period answers [] or omits ResultObject: both read as no claims.
  if (!Array.isArray(resultObject)) return [];
  return resultObject.filter((row): row is Record<string, unknown> => !!row && typeof row === 'object');
}

/**
 * Each orderNo's claim as it stands: a line read twice (a re-read window, the request and completion lists, a
 * state that moved between two calls) keeps its most advanced reading — cancelled over cancelling over
 * requested — and the same claim is kept once.
 */
function currentClaims(lines: ClaimLine[]): ClaimLine[] {
  const rank = (line: ClaimLine) =>
    line.claim.kind !== 'code' ? 0 : CANCELLED_CLAIMS.has(line.claim.code) ? 3 : HOLDING_CLAIMS.has(line.claim.code) ? line.claim.code : 0;
  const position = new Map(lines.map((line, index) => [line, index]));
  const seen = new Set<string>();
  const cancelSide = new Map<string, ClaimLine>();
  const others: ClaimLine[] = [];
  for (const line of lines) {
    const ref = lineRef(line);
    if (seen.has(ref)) continue;
    seen.add(ref);
    if (rank(line) === 0) {
      others.push(line);
      continue;
    }
    const before = cancelSide.get(line.orderNo);
    if (!before || rank(line) > rank(before)) cancelSide.set(line.orderNo, line);
  }
  return [...cancelSide.values(), ...others].sort((a, b) => position.get(a)! - position.get(b)!);
}

/** The least advanced line's shipping status, or a raw value that cannot be read (never a default). */
function siteStatusOf(lines: ClaimLine[]): string | undefined {
  const unreadable = lines.find((line) => line.shippingStatus !== undefined && !line.shippingStatusReadable);
  if (unreadable) return unreadable.shippingStatus;
  const codes = lines.map((line) => line.shippingStatus).filter((status): status is string => status !== undefined);
  return codes.length ? codes.reduce((least, code) => (Number(code) < Number(least) ? code : least)) : undefined;
}

function cursorDate(cursor: SyncCursor | null): Date | undefined {
  if (!cursor?.value) return undefined;
  const date = new Date(cursor.value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
