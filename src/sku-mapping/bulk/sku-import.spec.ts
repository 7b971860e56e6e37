import { planSkuImport, type SkuImportColumn } from './sku-import';
import type { TabularRecord } from './tabular-file';

function records(rows: Partial<Record<SkuImportColumn, string>>[]): TabularRecord<SkuImportColumn>[] {
  return rows.map((values, index) => ({
    row: index + 2,
    values: { seller_management_code: '', sku_code: '', name: '', option_name: '', jan: '', ...values },
  }));
}

describe('planSkuImport', () => {
  it('groups rows sharing a seller management code as options of that product', () => {
    const plan = planSkuImport(
      records([
        { sku_code: 'SINGLE', name: 'Mug', jan: '4901234567894' },
        { seller_management_code: 'TEE', sku_code: 'TEE-R', name: 'T-shirt', option_name: 'Red' },
        { seller_management_code: 'TEE', sku_code: 'TEE-B', name: 'T-shirt', option_name: 'Blue' },
        { seller_management_code: 'CAP', sku_code: 'CAP', name: 'Cap (product row)' },
        { seller_management_code: 'CAP', sku_code: 'CAP-S', name: 'Cap', option_name: 'S' },
      ]),
    );
    expect(plan.errors).toEqual([]);
    expect(plan.products.map((sku) => sku.code)).toEqual(['SINGLE', 'CAP']);
    expect(plan.implicitProducts).toEqual([{ row: 3, code: 'TEE', name: 'T-shirt' }]);
    expect(plan.options.map((sku) => [sku.code, sku.parentCode, sku.optionName])).toEqual([
      ['TEE-R', 'TEE', 'Red'],
      ['TEE-B', 'TEE', 'Blue'],
      ['CAP-S', 'CAP', 'S'],
    ]);
  });

  it('reports every bad row with its number and field', () => {
    const plan = planSkuImport(
      records([
        { sku_code: 'OK', name: 'fine' },
        { sku_code: '', name: 'no code' },
        { sku_code: 'J', name: 'bad jan', jan: '12345' },
        { sku_code: 'OK', name: 'duplicate' },
        { sku_code: 'N', name: '   ' },
      ]),
    );
    expect(plan.errors).toEqual([
      { row: 3, field: 'sku_code', message: 'sku_code is required' },
      { row: 4, field: 'jan', message: 'jan must be 8 or 13 digits' },
      { row: 5, field: 'sku_code', message: 'sku_code "OK" is already on row 2' },
      { row: 6, field: 'name', message: 'name is required' },
    ]);
  });

  it('refuses a code that is both an option and the product of other options', () => {
    const plan = planSkuImport(
      records([
        { seller_management_code: 'A', sku_code: 'B', name: 'x' },
        { seller_management_code: 'B', sku_code: 'C', name: 'y' },
      ]),
    );
    expect(plan.errors).toEqual([{ row: 2, field: 'sku_code', message: expect.stringContaining('cannot also be an option of "A"') }]);
  });

  it('accepts 8- and 13-digit JAN codes only', () => {
    const plan = planSkuImport(
      records([
        { sku_code: 'A', name: 'a', jan: '49012345' },
        { sku_code: 'B', name: 'b', jan: '4901234567894' },
        { sku_code: 'C', name: 'c', jan: '490123456789' },
        { sku_code: 'D', name: 'd', jan: '4901234A' },
      ]),
    );
    expect(plan.errors.map((error) => error.row)).toEqual([4, 5]);
  });
});
