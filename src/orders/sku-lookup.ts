import type { SiteId } from '../connectors/sales-site-connector';
import type { LineResolution } from './order-line.entity';

export interface SkuLookupLine {
  site: SiteId;
  connectionId: string;
  listingKey: string;
  optionCode?: string | null;
  productCode?: string | null;
}

export interface SkuLookupResult {
  skuId: string | null;
  quantityPerUnit: number | null;
  resolution: LineResolution | null;
}

/**
 * What the Orders module needs from the SKU catalog: which SKU each sold line is. Bound to the
 * SKU-mapping module's resolver in orders.module.ts (the dependency points Orders → SKU-Mapping).
 */
export interface SkuLookup {
  resolve(tenantId: string, lines: SkuLookupLine[]): Promise<SkuLookupResult[]>;
}

export const SKU_LOOKUP = Symbol('SKU_LOOKUP');
