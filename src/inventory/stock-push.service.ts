import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Capability, ConnectionUnavailableError, SiteCalls, SiteError } from '../connections/site-calls';
import type { ItemResult, SiteListing, StockUpdate } from '../connectors/sales-site-connector';
import type { ListingRef } from '../connectors/site-ports';
import { InventoryTimings } from './inventory-timings';
import { backoffMs } from '../common/backoff';
import { listingQuantity, relativeChange } from './quantities';
import { returnedRows } from '../common/sql';
import { StockPushQueue, type StockTarget } from './stock-push-queue';
import { NO_STOCK, SellableStock, type SkuStock, sellableUnits } from './sellable-stock';
import { SiteListings } from './site-listings';
import { StockDemandMarks } from './stock-demand-marks';

interface ClaimedItem {
  id: string;
  tenant_id: string;
  connection_id: string;
  listing_key: string;
  product_code: string | null;
  sku_id: string;
  quantity_per_unit: number;
  version: number;
  attempts: number;
  baseline: number | null;
}

/** What one queue row becomes on the wire, and what to remember once the site accepted it. */
export interface PlannedStockUpdate {
  itemId: string;
  version: number;
  update: StockUpdate;
  /** absolute: the quantity sent; relative: the change sent */
  sent: number;
}

/**
 * The stock the sites should show, from the warehouse levels. Absolute sites get whole listing units of what
 * may still be sold (on hand − reserved − sold but not yet reserved); a relative site (NextEngine) gets the
 * change of on-hand listing units since what it is known to hold (it allocates its own orders). Pure, so the
 * arithmetic is tested without a database.
 */
export function planStockUpdates(
  items: readonly {
    id: string;
    version: number;
    listingKey: string;
    productCode: string | null;
    skuId: string;
    quantityPerUnit: number;
    baseline: number | null;
  }[],
  levels: ReadonlyMap<string, SkuStock>,
  mode: 'absolute' | 'relative',
): { send: PlannedStockUpdate[]; unchanged: { itemId: string; baseline: number }[] } {
  const send: PlannedStockUpdate[] = [];
  const unchanged: { itemId: string; baseline: number }[] = [];
  for (const item of items) {
    const level = levels.get(item.skuId) ?? NO_STOCK;
    const productCode = item.productCode && item.productCode !== item.listingKey ? { productCode: item.productCode } : {};
    if (mode === 'absolute') {
      const quantity = listingQuantity(sellableUnits(level), item.quantityPerUnit);
      send.push({
        itemId: item.id,
        version: item.version,
        update: { listingKey: item.listingKey, quantity, ...productCode },
        sent: quantity,
      });
      continue;
    }
    // Without a known starting point nothing can be said as a change: today's level becomes the start.
    const baseline = item.baseline ?? listingQuantity(level.onHand, item.quantityPerUnit);
    const delta = relativeChange(level.onHand, item.quantityPerUnit, baseline);
    if (delta === 0) unchanged.push({ itemId: item.id, baseline });
    else send.push({ itemId: item.id, version: item.version, update: { listingKey: item.listingKey, delta, ...productCode }, sent: delta });
  }
  return { send, unchanged };
}

/**
 * Sends queued stock to the sites and records each listing's outcome; re-sends what failed and, for
 * absolute sites, levels that changed since they were last sent or were not sent for a while.
 */
@Injectable()
export class StockPushService {
  private readonly logger = new Logger(StockPushService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: StockPushQueue,
    private readonly siteCalls: SiteCalls,
    private readonly timings: InventoryTimings,
    private readonly sellable: SellableStock,
    private readonly listings: SiteListings,
    private readonly demandMarks: StockDemandMarks,
  ) {}

  /** Sends every due listing; returns how many were attempted. */
  async drain(): Promise<number> {
    await this.demandMarks.schedulePushes();
    let total = 0;
    for (;;) {
      const claimed = await this.claim(100);
      if (!claimed.length) return total;
      total += claimed.length;
      const byConnection = new Map<string, ClaimedItem[]>();
      for (const item of claimed) byConnection.set(item.connection_id, [...(byConnection.get(item.connection_id) ?? []), item]);
      for (const [connectionId, items] of byConnection) {
        try {
          await this.sendConnection(connectionId, items);
        } catch (error) {
          this.logger.error({ err: error, connectionId }, 'Stock push failed');
          await this.recordFailure(items, error instanceof Error ? error.message : String(error), undefined, true);
        }
      }
    }
  }

  /**
   * Failed listings are tried again (on relative sites only those whose change surely did not apply),
   * and every absolute listing whose level differs from what was last sent, or was sent long ago.
   */
  async reconcile(): Promise<void> {
    const absoluteSites = this.siteCalls.sites((capabilities) => capabilities.stock === 'absolute');
    await this.db.query(
      `UPDATE stock_push_queue q SET state = 'pending', due_at = now(), attempts = 0, updated_at = now()
         FROM connections c
        WHERE c.id = q.connection_id AND q.state = 'failed' AND c.deleted_at IS NULL AND c.status = 'active'
          AND (c.options ->> 'autoStockSync')::boolean IS TRUE AND (q.retryable OR c.site = ANY($1::text[]))`,
      [absoluteSites],
    );
    const tenants: { tenant_id: string }[] = await this.db.query(
      `SELECT DISTINCT l.tenant_id FROM inventory_levels l
        WHERE EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = l.tenant_id AND c.deleted_at IS NULL AND c.site = ANY($1::text[])
                        AND (c.options ->> 'autoStockSync')::boolean IS TRUE)`,
      [absoluteSites],
    );
    for (const { tenant_id: tenantId } of tenants) {
      await this.db.transaction(async (manager) => {
        const targets = (await this.queue.findTargets(manager, tenantId, null)).filter(
          (target) => this.queue.modeOf(target.site) === 'absolute',
        );
        const stale = await this.staleTargets(manager, tenantId, targets);
        await this.queue.requeue(manager, tenantId, stale);
      });
    }
  }

  private async staleTargets(manager: EntityManager, tenantId: string, targets: StockTarget[]): Promise<StockTarget[]> {
    if (!targets.length) return [];
    const rows: {
      connection_id: string;
      listing_key: string;
      state: string;
      last_sent_quantity: number | null;
      last_sent_at: Date | null;
    }[] = await manager.query(
      `SELECT connection_id, listing_key, state, last_sent_quantity, last_sent_at FROM stock_push_queue
        WHERE tenant_id = $1 AND connection_id = ANY($2::uuid[])`,
      [tenantId, [...new Set(targets.map((target) => target.connectionId))]],
    );
    const known = new Map(rows.map((row) => [`${row.connection_id}\n${row.listing_key}`, row]));
    const levels = await this.sellable.read(
      manager,
      tenantId,
      targets.map((target) => target.skuId),
    );
    const now = Date.now();
    return targets.filter((target) => {
      const row = known.get(`${target.connectionId}\n${target.listingKey}`);
      if (!row) return true;
      if (row.state === 'pending') return false;
      const wanted = listingQuantity(sellableUnits(levels.get(target.skuId) ?? NO_STOCK), target.quantityPerUnit);
      return (
        row.last_sent_quantity !== wanted || !row.last_sent_at || now - new Date(row.last_sent_at).getTime() > this.timings.refreshAfterMs
      );
    });
  }

  /**
   * Due listings, claimed for this worker until the lease ends (a crashed worker's claim comes back). A relative
   * site's claim lasts longer than its slowest upload (NextEngine may hold one for an hour under `wait_flag=1`): a
   * claim that ran out mid-upload would let another worker send the same change again.
   */
  private async claim(limit: number): Promise<ClaimedItem[]> {
    const result: unknown = await this.db.query(
      `UPDATE stock_push_queue q
          SET claimed_until = now() + make_interval(secs => CASE WHEN c.site = ANY($4::text[]) THEN $3::float8 ELSE $2::float8 END), attempts = q.attempts + 1
         FROM connections c
        WHERE c.id = q.connection_id
          AND q.id IN (SELECT id FROM stock_push_queue
                        WHERE state = 'pending' AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
                        ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING q.id, q.tenant_id, q.connection_id, q.listing_key, q.product_code, q.sku_id, q.quantity_per_unit, q.version, q.attempts, q.baseline`,
      [
        limit,
        this.timings.leaseMs / 1000,
        this.timings.relativeLeaseMs / 1000,
        this.siteCalls.sites((capabilities) => capabilities.stock === 'relative'),
      ],
    );
    return returnedRows<ClaimedItem>(result);
  }

  private async sendConnection(connectionId: string, items: ClaimedItem[]): Promise<void> {
    const connection = await this.siteCalls.describe(connectionId);
    if (!connection || !connection.options.autoStockSync) {
      await this.recordFailure(items, 'Stock sync is off for this connection, or it was deleted.', undefined, false);
      return;
    }
    if (connection.status !== 'active') {
      await this.recordFailure(items, `The connection is ${connection.status}; stock waits until it is active again.`, undefined, true);
      return;
    }
    const mode = this.queue.modeOf(connection.site);
    if (!mode) {
      await this.recordFailure(items, `${connection.displayName} takes no stock updates.`, undefined, false);
      return;
    }
    const levels = await this.sellable.read(
      this.db.manager,
      connection.tenantId,
      items.map((item) => item.sku_id),
    );
    const plan = planStockUpdates(
      items.map((item) => ({
        id: item.id,
        version: item.version,
        listingKey: item.listing_key,
        productCode: item.product_code,
        skuId: item.sku_id,
        quantityPerUnit: item.quantity_per_unit,
        baseline: item.baseline,
      })),
      levels,
      mode,
    );
    for (const { itemId, baseline } of plan.unchanged)
      await this.recordSuccess(items.find((item) => item.id === itemId)!, mode, 0, baseline);
    if (!plan.send.length) return;

    const addresses = await this.addressesFor(
      connection,
      plan.send.map(({ itemId, update }) => ({
        listingKey: update.listingKey,
        productCode: items.find((item) => item.id === itemId)!.product_code,
      })),
    );
    // A listing the site was just asked for and does not have is not pushed blind: it fails here, visibly, and is
    // tried again after the usual backoff (the seller may still list it) or when the reconciliation runs.
    const absent = plan.send.filter(({ update }) => addresses.absent.has(update.listingKey));
    for (const { itemId } of absent)
      await this.recordFailure(
        items.filter((item) => item.id === itemId),
        `${connection.displayName} has no listing "${items.find((item) => item.id === itemId)!.listing_key}" (read from the site just now).`,
        undefined,
        true,
      );
    plan.send = plan.send.filter(({ update }) => !addresses.absent.has(update.listingKey));
    if (!plan.send.length) return;
    const updates = plan.send.map((planned) => {
      const listing = addresses.found.get(planned.update.listingKey);
      return listing ? { ...planned.update, listing } : planned.update;
    });
    let results: ItemResult[];
    try {
      results = await this.siteCalls.runBulk(
        connectionId,
        Capability.StockSink,
        updates,
        (update) => update.listingKey,
        (sink, ctx) => sink.pushStock(ctx, updates),
      );
    } catch (error) {
      if (!(error instanceof ConnectionUnavailableError)) throw error;
      const unsent = items.filter((item) => plan.send.some((planned) => planned.itemId === item.id));
      await this.recordFailure(unsent, error.message, undefined, !error.permanent);
      return;
    }
    await this.keepListings(connection, results);
    for (const [index, planned] of plan.send.entries()) {
      const item = items.find((candidate) => candidate.id === planned.itemId)!;
      const result = results[index];
      if (result.ok) await this.recordSuccess(item, mode, planned.sent);
      else await this.recordItemFailure(item, mode, planned.sent, result);
    }
  }

  private async recordSuccess(
    item: ClaimedItem,
    mode: 'absolute' | 'relative',
    sent: number,
    baselineIfUnknown: number | null = null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE stock_push_queue SET
         state = CASE WHEN version = $2 THEN 'sent' ELSE 'pending' END,
         attempts = CASE WHEN version = $2 THEN 0 ELSE attempts END,
         last_sent_quantity = CASE WHEN $3 THEN $4 ELSE last_sent_quantity END,
         baseline = CASE WHEN $3 THEN baseline ELSE COALESCE(baseline + $4, $5) END,
         last_sent_at = now(), last_error = NULL, last_site_code = NULL, retryable = true, claimed_until = NULL, updated_at = now()
       WHERE id = $1`,
      [item.id, item.version, mode === 'absolute', sent, baselineIfUnknown],
    );
  }

  /**
   * A relative change the site refused without "try again" may or may not have applied (NextEngine
   * cannot always tell): it is counted as sent, so that it is never applied twice, and shown as failed.
   */
  private async recordItemFailure(item: ClaimedItem, mode: 'absolute' | 'relative', sent: number, result: ItemResult): Promise<void> {
    const message = [result.siteCode, result.message].filter(Boolean).join(': ') || 'The site refused the stock update.';
    if (result.retryable) {
      await this.recordFailure([item], message, result.siteCode, true);
      return;
    }
    await this.db.query(
      `UPDATE stock_push_queue SET state = 'failed', retryable = false, last_error = $2, last_site_code = $3,
         baseline = CASE WHEN $4 THEN baseline + $5 ELSE baseline END, claimed_until = NULL, updated_at = now()
       WHERE id = $1`,
      [item.id, message.slice(0, 2000), result.siteCode ?? null, mode === 'relative', sent],
    );
  }

  private async recordFailure(items: ClaimedItem[], message: string, siteCode: string | undefined, retryable: boolean): Promise<void> {
    for (const item of items) {
      const giveUp = !retryable || item.attempts >= this.timings.maxAttempts;
      await this.db.query(
        `UPDATE stock_push_queue SET state = $2, retryable = $3, last_error = $4, last_site_code = $5,
           due_at = now() + make_interval(secs => $6), claimed_until = NULL, updated_at = now()
         WHERE id = $1`,
        [
          item.id,
          giveUp ? 'failed' : 'pending',
          retryable,
          message.slice(0, 2000),
          siteCode ?? null,
          backoffMs(item.attempts, this.timings.retryBaseMs, this.timings.retryMaxMs) / 1000,
        ],
      );
    }
  }


  /**
   * Stored or freshly read addresses of the listings about to be pushed. A site that cannot be read now is not a
   * reason to hold the push back: the connector then finds the listing itself (or reports the failure per listing).
   */
  private async addressesFor(
    connection: { id: string; tenantId: string; site: string },
    refs: readonly ListingRef[],
  ): Promise<{ found: Map<string, SiteListing>; absent: Set<string> }> {
    try {
      return await this.listings.addresses(connection, refs);
    } catch (error) {
      if (!(error instanceof SiteError) && !(error instanceof ConnectionUnavailableError)) throw error;
      this.logger.warn({ err: error, connectionId: connection.id }, 'Listing addresses could not be read; the connector looks them up');
      return { found: new Map(), absent: new Set() };
    }
  }

  /** Stores the addresses connectors found while pushing, and forgets those the site says are gone. */
  private async keepListings(connection: { id: string; tenantId: string }, results: readonly ItemResult[]): Promise<void> {
    await this.listings.store(
      connection,
      results.flatMap((result) => (result.listing ? [result.listing] : [])),
    );
    await this.listings.forget(
      connection.id,
      results.filter((result) => result.listing === null).map((result) => result.key),
    );
  }
}
