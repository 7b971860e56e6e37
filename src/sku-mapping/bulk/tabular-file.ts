import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { ImportRowsProblem, type RowError, UnreadableFileProblem } from './row-error';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_MIME = 'text/csv';

export type TabularFormat = 'csv' | 'xlsx';

/** One data row of an uploaded table: `row` is the number a person sees in the file (header = 1). */
export interface TabularRecord<C extends string> {
  row: number;
  values: Record<C, string>;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** XLSX files are zip archives; everything else is taken as CSV. */
export function detectFormat(content: Buffer): TabularFormat {
  return content.subarray(0, 4).equals(ZIP_MAGIC) ? 'xlsx' : 'csv';
}

/**
 * CSV text in UTF-8 (with or without BOM) or, as Japanese Excel saves it, Shift_JIS. Shift_JIS text with
 * any non-ASCII character is practically never valid UTF-8, so "valid UTF-8" decides. CP932 is the
 * Windows superset Excel actually writes (①, ㈱, NEC and IBM extensions).
 */
export function decodeCsvText(content: Buffer): string {
  const body = content.subarray(0, 3).equals(UTF8_BOM) ? content.subarray(3) : content;
  try {
    return strictUtf8.decode(body);
  } catch {
    return iconv.decode(body, 'cp932');
  }
}

/** Every row of the file as text cells; index + 1 is the row number (blank rows included, as empty arrays). */
export async function readTable(content: Buffer): Promise<string[][]> {
  return detectFormat(content) === 'xlsx' ? readXlsx(content) : readCsv(content);
}

function readCsv(content: Buffer): string[][] {
  try {
    // Cells are kept exactly (no trimming): Crossmall keys are matched byte for byte.
    return parse(decodeCsvText(content), { relax_column_count: true, skip_empty_lines: false });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // `records` counts the rows read before the broken one; the header is row 1.
    const row = (error as CsvError & { records?: number }).records ?? 0;
    throw new ImportRowsProblem([{ row: row + 1, field: 'file', message: `not valid CSV: ${error.message}` }]);
  }
}

async function readXlsx(content: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ExcelJS.Buffer);
  } catch {
    throw new UnreadableFileProblem('The file looks like an XLSX workbook but cannot be read.');
  }
  const sheet = workbook.worksheets[0];
  const rows: string[][] = [];
  if (!sheet) return rows;
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    while (rows.length < rowNumber - 1) rows.push([]);
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cellText(cell.value);
    });
    rows.push(Array.from(cells, (cell) => cell ?? ''));
  });
  return rows;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('formula' in value || 'sharedFormula' in value) return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('error' in value) return String(value.error);
  }
  return String(value);
}

/**
 * Maps the header row (row 1) to the expected columns: names compared case-insensitively, ignoring
 * surrounding spaces. Unknown and missing required columns are row-1 errors, so a misspelt column name
 * never silently drops a whole column of data.
 */
export function toRecords<C extends string>(
  table: string[][],
  columns: readonly C[],
  required: readonly C[],
): { records: TabularRecord<C>[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const header = (table[0] ?? []).map((name) => name.replace(/^\uFEFF/, '').trim().toLowerCase());
  if (!header.some((name) => name !== '')) {
    return { records: [], errors: [{ row: 1, field: 'header', message: `the first row must name the columns: ${columns.join(', ')}` }] };
  }
  const positions = new Map<C, number>();
  header.forEach((name, index) => {
    if (name === '') return;
    if (!(columns as readonly string[]).includes(name)) {
      errors.push({ row: 1, field: name, message: `unknown column "${name}"; the columns are ${columns.join(', ')}` });
    } else if (positions.has(name as C)) {
      errors.push({ row: 1, field: name, message: `column "${name}" appears twice` });
    } else {
      positions.set(name as C, index);
    }
  });
  for (const column of required) {
    if (!positions.has(column)) errors.push({ row: 1, field: column, message: `required column "${column}" is missing` });
  }
  const records: TabularRecord<C>[] = [];
  for (let index = 1; index < table.length; index++) {
    const cells = table[index];
    if (!cells.some((cell) => cell.trim() !== '')) continue;
    const values = {} as Record<C, string>;
    let clean = true;
    for (const column of columns) {
      const position = positions.get(column);
      values[column] = position === undefined ? '' : (cells[position] ?? '');
      // PostgreSQL text cannot hold NUL: a row error here, not a failed insert later
      if (values[column].includes('\u0000')) {
        errors.push({ row: index + 1, field: column, message: `${column} must not contain NUL characters` });
        clean = false;
      }
    }
    if (clean) records.push({ row: index + 1, values });
  }
  return { records, errors };
}

/** A table as a file: CSV in UTF-8 with a BOM (so Excel opens Japanese text correctly), or XLSX with text cells. */
export async function writeTable(format: TabularFormat, header: readonly string[], rows: string[][], sheetName: string): Promise<Buffer> {
  if (format === 'csv') {
    const text = stringify([header as string[], ...rows], { record_delimiter: 'windows' });
    return Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]);
  }
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  // Text format, so Excel keeps codes such as 000123 or 4901234567894 as typed.
  sheet.columns = header.map((name) => ({ header: name, key: name, width: Math.max(12, name.length + 2), style: { numFmt: '@' } }));
  sheet.addRows(rows);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
