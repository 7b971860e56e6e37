import { Logger } from '@nestjs/common';
import nock from 'nock';

import { SiteAuthError } from '../http/site-errors';
import type { SiteListing } from '../sales-site-connector';
import { Qoo10Client } from './qoo10.client';
import { Qoo10Connector } from './qoo10.connector';
import { QOO10_TEST_HOST, fakeQapi, qoo10TestContext as context, type QapiCall } from './qoo10.fake-qapi';

const ok = (resultObject?: unknown) => ({
  ResultCode: 0,
  ResultMsg: 'SUCCESS',
  ...(resultObject === undefined ? {} : { ResultObject: resultObject }),
});
const notFound = { ResultCode: -10001, ResultMsg: "Fail to find Item information with 'ItemCode','SellerCode'." };
const expired = { ResultCode: -90004, ResultMsg: 'Seller authorization key is expired. Use a new key.' };

/** A GetItemDetailInfo row as the guide documents it: every field a String, prices with four decimals. */
function detailRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ItemCode: '1012345678',
    ItemStatus: 'S2',
    ItemTitle: '今治タオル フェイスタオル',
    SellerCode: 'TOWEL',
    RetailPrice: '0.0000',
    ItemPrice: '1871.0000',
    TaxRate: '10',
    SettlePrice: '1646.4800',
    ItemQty: '12',
    ExpireDate: '2026-03-31',
    ShippingNo: '0',
    ListedDate: '2024-04-01 10:00:00',
    ChangedDate: '2025-04-20 09:00:00',
    ...overrides,
  };
}

/** A GetGoodsInventoryInfo row: five axes, Price Decimal, Qty Int32, the seller option code as ItemTypeCode. */
function optionRow(color: string, size: string, code: string, qty: number): Record<string, unknown> {
  return {
    Name1: 'カラー',
    Value1: color,
    Name2: 'サイズ',
    Value2: size,
    Name3: '',
    Value3: '',
    Name4: '',
    Value4: '',
    Name5: '',
    Value5: '',
    Price: 0,
    Qty: qty,
    ItemTypeCode: code,
  };
}

/** A GetAllGoodsInfo page. */
function goodsPage(page: number, totalPages: number, items: Array<[itemCode: string, sellerCode: string]>, status = 'S2') {
  return ok({
    TotalItems: totalPages * items.length,
    TotalPages: totalPages,
    PresentPage: page,
    Items: items.map(([ItemCode, SellerCode]) => ({ ItemCode, SellerCode, ItemStatus: status })),
  });
}

const methods = (calls: QapiCall[]) => calls.map((call) => call.method);

const TSHIRT_OPTIONS = [optionRow('ホワイト', 'M', 'TSHIRT-WH-M', 25), optionRow('ホワイト', 'L', 'TSHIRT-WH-L', 18)];

const storedItem: SiteListing = {
  listingKey: 'TOWEL',
  productCode: null,
  address: { itemCode: '1012345678', sellerCode: 'TOWEL' },
  quantity: 12,
};
const storedOption: SiteListing = {
  listingKey: 'TSHIRT-WH-L',
  productCode: 'TSHIRT',
  address: {
    itemCode: '1012345679',
    sellerCode: 'TSHIRT',
    optionName: 'カラー||*サイズ',
    optionValue: 'ホワイト||*L',
    optionCode: 'TSHIRT-WH-L',
  },
  quantity: 18,
};

describe('Qoo10Connector listings and stock', () => {
  const connector = new Qoo10Connector(new Qoo10Client());

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  describe('readListings', () => {
    it('finds an option never ordered (no product code) by sweeping the items on sale page by page, and stops once it is found', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => notFound,
        'ItemsLookup.GetAllGoodsInfo': ({ Page }) =>
          Page === '1'
            ? goodsPage(1, 3, [
                ['1000000001', 'MUG'],
                ['1000000002', 'CAP'],
              ])
            : goodsPage(2, 3, [
                ['1012345679', 'TSHIRT'],
                ['1000000009', 'BAG'],
              ]),
        'ItemsLookup.GetGoodsInventoryInfo': ({ ItemCode }) => ok(ItemCode === '1012345679' ? TSHIRT_OPTIONS : []),
      });

      const found = await connector.readListings(context(), [{ listingKey: 'TSHIRT-WH-L', productCode: null }]);

      expect(found.get('TSHIRT-WH-L')).toEqual(storedOption);
      expect(calls.map((call) => `${call.method} ${JSON.stringify(call.params)}`)).toEqual([
        'ItemsLookup.GetItemDetailInfo {"SellerCode":"TSHIRT-WH-L"}',
        'ItemsLookup.GetAllGoodsInfo {"ItemStatus":"S2","Page":"1"}',
        'ItemsLookup.GetGoodsInventoryInfo {"ItemCode":"1000000001"}',
        'ItemsLookup.GetGoodsInventoryInfo {"ItemCode":"1000000002"}',
        'ItemsLookup.GetAllGoodsInfo {"ItemStatus":"S2","Page":"2"}',
        'ItemsLookup.GetGoodsInventoryInfo {"ItemCode":"1012345679"}',
      ]);
    });

    it('leaves out a key Qoo10 does not have, after reading every item on sale and every item waiting', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => notFound,
        'ItemsLookup.GetAllGoodsInfo': ({ ItemStatus, Page }) =>
          ItemStatus === 'S2'
            ? goodsPage(Number(Page), 2, [[`20000000${Page}`, `ITEM-${Page}`]])
            : goodsPage(1, 1, [['3000000001', 'OLD']], 'S1'),
        'ItemsLookup.GetGoodsInventoryInfo': () => ok(TSHIRT_OPTIONS),
      });

      const found = await connector.readListings(context(), [{ listingKey: 'NO-SUCH-CODE' }]);

      expect(found.size).toBe(0);
      expect(calls.filter((call) => call.method === 'ItemsLookup.GetAllGoodsInfo').map((call) => call.params)).toEqual([
        { ItemStatus: 'S2', Page: '1' },
        { ItemStatus: 'S2', Page: '2' },
        { ItemStatus: 'S1', Page: '1' },
      ]);
      expect(calls.filter((call) => call.method === 'ItemsLookup.GetGoodsInventoryInfo')).toHaveLength(3);
    });

    it('does not take an item with option rows as the listing of its seller code', async () => {
      fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => ok([detailRow({ ItemCode: '1012345679', SellerCode: 'TSHIRT', ItemQty: '43' })]),
        'ItemsLookup.GetGoodsInventoryInfo': () => ok(TSHIRT_OPTIONS),
        'ItemsLookup.GetAllGoodsInfo': () => goodsPage(1, 1, [['1012345679', 'TSHIRT']]),
      });

      expect((await connector.readListings(context(), [{ listingKey: 'TSHIRT' }])).size).toBe(0);
    });

    it('does not take an option from an item other than the product it was ordered under, even when a sweep reads it', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': ({ SellerCode }) =>
          SellerCode === 'TSHIRT' ? ok([detailRow({ ItemCode: '1012345679', SellerCode })]) : notFound,
        'ItemsLookup.GetAllGoodsInfo': () => goodsPage(1, 1, [['1000000005', 'CAP']]),
        'ItemsLookup.GetGoodsInventoryInfo': ({ ItemCode }) =>
          ok(ItemCode === '1000000005' ? [optionRow('赤', 'M', 'RED-M', 3)] : TSHIRT_OPTIONS),
      });

      const found = await connector.readListings(context(), [{ listingKey: 'RED-M', productCode: 'TSHIRT' }, { listingKey: 'ELSEWHERE' }]);

      expect(found.size).toBe(0);
      expect(calls.map((call) => call.params.ItemCode).filter(Boolean)).toEqual(['1012345679', '1000000005']);
    });

    it('throws when Qoo10 cannot be asked (an expired key), instead of answering "not found"', async () => {
      fakeQapi(nock(QOO10_TEST_HOST), { 'ItemsLookup.GetItemDetailInfo': () => expired });

      await expect(connector.readListings(context(), [{ listingKey: 'TOWEL' }])).rejects.toBeInstanceOf(SiteAuthError);
    });

    it('reads an item without options by its seller code: its address, and ItemQty as a number', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => ok([detailRow({ ItemQty: '12' })]),
        'ItemsLookup.GetGoodsInventoryInfo': () => ok([]),
      });

      const found = await connector.readListings(context(), [{ listingKey: 'TOWEL', productCode: 'TOWEL' }]);

      expect([...found.values()]).toEqual([
        { listingKey: 'TOWEL', productCode: null, address: { itemCode: '1012345678', sellerCode: 'TOWEL' }, quantity: 12 },
      ]);
      expect(calls.map((call) => [call.method, call.params, call.version])).toEqual([
        ['ItemsLookup.GetItemDetailInfo', { SellerCode: 'TOWEL' }, '1.2'],
        ['ItemsLookup.GetGoodsInventoryInfo', { ItemCode: '1012345678' }, '1.0'],
      ]);
    });

    it('reads option rows through the product code they were ordered under, one item read for all of its options', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => ok([detailRow({ ItemCode: '1012345679', SellerCode: 'TSHIRT', ItemQty: '43' })]),
        'ItemsLookup.GetGoodsInventoryInfo': () => ok(TSHIRT_OPTIONS),
      });

      const found = await connector.readListings(context(), [
        { listingKey: 'TSHIRT-WH-M', productCode: 'TSHIRT' },
        { listingKey: 'TSHIRT-WH-L', productCode: 'TSHIRT' },
      ]);

      expect(found.get('TSHIRT-WH-M')).toMatchObject({ productCode: 'TSHIRT', quantity: 25, address: { optionValue: 'ホワイト||*M' } });
      expect(found.get('TSHIRT-WH-L')).toMatchObject({ productCode: 'TSHIRT', quantity: 18, address: { optionValue: 'ホワイト||*L' } });
      expect(methods(calls)).toEqual(['ItemsLookup.GetItemDetailInfo', 'ItemsLookup.GetGoodsInventoryInfo']);
    });
  });

  describe('pushStock', () => {
    it('refuses a quantity that is not an absolute whole number, without calling Qoo10', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {});

      const results = await connector.pushStock(context(), [
        { listingKey: 'TOWEL', delta: -1, listing: storedItem },
        { listingKey: 'TOWEL', quantity: 2.5 },
        { listingKey: 'TOWEL', quantity: -1 },
      ]);

      expect(results.map((result) => [result.ok, result.retryable])).toEqual([
        [false, false],
        [false, false],
        [false, false],
      ]);
      expect(calls).toEqual([]);
    });

    it('never lets the expiry reset: an item whose detail carries no ExpireDate is not updated', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), { 'ItemsLookup.GetItemDetailInfo': () => ok([detailRow({ ExpireDate: '' })]) });

      const [result] = await connector.pushStock(context(), [{ listingKey: 'TOWEL', quantity: 3, listing: storedItem }]);

      expect(result).toEqual({
        key: 'TOWEL',
        ok: false,
        retryable: false,
        message: expect.stringMatching(/expiry date of item 1012345678/),
      });
      expect(methods(calls)).toEqual(['ItemsLookup.GetItemDetailInfo']);
    });

    it('a stored item Qoo10 no longer has (-10001), or whose seller code changed, comes back as listing null, retryable, unwritten', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': ({ ItemCode }) =>
          ItemCode === '1012345678' ? notFound : ok([detailRow({ ItemCode, SellerCode: 'RENAMED' })]),
      });

      const results = await connector.pushStock(context(), [
        { listingKey: 'TOWEL', quantity: 3, listing: storedItem },
        {
          listingKey: 'MUG',
          quantity: 3,
          listing: { ...storedItem, listingKey: 'MUG', address: { itemCode: '1000000001', sellerCode: 'MUG' } },
        },
      ]);

      expect(results).toEqual([
        expect.objectContaining({ key: 'TOWEL', ok: false, retryable: true, listing: null }),
        expect.objectContaining({ key: 'MUG', ok: false, retryable: true, listing: null }),
      ]);
      expect(methods(calls)).not.toContain('ItemsOrder.SetGoodsPriceQty');
    });

    it('a stored option row that is gone (-10001, or -10101 and the row no longer read) comes back as listing null, retryable', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsOptions.UpdateInventoryQtyUnit': ({ ItemCode }) =>
          ItemCode === '1012345679' ? notFound : { ResultCode: -10101, ResultMsg: 'Processing Error - option not found' },
        'ItemsLookup.GetGoodsInventoryInfo': () => ok([optionRow('ホワイト', 'M', 'CAP-WH-M', 1)]),
      });
      const capOption: SiteListing = {
        ...storedOption,
        listingKey: 'CAP-WH-L',
        address: {
          itemCode: '1000000002',
          sellerCode: 'CAP',
          optionName: 'カラー||*サイズ',
          optionValue: 'ホワイト||*L',
          optionCode: 'CAP-WH-L',
        },
      };

      const results = await connector.pushStock(context(), [
        { listingKey: 'TSHIRT-WH-L', productCode: 'TSHIRT', quantity: 1, listing: storedOption },
        { listingKey: 'CAP-WH-L', productCode: 'CAP', quantity: 1, listing: capOption },
      ]);

      expect(results).toEqual([
        expect.objectContaining({ key: 'TSHIRT-WH-L', ok: false, siteCode: '-10001', retryable: true, listing: null }),
        expect.objectContaining({ key: 'CAP-WH-L', ok: false, siteCode: '-10101', retryable: true, listing: null }),
      ]);
      expect(methods(calls)).toEqual([
        'ItemsOptions.UpdateInventoryQtyUnit',
        'ItemsOptions.UpdateInventoryQtyUnit',
        'ItemsLookup.GetGoodsInventoryInfo',
      ]);
    });

    it('reports a -10101 on an option row that still exists as Qoo10 said it, keeping the address', async () => {
      fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsOptions.UpdateInventoryQtyUnit': () => ({ ResultCode: -10101, ResultMsg: 'Processing Error - option locked' }),
        'ItemsLookup.GetGoodsInventoryInfo': () => ok(TSHIRT_OPTIONS),
      });

      const [result] = await connector.pushStock(context(), [{ listingKey: 'TSHIRT-WH-L', quantity: 1, listing: storedOption }]);

      expect(result).toEqual({
        key: 'TSHIRT-WH-L',
        ok: false,
        siteCode: '-10101',
        message: 'Processing Error - option locked',
        retryable: false,
      });
    });

    it('reports a listing Qoo10 does not have, not retryable, and writes nothing', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => notFound,
        'ItemsLookup.GetAllGoodsInfo': () => goodsPage(1, 1, []),
      });

      const results = await connector.pushStock(context(), [
        { listingKey: 'NOPE', quantity: 1 },
        { listingKey: 'NOPE-RED', productCode: 'NOPE', quantity: 1 },
      ]);

      expect(results).toEqual([
        { key: 'NOPE', ok: false, retryable: false, message: expect.stringContaining('NOPE') },
        { key: 'NOPE-RED', ok: false, retryable: false, message: expect.stringMatching(/NOPE-RED under the item with seller code NOPE/) },
      ]);
      expect(methods(calls).filter((method) => !method.startsWith('ItemsLookup.'))).toEqual([]);
    });

    it('when the lookup cannot reach Qoo10, the listings without an address fail retryable and the stored ones still go', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': ({ ItemCode }) => (ItemCode ? ok([detailRow()]) : [503, 'busy']),
        'ItemsOrder.SetGoodsPriceQty': () => ok(),
      });

      const results = await connector.pushStock(context(), [
        { listingKey: 'MUG', quantity: 4 },
        { listingKey: 'TOWEL', quantity: 5, listing: storedItem },
      ]);

      expect(results).toEqual([expect.objectContaining({ key: 'MUG', ok: false, retryable: true }), { key: 'TOWEL', ok: true }]);
      expect(calls.filter((call) => call.method === 'ItemsOrder.SetGoodsPriceQty').map((call) => call.params.ItemCode)).toEqual([
        '1012345678',
      ]);
    });

    it('keeps the expiry date, and sends price and tax back as the call takes them ("1871.0000" → 1871), read fresh at push time', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => ok([detailRow({ ItemPrice: '1871.0000', TaxRate: '8', ExpireDate: '2026-03-31' })]),
        'ItemsOrder.SetGoodsPriceQty': () => ok(),
      });

      const results = await connector.pushStock(context(), [
        { listingKey: 'TOWEL', quantity: 7, listing: { ...storedItem, quantity: 99 } },
      ]);

      expect(results).toEqual([{ key: 'TOWEL', ok: true }]);
      expect(calls.map((call) => [call.method, call.params, call.version])).toEqual([
        ['ItemsLookup.GetItemDetailInfo', { ItemCode: '1012345678', SellerCode: 'TOWEL' }, '1.2'],
        [
          'ItemsOrder.SetGoodsPriceQty',
          { ItemCode: '1012345678', SellerCode: 'TOWEL', Price: '1871', TaxRate: '8', Qty: '7', ExpireDate: '2026-03-31' },
          '1.0',
        ],
      ]);
    });

    it.each([
      ['a price with yen fractions', { ItemPrice: '1871.5000' }, { TaxRate: '10' }],
      ['a tax rate outside S / 10 / 8 / 0', { TaxRate: '5' }, { Price: '1871' }],
      ['an empty price and rate', { ItemPrice: '', TaxRate: '' }, {}],
    ])('leaves out %s rather than altering it', async (_label, detail, kept) => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => ok([detailRow(detail)]),
        'ItemsOrder.SetGoodsPriceQty': () => ok(),
      });

      await connector.pushStock(context(), [{ listingKey: 'TOWEL', quantity: 7, listing: storedItem }]);

      expect(calls.at(-1)!.params).toEqual({ ItemCode: '1012345678', SellerCode: 'TOWEL', Qty: '7', ExpireDate: '2026-03-31', ...kept });
    });

    it('pushes an option row at its stored address with no lookup at all', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), { 'ItemsOptions.UpdateInventoryQtyUnit': () => ok() });

      const results = await connector.pushStock(context(), [
        { listingKey: 'TSHIRT-WH-L', productCode: 'TSHIRT', quantity: 0, listing: storedOption },
      ]);

      expect(results).toEqual([{ key: 'TSHIRT-WH-L', ok: true }]);
      expect(calls.map((call) => [call.method, call.params])).toEqual([
        [
          'ItemsOptions.UpdateInventoryQtyUnit',
          {
            ItemCode: '1012345679',
            SellerCode: 'TSHIRT',
            OptionName: 'カラー||*サイズ',
            OptionValue: 'ホワイト||*L',
            OptionCode: 'TSHIRT-WH-L',
            Qty: '0',
          },
        ],
      ]);
    });

    it('without a stored address looks the item up once, pushes, and hands the address back with the pushed quantity', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => ok([detailRow()]),
        'ItemsLookup.GetGoodsInventoryInfo': () => ok([]),
        'ItemsOrder.SetGoodsPriceQty': () => ok(),
      });

      const results = await connector.pushStock(context(), [{ listingKey: 'TOWEL', quantity: 5 }]);

      expect(results).toEqual([
        {
          key: 'TOWEL',
          ok: true,
          listing: { listingKey: 'TOWEL', productCode: null, address: { itemCode: '1012345678', sellerCode: 'TOWEL' }, quantity: 5 },
        },
      ]);
      expect(methods(calls)).toEqual(['ItemsLookup.GetItemDetailInfo', 'ItemsLookup.GetGoodsInventoryInfo', 'ItemsOrder.SetGoodsPriceQty']);
      expect(calls[2].params).toMatchObject({ ExpireDate: '2026-03-31', Price: '1871', Qty: '5' });
    });

    it('finds a never-ordered option by the sweep, pushes it, and hands its address back', async () => {
      const calls = fakeQapi(nock(QOO10_TEST_HOST), {
        'ItemsLookup.GetItemDetailInfo': () => notFound,
        'ItemsLookup.GetAllGoodsInfo': () =>
          goodsPage(1, 1, [
            ['1000000001', 'MUG'],
            ['1012345679', 'TSHIRT'],
          ]),
        'ItemsLookup.GetGoodsInventoryInfo': ({ ItemCode }) => ok(ItemCode === '1012345679' ? TSHIRT_OPTIONS : []),
        'ItemsOptions.UpdateInventoryQtyUnit': () => ok(),
      });

      const [result] = await connector.pushStock(context(), [{ listingKey: 'TSHIRT-WH-M', quantity: 9 }]);

      expect(result).toEqual({
        key: 'TSHIRT-WH-M',
        ok: true,
        listing: {
          listingKey: 'TSHIRT-WH-M',
          productCode: 'TSHIRT',
          address: {
            itemCode: '1012345679',
            sellerCode: 'TSHIRT',
            optionName: 'カラー||*サイズ',
            optionValue: 'ホワイト||*M',
            optionCode: 'TSHIRT-WH-M',
          },
          quantity: 9,
        },
      });
      expect(calls.at(-1)).toMatchObject({
        method: 'ItemsOptions.UpdateInventoryQtyUnit',
        params: { ItemCode: '1012345679', OptionValue: 'ホワイト||*M', Qty: '9' },
      });
    });

    it('propagates an expired key on a write instead of reporting it per listing', async () => {
      fakeQapi(nock(QOO10_TEST_HOST), { 'ItemsOptions.UpdateInventoryQtyUnit': () => expired });

      await expect(
        connector.pushStock(context(), [{ listingKey: 'TSHIRT-WH-L', quantity: 1, listing: storedOption }]),
      ).rejects.toBeInstanceOf(SiteAuthError);
    });
  });
});
