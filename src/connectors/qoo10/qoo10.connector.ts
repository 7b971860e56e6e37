import { Injectable } from '@nestjs/common';

import { InvalidInputError } from '../../common/domain-errors';
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
  StockUpdate,
  SyncCursor,
  TrackingUpdate,
} from '../sales-site-connector';
import type { ConnectionProbe, OrderConfirmer, OrderSource, SitePorts, StockSink, TrackingSink } from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { itemFailure } from '../shared/item-outcome';
import { JST_OFFSET_MINUTES, formatInOffset } from '../shared/zoned-time';
import { Qoo10Client } from './qoo10.client';
import { QOO10_CREDENTIALS, QOO10_DESCRIPTOR } from './qoo10.descriptor';
import { groupByPack, orderNosOf, toExternalOrder, type Qoo10ShippingRow } from './qoo10.mapper';

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

@Injectable()
export class Qoo10Connector implements SiteConnector, ConnectionProbe, OrderSource, OrderConfirmer, TrackingSink, StockSink {
  readonly stockMode = 'absolute' as const;
  readonly ports: SitePorts = { connection: this, orderSource: this, orderConfirmer: this, trackingSink: this, stockSink: this };
  readonly descriptor = QOO10_DESCRIPTOR;

  constructor(private readonly client: Qoo10Client) {}

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
   * `input.apiKey` replaces the stored API key (saved only once Qoo10 accepted it).
   */
  async authorize(ctx: ConnectionContext, input: AuthorizationInput): Promise<void> {
    const password = input.password || ctx.credentials[QOO10_CREDENTIALS.password];
    if (!password) throw new InvalidInputError('Qoo10 needs the QSM password to create a seller authorization key', 'credentials.password');
    const apiKey = input.apiKey || ctx.credentials[QOO10_CREDENTIALS.apiKey];
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
        await this.perOrderNo(ref, async (orderNo) => {
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
   * `SetSendingInfo` for EVERY orderNo of each pack (spec §6), reported per pack. The carrier goes out as the
   * name registered on Qoo10: `settings.carrierNames[carrier]`, else the carrier as given.
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    for (const shipment of shipments) {
      const shippingCorp = carrierName(ctx, shipment.carrier);
      results.push(
        await this.perOrderNo(shipment, (orderNo) =>
          this.client
            .call(ctx, 'ShippingBasic.SetSendingInfo', {
              OrderNo: orderNo,
              ShippingCorp: shippingCorp,
              TrackingNo: shipment.trackingNumber,
            })
            .then(() => undefined),
        ),
      );
    }
    return results;
  }

  /**
   * Absolute quantities. A single item: `ItemsOrder.SetGoodsPriceQty`; an option row (the listing key is its
   * 販売者オプションコード and `productCode` its 販売者商品コード): `ItemsOptions.UpdateInventoryQtyUnit`. Qoo10 finds both
   * only by its own ItemCode, so the item is looked up by seller code first (GetItemDetailInfo; option rows via
   * GetGoodsInventoryInfo, whose ItemTypeCode is the option code).
   */
  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const details = new Map<string, Promise<ItemDetail | undefined>>();
    const inventories = new Map<string, Promise<InventoryRow[]>>();
    const detailOf = (sellerCode: string) => {
      if (!details.has(sellerCode)) details.set(sellerCode, this.itemDetail(ctx, sellerCode));
      return details.get(sellerCode)!;
    };
    const inventoryOf = (itemCode: string) => {
      if (!inventories.has(itemCode)) inventories.set(itemCode, this.inventory(ctx, itemCode));
      return inventories.get(itemCode)!;
    };

    const results: ItemResult[] = [];
    for (const level of levels) {
      const key = level.listingKey;
      if (level.quantity === undefined || !Number.isInteger(level.quantity) || level.quantity < 0) {
        results.push({ key, ok: false, message: 'Qoo10 takes an absolute, non-negative whole quantity' });
        continue;
      }
      try {
        const isOption = level.productCode !== undefined && level.productCode !== '' && level.productCode !== key;
        const detail = await detailOf(isOption ? level.productCode! : key);
        if (!detail) {
          results.push({ key, ok: false, message: `Qoo10 has no item with seller code ${isOption ? level.productCode : key}` });
          continue;
        }
        const options = await inventoryOf(detail.itemCode);
        if (isOption) {
          const option = options.find((row) => row.optionCode === key);
          if (!option) {
            results.push({ key, ok: false, message: `Item ${detail.itemCode} has no option with code ${key}` });
            continue;
          }
          await this.client.call(ctx, 'ItemsOptions.UpdateInventoryQtyUnit', {
            ItemCode: detail.itemCode,
            SellerCode: detail.sellerCode ?? level.productCode!,
            OptionName: option.optionName,
            OptionValue: option.optionValue,
            OptionCode: option.optionCode,
            Qty: String(level.quantity),
          });
        } else {
          if (options.length > 0) {
            results.push({ key, ok: false, message: `Item ${key} has options: push each option code with its product code` });
            continue;
          }
          // A missing ExpireDate resets the listing's expiry to one year ahead (spec §7), so the current one is
          // sent back; Price and TaxRate likewise, in case omitting them is not "unchanged" (UNCONFIRMED).
          if (!detail.expireDate) {
            results.push({
              key,
              ok: false,
              message: `Qoo10 did not report the expiry date of item ${detail.itemCode}; not updated, to keep it`,
            });
            continue;
          }
          await this.client.call(ctx, 'ItemsOrder.SetGoodsPriceQty', {
            ItemCode: detail.itemCode,
            SellerCode: detail.sellerCode ?? key,
            Qty: String(level.quantity),
            ExpireDate: detail.expireDate,
            ...(detail.price ? { Price: detail.price } : {}),
            ...(detail.taxRate ? { TaxRate: detail.taxRate } : {}),
          });
        }
        results.push({ key, ok: true });
      } catch (error) {
        results.push(itemFailure(key, error));
      }
    }
    return results;
  }

  /** 販売者オプションコード for option items, else 販売者商品コード (sellerItemCode). */
  listingKey(line: ExternalOrderLine): ListingKey {
    const optionCode = line.optionCode?.trim() || undefined;
    return { key: optionCode ?? line.productCode, productCode: line.productCode, ...(optionCode ? { optionCode } : {}) };
  }

  /** Runs `call` for every orderNo of a pack; the pack succeeds when all of them did (the first failure is reported). */
  private async perOrderNo(ref: ExternalOrderRef, call: (orderNo: string) => Promise<void>): Promise<ItemResult> {
    const key = ref.externalOrderId;
    const orderNos = orderNosOf(ref);
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

  /** `GetItemDetailInfo` (QAPIVersion 1.2) by seller code; undefined when Qoo10 has no such item (-10001). */
  private async itemDetail(ctx: ConnectionContext, sellerCode: string): Promise<ItemDetail | undefined> {
    let envelope;
    try {
      envelope = await this.client.call(ctx, 'ItemsLookup.GetItemDetailInfo', { SellerCode: sellerCode }, { version: '1.2' });
    } catch (error) {
      if (error instanceof SiteRejectedError && error.siteCode === '-10001') return undefined;
      throw error;
    }
    const object = envelope.ResultObject;
    const row = (Array.isArray(object) ? object[0] : object) as Record<string, unknown> | undefined;
    const itemCode = text(row?.ItemCode);
    if (!row || !itemCode) return undefined;
    return {
      itemCode,
      sellerCode: text(row.SellerCode),
      // field names beyond ItemCode/SellerCode/ItemQty/ItemPrice/ItemStatus are UNCONFIRMED (spec §7)
      expireDate: text(row.ExpireDate)?.slice(0, 10),
      price: text(row.ItemPrice),
      taxRate: text(row.TaxRate),
    };
  }

  /** The option rows of an item (`GetGoodsInventoryInfo`): axis names/values joined by `||*` (spec §7). */
  private async inventory(ctx: ConnectionContext, itemCode: string): Promise<InventoryRow[]> {
    const envelope = await this.client.call(ctx, 'ItemsLookup.GetGoodsInventoryInfo', { ItemCode: itemCode });
    if (!Array.isArray(envelope.ResultObject)) return [];
    const rows: InventoryRow[] = [];
    for (const raw of envelope.ResultObject as Record<string, unknown>[]) {
      const names: string[] = [];
      const values: string[] = [];
      for (let axis = 1; axis <= 5; axis++) {
        const name = text(raw[`Name${axis}`]);
        if (!name) continue;
        names.push(name);
        values.push(text(raw[`Value${axis}`]) ?? '');
      }
      const optionCode = text(raw.ItemTypeCode);
      if (optionCode && names.length > 0) rows.push({ optionCode, optionName: names.join('||*'), optionValue: values.join('||*') });
    }
    return rows;
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

interface ItemDetail {
  itemCode: string;
  sellerCode?: string;
  expireDate?: string;
  price?: string;
  taxRate?: string;
}

interface InventoryRow {
  optionCode: string;
  optionName: string;
  optionValue: string;
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

function cursorDate(cursor: SyncCursor | null): Date | undefined {
  if (!cursor?.value) return undefined;
  const date = new Date(cursor.value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The ShippingCorp name registered on Qoo10 for a Mallbridge carrier (`settings.carrierNames`), else the carrier itself. */
function carrierName(ctx: ConnectionContext, carrier: string): string {
  const map = ctx.settings.carrierNames;
  if (map && typeof map === 'object') {
    const mapped = (map as Record<string, unknown>)[carrier];
    if (typeof mapped === 'string' && mapped.trim() !== '') return mapped.trim();
  }
  return carrier;
}
