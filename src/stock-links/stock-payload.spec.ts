import { extractSecretCode, parseStockWebhook } from './stock-payload';

const form = (params: unknown, extra: Record<string, unknown> = {}) => ({ params: JSON.stringify(params), ...extra });
const stockParams = (rows: unknown[]) => ({ data: [{ table_name: 'Stock', rows }] });

describe('Smaregi stock webhook payloads', () => {
  describe('legacy API送信 push (specs/smaregi.md §B.2)', () => {
    it('reads every Stock row of the form field `params` as the amount after the change', () => {
      const changes = parseStockWebhook({
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        query: {},
        body: form(
          stockParams([
            { productId: '8000001', storeId: '1', stockAmount: '7' },
            { productId: '8000002', storeId: '2', stockAmount: '-3', stockDivision: '02' },
          ]),
        ),
      });
      expect(changes).toEqual([
        expect.objectContaining({ kind: 'legacy', productId: '8000001', storeId: '1', amountAfter: 7, sourceKey: null }),
        expect.objectContaining({ kind: 'legacy', productId: '8000002', storeId: '2', amountAfter: -3, sourceKey: null }),
      ]);
    });

    it('accepts the same JSON as the body and numbers instead of strings', () => {
      const [change] = parseStockWebhook({
        headers: {},
        query: {},
        body: stockParams([{ productId: 8000001, storeId: 1, stockAmount: 4 }]),
      });
      expect(change).toMatchObject({ kind: 'legacy', productId: '8000001', storeId: '1', amountAfter: 4 });
    });

    it('hashes rows independently of key order; rows carrying an identity get a source key', () => {
      const a = parseStockWebhook({
        headers: {},
        query: {},
        body: form(stockParams([{ productId: '1', storeId: '1', stockAmount: '5' }])),
      })[0];
      const b = parseStockWebhook({
        headers: {},
        query: {},
        body: form(stockParams([{ stockAmount: '5', storeId: '1', productId: '1' }])),
      })[0];
      expect(a.kind === 'legacy' && b.kind === 'legacy' && a.contentHash === b.contentHash).toBe(true);
      const dated = parseStockWebhook({
        headers: {},
        query: {},
        body: form(stockParams([{ productId: '1', storeId: '1', stockAmount: '5', updDateTime: '2025-01-01 10:00:00' }])),
      })[0];
      expect(dated).toMatchObject({ kind: 'legacy', sourceKey: expect.stringMatching(/^lg:[0-9a-f]{64}$/) });
    });

    it('keeps what it does not understand, with the reason', () => {
      const changes = parseStockWebhook({
        headers: {},
        query: {},
        body: form({
          data: [
            { table_name: 'Product', rows: [{ productId: '1', price: '100' }] },
            {
              table_name: 'Stock',
              rows: [
                { productId: 'abc', storeId: '1', stockAmount: '1' },
                { productId: '2', storeId: '1', stockAmount: '1.5' },
              ],
            },
          ],
        }),
      });
      expect(changes.map((c) => c.kind)).toEqual(['unrecognised', 'unrecognised', 'unrecognised']);
      expect(changes[0]).toMatchObject({ reason: expect.stringContaining('Product') });
      expect(parseStockWebhook({ headers: {}, query: {}, body: { params: '{not json' } })).toEqual([
        expect.objectContaining({ kind: 'unrecognised', reason: '`params` is not JSON' }),
      ]);
      expect(parseStockWebhook({ headers: {}, query: {}, body: undefined })[0]).toMatchObject({ kind: 'unrecognised' });
    });

    it('never keeps the secret code in the raw payload', () => {
      const [change] = parseStockWebhook({ headers: {}, query: {}, body: { params: 'nope', sncode: 'secret' } });
      expect(JSON.stringify(change.raw)).not.toContain('secret');
    });
  });

  describe('Platform pos:stock webhook (specs/smaregi.md §C.5)', () => {
    it('makes one change per stock-history id, keyed by the id', () => {
      const changes = parseStockWebhook({
        headers: { 'smaregi-event': 'pos:stock' },
        query: {},
        body: {
          contractId: 'c',
          event: 'pos:stock',
          action: 'edited',
          ids: [
            { id: '10', productId: '8000001', storeId: '0' },
            { id: '11', productId: '8000001', storeId: '2' },
          ],
        },
      });
      expect(changes).toEqual([
        expect.objectContaining({ kind: 'platform', sourceKey: 'pf:10', historyId: '10', productId: '8000001', storeId: '0' }),
        expect.objectContaining({ kind: 'platform', sourceKey: 'pf:11', storeId: '2' }),
      ]);
    });

    it('keeps other events and malformed ids raw', () => {
      expect(parseStockWebhook({ headers: { 'smaregi-event': 'pos:shipping' }, query: {}, body: { shippingIds: ['1'] } })).toEqual([
        expect.objectContaining({ kind: 'unrecognised', reason: expect.stringContaining('pos:shipping') }),
      ]);
      expect(
        parseStockWebhook({
          headers: { 'smaregi-event': 'pos:stock' },
          query: {},
          body: { ids: [{ id: 'x', productId: '1', storeId: '1' }] },
        })[0],
      ).toMatchObject({
        kind: 'unrecognised',
      });
    });
  });

  it('finds sncode in a header, the query string or the form, in that order', () => {
    expect(extractSecretCode({ headers: { sncode: 'h' }, query: { sncode: 'q' }, body: { sncode: 'f' } })).toBe('h');
    expect(extractSecretCode({ headers: {}, query: { sncode: 'q' }, body: { sncode: 'f' } })).toBe('q');
    expect(extractSecretCode({ headers: {}, query: {}, body: { sncode: 'f' } })).toBe('f');
    expect(extractSecretCode({ headers: {}, query: {}, body: {} })).toBeUndefined();
  });
});
