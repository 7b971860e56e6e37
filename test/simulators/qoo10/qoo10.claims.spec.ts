import { Qoo10ScenarioError, Qoo10Simulator, QOO10_CLAIM_CODES, type Qoo10OrderSeed, type Qoo10Seed } from './qoo10.simulator';

/** The claim protocol of `shared/specs/cancellations.md` §2 (GetClaimInfo_V3, GetShippingAndClaimInfoByOrderNo_V2, SetCancelProcess). */
const ROOT = '/GMKT.INC.Front.QAPIService/ebayjapan.qapi';
const NOW = '2026-03-10T03:00:00.000Z'; // 12:00 JST

interface QapiJson {
  ResultCode: number;
  ResultMsg: string;
  ResultObject?: any;
}

function order(partial: Partial<Qoo10OrderSeed> & Pick<Qoo10OrderSeed, 'packNo' | 'orderNo'>): Qoo10OrderSeed {
  return {
    orderDate: '2026-03-01 09:15:00',
    buyer: '山田 太郎',
    itemCode: '1012345678',
    sellerItemCode: 'TOWEL-01',
    itemTitle: '今治タオル',
    orderPrice: 1980,
    orderQty: 2,
    receiver: '山田 太郎',
    zipCode: '150-0001',
    address1: '東京都渋谷区神宮前1-2-3',
    ...partial,
  };
}

function seed(extra: Partial<Qoo10Seed> = {}): Qoo10Seed {
  return {
    orders: [
      order({ packNo: 700001, orderNo: 2000001, status: 2 }),
      order({ packNo: 700001, orderNo: 2000002, status: 2 }),
      order({ packNo: 700002, orderNo: 2000003, status: 3 }),
      order({ packNo: 700003, orderNo: 2000004, status: 4 }),
      order({
        packNo: 700004,
        orderNo: 2000005,
        status: 3,
        claim: { claimStatus: 3, reason: '在庫なし', requestDate: '2026-02-01 10:00:00', cancelRefundDate: '2026-03-09 18:00:00' },
      }),
      order({
        packNo: 700005,
        orderNo: 2000006,
        status: 3,
        claim: { claimStatus: 1, reason: '注文間違い', requestDate: '2026-03-09 08:00:00' },
      }),
    ],
    ...extra,
  };
}

describe('Qoo10Simulator claims (cancellations.md §2)', () => {
  const sim = new Qoo10Simulator();
  let base: string;
  let key: string;

  async function call(method: string, params: Record<string, string> = {}) {
    const res = await fetch(`${base}${ROOT}/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', GiosisCertificationKey: key, QAPIVersion: '1.0' },
      body: new URLSearchParams({ returnType: 'application/json', ...params }).toString(),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as QapiJson;
  }
  const claims = (params: Record<string, string>) =>
    call('ShippingBasic.GetClaimInfo_V3', { search_Sdate: '20260301', search_Edate: '20260310', search_condition: '2', ...params });
  const shippingRows = async () =>
    (
      await call('ShippingBasic.GetShippingInfo_v3', { ShippingStatus: '0', SearchStartDate: '20260201', SearchEndDate: '20260310' })
    ).ResultObject.map((row: any) => row.OrderNo);
  const hook = (path: string, body?: unknown) =>
    fetch(`${base}/_sim/orders/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    base = await sim.start(0);
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    sim.clock.set(NOW);
    sim.seed(seed());
    key = sim.issueKey();
  });

  describe('GetClaimInfo_V3', () => {
    it('lists the claims of one ClaimStat by request date, with the documented fields', async () => {
      const r = await claims({ ClaimStat: '1' });
      expect(r.ResultCode).toBe(0);
      expect(r.ResultObject).toEqual([
        expect.objectContaining({
          orderNo: 2000006,
          packNo: 700005,
          claimStatus: 1,
          reason: '注文間違い',
          requestDate: '2026-03-09 08:00:00',
          cancelRefundDate: '',
          orderQty: 2,
          sellerItemCode: 'TOWEL-01',
        }),
      ]);
      expect((await claims({ ClaimStat: '2' })).ResultObject).toEqual([]);
    });

    it('filters by the date search_condition names: request date (2) or completion date (3)', async () => {
      // claim 3 of 2000005 was requested on 02-01, completed on 03-09
      expect((await claims({ ClaimStat: '3', search_condition: '2' })).ResultObject).toEqual([]);
      const completed = await claims({ ClaimStat: '3', search_condition: '3' });
      expect(completed.ResultObject.map((row: any) => row.orderNo)).toEqual([2000005]);
      const byRequest = await claims({ ClaimStat: '3', search_Sdate: '20260201', search_Edate: '20260201', search_condition: '2' });
      expect(byRequest.ResultObject.map((row: any) => row.orderNo)).toEqual([2000005]);
    });

    it('answers -10003 for a window over 90 days and -10002 for a bad date', async () => {
      expect(await claims({ ClaimStat: '1', search_Sdate: '20251201', search_Edate: '20260310' })).toEqual({
        ResultCode: QOO10_CLAIM_CODES.PERIOD_TOO_LONG,
        ResultMsg: 'Searching period exceeds to 90 days.',
      });
      // 90 whole days pass
      expect((await claims({ ClaimStat: '1', search_Sdate: '20251211', search_Edate: '20260310' })).ResultCode).toBe(0);
      expect((await claims({ ClaimStat: '1', search_Sdate: '20251210120000', search_Edate: '20260310120000' })).ResultCode).toBe(
        QOO10_CLAIM_CODES.PERIOD_TOO_LONG,
      );
      expect((await claims({ ClaimStat: '1', search_Sdate: '2026-03-01' })).ResultCode).toBe(QOO10_CLAIM_CODES.SEARCH_DATE);
      expect((await claims({ ClaimStat: '1', search_Sdate: '20260311', search_Edate: '20260310' })).ResultCode).toBe(
        QOO10_CLAIM_CODES.SEARCH_DATE,
      );
    });

    it('writes claimStatus in the format the seed picks (its literal format is UNCONFIRMED)', async () => {
      sim.seed(seed({ claimStatusFormat: 'label' }));
      key = sim.issueKey();
      expect((await claims({ ClaimStat: '1' })).ResultObject[0].claimStatus).toBe('Cancel Request(1)');
      sim.seed(seed({ claimStatusFormat: 'string' }));
      key = sim.issueKey();
      expect((await claims({ ClaimStat: '1' })).ResultObject[0].claimStatus).toBe('1');
    });
  });

  describe('GetShippingInfo and the claims', () => {
    it('omits lines whose claim is 3 or 2, keeps a line with an open request (1)', async () => {
      expect(await shippingRows()).toEqual([2000001, 2000002, 2000003, 2000006]);
      sim.setClaim(2000003, { claimStatus: 2 });
      expect(await shippingRows()).toEqual([2000001, 2000002, 2000006]);
      const v3 = await call('ShippingBasic.GetShippingInfo_v3', {
        ShippingStatus: '2',
        SearchStartDate: '20260301',
        SearchEndDate: '20260310',
      });
      expect(v3.ResultObject.find((row: any) => row.OrderNo === 2000001).RelatedOrder).toBe('2000002');
      sim.buyerCancel(2000002);
      const after = await call('ShippingBasic.GetShippingInfo_v3', {
        ShippingStatus: '2',
        SearchStartDate: '20260301',
        SearchEndDate: '20260310',
      });
      expect(after.ResultObject.map((row: any) => [row.OrderNo, row.RelatedOrder])).toEqual([[2000001, '']]);
    });
  });

  describe('GetShippingAndClaimInfoByOrderNo_V2', () => {
    it('gives one flattened object with the shipping status and the claim, cancelled lines included', async () => {
      const cancelled = await call('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2', { OrderNo: '2000005' });
      expect(cancelled.ResultObject).toEqual(
        expect.objectContaining({
          orderNo: 2000005,
          packNo: 700004,
          shippingStatus: 'Seller confirm(3)',
          claimStatus: 3,
          reason: '在庫なし',
          requestDate: '2026-02-01 10:00:00',
          cancelRefundDate: '2026-03-09 18:00:00',
          sellerItemCode: 'TOWEL-01',
        }),
      );
      const live = await call('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2', { OrderNo: '2000003' });
      expect(live.ResultObject).toEqual(
        expect.objectContaining({ orderNo: 2000003, shippingStatus: 'Seller confirm(3)', claimStatus: '' }),
      );
      expect(await call('ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2', { OrderNo: '9999999' })).toEqual({
        ResultCode: QOO10_CLAIM_CODES.NO_ORDER,
        ResultMsg: 'Not exists order info',
      });
    });
  });

  describe('Claim.SetCancelProcess', () => {
    it('completes a pending request (1 → 3, UNCONFIRMED) keeping the buyer reason', async () => {
      expect((await call('Claim.SetCancelProcess', { ContrNo: '2000006', CancelReason: '1' })).ResultCode).toBe(0);
      expect(sim.getOrder(2000006)!.claim).toEqual({
        claimStatus: 3,
        reason: '注文間違い',
        requestDate: '2026-03-09 08:00:00',
        cancelRefundDate: '2026-03-10 12:00:00',
      });
    });

    it('cancels a live line as the seller, with the reason given', async () => {
      expect((await call('Claim.SetCancelProcess', { ContrNo: '2000003' })).ResultCode).toBe(0);
      expect(sim.getOrder(2000003)!.claim).toEqual({
        claimStatus: 3,
        reason: '在庫なし',
        requestDate: '2026-03-10 12:00:00',
        cancelRefundDate: '2026-03-10 12:00:00',
      });
    });

    it('answers -10004 on a shipped or cancelled line, -10001/-10002 on a bad or unknown number, -10003 for another seller', async () => {
      const badState = { ResultCode: QOO10_CLAIM_CODES.BAD_ORDER_STATE, ResultMsg: '주문상태가 올바르지 않습니다' };
      expect(await call('Claim.SetCancelProcess', { ContrNo: '2000004' })).toEqual(badState);
      expect(await call('Claim.SetCancelProcess', { ContrNo: '2000005' })).toEqual(badState);
      expect((await call('Claim.SetCancelProcess', { ContrNo: 'abc' })).ResultCode).toBe(QOO10_CLAIM_CODES.BAD_ORDER_NO);
      expect((await call('Claim.SetCancelProcess', { ContrNo: '9999999' })).ResultCode).toBe(QOO10_CLAIM_CODES.NO_ORDER);

      sim.seed({
        accounts: [
          { apiKey: 'k1', userId: 'shop-a', password: 'p' },
          { apiKey: 'k2', userId: 'shop-b', password: 'p' },
        ],
        orders: [order({ packNo: 1, orderNo: 3000001, sellerId: 'shop-b' })],
      });
      key = sim.issueKey('shop-a');
      expect((await call('Claim.SetCancelProcess', { ContrNo: '3000001' })).ResultCode).toBe(QOO10_CLAIM_CODES.BAD_SELLER);
    });
  });

  describe('SetSendingInfo and the claims', () => {
    it('refuses a cancelled line and accepts a line with an open request, ending it (UNCONFIRMED)', async () => {
      const cancelled = await call('ShippingBasic.SetSendingInfo', { OrderNo: '2000005', ShippingCorp: 'Sagawa', TrackingNo: 'T1' });
      expect(cancelled.ResultCode).not.toBe(0);
      const requested = await call('ShippingBasic.SetSendingInfo', { OrderNo: '2000006', ShippingCorp: 'Sagawa', TrackingNo: 'T2' });
      expect(requested.ResultCode).toBe(0);
      expect(sim.getOrder(2000006)).toMatchObject({ status: 4, claim: null, trackingNo: 'T2' });
    });
  });

  describe('scenario hooks', () => {
    it('buyer cancel at 2 completes at once; refused at 3', () => {
      expect(sim.buyerCancel(2000001).claim).toEqual({
        claimStatus: 3,
        reason: '購入者都合',
        requestDate: '2026-03-10 12:00:00',
        cancelRefundDate: '2026-03-10 12:00:00',
      });
      expect(() => sim.buyerCancel(2000003)).toThrow(Qoo10ScenarioError);
    });

    it('request (hold), withdraw (release), request again and approve', async () => {
      expect(sim.requestCancel(2000003, '気が変わった').claim).toMatchObject({
        claimStatus: 1,
        reason: '気が変わった',
        cancelRefundDate: '',
      });
      expect(() => sim.requestCancel(2000003)).toThrow(Qoo10ScenarioError);
      expect(sim.withdrawCancel(2000003).claim).toBeNull();
      expect(await shippingRows()).toContain(2000003);
      sim.clock.advance(60_000);
      sim.requestCancel(2000003);
      expect(sim.approveCancel(2000003).claim).toMatchObject({ claimStatus: 3, requestDate: '2026-03-10 12:01:00' });
      expect(await shippingRows()).not.toContain(2000003);
      expect(() => sim.withdrawCancel(2000003)).toThrow(Qoo10ScenarioError);
      expect(() => sim.requestCancel(2000001)).toThrow(/buyerCancel/);
    });

    it('return and exchange requests only after shipping', () => {
      expect(sim.requestReturn(2000004).claim).toMatchObject({ claimStatus: 4 });
      expect(() => sim.requestReturn(2000003)).toThrow(Qoo10ScenarioError);
      sim.setClaim(2000004, null);
      expect(sim.requestExchange(2000004).claim).toMatchObject({ claimStatus: 11 });
    });

    it('runs over /_sim/orders/{orderNo}/…, unrecorded and untouched by injected faults', async () => {
      sim.faults.add({ kind: 'http', status: 503 });
      const requested = await hook('2000003/cancel-request', { reason: 'over http' });
      expect(requested.status).toBe(200);
      expect(await requested.json()).toMatchObject({ orderNo: 2000003, claim: { claimStatus: 1, reason: 'over http' } });
      expect((await hook('2000003/withdraw-cancel')).status).toBe(200);
      expect((await hook('2000003/withdraw-cancel')).status).toBe(409);
      expect((await hook('2000001/buyer-cancel')).status).toBe(200);
      expect((await hook('2000003/cancel-request')).status).toBe(200);
      expect((await hook('2000003/approve-cancel')).status).toBe(200);
      expect((await hook('2000004/return-request', { reason: '破損' })).status).toBe(200);
      expect((await hook('2000002/status', { status: 3 })).status).toBe(200);
      expect((await hook('2000002/claim', { claim: { claimStatus: 2 } })).status).toBe(200);
      expect((await hook('9999/buyer-cancel')).status).toBe(404);
      const read = await fetch(`${base}/_sim/orders/2000004`);
      expect(await read.json()).toMatchObject({ claim: { claimStatus: 4, reason: '破損' } });

      expect(sim.requests).toEqual([]);
      expect(sim.faults.list()).toHaveLength(1);
      expect(sim.getOrder(2000001)!.claim?.claimStatus).toBe(3);
      expect(sim.getOrder(2000002)).toMatchObject({ status: 3, claim: { claimStatus: 2 } });
      expect(sim.getOrder(2000003)!.claim?.claimStatus).toBe(3);
      // the base /_sim API is still there
      expect((await fetch(`${base}/_sim/state`)).status).toBe(200);
    });
  });
});
