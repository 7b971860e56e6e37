import { type MappingColumn, planMappingImport } from './mapping-import';
import type { TabularRecord } from './tabular-file';

function records(rows: Partial<Record<MappingColumn, string>>[]): TabularRecord<MappingColumn>[] {
  return rows.map((values, index) => ({
    row: index + 2,
    values: { site: '', connection_id: '', listing_key: '', sku_code: '', quantity_per_unit: '', ...values },
  }));
}

describe('planMappingImport', () => {
  it('keeps Crossmall keys exactly and trims the other sites\' keys', () => {
    const { mappings, errors } = planMappingImport(
      records([
        { site: 'crossmall', listing_key: ' ITEM:Red, M ', sku_code: 'A' },
        { site: 'qoo10-jp', listing_key: ' OPT-1 ', sku_code: ' A ', quantity_per_unit: '2' },
      ]),
    );
    expect(errors).toEqual([]);
    expect(mappings).toEqual([
      { row: 2, site: 'crossmall', connectionId: null, listingKey: ' ITEM:Red, M ', skuCode: 'A', quantityPerUnit: 1 },
      { row: 3, site: 'qoo10-jp', connectionId: null, listingKey: 'OPT-1', skuCode: 'A', quantityPerUnit: 2 },
    ]);
  });

  it('reports bad sites, connection ids, quantities and duplicate keys by row', () => {
    const { errors } = planMappingImport(
      records([
        { site: 'amazon', listing_key: 'k', sku_code: 'A' },
        { site: 'smaregi', connection_id: 'nope', listing_key: 'k', sku_code: 'A' },
        { site: 'smaregi', listing_key: 'k', sku_code: 'A', quantity_per_unit: '0' },
        { site: 'smaregi', listing_key: 'k', sku_code: 'A' },
        { site: 'smaregi', listing_key: ' k', sku_code: 'B' },
        { site: 'crossmall', listing_key: '   ', sku_code: 'B' },
      ]),
    );
    expect(errors.map((error) => [error.row, error.field])).toEqual([
      [2, 'site'],
      [3, 'connection_id'],
      [4, 'quantity_per_unit'],
      [6, 'listing_key'],
      [7, 'listing_key'],
    ]);
  });
});
