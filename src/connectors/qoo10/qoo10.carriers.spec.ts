import { Logger } from '@nestjs/common';
import nock from 'nock';

import type { TrackingUpdate } from '../sales-site-connector';
import { Qoo10Client } from './qoo10.client';
import { Qoo10Connector } from './qoo10.connector';
import { QOO10_TEST_HOST, QOO10_TEST_NOW, fakeQapi, qoo10TestContext as context, type QapiCall } from './qoo10.fake-qapi';

/** GetShippingAndClaimInfoByOrderNo_V2 for a confirmed line without a claim (cancellations.md §2.2). */
const confirmedLine = ({ OrderNo }: Record<string, string>) => ({
  ResultCode: 0,
  ResultMsg: 'SUCCESS',
  ResultObject: { shippingStatus: 'Seller confirm(3)', packNo: 111, orderNo: Number(OrderNo), claimStatus: '', reason: '' },
});

/** Qoo10 taking waybills: every request it gets is recorded. */
const qoo10 = () =>
  fakeQapi(nock(QOO10_TEST_HOST), {
    'ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2': confirmedLine,
    'ShippingBasic.SetSendingInfo': () => ({ ResultCode: 0, ResultMsg: 'SUCCESS' }),
  });

/** The waybills sent, as `OrderNo ShippingCorp`. */
const waybills = (calls: QapiCall[]) =>
  calls
    .filter((call) => call.method === 'ShippingBasic.SetSendingInfo')
    .map((call) => `${call.params.OrderNo} ${call.params.ShippingCorp}`);

const shipment = (externalOrderId: string, carrier: string): TrackingUpdate => ({
  externalOrderId,
  refs: { orderNos: [`${externalOrderId}01`] },
  carrier,
  trackingNumber: `T-${externalOrderId}`,
  shippedAt: QOO10_TEST_NOW,
});

describe('Qoo10Connector carrier names (SetSendingInfo ShippingCorp)', () => {
  const connector = new Qoo10Connector(new Qoo10Client());

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('fails the pack of a carrier Qoo10 has no name for, naming the carrier and the setting, with no call made for it; the rest still go', async () => {
    const calls = qoo10();

    const results = await connector.pushTracking(context({ carrierNames: { seino: '西濃運輸' } }), [
      shipment('1', 'Kuroneko'),
      shipment('2', 'yamato'),
      shipment('3', ' '),
    ]);

    expect(results).toEqual([
      { key: '1', ok: false, retryable: false, message: expect.stringMatching(/carrier "Kuroneko".*connection setting carrierNames/) },
      { key: '2', ok: true },
      expect.objectContaining({ key: '3', ok: false, retryable: false }),
    ]);
    expect(calls.map((call) => `${call.method} ${call.params.OrderNo}`)).toEqual([
      'ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2 201',
      'ShippingBasic.SetSendingInfo 201',
    ]);
    expect(waybills(calls)).toEqual(['201 ヤマト宅急便']);
  });

  it.each([
    ['qxpress', 'Qxpress'],
    ['QXPRESS', 'Qxpress'],
    ['Yamato', 'ヤマト宅急便'],
    ['ヤマト運輸', 'ヤマト宅急便'],
    ['sagawa', '佐川急便'],
    ['Sagawa Express', '佐川急便'],
    ['japanpost', 'ゆうパック'],
    ['Japan Post', 'ゆうパック'],
    ['japan_post', 'ゆうパック'],
    ['yu-pack', 'ゆうパック'],
    ['ＪＡＰＡＮ ＰＯＳＴ', 'ゆうパック'],
  ])('sends the built-in name for %s: %s', async (carrier, shippingCorp) => {
    const calls = qoo10();

    expect(await connector.pushTracking(context(), [shipment('4', carrier)])).toEqual([{ key: '4', ok: true }]);
    expect(waybills(calls)).toEqual([`401 ${shippingCorp}`]);
  });

  it("takes the connection's carrierNames first, matching keys the same way, and adds carriers to the built-in ones", async () => {
    const calls = qoo10();

    await connector.pushTracking(context({ carrierNames: { YAMATO: 'ネコポス', 'Kuro Neko': 'クロネコDM便', sagawa: '  ' } }), [
      shipment('5', 'yamato'),
      shipment('6', 'kuroneko'),
      shipment('7', 'sagawa'),
    ]);

    expect(waybills(calls)).toEqual([
      '501 ネコポス',
      '601 クロネコDM便',
      // a blank name maps nothing: the built-in one stands
      '701 佐川急便',
    ]);
  });
});
