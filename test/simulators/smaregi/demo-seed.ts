import type { SmaregiSeed } from './smaregi.simulator';

/**
 * A realistic Smaregi contract for demos and e2e: two shops and a warehouse, products whose 商品コード is the JAN
 * shared with the NextEngine demo seed (so JAN-based ID conversion links them), and stock in every store.
 */
export function smaregiDemoSeed(): SmaregiSeed {
  const products = [
    {
      productId: '8000001',
      productCode: '4901234567894',
      productName: 'ベーシックTシャツ レッド M',
      groupCode: 'TSHIRT',
      color: 'レッド',
      size: 'M',
      price: 2980,
    },
    {
      productId: '8000002',
      productCode: '4901234567900',
      productName: 'ベーシックTシャツ レッド L',
      groupCode: 'TSHIRT',
      color: 'レッド',
      size: 'L',
      price: 2980,
    },
    {
      productId: '8000003',
      productCode: '4901234567917',
      productName: 'ベーシックTシャツ ネイビー M',
      groupCode: 'TSHIRT',
      color: 'ネイビー',
      size: 'M',
      price: 2980,
    },
    {
      productId: '8000004',
      productCode: '4901234567924',
      productName: 'スウェットパーカー グレー L',
      groupCode: 'HOODIE',
      color: 'グレー',
      size: 'L',
      price: 6980,
    },
    { productId: '8000005', productCode: '4901234567931', productName: 'キャンバストートバッグ ナチュラル', price: 1980 },
    { productId: '8000006', productCode: '4901234567948', productName: 'ソックス3足組 ブラック', price: 1200 },
  ];
  const stock = [
    ...products.map((p, i) => ({ storeId: '1', productId: p.productId, stockAmount: [8, 5, 6, 3, 12, 10][i] })),
    ...products.map((p, i) => ({ storeId: '2', productId: p.productId, stockAmount: [4, 4, 2, 2, 6, 5][i] })),
    ...products.map((p, i) => ({ storeId: '3', productId: p.productId, stockAmount: [30, 21, 17, 7, 62, 0][i] })),
  ];
  return {
    contracts: [
      {
        contractId: 'smaregi-demo',
        accessToken: 'demo-legacy-access-token',
        apps: [{ clientId: 'sim-sr-client-id', clientSecret: 'sim-sr-client-secret' }],
        stores: [
          { storeId: '1', storeName: '渋谷本店', storeCode: 'SBY01', storeAbbr: '渋谷' },
          { storeId: '2', storeName: '梅田店', storeCode: 'UMD01', storeAbbr: '梅田' },
          { storeId: '3', storeName: '千葉物流倉庫', storeCode: 'WH01', storeAbbr: '倉庫', division: '1' },
        ],
        products: products.map((p) => ({ ...p, categoryId: '1' })),
        stock,
      },
    ],
  };
}
