import { isSiteId, SITE_IDS, type SiteId } from '../../connectors/sales-site-connector';
import { MAX_CODE_LENGTH, MAX_LISTING_KEY_LENGTH, siteCode } from '../site-codes';
import type { RowError } from './row-error';
import type { TabularRecord } from './tabular-file';

export const MAPPING_COLUMNS = ['site', 'connection_id', 'listing_key', 'sku_code', 'quantity_per_unit'] as const;
export type MappingColumn = (typeof MAPPING_COLUMNS)[number];
export const MAPPING_REQUIRED: readonly MappingColumn[] = ['site', 'listing_key', 'sku_code'];
export const MAX_QUANTITY_PER_UNIT = 10_000;

export const MAPPING_FILE_DESCRIPTION = [
  'Columns (header row required, names case-insensitive, any order) — the same as `GET /v1/sku-mappings/export` writes:',
  `- \`site\` (required) — one of ${SITE_IDS.map((site) => `\`${site}\``).join(', ')}.`,
  '- `connection_id` — the connection the mapping is limited to; empty for every connection of the site.',
  '- `listing_key` (required) — the listing on the site: NextEngine 商品コード; Qoo10 販売者オプションコード or 販売者商品コード;',
  '  11st セラー在庫コード or 販売者商品コード; Crossmall `itemCode` or `itemCode:attr1,attr2`, exact text (spacing and case kept);',
  '  Smaregi 商品ID. Surrounding spaces are trimmed except for Crossmall.',
  '- `sku_code` (required) — the code of an existing SKU (a single product or an option, not a product with options).',
  '- `quantity_per_unit` — SKUs per unit sold (2 for a 2-pack); empty means 1.',
].join('\n');

export interface PlannedMapping {
  row: number;
  site: SiteId;
  connectionId: string | null;
  listingKey: string;
  skuCode: string;
  quantityPerUnit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks every row of a mapping file on its own; SKU codes and connections are checked against the database after. */
export function planMappingImport(records: TabularRecord<MappingColumn>[]): { mappings: PlannedMapping[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const mappings: PlannedMapping[] = [];
  const rowOfKey = new Map<string, number>();
  for (const { row, values } of records) {
    const before = errors.length;
    const site = values.site.trim();
    if (!isSiteId(site)) errors.push({ row, field: 'site', message: `site must be one of ${SITE_IDS.join(', ')}` });
    const connectionId = values.connection_id.trim().toLowerCase();
    if (connectionId !== '' && !UUID.test(connectionId)) errors.push({ row, field: 'connection_id', message: 'connection_id must be a UUID or empty' });
    const listingKey = siteCode(site, values.listing_key);
    if (listingKey.trim() === '') errors.push({ row, field: 'listing_key', message: 'listing_key is required' });
    else if (listingKey.length > MAX_LISTING_KEY_LENGTH) errors.push({ row, field: 'listing_key', message: `listing_key is longer than ${MAX_LISTING_KEY_LENGTH} characters` });
    const skuCode = values.sku_code.trim();
    if (skuCode === '') errors.push({ row, field: 'sku_code', message: 'sku_code is required' });
    else if (skuCode.length > MAX_CODE_LENGTH) errors.push({ row, field: 'sku_code', message: `sku_code is longer than ${MAX_CODE_LENGTH} characters` });
    const quantityText = values.quantity_per_unit.trim();
    const quantityPerUnit = quantityText === '' ? 1 : Number(quantityText);
    if (!Number.isInteger(quantityPerUnit) || quantityPerUnit < 1 || quantityPerUnit > MAX_QUANTITY_PER_UNIT) {
      errors.push({ row, field: 'quantity_per_unit', message: `quantity_per_unit must be a whole number from 1 to ${MAX_QUANTITY_PER_UNIT}` });
    }
    if (errors.length !== before || !isSiteId(site)) continue;
    const identity = JSON.stringify([site, connectionId, listingKey]);
    const first = rowOfKey.get(identity);
    if (first !== undefined) {
      errors.push({ row, field: 'listing_key', message: `the same site, connection and listing_key are already on row ${first}` });
      continue;
    }
    rowOfKey.set(identity, row);
    mappings.push({ row, site, connectionId: connectionId || null, listingKey, skuCode, quantityPerUnit });
  }
  return { mappings, errors };
}
