/**
 * What the demo seller sells: the SKUs behind every listing of the five simulators' demo seeds, the
 * mappings code equality cannot make, the stock received at the warehouse, and each site's connection.
 */
import { CROSSMALL_DEFAULT_ACCOUNT } from '../test/simulators/crossmall/crossmall.simulator';
import { ELEVEN_STREET_DEFAULT_ACCOUNT } from '../test/simulators/eleven-street/eleven-street.simulator';
import { QOO10_DEFAULT_ACCOUNT } from '../test/simulators/qoo10/qoo10.simulator';

export type DemoSite = 'nextengine' | 'qoo10-jp' | '11st' | 'crossmall';
export const ORDER_SITES: DemoSite[] = ['nextengine', 'qoo10-jp', '11st', 'crossmall'];

export interface DemoSku {
  code: string;
  name: string;
  jan?: string;
  /** units received at the warehouse */
  stock?: number;
  options?: { code: string; optionName: string; jan?: string; stock: number }[];
}

/** Codes equal the sites' product/option codes, so most lines resolve by code equality (DESIGN §6). */
export const DEMO_SKUS: DemoSku[] = [
  // NextEngine (商品コード)
  {
    code: 'TSHIRT',
    name: 'ベーシックTシャツ',
    options: [
      { code: 'TSHIRT-RED-M', optionName: 'レッド / M', jan: '4901234567894', stock: 40 },
      { code: 'TSHIRT-RED-L', optionName: 'レッド / L', jan: '4901234567900', stock: 30 },
      { code: 'TSHIRT-NAVY-M', optionName: 'ネイビー / M', jan: '4901234567917', stock: 25 },
    ],
  },
  { code: 'HOODIE-GRY-L', name: 'スウェットパーカー グレー L', jan: '4901234567924', stock: 12 },
  { code: 'TOTE-NATURAL', name: 'キャンバストートバッグ ナチュラル', jan: '4901234567931', stock: 80 },
  { code: 'SOCKS-3P-BLK', name: 'ソックス3足組 ブラック', jan: '4901234567948', stock: 10 },
  // Qoo10 (販売者商品コード / 販売者オプションコード)
  { code: 'TOWEL-IMABARI', name: '今治タオル フェイスタオル (1枚)', stock: 100 },
  {
    code: 'TSHIRT-ORG',
    name: 'オーガニックコットン Tシャツ',
    options: [
      { code: 'TSHIRT-ORG-WH-M', optionName: 'ホワイト / M', stock: 20 },
      { code: 'TSHIRT-ORG-WH-L', optionName: 'ホワイト / L', stock: 15 },
      { code: 'TSHIRT-ORG-NV-M', optionName: 'ネイビー / M', stock: 8 },
    ],
  },
  { code: 'MATCHA-100G', name: '宇治抹茶 粉末 100g', stock: 40 },
  // 11st (판매자상품코드 / 판매자재고번호)
  { code: 'JEJU-CITRUS-3KG', name: '제주 감귤 3kg 가정용', stock: 60 },
  {
    code: 'TEE-BASIC',
    name: '남성 기본 라운드 티셔츠',
    options: [
      { code: 'TEE-BASIC-BK-M', optionName: '블랙 / M', stock: 24 },
      { code: 'TEE-BASIC-BK-L', optionName: '블랙 / L', stock: 12 },
      { code: 'TEE-BASIC-WH-M', optionName: '화이트 / M', stock: 6 },
    ],
  },
  // Crossmall (item code, and item code + attribute names for options)
  {
    code: 'KUTSUSHITA-01',
    name: '綿混ショートソックス',
    options: [
      { code: 'KUTSUSHITA-01-BK-M', optionName: 'ブラック / 23-25cm', stock: 48 },
      { code: 'KUTSUSHITA-01-WH-M', optionName: 'ホワイト / 23-25cm', stock: 12 },
    ],
  },
  { code: 'HOUJICHA-200', name: '加賀棒ほうじ茶 200g', stock: 70 },
];

/** Listings whose key is not a SKU code: a Qoo10 two-pack of the single towel, and Crossmall's attribute-name keys. */
export const DEMO_MAPPINGS: { site: DemoSite; listingKey: string; skuCode: string; quantityPerUnit?: number }[] = [
  { site: 'qoo10-jp', listingKey: 'TOWEL-IMABARI-FT', skuCode: 'TOWEL-IMABARI', quantityPerUnit: 2 },
  { site: 'crossmall', listingKey: 'KUTSUSHITA-01:ブラック,23-25cm', skuCode: 'KUTSUSHITA-01-BK-M' },
  { site: 'crossmall', listingKey: 'KUTSUSHITA-01:ホワイト,23-25cm', skuCode: 'KUTSUSHITA-01-WH-M' },
];

/** The carrier the warehouse uses per site, and each site's name for it (connection settings). */
export const DEMO_CARRIERS: Record<DemoSite, string> = {
  nextengine: 'yamato',
  'qoo10-jp': 'yamato',
  '11st': 'cj',
  crossmall: 'yamato',
};

export const ALL_OPTIONS = {
  autoOrderIntegration: true,
  autoOrderConfirmation: true,
  autoFulfillmentShippingInstruction: true,
  autoStockSync: true,
};

/** NextEngine and Crossmall have no confirm call (NE's pulled orders are confirmed already): the option is refused there. */
export const NO_CONFIRM_OPTIONS = { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true };

/** POST /v1/connections bodies for the sites registered with credentials (NextEngine signs in instead). */
export function keyedConnections(
  simUrls: Record<string, string>,
  intervalMinutes: number,
): Record<Exclude<DemoSite, 'nextengine'> | 'smaregi', object> {
  return {
    'qoo10-jp': {
      site: 'qoo10-jp',
      shopId: QOO10_DEFAULT_ACCOUNT.userId,
      endpoint: simUrls['qoo10-jp'],
      credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
      options: ALL_OPTIONS,
      settings: { carrierNames: { yamato: 'ヤマト宅急便' } },
      orderSyncIntervalMinutes: intervalMinutes,
    },
    '11st': {
      site: '11st',
      shopId: ELEVEN_STREET_DEFAULT_ACCOUNT.sellerId,
      endpoint: simUrls['11st'],
      credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
      options: ALL_OPTIONS,
      orderSyncIntervalMinutes: intervalMinutes,
    },
    crossmall: {
      site: 'crossmall',
      shopId: 'sample-apparel',
      endpoint: simUrls.crossmall,
      credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
      options: NO_CONFIRM_OPTIONS,
      settings: { deliveryNames: { yamato: 'ヤマト運輸' } },
      orderSyncIntervalMinutes: intervalMinutes,
    },
    smaregi: {
      site: 'smaregi',
      shopId: 'smaregi-demo',
      endpoint: simUrls.smaregi,
      credentials: { accessToken: 'demo-legacy-access-token' },
      settings: { storeId: '1' },
    },
  };
}
