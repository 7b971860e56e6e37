import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Capability, ConnectionUnavailableError, SiteCalls, type SiteConnection, SiteError } from '../connections/site-calls';
import { NotFoundProblem } from '../common/problem';
import { listingQuantity } from './quantities';
import { NO_STOCK, SellableStock, sellableUnits } from './sellable-stock';
import { SiteListings } from './site-listings';
import { StockPushQueue, type StockTarget } from './stock-push-queue';

const DEFAULT_RECONCILE_INTERVAL_SECONDS = 24 * 3600;

/** One listing compared: what the site shows, and what it should show. */
export interface ListingComparison {
  listingKey: string;
  skuId: string;
  quantityPerUnit: number;
  /** what the site shows now; null when it does not have the listing or could not be read */
  siteQuantity: number | null;
  /** absolute sites: what the next push sends (sellable stock); relative sites: the on-hand listing units the site should hold */
  expectedQuantity: number;
  /** siteQuantity − expectedQuantity; null when the site's side is unknown */
  difference: number | null;
  state: 'match' | 'different' | 'missing_on_site' | 'unreadable';
  /** why the site's side is unknown */
  error: string | null;
}

export interface ReconciliationReport {
  connectionId: string;
  mode: 'absolute' | 'relative';
  checkedAt: Date;
  listings: ListingComparison[];
}

export interface LastReconciliation {
  startedAt: Date;
  finishedAt: Date | null;
  listings: number;
  differences: number;
  corrected: number;
  error: string | null;
  /** listings the run found different (corrected or reported) or could not read; at most 500 */
  findings: Array<{
    listingKey: string;
    siteQuantity: number | null;
    expectedQuantity: number;
    difference: number | null;
    action: 'corrected' | 'reported' | 'unreadable';
    error: string | null;
  }>;
}

export interface ReconciliationRunSummary {
  connectionId: string;
  listings: number;
  differences: number;
  corrected: number;
  error: string | null;
}

/**
 * Compares what each site shows for its listings with what Mallbridge would have it show (DESIGN §6). An absolute
 * site is read through its listing directory and compared with the sellable stock; a relative site (NextEngine) is
 * read through its stock read and compared with on-hand stock. The scheduled run (per connection, daily by default)
 * corrects an absolute site by pushing the listings that differ again, and only reports a relative one: a relative
 * difference has causes a push cannot know (NextEngine's own shipments and returns, stock the seller entered there),
 * so correcting it by a delta could count something twice.
 */
@Injectable()
export class StockReconciliation {
  private readonly logger = new Logger(StockReconciliation.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly siteCalls: SiteCalls,
    private readonly queue: StockPushQueue,
    private readonly sellable: SellableStock,
    private readonly listings: SiteListings,
    private readonly config: AppConfig,
  ) {}

  /** The comparison for one connection's listings, read from the site now, in listing-key order after `afterKey`. */
  async compare(tenantId: string, connectionId: string, page: { afterKey?: string | null; limit?: number } = {}): Promise<ReconciliationReport> {
    const connection = await this.siteCalls.describe(connectionId);
    if (!connection || connection.tenantId !== tenantId) throw new NotFoundProblem('Connection');
    const mode = this.siteCalls.stockMode(connection.site);
    if (!mode) return { connectionId, mode: 'absolute', checkedAt: new Date(), listings: [] };
    let targets = (await this.queue.findTargets(this.db.manager, tenantId, null, connectionId)).sort((a, b) =>
      a.listingKey < b.listingKey ? -1 : a.listingKey > b.listingKey ? 1 : 0,
    );
    if (page.afterKey) targets = targets.filter((target) => target.listingKey > page.afterKey!);
    if (page.limit) targets = targets.slice(0, page.limit);
    return { connectionId, mode, checkedAt: new Date(), listings: await this.compareTargets(connection, mode, targets) };
  }

  /**
   * Runs every connection whose reconciliation is due (schedules.ts, through Inventory's job): one interval after the
   * last run, or after the connection was made (a new connection's stock is pushed whole anyway).
   */
  async runDue(): Promise<ReconciliationRunSummary[]> {
    const due: { id: string; tenant_id: string }[] = await this.db.query(
      `SELECT c.id, c.tenant_id FROM connections c LEFT JOIN stock_reconciliation_runs r ON r.connection_id = c.id
        WHERE c.deleted_at IS NULL AND c.status = 'active' AND c.site = ANY($1::text[])
          AND COALESCE(r.started_at, c.created_at) < now() - make_interval(secs => $2)
        ORDER BY COALESCE(r.started_at, c.created_at)`,
      [this.siteCalls.sites((capabilities) => capabilities.stock !== false), this.config.stockReconcileIntervalSeconds ?? DEFAULT_RECONCILE_INTERVAL_SECONDS],
    );
    const summaries: ReconciliationRunSummary[] = [];
    for (const connection of due) summaries.push(await this.run(connection.tenant_id, connection.id));
    return summaries;
  }

  /**
   * Reconciles one connection now: compares every listing, keeps the comparison for the report, and on an absolute
   * site with stock sync on pushes each listing that differs again (the push recomputes the quantity: idempotent).
   */
  async run(tenantId: string, connectionId: string): Promise<ReconciliationRunSummary> {
    const owner = await this.siteCalls.describe(connectionId);
    if (!owner || owner.tenantId !== tenantId) throw new NotFoundProblem('Connection');
    await this.db.query(
      `INSERT INTO stock_reconciliation_runs (connection_id, tenant_id, started_at) VALUES ($1, $2, now())
       ON CONFLICT (connection_id) DO UPDATE SET started_at = now(), finished_at = NULL, error = NULL`,
      [connectionId, tenantId],
    );
    let summary: ReconciliationRunSummary;
    try {
      const report = await this.compare(tenantId, connectionId);
      const connection = (await this.siteCalls.describe(connectionId))!;
      const correct = report.mode === 'absolute' && connection.options.autoStockSync === true;
      const different = report.listings.filter((listing) => listing.state === 'different');
      if (correct && different.length) await this.correct(tenantId, connectionId, different);
      await this.keep(tenantId, connectionId, report, correct);
      summary = { connectionId, listings: report.listings.length, differences: different.length, corrected: correct ? different.length : 0, error: null };
    } catch (error) {
      if (!(error instanceof SiteError) && !(error instanceof ConnectionUnavailableError)) throw error;
      this.logger.warn({ err: error, connectionId }, 'Stock reconciliation could not read the site');
      summary = { connectionId, listings: 0, differences: 0, corrected: 0, error: error.message };
    }
    await this.db.query(
      `UPDATE stock_reconciliation_runs SET finished_at = now(), listings = $2, differences = $3, corrected = $4, error = $5 WHERE connection_id = $1`,
      [connectionId, summary.listings, summary.differences, summary.corrected, summary.error?.slice(0, 2000) ?? null],
    );
    return summary;
  }

  /** When the connection was last reconciled, and what that run found different or could not read; null when it never ran. */
  async lastRun(tenantId: string, connectionId: string): Promise<LastReconciliation | null> {
    const [row]: {
      started_at: Date;
      finished_at: Date | null;
      listings: number;
      differences: number;
      corrected: number;
      error: string | null;
    }[] = await this.db.query(
      `SELECT started_at, finished_at, listings, differences, corrected, error FROM stock_reconciliation_runs WHERE connection_id = $1 AND tenant_id = $2`,
      [connectionId, tenantId],
    );
    if (!row) return null;
    const findings: {
      listing_key: string;
      site_quantity: number | null;
      expected_quantity: number;
      difference: number | null;
      action: 'corrected' | 'reported' | 'unreadable';
      error: string | null;
    }[] = await this.db.query(
      `SELECT listing_key, site_quantity, expected_quantity, difference, action, error FROM stock_reconciliations
        WHERE connection_id = $1 AND tenant_id = $2 AND action <> 'none' ORDER BY listing_key LIMIT 500`,
      [connectionId, tenantId],
    );
    return {
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      listings: row.listings,
      differences: row.differences,
      corrected: row.corrected,
      error: row.error,
      findings: findings.map((finding) => ({
        listingKey: finding.listing_key,
        siteQuantity: finding.site_quantity,
        expectedQuantity: finding.expected_quantity,
        difference: finding.difference,
        action: finding.action,
        error: finding.error,
      })),
    };
  }

  private async compareTargets(connection: SiteConnection, mode: 'absolute' | 'relative', targets: StockTarget[]): Promise<ListingComparison[]> {
    if (!targets.length) return [];
    const stock = await this.sellable.read(
      this.db.manager,
      connection.tenantId,
      targets.map((target) => target.skuId),
    );
    const site = await this.readSite(connection, mode, targets);
    return targets.map((target) => {
      const level = stock.get(target.skuId) ?? NO_STOCK;
      const expectedQuantity = listingQuantity(mode === 'absolute' ? sellableUnits(level) : level.onHand, target.quantityPerUnit);
      const base = { listingKey: target.listingKey, skuId: target.skuId, quantityPerUnit: target.quantityPerUnit, expectedQuantity };
      if ('error' in site) return { ...base, siteQuantity: null, difference: null, state: 'unreadable' as const, error: site.error };
      const siteQuantity = site.quantities.get(target.listingKey);
      if (siteQuantity === undefined)
        return { ...base, siteQuantity: null, difference: null, state: 'missing_on_site' as const, error: 'The site does not show this listing.' };
      if (siteQuantity === null)
        return { ...base, siteQuantity: null, difference: null, state: 'unreadable' as const, error: 'The site gave no quantity for this listing.' };
      const difference = siteQuantity - expectedQuantity;
      return { ...base, siteQuantity, difference, state: difference === 0 ? ('match' as const) : ('different' as const), error: null };
    });
  }

  /** What the site shows per listing key: a number, null when it listed no quantity, absent when it lacks the listing. */
  private async readSite(
    connection: SiteConnection,
    mode: 'absolute' | 'relative',
    targets: StockTarget[],
  ): Promise<{ quantities: Map<string, number | null> } | { error: string }> {
    try {
      if (mode === 'relative') {
        const read = await this.siteCalls.run(connection.id, Capability.StockDeltaSink, (sink, ctx) =>
          sink.readStock(
            ctx,
            targets.map((target) => target.listingKey),
          ),
        );
        return { quantities: new Map([...read].map(([code, level]) => [code, level.stock])) };
      }
      if (!this.siteCalls.provides(connection.site, Capability.ListingDirectory))
        return { error: `${this.siteCalls.displayName(connection.site)} cannot be read listing by listing.` };
      const read = await this.listings.read(
        connection,
        targets.map((target) => ({ listingKey: target.listingKey, productCode: target.productCode })),
      );
      return { quantities: new Map([...read].map(([key, listing]) => [key, listing.quantity])) };
    } catch (error) {
      if (!(error instanceof SiteError) && !(error instanceof ConnectionUnavailableError)) throw error;
      return { error: error.message };
    }
  }

  private async correct(tenantId: string, connectionId: string, different: ListingComparison[]): Promise<void> {
    const keys = new Set(different.map((listing) => listing.listingKey));
    await this.db.transaction(async (manager) => {
      const targets = (await this.queue.findTargets(manager, tenantId, null, connectionId)).filter((target) => keys.has(target.listingKey));
      await this.queue.requeue(manager, tenantId, targets);
    });
  }

  private async keep(tenantId: string, connectionId: string, report: ReconciliationReport, corrected: boolean): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(`DELETE FROM stock_reconciliations WHERE connection_id = $1`, [connectionId]);
      if (!report.listings.length) return;
      const action = (listing: ListingComparison) =>
        listing.state === 'different' ? (corrected ? 'corrected' : 'reported') : listing.state === 'match' ? 'none' : 'unreadable';
      await manager.query(
        `INSERT INTO stock_reconciliations (tenant_id, connection_id, listing_key, sku_id, site_quantity, expected_quantity, difference, action, error)
         SELECT $1, $2, r.listing_key, r.sku_id, r.site_quantity, r.expected_quantity, r.difference, r.action, r.error
           FROM unnest($3::text[], $4::uuid[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[])
             AS r(listing_key, sku_id, site_quantity, expected_quantity, difference, action, error)`,
        [
          tenantId,
          connectionId,
          report.listings.map((listing) => listing.listingKey),
          report.listings.map((listing) => listing.skuId),
          report.listings.map((listing) => listing.siteQuantity),
          report.listings.map((listing) => listing.expectedQuantity),
          report.listings.map((listing) => listing.difference),
          report.listings.map(action),
          report.listings.map((listing) => listing.error),
        ],
      );
    });
  }
}
