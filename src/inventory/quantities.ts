/** What an absolute site may sell: whole listing units out of the SKU's available stock. */
export function listingQuantity(available: number, quantityPerUnit: number): number {
  return Math.max(0, Math.floor(available / Math.max(1, quantityPerUnit)));
}

/**
 * The change to send a relative site (NextEngine): listing units now on hand minus the units the site is
 * known to hold. Working in whole listing units means a 2-pack never receives half a change.
 */
export function relativeChange(onHand: number, quantityPerUnit: number, baseline: number): number {
  return listingQuantity(onHand, quantityPerUnit) - baseline;
}
