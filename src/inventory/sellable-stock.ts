import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** One SKU's stock as the sites must see it. */
export interface SkuStock {
  onHand: number;
  reserved: number;
  /** units sold on a site and pulled, not cancelled, not yet reserved (waiting for mapping, stock, confirmation or instruction) */
  awaitingReservation: number;
}

export const NO_STOCK: SkuStock = { onHand: 0, reserved: 0, awaitingReservation: 0 };

/** What an absolute site may sell of a SKU, in SKU units, never below 0 (DESIGN §6 "Stock a site may sell"). */
export function sellableUnits(stock: SkuStock): number {
  return Math.max(0, stock.onHand - stock.reserved - stock.awaitingReservation);
}

/**
 * Orders whose lines still wait to be reserved: before instruction (`new`, `confirmed`), or held from there. An order
 * held after its instruction keeps its reservation, so it is counted in `reserved` already. Orders the site cancelled
 * or merged away sell nothing. The rule is the database function the demand-mark trigger uses too (migration
 * StockCorrectness), so what is counted and what schedules a push never disagree.
 */
const AWAITING_RESERVATION = `order_awaits_reservation(o.status, o.status_before_hold, o.site_state)`;

/**
 * Reads SKU levels together with the demand already sold but not reserved. A line not resolved yet counts for the
 * SKU a mapping now gives it (the mapping was made, the re-resolution has not run yet); a line nothing resolves
 * cannot be counted against any SKU and is the seller's to map (`/v1/sku-mappings/unmapped`).
 */
@Injectable()
export class SellableStock {
  async read(manager: EntityManager, tenantId: string, skuIds: readonly string[]): Promise<Map<string, SkuStock>> {
    const ids = [...new Set(skuIds)];
    if (!ids.length) return new Map();
    const rows: { sku_id: string; on_hand: number; reserved: number; awaiting: number }[] = await manager.query(
      `WITH demand AS (
           SELECT l.sku_id, (l.quantity - l.cancelled_quantity) * COALESCE(l.quantity_per_unit, 1) AS units
             FROM order_lines l JOIN orders o ON o.id = l.order_id
            WHERE o.tenant_id = $1 AND l.sku_id = ANY($2::uuid[]) AND l.quantity > l.cancelled_quantity AND ${AWAITING_RESERVATION}
           UNION ALL
           SELECT m.sku_id, (l.quantity - l.cancelled_quantity) * m.quantity_per_unit
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             CROSS JOIN LATERAL (
               SELECT sku_id, quantity_per_unit FROM sku_mappings m
                WHERE m.tenant_id = o.tenant_id AND m.site = o.site AND m.listing_key = l.listing_key
                  AND (m.connection_id IS NULL OR m.connection_id = o.connection_id)
                ORDER BY m.connection_id NULLS LAST LIMIT 1) m
            WHERE l.tenant_id = $1 AND l.sku_id IS NULL AND m.sku_id = ANY($2::uuid[]) AND l.quantity > l.cancelled_quantity
              AND ${AWAITING_RESERVATION}
         ),
         by_sku AS (SELECT sku_id, sum(units)::int AS units FROM demand GROUP BY sku_id)
       SELECT s.sku_id, COALESCE(v.on_hand, 0) AS on_hand, COALESCE(v.reserved, 0) AS reserved, COALESCE(d.units, 0) AS awaiting
         FROM unnest($2::uuid[]) AS s(sku_id)
         LEFT JOIN inventory_levels v ON v.tenant_id = $1 AND v.sku_id = s.sku_id
         LEFT JOIN by_sku d ON d.sku_id = s.sku_id`,
      [tenantId, ids],
    );
    return new Map(rows.map((row) => [row.sku_id, { onHand: row.on_hand, reserved: row.reserved, awaitingReservation: row.awaiting }]));
  }
}
