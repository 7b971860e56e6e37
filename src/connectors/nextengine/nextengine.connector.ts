import { Injectable } from '@nestjs/common';

import { InvalidInputError } from '../../common/domain-errors';
import { AppConfig } from '../../config/app-config';
import { SiteRejectedError } from '../http/site-errors';
import {
  AUTHORIZATION_STATE_PARAM,
  type ConnectionContext,
  type ConnectionTestResult,
  type ExternalOrder,
  type ExternalOrderLine,
  type ItemResult,
  type ListingKey,
  type OrderBatch,
  type RedirectAuthorization,
  type SiteConnector,
  type StockUpdate,
  type SyncCursor,
  type TrackingUpdate,
} from '../sales-site-connector';
import type { ConnectionProbe, OrderSource, SitePorts, StockSink, TrackingSink } from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { itemFailure as failure } from '../shared/item-outcome';
import {
  NE_BULK_PARTIAL,
  NE_LAST_MODIFIED_CHANGED,
  NE_MAX_IN_VALUES,
  NextEngineClient,
  bulkRowErrors,
  isNextEngineRetryableCode,
  orderBulkUpdateXml,
  orderUpdateXml,
  type NextEngineAppCredentials,
  type NextEngineRow,
} from './nextengine.client';
import { NEXTENGINE_DESCRIPTOR } from './nextengine.descriptor';
import { NE_COLLECTABLE_STATUS, NE_LOCK_FIELDS, NE_ORDER_FIELDS, NE_ROW_FIELDS, isCollectable, toExternalOrder } from './nextengine.mapper';
import { NextEngineSoldOrders } from './nextengine.sold-orders';
import { NextEngineChangeSource } from './nextengine.changes';
import { NextEngineGoodsCatalog } from './nextengine.goods';
import { NextEngineStockUploader, type NextEngineStockDelta } from './nextengine.stock-upload';

const SIGN_IN_PATH = '/users/sign_in/';
const ACCOUNT_INFO_PATH = '/api_v1_login_user/info';
const ORDER_SEARCH = '/api_v1_receiveorder_base/search';
const ROW_SEARCH = '/api_v1_receiveorder_row/search';
const ORDER_UPDATE = '/api_v1_receiveorder_base/update';
const ORDER_BULK_UPDATE = '/api_v1_receiveorder_base/bulkupdate';
const ORDER_SHIPPED = '/api_v1_receiveorder_base/shipped';

/** Orders per search page; also ≤ the 1000 values an `-in` condition takes, so one page's rows need one filter. */
const PAGE_LIMIT = 1000;
/** Orders per bulkupdate call (no documented maximum; kept modest so one answer stays small). */
const BULK_CHUNK = 200;
/** How often one order's write is tried again after 020006 (someone changed it meanwhile) before giving up for this run. */
const MAX_CONFLICT_RETRIES = 3;
const SHIPPED_STATUS = '50';

/** The pull cursor (JSON in `SyncCursor.value`). */
interface NextEngineCursor {
  /** when the run that wrote it read the work queue (ISO) */
  pulledAt: string;
  /** the newest `receive_order_last_modified_date` seen among collected orders (NextEngine's text, JST) */
  lastModified?: string;
}

interface WaybillTarget {
  receiveOrderId: string;
  fields: Record<string, string>;
}

@Injectable()
export class NextEngineConnector implements SiteConnector, ConnectionProbe, OrderSource, TrackingSink, StockSink {
  readonly descriptor = NEXTENGINE_DESCRIPTOR;
  readonly stockMode = 'relative' as const;
  /** NE lowers 在庫数 at 出荷確定 (`/shipped`, which our tracking push calls): specs/cancellations.md §1.6. */
  readonly ownShipmentsLowerStock = true;
  /** Every pull reads the whole status-20 work queue (DESIGN §5): an open order missing from it is rechecked. */
  readonly listsWholeCollectableSet = true;
  readonly ports: SitePorts;

  constructor(
    private readonly client: NextEngineClient,
    private readonly config: AppConfig,
    private readonly stockUploader: NextEngineStockUploader = new NextEngineStockUploader(client),
    private readonly goods: NextEngineGoodsCatalog = new NextEngineGoodsCatalog(client),
    private readonly changes: NextEngineChangeSource = new NextEngineChangeSource(client),
    private readonly soldOrders: NextEngineSoldOrders = new NextEngineSoldOrders(client),
  ) {
    this.ports = {
      connection: this,
      orderSource: this,
      trackingSink: this,
      stockSink: this,
      stockDeltaSink: this.stockUploader,
      goodsCatalog: this.goods,
      orderChangeSource: this.changes,
      soldOrderFeed: this.soldOrders,
    };
  }

  /** `login_user/info`: cheap, authenticated, and it rotates the tokens when they are due. */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const envelope = await this.client.call(ctx, ACCOUNT_INFO_PATH, {}, { maxAttempts: 2 });
      const account = envelope.data?.[0] ?? {};
      return { companyNeId: account.company_ne_id ?? undefined, companyName: account.company_name ?? undefined };
    });
  }

  /**
   * The NextEngine sign-in page for this app. Only `client_id` and `redirect_uri` go in the URL — never
   * the client secret, which Hamee's own SDK puts there. NextEngine answers the redirect URI with its
   * own `uid` and `state`, so Mallbridge's `state` rides inside the redirect URI as
   * {@link AUTHORIZATION_STATE_PARAM}. UNCONFIRMED: whether NextEngine keeps a query string on a
   * redirect URI; the documented flow never shows one.
   */
  authorizationRedirect(ctx: ConnectionContext, state: string, callbackUrl: string): RedirectAuthorization {
    const { clientId } = this.appCredentials();
    const redirectUri = new URL(callbackUrl);
    redirectUri.searchParams.set(AUTHORIZATION_STATE_PARAM, state);
    const signIn = new URL(`${this.signInBase(ctx)}${SIGN_IN_PATH}`);
    signIn.searchParams.set('client_id', clientId);
    signIn.searchParams.set('redirect_uri', redirectUri.toString());
    return { redirectUrl: signIn.toString() };
  }

  /** Completes the sign-in with the callback's `uid` and NextEngine's own `state` (5 minutes to live). */
  async completeAuthorization(ctx: ConnectionContext, params: Record<string, string>): Promise<void> {
    const { uid, state } = params;
    if (!uid || !state) throw new InvalidInputError('The NextEngine sign-in callback lacks uid or state', !uid ? 'uid' : 'state');
    await this.client.exchangeSignIn(ctx, { uid, state }, this.appCredentials());
  }

  /**
   * NextEngine has no refresh endpoint: any call carrying the refresh token renews an expired access
   * token in its response (persisted by the client). So renewal is a cheap call; while the access
   * token is still valid NextEngine keeps it and nothing changes. 002004 means the refresh token lapsed
   * too, and only a new sign-in helps.
   */
  async renewCredentials(ctx: ConnectionContext): Promise<void> {
    await this.client.call(ctx, ACCOUNT_INFO_PATH);
  }

  /**
   * The collectable orders: status 20 (納品書印刷待ち), not cancelled, not deleted, print-instruction date
   * reached (印刷待ち), each with its live rows, one batch per page of 1000.
   *
   * The whole status-20 set is read on every run (DESIGN §5): it is a work queue, and an order becomes
   * collectable when its print date arrives without any change to `receive_order_last_modified_date`, so a
   * last-modified watermark would miss exactly those orders. Narrowing by watermark (two searches: "modified
   * since" and "print date since", NextEngine ANDs conditions) was considered and rejected: it would still miss
   * row edits if they do not touch the order's own last-modified date (UNCONFIRMED), and the set is small
   * because orders leave it once printed or shipped; unchanged orders are skipped downstream by content hash.
   * So the cursor does not narrow the next run; it records when the queue was read and the newest
   * last-modified date seen, for the sync history and for a future incremental mode.
   *
   * Paging is offset/limit over NextEngine's fixed order (receive_order_id ascending assumed, UNCONFIRMED). If
   * an order leaves the set between two pages, the next page shifts and one order may be skipped; it is still
   * status 20, so the next run reads it. Ids already seen in this run are not emitted twice.
   */
  async *pullOrders(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderBatch> {
    const now = ctx.now();
    const state: NextEngineCursor = { pulledAt: now.toISOString(), lastModified: parseCursor(cursor)?.lastModified };
    const seen = new Set<string>();
    let yielded = false;
    const conditions = {
      'receive_order_order_status_id-eq': NE_COLLECTABLE_STATUS,
      'receive_order_cancel_type_id-eq': '0',
      'receive_order_deleted_flag-neq': '1',
      // The print date is filtered here rather than by `-lte`: under SQL semantics a NULL date would never
      // match, yet an order without one is 印刷待ち (spec §7, Hamee's sample).
    };
    for await (const page of this.client.searchAll(ctx, ORDER_SEARCH, NE_ORDER_FIELDS, conditions, PAGE_LIMIT)) {
      const bases = page.filter((row) => {
        const id = row.receive_order_id ?? '';
        if (!id || seen.has(id) || !isCollectable(row, now)) return false;
        seen.add(id);
        return true;
      });
      if (bases.length === 0) continue;
      const rowsByOrder = await this.readRows(
        ctx,
        bases.map((base) => base.receive_order_id ?? ''),
      );
      const orders: ExternalOrder[] = [];
      for (const base of bases) {
        const order = toExternalOrder(base, rowsByOrder.get(base.receive_order_id ?? '') ?? []);
        // Every row cancelled: nothing is left to ship.
        if (order.lines.length === 0) continue;
        orders.push(order);
        const modified = base.receive_order_last_modified_date ?? undefined;
        if (modified && (!state.lastModified || modified > state.lastModified)) state.lastModified = modified;
      }
      if (orders.length === 0) continue;
      yielded = true;
      yield { orders, nextCursor: { value: JSON.stringify(state) } };
    }
    if (!yielded) yield { orders: [], nextCursor: { value: JSON.stringify(state) } };
  }

  /**
   * Sets the waybill number (`receive_order_delivery_cut_form_id`, plus the delivery method when
   * `settings.deliveryMethodIds` maps the carrier) and confirms the shipment (`/shipped`), per order:
   * 1. search the orders for their lock token (`receive_order_last_modified_date`);
   * 2. write: `update` for one order, `bulkupdate` for several (020500 answers per order);
   * 3. search again — this verifies the write and yields the new lock token (spec §6.4 flow);
   * 4. `/shipped` with that token.
   * 020006 (changed meanwhile) re-reads and retries. Orders already carrying the number are not written
   * again, and an order already shipped with it is a success, so a retried push is harmless.
   */
  async pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]> {
    const results = new Map<string, ItemResult>();
    const targets = new Map<string, WaybillTarget>();
    const keyOf = new Map<string, string>();
    for (const shipment of shipments) {
      const receiveOrderId = String(shipment.refs?.receiveOrderId ?? shipment.externalOrderId).trim();
      if (!/^\d+$/.test(receiveOrderId)) {
        results.set(shipment.externalOrderId, {
          key: shipment.externalOrderId,
          ok: false,
          message: `Not a NextEngine 伝票番号: ${receiveOrderId}`,
        });
        continue;
      }
      const fields: Record<string, string> = { receive_order_delivery_cut_form_id: shipment.trackingNumber };
      const deliveryId = this.deliveryMethodId(ctx, shipment.carrier);
      if (deliveryId) fields.receive_order_delivery_id = deliveryId;
      targets.set(receiveOrderId, { receiveOrderId, fields });
      keyOf.set(receiveOrderId, shipment.externalOrderId);
    }
    const report = (id: string, result: Omit<ItemResult, 'key'>) => {
      const key = keyOf.get(id) ?? id;
      results.set(key, { key, ...result });
    };

    const lockTokens = await this.writeWaybills(ctx, targets, report);
    for (const [id, lastModified] of lockTokens) {
      report(id, await this.confirmShipment(ctx, targets.get(id)!, lastModified));
    }
    return shipments.map(
      (shipment) => results.get(shipment.externalOrderId) ?? { key: shipment.externalOrderId, ok: false, message: 'not processed' },
    );
  }

  /**
   * NextEngine takes stock as deltas (`zaiko_su`, spec §6.7). A `delta` is uploaded as is; an absolute
   * `quantity` becomes `quantity − 在庫数` read from `master_stock/search` just before the upload. The
   * target is the on-hand count (在庫数); NextEngine derives free stock from it by its own allocations.
   */
  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const results = new Map<string, ItemResult>();
    const codes = [...new Set(levels.map((level) => level.listingKey))];
    const needsSnapshot = levels.some((level) => level.delta === undefined && level.quantity !== undefined);
    let snapshot: Awaited<ReturnType<NextEngineStockUploader['readStock']>> | undefined;
    if (needsSnapshot) {
      try {
        snapshot = await this.stockUploader.readStock(ctx, codes);
      } catch (error) {
        return levels.map((level) => failure(level.listingKey, error));
      }
    }

    const relative = new Map<string, number>();
    const absolute = new Map<string, number>();
    for (const level of levels) {
      if (level.delta !== undefined) relative.set(level.listingKey, (relative.get(level.listingKey) ?? 0) + level.delta);
      else if (level.quantity !== undefined) absolute.set(level.listingKey, level.quantity);
      else results.set(level.listingKey, { key: level.listingKey, ok: false, message: 'Neither a quantity nor a delta was given' });
    }
    const deltas: NextEngineStockDelta[] = [...relative].map(([goodsCode, delta]) => ({ goodsCode, delta }));
    for (const [goodsCode, quantity] of absolute) {
      // A code pushed both ways in one call: the explicit change wins, the target is not applied on top of it.
      if (relative.has(goodsCode)) continue;
      const level = snapshot?.get(goodsCode);
      if (!level) {
        results.set(goodsCode, { key: goodsCode, ok: false, message: `Goods code ${goodsCode} is not in the NextEngine stock master` });
        continue;
      }
      deltas.push({ goodsCode, delta: quantity - level.stock });
    }
    if (deltas.length > 0) {
      for (const result of await this.stockUploader.uploadDeltas(ctx, deltas, snapshot)) results.set(result.key, result);
    }
    return levels.map((level) => ({
      ...(results.get(level.listingKey) ?? { key: level.listingKey, ok: false, message: 'not processed' }),
    }));
  }

  /** 商品コード (`receive_order_row_goods_id`) identifies the goods on NextEngine. */
  listingKey(line: ExternalOrderLine): ListingKey {
    return { key: line.productCode, productCode: line.productCode };
  }

  /** Live and cancelled rows of the given orders, grouped by 伝票番号 (the mapper drops cancelled/deleted ones). */
  private async readRows(ctx: ConnectionContext, orderIds: string[]): Promise<Map<string, NextEngineRow[]>> {
    const byOrder = new Map<string, NextEngineRow[]>();
    for (let start = 0; start < orderIds.length; start += NE_MAX_IN_VALUES) {
      const chunk = orderIds.slice(start, start + NE_MAX_IN_VALUES);
      const conditions = { 'receive_order_row_receive_order_id-in': chunk.join(',') };
      for await (const rows of this.client.searchAll(ctx, ROW_SEARCH, NE_ROW_FIELDS, conditions, PAGE_LIMIT)) {
        for (const row of rows) {
          const id = row.receive_order_row_receive_order_id ?? '';
          const list = byOrder.get(id) ?? [];
          list.push(row);
          byOrder.set(id, list);
        }
      }
    }
    return byOrder;
  }

  /** The orders' lock fields, by 伝票番号; an id missing from the map does not exist in NextEngine. */
  private async readLocks(ctx: ConnectionContext, orderIds: string[]): Promise<Map<string, NextEngineRow>> {
    const byId = new Map<string, NextEngineRow>();
    for (let start = 0; start < orderIds.length; start += NE_MAX_IN_VALUES) {
      const chunk = orderIds.slice(start, start + NE_MAX_IN_VALUES);
      for await (const rows of this.client.searchAll(
        ctx,
        ORDER_SEARCH,
        NE_LOCK_FIELDS,
        { 'receive_order_id-in': chunk.join(',') },
        PAGE_LIMIT,
      )) {
        for (const row of rows) if (row.receive_order_id) byId.set(row.receive_order_id, row);
      }
    }
    return byId;
  }

  /**
   * Writes the waybill fields until every order carries them (or failed), re-reading after each write.
   * Returns the current lock token of each order ready for `/shipped`; orders already shipped with this
   * number, and failures, are reported directly.
   */
  private async writeWaybills(
    ctx: ConnectionContext,
    targets: Map<string, WaybillTarget>,
    report: (id: string, result: Omit<ItemResult, 'key'>) => void,
  ): Promise<Map<string, string>> {
    const ready = new Map<string, string>();
    let pending = [...targets.keys()];
    for (let round = 0; pending.length > 0; round++) {
      let current: Map<string, NextEngineRow>;
      try {
        current = await this.readLocks(ctx, pending);
      } catch (error) {
        for (const id of pending) report(id, failure(id, error));
        break;
      }
      const toWrite: { target: WaybillTarget; lastModified: string }[] = [];
      for (const id of pending) {
        const target = targets.get(id)!;
        const row = current.get(id);
        if (!row) {
          report(id, { ok: false, message: `NextEngine has no order ${id}` });
        } else if (row.receive_order_order_status_id === SHIPPED_STATUS) {
          report(
            id,
            carries(row, target)
              ? { ok: true }
              : {
                  ok: false,
                  message: `Order ${id} is already shipped in NextEngine with waybill ${row.receive_order_delivery_cut_form_id ?? '(none)'}`,
                },
          );
        } else if ((row.receive_order_cancel_type_id ?? '0') !== '0' || row.receive_order_deleted_flag === '1') {
          report(id, { ok: false, message: `Order ${id} is cancelled or deleted in NextEngine` });
        } else if (carries(row, target)) {
          ready.set(id, row.receive_order_last_modified_date ?? '');
        } else if (round >= MAX_CONFLICT_RETRIES) {
          report(id, {
            ok: false,
            siteCode: NE_LAST_MODIFIED_CHANGED,
            message: `Order ${id} kept changing in NextEngine while its waybill was written`,
            retryable: true,
          });
        } else {
          toWrite.push({ target, lastModified: row.receive_order_last_modified_date ?? '' });
        }
      }
      const failed = await this.writeOnce(ctx, toWrite);
      for (const [id, result] of failed) report(id, result);
      // Written and conflicting orders alike are read again: the read verifies the write and refreshes the lock.
      pending = toWrite.map(({ target }) => target.receiveOrderId).filter((id) => !failed.has(id));
    }
    return ready;
  }

  /** One write round; returns the orders that failed for good (020006 and unverified ones are not failures). */
  private async writeOnce(
    ctx: ConnectionContext,
    writes: { target: WaybillTarget; lastModified: string }[],
  ): Promise<Map<string, Omit<ItemResult, 'key'>>> {
    const failed = new Map<string, Omit<ItemResult, 'key'>>();
    if (writes.length === 1) {
      const [{ target, lastModified }] = writes;
      try {
        await this.client.call(ctx, ORDER_UPDATE, {
          receive_order_id: target.receiveOrderId,
          receive_order_last_modified_date: lastModified,
          data: orderUpdateXml(target.fields),
        });
      } catch (error) {
        if (!(error instanceof SiteRejectedError && error.siteCode === NE_LAST_MODIFIED_CHANGED)) {
          failed.set(target.receiveOrderId, failure(target.receiveOrderId, error));
        }
      }
      return failed;
    }
    for (let start = 0; start < writes.length; start += BULK_CHUNK) {
      const chunk = writes.slice(start, start + BULK_CHUNK);
      const data = orderBulkUpdateXml(
        chunk.map(({ target, lastModified }) => ({
          receiveOrderId: target.receiveOrderId,
          lastModifiedDate: lastModified,
          fields: target.fields,
        })),
      );
      try {
        const envelope = await this.client.call(
          ctx,
          ORDER_BULK_UPDATE,
          { data_type: 'xml', data },
          { acceptErrorCodes: [NE_BULK_PARTIAL] },
        );
        if (envelope.result !== 'success') {
          for (const row of bulkRowErrors(envelope)) {
            if (row.code === NE_LAST_MODIFIED_CHANGED) continue;
            failed.set(row.receiveOrderId, {
              ok: false,
              siteCode: row.code,
              message: row.message,
              retryable: isNextEngineRetryableCode(row.code),
            });
          }
        }
      } catch (error) {
        for (const { target } of chunk) failed.set(target.receiveOrderId, failure(target.receiveOrderId, error));
      }
    }
    return failed;
  }

  /** `/shipped` with the lock token; on 020006 the order is read again and the call retried. */
  private async confirmShipment(ctx: ConnectionContext, target: WaybillTarget, lastModified: string): Promise<Omit<ItemResult, 'key'>> {
    let token = lastModified;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.call(ctx, ORDER_SHIPPED, { receive_order_id: target.receiveOrderId, receive_order_last_modified_date: token });
        return { ok: true };
      } catch (error) {
        if (!(error instanceof SiteRejectedError && error.siteCode === NE_LAST_MODIFIED_CHANGED))
          return failure(target.receiveOrderId, error);
        if (attempt + 1 >= MAX_CONFLICT_RETRIES) {
          return { ok: false, siteCode: error.siteCode, message: error.siteMessage ?? error.message, retryable: true };
        }
      }
      let row: NextEngineRow | undefined;
      try {
        row = (await this.readLocks(ctx, [target.receiveOrderId])).get(target.receiveOrderId);
      } catch (error) {
        return failure(target.receiveOrderId, error);
      }
      if (!row) return { ok: false, message: `NextEngine has no order ${target.receiveOrderId}` };
      if (row.receive_order_order_status_id === SHIPPED_STATUS && carries(row, target)) return { ok: true };
      if (!carries(row, target)) {
        return {
          ok: false,
          message: `The waybill of order ${target.receiveOrderId} was changed in NextEngine before the shipment was confirmed`,
          retryable: true,
        };
      }
      token = row.receive_order_last_modified_date ?? '';
    }
  }

  /** NextEngine's 発送方法区分 for a Mallbridge carrier, from `settings.deliveryMethodIds` (e.g. `{ "yamato": "2" }`). */
  private deliveryMethodId(ctx: ConnectionContext, carrier: string): string | undefined {
    const map = ctx.settings.deliveryMethodIds;
    if (!map || typeof map !== 'object') return undefined;
    const value = (map as Record<string, unknown>)[carrier];
    return value === undefined || value === null || String(value).trim() === '' ? undefined : String(value).trim();
  }

  private appCredentials(): NextEngineAppCredentials {
    const { clientId, clientSecret } = this.config.nextEngine;
    if (!clientId || !clientSecret) {
      throw new Error('The NextEngine app is not configured: set NEXTENGINE_CLIENT_ID and NEXTENGINE_CLIENT_SECRET');
    }
    return { clientId, clientSecret };
  }

  private signInBase(ctx: ConnectionContext): string {
    const override = ctx.settings.signInUrl;
    const base = typeof override === 'string' && override.trim() !== '' ? override : this.config.nextEngine.signInUrl;
    return base.replace(/\/+$/, '');
  }
}

/** Whether the order already carries the waybill fields we want (string compare: NextEngine echoes strings). */
function carries(row: NextEngineRow, target: WaybillTarget): boolean {
  return Object.entries(target.fields).every(([field, value]) => (row[field] ?? '') === value);
}

function parseCursor(cursor: SyncCursor | null): NextEngineCursor | undefined {
  if (!cursor?.value) return undefined;
  try {
    const parsed = JSON.parse(cursor.value) as Partial<NextEngineCursor>;
    return typeof parsed.pulledAt === 'string' ? { pulledAt: parsed.pulledAt, lastModified: parsed.lastModified } : undefined;
  } catch {
    return undefined;
  }
}
