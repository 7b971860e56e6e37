import { CodeMapRowsProblem, parseCodeMap } from './code-map';

function rowErrors(content: string) {
  try {
    parseCodeMap(content);
  } catch (error) {
    if (error instanceof CodeMapRowsProblem) return error.rowErrors;
    throw error;
  }
  throw new Error('expected the code map to be refused');
}

describe('code map CSV', () => {
  it('reads smaregi-id,nextengine-code rows (BOM, CRLF and blank lines tolerated)', () => {
    expect(parseCodeMap('\uFEFFsmaregi-id,nextengine-code\r\n8000001,TS-RED-M\r\n\r\n8000002,ABC123\r\n')).toEqual([
      { smaregiId: '8000001', nextEngineCode: 'TS-RED-M' },
      { smaregiId: '8000002', nextEngineCode: 'ABC123' },
    ]);
  });

  it('an empty file or the header alone is an empty map (a reset)', () => {
    expect(parseCodeMap('')).toEqual([]);
    expect(parseCodeMap('smaregi-id,nextengine-code\n')).toEqual([]);
  });

  it('refuses every bad row by its line number, header = row 1', () => {
    const errors = rowErrors(
      [
        'smaregi-id,nextengine-code',
        '8000001,OK-1',
        '1234567890123456,OK-2',
        '8000003,BAD_CODE',
        '8000001,DUP',
        '8000005',
        '8000006,' + 'X'.repeat(31),
      ].join('\n'),
    );
    expect(errors.map((error) => [error.row, error.field])).toEqual([
      [3, 'smaregi-id'],
      [4, 'nextengine-code'],
      [5, 'smaregi-id'],
      [6, 'row'],
      [7, 'nextengine-code'],
    ]);
  });

  it('requires the header', () => {
    expect(rowErrors('8000001,TS-RED-M\n')).toEqual([expect.objectContaining({ row: 1, field: 'header' })]);
  });
});
