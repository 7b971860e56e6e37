import { JAN_PATTERN, MAX_CODE_LENGTH, MAX_NAME_LENGTH } from '../site-codes';
import type { RowError } from './row-error';
import type { TabularRecord } from './tabular-file';

export const SKU_IMPORT_COLUMNS = ['seller_management_code', 'sku_code', 'name', 'option_name', 'jan'] as const;
export type SkuImportColumn = (typeof SKU_IMPORT_COLUMNS)[number];
export const SKU_IMPORT_REQUIRED: readonly SkuImportColumn[] = ['sku_code', 'name'];

export const SKU_IMPORT_DESCRIPTION = [
  'Columns (header row required, names case-insensitive, any order):',
  '- `seller_management_code` — the SKU seller management code: the product code that links option SKUs of one product.',
  '  Rows sharing it become the options of that product (created or updated under that code). Empty, or equal to',
  '  `sku_code`, for a product without options; a row whose `sku_code` equals the code describes the product itself.',
  '- `sku_code` (required) — the seller-defined code of the SKU, unique across products and options.',
  '- `name` (required) — product name (a product created only from its option rows takes the first row\'s name).',
  '- `option_name` — the option label, e.g. `Red / M`.',
  '- `jan` — JAN code, 8 or 13 digits.',
].join('\n');

/** A SKU row to upsert: a product (with or without options) when `parentCode` is null, else an option. */
export interface PlannedSku {
  row: number;
  code: string;
  name: string;
  optionName: string | null;
  jan: string | null;
  parentCode: string | null;
}

/** A product named only by options' `seller_management_code`: upserted with the first option row's name. */
export interface ImplicitProduct {
  row: number;
  code: string;
  name: string;
}

export interface SkuImportPlan {
  products: PlannedSku[];
  implicitProducts: ImplicitProduct[];
  options: PlannedSku[];
  errors: RowError[];
}

interface ParsedRow {
  row: number;
  group: string;
  code: string;
  name: string;
  optionName: string | null;
  jan: string | null;
}

function text(value: string, row: number, field: SkuImportColumn, maxLength: number, errors: RowError[], required = false): string {
  const trimmed = value.trim();
  if (required && trimmed === '') errors.push({ row, field, message: `${field} is required` });
  if (trimmed.length > maxLength) errors.push({ row, field, message: `${field} is longer than ${maxLength} characters` });
  return trimmed;
}

/**
 * Checks every row of a SKU file and groups options under their products. Finds everything the file
 * alone can tell (the database checks come after); the import is all-or-nothing, so all errors are kept.
 */
export function planSkuImport(records: TabularRecord<SkuImportColumn>[]): SkuImportPlan {
  const errors: RowError[] = [];
  const parsed: ParsedRow[] = [];
  const rowOfCode = new Map<string, number>();
  for (const { row, values } of records) {
    const before = errors.length;
    const code = text(values.sku_code, row, 'sku_code', MAX_CODE_LENGTH, errors, true);
    const group = text(values.seller_management_code, row, 'seller_management_code', MAX_CODE_LENGTH, errors);
    const name = text(values.name, row, 'name', MAX_NAME_LENGTH, errors, true);
    const optionName = text(values.option_name, row, 'option_name', MAX_NAME_LENGTH, errors);
    const jan = values.jan.trim();
    if (jan !== '' && !JAN_PATTERN.test(jan)) errors.push({ row, field: 'jan', message: 'jan must be 8 or 13 digits' });
    if (code !== '') {
      const first = rowOfCode.get(code);
      if (first !== undefined) errors.push({ row, field: 'sku_code', message: `sku_code "${code}" is already on row ${first}` });
      else rowOfCode.set(code, row);
    }
    if (errors.length === before) {
      parsed.push({ row, group: group === '' ? code : group, code, name, optionName: optionName || null, jan: jan || null });
    }
  }

  const optionsByGroup = new Map<string, ParsedRow[]>();
  for (const entry of parsed) {
    if (entry.group !== entry.code) optionsByGroup.set(entry.group, [...(optionsByGroup.get(entry.group) ?? []), entry]);
  }

  const products: PlannedSku[] = [];
  const options: PlannedSku[] = [];
  const implicitProducts: ImplicitProduct[] = [];
  const describedProducts = new Set<string>();
  for (const entry of parsed) {
    if (entry.group === entry.code) {
      describedProducts.add(entry.code);
      products.push({ row: entry.row, code: entry.code, name: entry.name, optionName: entry.optionName, jan: entry.jan, parentCode: null });
      continue;
    }
    if (optionsByGroup.has(entry.code)) continue; // reported below, on the row that is both
    options.push({ row: entry.row, code: entry.code, name: entry.name, optionName: entry.optionName, jan: entry.jan, parentCode: entry.group });
  }
  for (const entry of parsed) {
    if (entry.group !== entry.code && optionsByGroup.has(entry.code)) {
      errors.push({
        row: entry.row,
        field: 'sku_code',
        message: `"${entry.code}" is the seller_management_code of other rows, so it is a product; it cannot also be an option of "${entry.group}"`,
      });
    }
  }
  for (const [group, members] of optionsByGroup) {
    if (!describedProducts.has(group) && !rowOfCode.has(group)) {
      implicitProducts.push({ row: members[0].row, code: group, name: members[0].name });
    }
  }
  return { products, implicitProducts, options, errors };
}
