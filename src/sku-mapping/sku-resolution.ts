import { siteCode } from './site-codes';

/** An order line to resolve, as the connector describes it (`SalesSiteConnector.listingKey`). */
export interface ResolveLine {
  site: string;
  /** the connection the order came from; null for lines not tied to one (manual orders) */
  connectionId: string | null;
  listingKey: string;
  optionCode?: string | null;
  productCode?: string | null;
}

export type ResolutionSource = 'mapping' | 'code';

export interface LineResolution {
  skuId: string | null;
  /** SKUs per unit sold: the mapping's quantity (a 2-pack is 2), 1 for code equality, null when unresolved */
  quantityPerUnit: number | null;
  resolution: ResolutionSource | null;
}

export interface MappingCandidate {
  site: string;
  connectionId: string | null;
  listingKey: string;
  skuId: string;
  quantityPerUnit: number;
}

export const UNRESOLVED: LineResolution = Object.freeze({ skuId: null, quantityPerUnit: null, resolution: null });

/** The codes a line may match a SKU code by, in order of precedence: option code first, then product code. */
export function candidateCodes(line: ResolveLine): string[] {
  const codes: string[] = [];
  for (const raw of [line.optionCode, line.productCode]) {
    if (raw === undefined || raw === null) continue;
    const code = siteCode(line.site, raw);
    if (code !== '' && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

/**
 * DESIGN §6: an explicit mapping wins — one for the line's own connection before a site-wide one — else a
 * SKU whose code equals the site's code, option code first. `mappings` and `skuIdByCode` hold whatever
 * the database returned for these lines; keys and codes compare exactly after the site's normalization
 * ({@link siteCode}), so a Crossmall near miss in case or spacing never resolves.
 */
export function resolveLines(lines: readonly ResolveLine[], mappings: readonly MappingCandidate[], skuIdByCode: ReadonlyMap<string, string>): LineResolution[] {
  const mappingIndex = new Map<string, MappingCandidate>();
  for (const mapping of mappings) mappingIndex.set(mappingKey(mapping.site, mapping.connectionId, mapping.listingKey), mapping);

  return lines.map((line) => {
    const listingKey = siteCode(line.site, line.listingKey);
    const mapping =
      (line.connectionId ? mappingIndex.get(mappingKey(line.site, line.connectionId, listingKey)) : undefined) ??
      mappingIndex.get(mappingKey(line.site, null, listingKey));
    if (mapping) return { skuId: mapping.skuId, quantityPerUnit: mapping.quantityPerUnit, resolution: 'mapping' };
    for (const code of candidateCodes(line)) {
      const skuId = skuIdByCode.get(code);
      if (skuId) return { skuId, quantityPerUnit: 1, resolution: 'code' };
    }
    return UNRESOLVED;
  });
}

function mappingKey(site: string, connectionId: string | null, listingKey: string): string {
  return JSON.stringify([site, connectionId?.toLowerCase() ?? null, listingKey]);
}
