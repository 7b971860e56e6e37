import { Logger } from '@nestjs/common';
import nock from 'nock';

import { SiteAuthError } from '../http/site-errors';
import type { ExternalOrder, OrderBatch, SyncCursor } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { QAPI_ROOT, Qoo10Client } from './qoo10.client';
import { Qoo10Connector } from './qoo10.connector';
import { QOO10_DESCRIPTOR } from './qoo10.descriptor';
import { toExternalOrder } from './qoo10.mapper';

const HOST = 'https://api.qoo10.jp';
const NOW = new Date('2025-05-01T03:00:00Z'); // 12:00 JST
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));
const path = (method: string) => `${QAPI_ROOT}/${method}`;
const ok = (resultObject?: unknown) => ({
  ResultCode: 0,
  ResultMsg: 'SUCCESS',
  ...(resultObject === undefined ? {} : { ResultObject: resultObject }),
});
const expired = { ResultCode: -90004, ResultMsg: 'Seller authorization key is expired. Use a new key.' };

/** A GetShippingInfo_v3 row (spec §4.3); numbers as Qoo10 sends them, JSON numbers for ids and amounts. */
function v3Row(packNo: number, orderNo: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ShippingStatus: 'On request(2)',
    SellerID: 'myshop',
    PackNo: packNo,
    OrderNo: orderNo,
    OrderDate: '2025-05-01 10:11:12',
    PaymentDate: '2025-05-01 10:12:00',
    Buyer: '山田 太郎',
    BuyerKana: 'ヤマダ タロウ',
    BuyerTel: '+81-3-0000-0000',
    BuyerMobile: '',
    BuyerEmail: 'taro@example.jp',
    ItemNo: '1234567890',
    SellerItemCode: 'SKU-001',
    ItemTitle: 'Tシャツ',
    Option: 'カラー:RED / サイズ:M',
    OptionCode: 'SKU-001-RED-M',
    OrderPrice: 1980,
    OrderQty: 2,
    Discount: 0,
    Total: 3960,
    Receiver: '山田 太郎',
    ReceiverKana: 'ヤマダ タロウ',
    ZipCode: '150-0001',
    ShippingAddress: '東京都渋谷区神宮前1-1-1 ○○ビル101',
    Address1: '東京都渋谷区神宮前1-1-1',
    Address2: '○○ビル101',
    ReceiverTel: '+81-3-0000-0000',
    ReceiverMobile: '+81-90-0000-0000',
    ShippingCountry: 'JP',
    Currency: 'JPY',
    RelatedOrder: '',
    TrackingNo: '',
    ...overrides,
  };
}

/** A GetShippingAndClaimInfoByOrderNo_V2 answer (cancellations.md §2.2): v2 order fields and the claim, flattened. */
function byOrderNoRow(orderNo: string, shippingStatus: string, claim: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shippingStatus,
    packNo: 111,
    orderNo: Number(orderNo),
    orderQty: 1,
    claimStatus: '',
    reason: '',
    requestDate: '',
    cancelRefundDate: '',
    ...claim,
  };
}

describe('Qoo10Connector orders, confirmation and waybills', () => {
  const connector = new Qoo10Connector(new Qoo10Client());
  const context = (settings: Record<string, unknown> = {}) =>
    testConnectionContext(QOO10_DESCRIPTOR, {
      shopId: 'qsm-login',
      credentials: { apiKey: 'API', certificationKey: 'SAK-1' },
      settings,
      now: () => NOW,
    });

  async function pull(cursor: SyncCursor | null = null, settings: Record<string, unknown> = {}) {
    const batches: OrderBatch[] = [];
    for await (const batch of connector.pullOrders(context(settings), cursor)) batches.push(batch);
    return { orders: batches.flatMap((batch) => batch.orders) as ExternalOrder[], batches };
  }

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  describe('pullOrders', () => {
    it('queries statuses 2 and 3 by order date and groups the orderNos of each pack into one order', async () => {
      const queries: Record<string, string>[] = [];
      nock(HOST)
        .post(path('ShippingBasic.GetShippingInfo_v3'))
        .times(2)
        .reply(200, (_uri, body) => {
          const params = form(body);
          queries.push(params);
          if (params.ShippingStatus === '2') {
            return ok([
              v3Row(111, 1001),
              v3Row(222, 2001, { OptionCode: '', Option: '', SellerItemCode: 'MATCHA', OrderQty: '3', OrderPrice: '1500', Total: '4500' }),
            ]);
          }
          return ok([
            v3Row(111, 1002, { ShippingStatus: 'Seller confirm(3)', OptionCode: '', SellerItemCode: 'TOWEL', OrderQty: 1, Total: 1980 }),
          ]);
        });

      const { orders, batches } = await pull();

      expect(queries.map((query) => query.ShippingStatus)).toEqual(['2', '3']);
      expect(queries[0]).toEqual({
        returnType: 'application/json',
        ShippingStatus: '2',
        SearchStartDate: '20250401120000',
        SearchEndDate: '20250501120000',
        SearchCondition: '1',
      });
      expect(orders.map((order) => order.externalOrderId)).toEqual(['111', '222']);
      const [pack, single] = orders;
      expect(pack).toMatchObject({
        siteStatus: '2',
        siteStatusName: 'On request(2)',
        orderedAt: new Date('2025-05-01T01:11:12Z'),
        paidAt: new Date('2025-05-01T01:12:00Z'),
        total: { amount: '5940', currency: 'JPY' },
        buyer: { name: '山田 太郎', phone: '+81-3-0000-0000', email: 'taro@example.jp' },
        recipient: {
          name: '山田 太郎',
          postalCode: '150-0001',
          line1: '東京都渋谷区神宮前1-1-1',
          line2: '○○ビル101',
          phone: '+81-90-0000-0000',
          country: 'JP',
        },
        refs: { packNo: '111', orderNos: ['1001', '1002'] },
      });
      expect(pack.lines).toEqual([
        expect.objectContaining({
          externalLineId: '1001',
          productCode: 'SKU-001',
          optionCode: 'SKU-001-RED-M',
          quantity: 2,
          unitPrice: '1980',
        }),
        expect.objectContaining({
          externalLineId: '1002',
          productCode: 'TOWEL',
          quantity: 1,
          raw: expect.objectContaining({ shippingStatus: '3' }),
        }),
      ]);
      expect(pack.lines[1].optionCode).toBeUndefined();
      expect(single.lines).toEqual([expect.objectContaining({ productCode: 'MATCHA', quantity: 3, unitPrice: '1500' })]);
      expect(single.total).toEqual({ amount: '4500', currency: 'JPY' });
      expect(connector.listingKey(pack.lines[0])).toEqual({ key: 'SKU-001-RED-M', optionCode: 'SKU-001-RED-M', productCode: 'SKU-001' });
      expect(connector.listingKey(pack.lines[1])).toEqual({ key: 'TOWEL', productCode: 'TOWEL' });
      expect(batches).toHaveLength(1);
      expect(batches[0].nextCursor).toEqual({ value: NOW.toISOString() });
    });

    it('reads an empty period (empty or absent ResultObject) as no orders and still moves the cursor', async () => {
      nock(HOST)
        .post(path('ShippingBasic.GetShippingInfo_v3'))
        .reply(200, ok([]))
        .post(path('ShippingBasic.GetShippingInfo_v3'))
        .reply(200, ok());

      const { batches } = await pull();

      expect(batches).toEqual([{ orders: [], nextCursor: { value: NOW.toISOString() } }]);
    });

    it('walks the first look-back in windows, and starts a later pull at the cursor minus the overlap', async () => {
      const windows: string[] = [];
      nock(HOST)
        .post(path('ShippingBasic.GetShippingInfo_v3'))
        .times(8)
        .reply(200, (_uri, body) => {
          const params = form(body);
          windows.push(`${params.ShippingStatus}:${params.SearchStartDate}-${params.SearchEndDate}`);
          return ok([]);
        });

      await pull(null, { initialLookbackDays: 20, searchWindowDays: 7 });
      await pull({ value: '2025-05-01T02:00:00.000Z' }, { overlapHours: 3 });

      expect(windows).toEqual([
        '2:20250411120000-20250418120000',
        '3:20250411120000-20250418120000',
        '2:20250418120000-20250425120000',
        '3:20250418120000-20250425120000',
        '2:20250425120000-20250501120000',
        '3:20250425120000-20250501120000',
        '2:20250501080000-20250501120000',
        '3:20250501080000-20250501120000',
      ]);
    });

    it('fails as auth when the key expires between calls', async () => {
      nock(HOST)
        .post(path('ShippingBasic.GetShippingInfo_v3'))
        .reply(200, ok([v3Row(1, 2)]))
        .post(path('ShippingBasic.GetShippingInfo_v3'))
        .reply(200, expired);

      await expect(pull()).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '-90004' });
    });

    it('never defaults a status it cannot read: the raw value becomes the siteStatus, so the order is held', () => {
      const mixed = toExternalOrder('111', [
        v3Row(111, 1001, { ShippingStatus: 'On request(2)' }),
        v3Row(111, 1002, { ShippingStatus: '配送準備中' }),
      ]);
      expect(mixed).toMatchObject({ siteStatus: '配送準備中', siteStatusName: '配送準備中' });
      expect(mixed.lines[1].raw).toEqual(expect.objectContaining({ shippingStatus: '配送準備中' }));
      expect(toExternalOrder('222', [v3Row(222, 2001, { ShippingStatus: '' })]).siteStatus).toBe('');
      expect(toExternalOrder('333', [v3Row(333, 3001, { ShippingStatus: 3 })]).siteStatus).toBe('3');
      expect(
        toExternalOrder('444', [
          v3Row(444, 4001, { ShippingStatus: 'Seller confirm(3)' }),
          v3Row(444, 4002, { ShippingStatus: 'On request(2)' }),
        ]).siteStatus,
      ).toBe('2');
    });

    it('maps the v2 row spelling too', () => {
      const order = toExternalOrder('9', [
        {
          shippingStatus: 'Seller confirm(3)',
          packNo: 9,
          orderNo: 99,
          orderDate: '2024-05-01 10:11:12',
          itemCode: '123',
          sellerItemCode: 'SKU-9',
          itemTitle: 'タオル',
          optionCode: '',
          orderQty: 4,
          orderPrice: 500,
          total: 2000,
          receiver: '佐藤',
          shippingAddr: '大阪府大阪市北区梅田3-1-1',
          zipCode: '530-0001',
        },
      ]);
      expect(order).toMatchObject({
        externalOrderId: '9',
        siteStatus: '3',
        recipient: { name: '佐藤', line1: '大阪府大阪市北区梅田3-1-1', postalCode: '530-0001' },
        lines: [expect.objectContaining({ externalLineId: '99', productCode: 'SKU-9', quantity: 4 })],
      });
    });
  });

  describe('confirmOrders', () => {
    it('confirms every orderNo of a pack and counts an already confirmed one as done', async () => {
      const sent: Record<string, string>[] = [];
      nock(HOST)
        .post(path('ShippingBasic.SetSellerCheckYN_V2'))
        .times(3)
        .reply(200, (_uri, body) => {
          const params = form(body);
          sent.push(params);
          if (params.OrderNo === '1002') return { ResultCode: -10012, ResultMsg: 'Already order-confirmed.' };
          if (params.OrderNo === '3001') return { ResultCode: -10013, ResultMsg: 'Not in request shipping status.' };
          return ok();
        });

      const results = await connector.confirmOrders(context({ estimatedShipDays: 3 }), [
        { externalOrderId: '111', refs: { packNo: '111', orderNos: ['1001', '1002'] } },
        { externalOrderId: '300', lines: [{ externalLineId: '3001' }] },
        { externalOrderId: '400' },
      ]);

      expect(results).toEqual([
        { key: '111', ok: true },
        expect.objectContaining({ key: '300', ok: false, siteCode: '-10013', retryable: false }),
        expect.objectContaining({ key: '400', ok: false }),
      ]);
      expect(sent[0]).toEqual({ returnType: 'application/json', OrderNo: '1001', EstShipDt: '20250504' });
    });

    it('propagates an expired key instead of reporting it per order', async () => {
      nock(HOST).post(path('ShippingBasic.SetSellerCheckYN_V2')).reply(200, expired);

      await expect(connector.confirmOrders(context(), [{ externalOrderId: '1', refs: { orderNos: ['1'] } }])).rejects.toBeInstanceOf(
        SiteAuthError,
      );
    });
  });

  describe('pushTracking', () => {
    it('sends the mapped carrier name and tracking number for every orderNo, reporting per pack', async () => {
      const sent: Record<string, string>[] = [];
      const read: string[] = [];
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .times(4)
        .reply(200, (_uri, body) => {
          read.push(form(body).OrderNo);
          return ok(byOrderNoRow(form(body).OrderNo, 'Seller confirm(3)'));
        })
        .post(path('ShippingBasic.SetSendingInfo'))
        .times(4)
        .reply(200, (_uri, body) => {
          const params = form(body);
          sent.push(params);
          return params.OrderNo === '2002' ? { ResultCode: -10103, ResultMsg: 'Processing Error - not shippable' } : ok();
        });

      const results = await connector.pushTracking(context({ carrierNames: { yamato: 'ヤマト宅急便' } }), [
        { externalOrderId: '111', refs: { orderNos: ['1001', '1002'] }, carrier: 'yamato', trackingNumber: '1234-5678', shippedAt: NOW },
        { externalOrderId: '222', refs: { orderNos: ['2001', '2002'] }, carrier: '佐川急便', trackingNumber: 'S-1', shippedAt: NOW },
      ]);

      expect(sent.map((params) => `${params.OrderNo}/${params.ShippingCorp}/${params.TrackingNo}`)).toEqual([
        '1001/ヤマト宅急便/1234-5678',
        '1002/ヤマト宅急便/1234-5678',
        '2001/佐川急便/S-1',
        '2002/佐川急便/S-1',
      ]);
      expect(read).toEqual(['1001', '1002', '2001', '2002']);
      expect(results).toEqual([
        { key: '111', ok: true },
        expect.objectContaining({ key: '222', ok: false, siteCode: '-10103', message: expect.stringContaining('2002') }),
      ]);
    });

    it('retries a 5xx answer', async () => {
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .reply(503)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .reply(200, ok(byOrderNoRow('1', 'Seller confirm(3)')))
        .post(path('ShippingBasic.SetSendingInfo'))
        .reply(503)
        .post(path('ShippingBasic.SetSendingInfo'))
        .reply(200, ok());

      expect(
        await connector.pushTracking(context(), [
          { externalOrderId: '1', refs: { orderNos: ['1'] }, carrier: 'Qxpress', trackingNumber: 'Q1', shippedAt: NOW },
        ]),
      ).toEqual([{ key: '1', ok: true }]);
    });

    it('a re-send after a partial failure skips the lines Qoo10 already shows as shipped (4, 5) and sends the rest', async () => {
      const sent: string[] = [];
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .times(3)
        .reply(200, (_uri, body) => {
          const orderNo = form(body).OrderNo;
          const status = { '1001': 'On delivery(4)', '1002': 'Delivered(5)', '1003': 'Seller confirm(3)' }[orderNo]!;
          return ok(byOrderNoRow(orderNo, status));
        })
        .post(path('ShippingBasic.SetSendingInfo'))
        .reply(200, (_uri, body) => {
          sent.push(form(body).OrderNo);
          return ok();
        });

      const results = await connector.pushTracking(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001', '1002', '1003'] }, carrier: 'Sagawa', trackingNumber: 'S-9', shippedAt: NOW },
      ]);

      expect(results).toEqual([{ key: '111', ok: true }]);
      expect(sent).toEqual(['1003']);
    });

    it('does not send a waybill for a cancelled line, and says so without retrying', async () => {
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .reply(200, ok(byOrderNoRow('1001', 'Seller confirm(3)', { claimStatus: 3, reason: '在庫なし' })));

      const [result] = await connector.pushTracking(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001'] }, carrier: 'Sagawa', trackingNumber: 'S-9', shippedAt: NOW },
      ]);

      expect(result).toEqual({
        key: '111',
        ok: false,
        retryable: false,
        message: expect.stringMatching(/1001.*cancelled on Qoo10 \(claimStatus 3: 在庫なし\)/),
      });
    });

    it('a cancelled orderNo takes no waybill and fails nothing when another orderNo of the pack took it', async () => {
      // The pack's stored orderNos may predate the buyer's cancel of one line (Qoo10 lists no pack older than the
      // order pull's re-read): the parcel carries the rest.
      const sent: string[] = [];
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .times(3)
        .reply(200, (_uri, body) => {
          const orderNo = form(body).OrderNo;
          if (orderNo === '1002') return ok(byOrderNoRow(orderNo, 'Seller confirm(3)', { claimStatus: 3, reason: '色違い' }));
          if (orderNo === '1003') return ok(byOrderNoRow(orderNo, 'Seller confirm(3)', { claimStatus: '16' }));
          return ok(byOrderNoRow(orderNo, 'Seller confirm(3)'));
        })
        .post(path('ShippingBasic.SetSendingInfo'))
        .reply(200, (_uri, body) => {
          sent.push(form(body).OrderNo);
          return ok();
        });

      const results = await connector.pushTracking(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001', '1002', '1003'] }, carrier: 'Sagawa', trackingNumber: 'S-9', shippedAt: NOW },
      ]);

      expect(results).toEqual([{ key: '111', ok: true }]);
      expect(sent).toEqual(['1001']);
    });

    it('a pack whose every orderNo is cancelled, or one being cancelled (2), is reported and nothing is sent for those', async () => {
      const sent: string[] = [];
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .times(4)
        .reply(200, (_uri, body) => {
          const orderNo = form(body).OrderNo;
          const claim = { '1001': 3, '1002': 16, '2001': 2, '2002': 0 }[orderNo]!;
          return ok(byOrderNoRow(orderNo, 'Seller confirm(3)', claim ? { claimStatus: claim, reason: '気が変わった' } : {}));
        })
        .post(path('ShippingBasic.SetSendingInfo'))
        .reply(200, (_uri, body) => {
          sent.push(form(body).OrderNo);
          return ok();
        });

      const results = await connector.pushTracking(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001', '1002'] }, carrier: 'Sagawa', trackingNumber: 'S-9', shippedAt: NOW },
        { externalOrderId: '222', refs: { orderNos: ['2001', '2002'] }, carrier: 'Sagawa', trackingNumber: 'S-10', shippedAt: NOW },
      ]);

      expect(results).toEqual([
        {
          key: '111',
          ok: false,
          retryable: false,
          message:
            'orderNo 1001 is cancelled on Qoo10 (claimStatus 3: 気が変わった); orderNo 1002 is cancelled on Qoo10 (claimStatus 16: 気が変わった): no waybill sent',
        },
        {
          key: '222',
          ok: false,
          retryable: false,
          message: 'orderNo 2001 of 2: orderNo 2001 is being cancelled on Qoo10 (claimStatus 2: 気が変わった)',
        },
      ]);
      // The live orderNo of the pack being cancelled still gets its waybill.
      expect(sent).toEqual(['2002']);
    });

    it('sends anyway when the read is refused (it only saves calls), and when Qoo10 does not know the orderNo', async () => {
      nock(HOST)
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .reply(200, { ResultCode: -90002, ResultMsg: 'You are not authorized for this.' })
        .post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2'))
        .reply(200, { ResultCode: -10002, ResultMsg: 'Not exists order info' })
        .post(path('ShippingBasic.SetSendingInfo'))
        .times(2)
        .reply(200, ok());

      expect(
        await connector.pushTracking(context(), [
          { externalOrderId: '111', refs: { orderNos: ['1001', '1002'] }, carrier: 'Sagawa', trackingNumber: 'S-9', shippedAt: NOW },
        ]),
      ).toEqual([{ key: '111', ok: true }]);
    });

    it('propagates an expired key met on the read', async () => {
      nock(HOST).post(path('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2')).reply(200, expired);

      await expect(
        connector.pushTracking(context(), [
          { externalOrderId: '111', refs: { orderNos: ['1001'] }, carrier: 'Sagawa', trackingNumber: 'S-9', shippedAt: NOW },
        ]),
      ).rejects.toBeInstanceOf(SiteAuthError);
    });
  });
});
