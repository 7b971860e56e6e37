import { randomInt } from 'node:crypto';

/** An order line as fulfillment sees it: what was sold and which SKU it takes. */
export interface LineNeed {
  skuId: string | null;
  /** units sold on the site */
  quantity: number;
  /** SKU units per unit sold (a 2-pack is 2); null when unresolved */
  quantityPerUnit: number | null;
}

/** SKU → units needed; lines of the same SKU add up. Sorted by SKU id, the order rows are locked in. */
export function stockNeeds(lines: readonly LineNeed[]): Map<string, number> {
  const needs = new Map<string, number>();
  for (const line of lines) {
    if (!line.skuId) continue;
    needs.set(line.skuId, (needs.get(line.skuId) ?? 0) + line.quantity * (line.quantityPerUnit ?? 1));
  }
  return new Map([...needs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface Shortage {
  skuCode: string;
  needed: number;
  available: number;
}

/** Every SKU whose available stock does not cover the need. */
export function shortages(
  needs: ReadonlyMap<string, number>,
  available: ReadonlyMap<string, number>,
  codes: ReadonlyMap<string, string>,
): Shortage[] {
  const short: Shortage[] = [];
  for (const [skuId, needed] of needs) {
    const have = available.get(skuId) ?? 0;
    if (have < needed) short.push({ skuCode: codes.get(skuId) ?? skuId, needed, available: have });
  }
  return short;
}

/** The hold reason a seller reads: which SKUs are short and by how much. */
export function shortageReason(short: readonly Shortage[]): string {
  return `Not enough stock: ${short.map((s) => `${s.skuCode} (needs ${s.needed}, ${s.available} available)`).join(', ')}`;
}

export function unmappedReason(listingKeys: readonly string[]): string {
  return `Lines not mapped to a SKU: ${[...new Set(listingKeys)].join(', ')}`;
}

/**
 * A waybill number when the carrier gave none: 11 digits plus a mod-7 check digit, the 12-digit form
 * Japanese carriers (Yamato, Japan Post) print, so it fits every site's tracking-number field.
 */
export function generateTrackingNumber(random: (max: number) => number = randomInt): string {
  let body = String(1 + random(9));
  while (body.length < 11) body += String(random(10));
  return body + String(Number(BigInt(body) % 7n));
}

export function isValidGeneratedTrackingNumber(value: string): boolean {
  return /^\d{12}$/.test(value) && Number(BigInt(value.slice(0, 11)) % 7n) === Number(value[11]);
}
