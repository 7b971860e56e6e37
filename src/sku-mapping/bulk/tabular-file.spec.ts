import iconv from 'iconv-lite';
import { decodeCsvText, detectFormat, readTable, toRecords, writeTable } from './tabular-file';

describe('tabular files', () => {
  it('decodes UTF-8 with and without BOM, and Shift_JIS', () => {
    const text = 'name\nＴシャツ 赤・Ｍ\n';
    expect(decodeCsvText(Buffer.from(text, 'utf8'))).toBe(text);
    expect(decodeCsvText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toBe(text);
    expect(decodeCsvText(iconv.encode(text, 'Shift_JIS'))).toBe(text);
  });

  it('numbers rows as a spreadsheet shows them, even with blank lines and line breaks inside cells', async () => {
    const table = await readTable(Buffer.from('a,b\n"x\ny",1\n\n z ,2\n', 'utf8'));
    const { records, errors } = toRecords(table, ['a', 'b'] as const, ['a']);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { row: 2, values: { a: 'x\ny', b: '1' } },
      { row: 4, values: { a: ' z ', b: '2' } },
    ]);
  });

  it('reports unknown and missing columns on row 1', () => {
    const { errors } = toRecords([['A ', 'colour']], ['a', 'b'] as const, ['a', 'b']);
    expect(errors).toEqual([
      { row: 1, field: 'colour', message: expect.stringContaining('unknown column') },
      { row: 1, field: 'b', message: 'required column "b" is missing' },
    ]);
  });

  it('writes CSV and XLSX that read back to the same cells', async () => {
    const rows = [
      ['crossmall', '', ' ITEM:Red, M ', '000123', '2'],
      ['qoo10-jp', '11111111-1111-4111-8111-111111111111', '"quoted", and, commas', 'ＳＫＵ-日本', '1'],
    ];
    for (const format of ['csv', 'xlsx'] as const) {
      const file = await writeTable(format, ['site', 'connection_id', 'listing_key', 'sku_code', 'quantity_per_unit'], rows, 'sheet');
      expect(detectFormat(file)).toBe(format);
      const table = await readTable(file);
      expect(table.slice(1)).toEqual(rows);
    }
  });

  it('makes a cell with a NUL character a row error (PostgreSQL text cannot hold it)', () => {
    const { records, errors } = toRecords([['sku_code', 'name'], ['A', 'ok'], ['B', 'a\u0000b']], ['sku_code', 'name'] as const, ['sku_code'] as const);
    expect(records.map((r) => r.row)).toEqual([2]);
    expect(errors).toEqual([{ row: 3, field: 'name', message: expect.stringContaining('NUL') }]);
  });
});
