import type { NeGoodsSeed, NeOrderSeed, NextEngineSeed } from './nextengine.simulator';

/**
 * A realistic NextEngine account for demos and e2e: an apparel shop with colour/size variants, JAN codes, and
 * orders in the collectable status (20 納品書印刷待ち, print date passed), one waiting for its print date, one
 * already printed (40), one shipped (50) and one cancelled.
 */
export function nextEngineDemoSeed(): NextEngineSeed {
  const goods: NeGoodsSeed[] = [
    {
      goodsId: 'TSHIRT-RED-M',
      goodsName: 'ベーシックTシャツ レッド M',
      janCode: '4901234567894',
      representationId: 'TSHIRT',
      sellingPrice: 2980,
      stockQuantity: 42,
      allocationQuantity: 2,
    },
    {
      goodsId: 'TSHIRT-RED-L',
      goodsName: 'ベーシックTシャツ レッド L',
      janCode: '4901234567900',
      representationId: 'TSHIRT',
      sellingPrice: 2980,
      stockQuantity: 30,
    },
    {
      goodsId: 'TSHIRT-NAVY-M',
      goodsName: 'ベーシックTシャツ ネイビー M',
      janCode: '4901234567917',
      representationId: 'TSHIRT',
      sellingPrice: 2980,
      stockQuantity: 25,
      allocationQuantity: 1,
    },
    {
      goodsId: 'HOODIE-GRY-L',
      goodsName: 'スウェットパーカー グレー L',
      janCode: '4901234567924',
      representationId: 'HOODIE',
      sellingPrice: 6980,
      stockQuantity: 12,
    },
    {
      goodsId: 'TOTE-NATURAL',
      goodsName: 'キャンバストートバッグ ナチュラル',
      janCode: '4901234567931',
      sellingPrice: 1980,
      stockQuantity: 80,
    },
    { goodsId: 'SOCKS-3P-BLK', goodsName: 'ソックス3足組 ブラック', janCode: '4901234567948', sellingPrice: 1200, stockQuantity: 0 },
  ];
  const tanaka = {
    name: '田中 花子',
    kana: 'タナカ ハナコ',
    zipCode: '150-0001',
    address1: '東京都渋谷区神宮前1-2-3',
    address2: 'メゾン神宮前201',
    tel: '03-1234-5678',
    mailAddress: 'hanako.tanaka@example.jp',
  };
  const suzuki = {
    name: '鈴木 一郎',
    kana: 'スズキ イチロウ',
    zipCode: '530-0001',
    address1: '大阪府大阪市北区梅田2-4-9',
    address2: '',
    tel: '06-9876-5432',
    mailAddress: 'ichiro.suzuki@example.jp',
  };
  const sato = {
    name: '佐藤 美咲',
    kana: 'サトウ ミサキ',
    zipCode: '060-0005',
    address1: '北海道札幌市中央区北五条西2-5',
    address2: 'JRタワー12F',
    tel: '011-222-3333',
    mailAddress: 'misaki.sato@example.jp',
  };
  const orders: NeOrderSeed[] = [
    {
      receiveOrderId: 1001,
      shopId: '1',
      shopCutFormId: 'R-20250105-000123',
      date: '2025-01-05 10:15:00',
      statusId: 20,
      printingDate: '2025-01-05 10:15:00',
      deliveryId: 20,
      deliveryFeeAmount: 550,
      purchaser: tanaka,
      rows: [
        { goodsId: 'TSHIRT-RED-M', goodsName: 'ベーシックTシャツ レッド M', quantity: 2, unitPrice: 2980 },
        {
          goodsId: 'TOTE-NATURAL',
          goodsName: 'キャンバストートバッグ ナチュラル',
          quantity: 1,
          unitPrice: 1980,
          goodsOption: 'ラッピング:あり',
        },
      ],
    },
    {
      receiveOrderId: 1002,
      shopId: '2',
      shopCutFormId: 'Y-880042117',
      date: '2025-01-05 13:40:00',
      statusId: 20,
      printingDate: '2025-01-05 13:40:00',
      deliveryId: 21,
      purchaser: suzuki,
      consignee: { ...sato },
      rows: [
        { goodsId: 'HOODIE-GRY-L', goodsName: 'スウェットパーカー グレー L', quantity: 1, unitPrice: 6980 },
        { goodsId: 'TSHIRT-NAVY-M', goodsName: 'ベーシックTシャツ ネイビー M', quantity: 1, unitPrice: 2980, cancelled: true },
      ],
    },
    {
      // 予約商品: printable only from its release day (印刷日待ち until then).
      receiveOrderId: 1003,
      shopId: '1',
      shopCutFormId: 'R-20250106-000201',
      date: '2025-01-06 09:02:00',
      statusId: 20,
      printingInMinutes: 3 * 24 * 60,
      deliveryId: 20,
      purchaser: sato,
      rows: [{ goodsId: 'TSHIRT-RED-L', goodsName: 'ベーシックTシャツ レッド L', quantity: 3, unitPrice: 2980 }],
    },
    {
      receiveOrderId: 1004,
      shopId: '1',
      shopCutFormId: 'R-20250104-000098',
      date: '2025-01-04 18:20:00',
      statusId: 40,
      deliveryId: 20,
      deliveryCutFormId: '384912345678',
      purchaser: suzuki,
      rows: [{ goodsId: 'TSHIRT-RED-M', goodsName: 'ベーシックTシャツ レッド M', quantity: 1, unitPrice: 2980 }],
    },
    {
      receiveOrderId: 1005,
      shopId: '2',
      shopCutFormId: 'Y-880041002',
      date: '2025-01-03 11:00:00',
      statusId: 50,
      deliveryId: 20,
      deliveryCutFormId: '384900001111',
      purchaser: tanaka,
      rows: [{ goodsId: 'TOTE-NATURAL', goodsName: 'キャンバストートバッグ ナチュラル', quantity: 2, unitPrice: 1980 }],
    },
    {
      receiveOrderId: 1006,
      shopId: '1',
      shopCutFormId: 'R-20250105-000130',
      date: '2025-01-05 15:30:00',
      statusId: 20,
      cancelTypeId: 1,
      purchaser: sato,
      rows: [{ goodsId: 'SOCKS-3P-BLK', goodsName: 'ソックス3足組 ブラック', quantity: 1, unitPrice: 1200 }],
    },
  ];
  return {
    apps: [{ clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret' }],
    companies: [
      {
        companyId: '1',
        companyNeId: 'NE123456',
        companyName: '株式会社サンプルアパレル',
        companyKana: 'カブシキガイシャサンプルアパレル',
        users: [
          {
            uid: 'demo-uid-yamada',
            picId: '10003',
            picNeId: 'NEP0010003',
            picName: '山田 太郎',
            picKana: 'ヤマダ タロウ',
            picMailAddress: 'yamada@sample-apparel.example.jp',
          },
        ],
        shops: [
          { shopId: '1', shopName: '楽天市場店', shopKana: 'ラクテンイチバテン', shopAbbreviatedName: '楽天', shopMallId: '1' },
          {
            shopId: '2',
            shopName: 'Yahoo!ショッピング店',
            shopKana: 'ヤフーショッピングテン',
            shopAbbreviatedName: 'Yahoo',
            shopMallId: '2',
          },
        ],
        goods,
        orders,
      },
    ],
  };
}
