import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SiteCalls } from '../connections/site-calls';
import { listingQuantity } from './quantities';
import { InventoryTimings } from './inventory-timings';

export interface SkuStockChange {
  skuId: string;
  /** the on-hand level before the change; needed when on hand changed (a relative site's starting point) */
  onHandBefore?: number;
  /** relative sites follow on-hand stock (the site allocates its own orders) */
  onHandChanged: boolean;
  /** absolute sites show available stock (on hand − reserved) */
  availableChanged: boolean;
}

/** A listing on a connection that sells a SKU, found through a mapping or on the orders it came in on. */
export interface StockTarget {
  connectionId: string;
  site: string;
  listingKey: string;
  productCode: string | null;
  skuId: string;
  quantityPerUnit: number;
}

export type StockMode = 'absolute' | 'relative';

/** A shipment of one sales order: the order lines it took and the units sold on the site of each. */
export interface OwnShipment {
  orderId: string;
  lines: readonly { orderLineId: string; units: number }[];
}

/**
 * Where stock changes wait to be sent: one row per (connection, listing). A change marks the row
 * pending and due a short delay later; further changes before the send only bump its version, so a
 * burst becomes one send of the level as it is when the worker reads it.
 */
@Injectable()
export class StockPushQueue {
  constructor(
    private readonly siteCalls: SiteCalls,
    private readonly timings: InventoryTimings,
  ) {}

  modeOf(site: string): StockMode | null {
    return this.siteCalls.stockMode(site);
  }

  async enqueue(manager: EntityManager, tenantId: string, changes: readonly SkuStockChange[]): Promise<number> {
    const bySku = new Map<string, SkuStockChange>();
    for (const change of changes) {
      const seen = bySku.get(change.skuId);
      bySku.set(
        change.skuId,
        seen
          ? {
              ...seen,
              onHandChanged: seen.onHandChanged || change.onHandChanged,
              availableChanged: seen.availableChanged || change.availableChanged,
            }
          : change,
      );
    }
    const relevant = [...bySku.values()].filter((change) => change.onHandChanged || change.availableChanged);
    if (!relevant.length) return 0;
    const targets = (
      await this.findTargets(
        manager,
        tenantId,
        relevant.map((change) => change.skuId),
      )
    ).filter((target) => {
      const change = bySku.get(target.skuId)!;
      const mode = this.modeOf(target.site);
      // A shipment leaves available stock as it was, yet absolute sites get it again: a cheap correction of any drift.
      return (mode === 'absolute' && (change.availableChanged || change.onHandChanged)) || (mode === 'relative' && change.onHandChanged);
    });
    if (!targets.length) return 0;
    await this.upsert(
      manager,
      tenantId,
      targets.map((target) => ({
        target,
        // Where a relative site starts from: the units it held before this first change we know of.
        baseline:
          this.modeOf(target.site) === 'relative' ? listingQuantity(bySku.get(target.skuId)!.onHandBefore ?? 0, target.quantityPerUnit) : null,
      })),
      this.timings.stockCoalesceMs,
    );
    return targets.length;
  }

  /**
   * The order's own site takes this shipment out of its stock itself (`StockSink.ownShipmentsLowerStock`:
   * NextEngine at 出荷確定, which Fulfillment's tracking push performs). Lowering the
   * baseline of its listings by the units shipped leaves the shipment out of what is uploaded there, while
   * every other site still gets it. Call after the shipment's ledger change, in the same transaction.
   */
  async leaveOutOwnShipment(manager: EntityManager, tenantId: string, shipment: OwnShipment): Promise<void> {
    const [order]: { connection_id: string; site: string }[] = await manager.query(
      `SELECT c.id AS connection_id, c.site FROM orders o JOIN connections c ON c.id = o.connection_id
        WHERE o.id = $1 AND o.tenant_id = $2`,
      [shipment.orderId, tenantId],
    );
    if (!order || this.modeOf(order.site) !== 'relative' || !this.siteCalls.ownShipmentsLowerStock(order.site)) return;
    await manager.query(
      `UPDATE stock_push_queue q SET baseline = q.baseline - shipped.units, updated_at = now()
         FROM (SELECT l.listing_key, sum(s.units)::int AS units
                 FROM unnest($2::uuid[], $3::int[]) AS s(order_line_id, units) JOIN order_lines l ON l.id = s.order_line_id
                GROUP BY l.listing_key) shipped
        WHERE q.tenant_id = $1 AND q.connection_id = $4 AND q.listing_key = shipped.listing_key AND q.baseline IS NOT NULL`,
      [tenantId, shipment.lines.map((line) => line.orderLineId), shipment.lines.map((line) => line.units), order.connection_id],
    );
  }

  /** Marks these listings pending now (reconciliation), creating rows for listings never sent. */
  async requeue(manager: EntityManager, tenantId: string, targets: readonly StockTarget[]): Promise<void> {
    if (targets.length)
      await this.upsert(
        manager,
        tenantId,
        targets.map((target) => ({ target, baseline: null })),
        0,
      );
  }

  /**
   * Listings of live connections with autoStockSync that sell these SKUs (all SKUs with a level when
   * null): explicit mappings first, then listing keys seen on order lines resolved to the SKU (code
   * equality). Qoo10 option rows need their product code, which only order lines carry.
   */
  async findTargets(
    manager: EntityManager,
    tenantId: string,
    skuIds: readonly string[] | null,
    /** one connection's listings only, whether or not its stock sync is on (the reconciliation report) */
    connectionId: string | null = null,
  ): Promise<StockTarget[]> {
    const rows: {
      connection_id: string;
      site: string;
      listing_key: string;
      product_code: string | null;
      sku_id: string;
      quantity_per_unit: number;
    }[] = await manager.query(
      `WITH skus_in_scope AS (
           SELECT sku_id FROM inventory_levels WHERE tenant_id = $1 AND ($2::uuid[] IS NULL OR sku_id = ANY($2::uuid[]))
           UNION SELECT unnest($2::uuid[])
         ),
         live AS (
           SELECT id, site FROM connections
            WHERE tenant_id = $1 AND deleted_at IS NULL
              AND ($3::uuid IS NULL AND (options ->> 'autoStockSync')::boolean IS TRUE OR id = $3::uuid)
         ),
         listings AS (
           SELECT c.id AS connection_id, c.site, m.listing_key, NULL::text AS product_code, m.sku_id, m.quantity_per_unit, 1 AS rank
             FROM sku_mappings m JOIN live c ON c.site = m.site AND (m.connection_id IS NULL OR m.connection_id = c.id)
            WHERE m.tenant_id = $1 AND m.sku_id IN (SELECT sku_id FROM skus_in_scope)
           UNION ALL
           SELECT c.id, c.site, l.listing_key, l.product_code, l.sku_id, COALESCE(l.quantity_per_unit, 1), 2
             FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN live c ON c.id = o.connection_id
            WHERE l.tenant_id = $1 AND l.sku_id IN (SELECT sku_id FROM skus_in_scope)
         )
         SELECT DISTINCT ON (t.connection_id, t.listing_key) t.connection_id, t.site, t.listing_key, t.sku_id, t.quantity_per_unit,
                COALESCE(t.product_code, (SELECT l.product_code FROM order_lines l JOIN orders o ON o.id = l.order_id
                                           WHERE o.connection_id = t.connection_id AND l.listing_key = t.listing_key LIMIT 1)) AS product_code
           FROM listings t
          ORDER BY t.connection_id, t.listing_key, t.rank`,
      [tenantId, skuIds ? [...skuIds] : null, connectionId],
    );
    return rows
      .filter((row) => this.modeOf(row.site) !== null)
      .map((row) => ({
        connectionId: row.connection_id,
        site: row.site,
        listingKey: row.listing_key,
        productCode: row.product_code,
        skuId: row.sku_id,
        quantityPerUnit: row.quantity_per_unit,
      }));
  }

  private async upsert(
    manager: EntityManager,
    tenantId: string,
    items: { target: StockTarget; baseline: number | null }[],
    delayMs: number,
  ): Promise<void> {
    // Sorted, so concurrent transactions lock queue rows in the same order.
    const sorted = [...items].sort((a, b) =>
      a.target.connectionId + a.target.listingKey < b.target.connectionId + b.target.listingKey ? -1 : 1,
    );
    await manager.query(
      `INSERT INTO stock_push_queue AS q (tenant_id, connection_id, listing_key, product_code, sku_id, quantity_per_unit, state, due_at, baseline)
       SELECT $1, r.connection_id, r.listing_key, r.product_code, r.sku_id, r.qpu, 'pending', now() + make_interval(secs => $9), r.baseline
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::int[], $7::int[], $8::int[]) AS r(connection_id, listing_key, product_code, sku_id, qpu, baseline, ord)
        ORDER BY r.ord
       ON CONFLICT (connection_id, listing_key) DO UPDATE SET
         sku_id = EXCLUDED.sku_id,
         quantity_per_unit = EXCLUDED.quantity_per_unit,
         product_code = COALESCE(EXCLUDED.product_code, q.product_code),
         version = q.version + 1,
         due_at = CASE WHEN q.state = 'pending' THEN LEAST(q.due_at, EXCLUDED.due_at) ELSE EXCLUDED.due_at END,
         attempts = CASE WHEN q.state = 'pending' THEN q.attempts ELSE 0 END,
         state = 'pending',
         baseline = COALESCE(q.baseline, EXCLUDED.baseline),
         updated_at = now()`,
      [
        tenantId,
        sorted.map((item) => item.target.connectionId),
        sorted.map((item) => item.target.listingKey),
        sorted.map((item) => item.target.productCode),
        sorted.map((item) => item.target.skuId),
        sorted.map((item) => item.target.quantityPerUnit),
        sorted.map((item) => item.baseline),
        sorted.map((_item, index) => index),
        delayMs / 1000,
      ],
    );
  }
}
