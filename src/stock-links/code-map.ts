import { HttpStatus } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { ProblemException } from '../common/problem';

/** One bad row of an uploaded code map; `row` is the line a person sees in the file (header = row 1). */
export interface CodeMapRowError {
  row: number;
  field: string;
  message: string;
}

export interface CodeMapEntry {
  smaregiId: string;
  nextEngineCode: string;
}

/** A code map refused as a whole: every bad row is listed, nothing was written. */
export class CodeMapRowsProblem extends ProblemException {
  constructor(readonly rowErrors: CodeMapRowError[]) {
    const rows = new Set(rowErrors.map((error) => error.row)).size;
    super(
      HttpStatus.UNPROCESSABLE_ENTITY,
      'code-map-invalid-rows',
      'The code map has invalid rows',
      `${rows} row${rows === 1 ? '' : 's'} of the code map cannot be used; nothing was written. Fix them and upload the file again.`,
      { errors: [...rowErrors].sort((a, b) => a.row - b.row) },
    );
  }
}

export const CODE_MAP_HEADER = ['smaregi-id', 'nextengine-code'] as const;
/** Smaregi 商品ID: digits, ≤15 (specs/smaregi.md §D). */
const SMAREGI_ID = /^[0-9]{1,15}$/;
/** NextEngine 商品コード: ≤30 half-width alphanumerics and hyphens (specs/nextengine.md §8). */
const NE_CODE = /^[A-Za-z0-9-]{1,30}$/;

/**
 * Reads `smaregi-id,nextengine-code`. An empty file (or the header alone) is an empty map: the upload
 * resets the conversion. Otherwise the header is required, every row is checked, and any bad row
 * refuses the whole file.
 */
export function parseCodeMap(content: Buffer | string): CodeMapEntry[] {
  const text = (typeof content === 'string' ? content : content.toString('utf8')).replace(/^\uFEFF/, '');
  if (text.trim() === '') return [];
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true, trim: true, info: true }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    throw new CodeMapRowsProblem([{ row: line, field: 'file', message: `not readable as CSV: ${(error as Error).message}` }]);
  }
  const [header, ...rows] = records;
  const names = header.record.map((name) => name.toLowerCase());
  if (names.length !== 2 || names[0] !== CODE_MAP_HEADER[0] || names[1] !== CODE_MAP_HEADER[1]) {
    throw new CodeMapRowsProblem([
      { row: header.info.lines, field: 'header', message: `the first row must be the header "${CODE_MAP_HEADER.join(',')}"` },
    ]);
  }
  const errors: CodeMapRowError[] = [];
  const entries: CodeMapEntry[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of rows) {
    const row = info.lines;
    if (record.length !== 2) {
      errors.push({ row, field: 'row', message: `expected 2 columns, found ${record.length}` });
      continue;
    }
    const [smaregiId, nextEngineCode] = record;
    let ok = true;
    if (!SMAREGI_ID.test(smaregiId)) {
      errors.push({ row, field: CODE_MAP_HEADER[0], message: 'a Smaregi product id is 1 to 15 digits' });
      ok = false;
    } else if (seen.has(smaregiId)) {
      errors.push({ row, field: CODE_MAP_HEADER[0], message: `product ${smaregiId} is already mapped on row ${seen.get(smaregiId)}` });
      ok = false;
    }
    if (!NE_CODE.test(nextEngineCode)) {
      errors.push({ row, field: CODE_MAP_HEADER[1], message: 'a NextEngine goods code is 1 to 30 half-width letters, digits and hyphens' });
      ok = false;
    }
    if (SMAREGI_ID.test(smaregiId) && !seen.has(smaregiId)) seen.set(smaregiId, row);
    if (ok) entries.push({ smaregiId, nextEngineCode });
  }
  if (errors.length) throw new CodeMapRowsProblem(errors);
  return entries;
}
