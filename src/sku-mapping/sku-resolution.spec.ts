import { type MappingCandidate, resolveLines } from './sku-resolution';

const CONNECTION = '11111111-1111-4111-8111-111111111111';
const OTHER_CONNECTION = '22222222-2222-4222-8222-222222222222';

describe('resolveLines', () => {
  const mappings: MappingCandidate[] = [
    { site: 'qoo10-jp', connectionId: null, listingKey: 'OPT-1', skuId: 'sku-site-wide', quantityPerUnit: 1 },
    { site: 'qoo10-jp', connectionId: CONNECTION, listingKey: 'OPT-1', skuId: 'sku-connection', quantityPerUnit: 2 },
    { site: 'crossmall', connectionId: null, listingKey: 'ITEM:Red, M', skuId: 'sku-crossmall', quantityPerUnit: 1 },
  ];
  const codes = new Map([
    ['OPT-CODE', 'sku-option'],
    ['PRODUCT', 'sku-product'],
    ['CM-ITEM', 'sku-cm'],
  ]);

  it('prefers the mapping for the line\'s own connection over a site-wide one', () => {
    const [own, other, none] = resolveLines(
      [
        { site: 'qoo10-jp', connectionId: CONNECTION, listingKey: 'OPT-1' },
        { site: 'qoo10-jp', connectionId: OTHER_CONNECTION, listingKey: 'OPT-1' },
        { site: 'qoo10-jp', connectionId: null, listingKey: 'OPT-1' },
      ],
      mappings,
      codes,
    );
    expect(own).toEqual({ skuId: 'sku-connection', quantityPerUnit: 2, resolution: 'mapping' });
    expect(other).toEqual({ skuId: 'sku-site-wide', quantityPerUnit: 1, resolution: 'mapping' });
    expect(none).toEqual({ skuId: 'sku-site-wide', quantityPerUnit: 1, resolution: 'mapping' });
  });

  it('never uses a mapping of another site', () => {
    const [line] = resolveLines([{ site: '11st', connectionId: null, listingKey: 'OPT-1' }], mappings, new Map());
    expect(line).toEqual({ skuId: null, quantityPerUnit: null, resolution: null });
  });

  it('falls back to code equality, option code before product code', () => {
    const [both, productOnly, neither] = resolveLines(
      [
        { site: '11st', connectionId: null, listingKey: 'x', optionCode: 'OPT-CODE', productCode: 'PRODUCT' },
        { site: '11st', connectionId: null, listingKey: 'y', optionCode: 'UNKNOWN', productCode: 'PRODUCT' },
        { site: '11st', connectionId: null, listingKey: 'z', optionCode: 'UNKNOWN', productCode: 'ALSO-UNKNOWN' },
      ],
      mappings,
      codes,
    );
    expect(both).toEqual({ skuId: 'sku-option', quantityPerUnit: 1, resolution: 'code' });
    expect(productOnly).toEqual({ skuId: 'sku-product', quantityPerUnit: 1, resolution: 'code' });
    expect(neither.resolution).toBeNull();
  });

  it('trims surrounding whitespace for sites other than Crossmall', () => {
    const [mapped, coded] = resolveLines(
      [
        { site: 'qoo10-jp', connectionId: null, listingKey: '  OPT-1 ' },
        { site: 'nextengine', connectionId: null, listingKey: 'nope', productCode: ' PRODUCT\t' },
      ],
      mappings,
      codes,
    );
    expect(mapped.skuId).toBe('sku-site-wide');
    expect(coded.skuId).toBe('sku-product');
  });

  it('matches Crossmall keys and codes only exactly: case and spacing count', () => {
    const results = resolveLines(
      [
        { site: 'crossmall', connectionId: null, listingKey: 'ITEM:Red, M' },
        { site: 'crossmall', connectionId: null, listingKey: 'ITEM:red, M' },
        { site: 'crossmall', connectionId: null, listingKey: 'ITEM:Red,M' },
        { site: 'crossmall', connectionId: null, listingKey: 'ITEM:Red, M ' },
        { site: 'crossmall', connectionId: null, listingKey: 'k', productCode: 'CM-ITEM' },
        { site: 'crossmall', connectionId: null, listingKey: 'k', productCode: 'cm-item' },
        { site: 'crossmall', connectionId: null, listingKey: 'k', productCode: ' CM-ITEM' },
      ],
      mappings,
      codes,
    );
    expect(results.map((result) => result.skuId)).toEqual(['sku-crossmall', null, null, null, 'sku-cm', null, null]);
  });
});
