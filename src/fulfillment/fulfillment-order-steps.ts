import type { EntityManager } from 'typeorm';
import type { SkuQuantities, StockReference } from '../inventory/stock-reservations';
import type { FulfillmentStatus } from './fulfillment-state';

/**
 * One step of a fulfillment order: an entry on its timeline and, when given, its new status (and the status a site
 * hold interrupted). The one place a fulfillment order's status and timeline are written together, for the
 * warehouse's transitions and for the steps a site change makes.
 */
export async function recordStep(
  manager: EntityManager,
  fulfillmentOrderId: string,
  entry: { event: string; detail?: string | null },
  move?: { status: FulfillmentStatus; heldFrom?: FulfillmentStatus | null },
): Promise<void> {
  await manager.query(
    `UPDATE fulfillment_orders SET updated_at = now(),
       status = COALESCE($4::text, status),
       held_from = CASE WHEN $4::text IS NULL THEN held_from ELSE $5::text END,
       timeline = timeline || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('at', now(), 'event', $2::text, 'detail', $3::text)))
     WHERE id = $1`,
    [fulfillmentOrderId, entry.event, entry.detail ?? null, move?.status ?? null, move?.heldFrom ?? null],
  );
}

/** SKU units per SKU of a fulfillment order's lines; a line at 0 moves nothing. */
export function perSku(lines: ReadonlyArray<{ skuId: string; quantity: number }>): SkuQuantities {
  const bySku = new Map<string, number>();
  for (const line of lines) if (line.quantity > 0) bySku.set(line.skuId, (bySku.get(line.skuId) ?? 0) + line.quantity);
  return bySku;
}

/** How the ledger names a fulfillment order's stock changes. */
export function stockReference(fulfillmentOrderId: string): StockReference {
  return { type: 'fulfillment_order', id: fulfillmentOrderId };
}
