import { Qoo10Simulator, QOO10_DEFAULT_ACCOUNT, type Qoo10OrderSeed, type Qoo10Seed } from './qoo10.simulator';

const ROOT = '/GMKT.INC.Front.QAPIService/ebayjapan.qapi';
const NOW = '2026-03-10T03:00:00.000Z'; // 12:00 JST

interface QapiJson {
  ResultCode: number;
  ResultMsg: string;
  ResultObject?: any;
}

function order(partial: Partial<Qoo10OrderSeed> & Pick<Qoo10OrderSeed, 'packNo' | 'orderNo'>): Qoo10OrderSeed {
  return {
    orderDate: '2026-03-10 09:15:00',
    buyer: '山田 太郎',
    itemCode: '1012345678',
    sellerItemCode: 'TOWEL-01',
    itemTitle: '今治タオル',
    orderPrice: 1980,
    orderQty: 1,
    receiver: '山田 太郎',
    zipCode: '150-0001',
    address1: '東京都渋谷区神宮前1-2-3',
    address2: 'メゾン201',
    ...partial,
  };
}

function testSeed(): Qoo10Seed {
  return {
    orders: [
      order({ packNo: 500001, orderNo: 1000001, optionCode: 'TS-WH-M', option: 'カラー:ホワイト / サイズ:M' }),
      order({ packNo: 500001, orderNo: 1000002 }),
      order({ packNo: 500002, orderNo: 1000003, status: 3, orderDate: '2026-03-09 20:00:00' }),
      order({ packNo: 500003, orderNo: 1000004, status: 1 }),
      order({ packNo: 500004, orderNo: 1000005, status: 4, orderDate: '2026-03-08 10:00:00' }),
      order({ packNo: 500005, orderNo: 1000006, cancelled: true }),
      order({ packNo: 500006, orderNo: 1000007, orderDate: '2026-01-05 10:00:00' }),
    ],
    items: [
      { itemCode: '1012345678', sellerCode: 'TOWEL-01', itemTitle: '今治タオル', price: 1980, qty: 10 },
      {
        itemCode: '1012345679',
        sellerCode: 'TS',
        itemTitle: 'Tシャツ',
        price: 2980,
        options: [
          { optionName: 'カラー||*サイズ', optionValue: 'ホワイト||*M', optionCode: 'TS-WH-M', qty: 5 },
          { optionName: 'カラー||*サイズ', optionValue: 'ホワイト||*L', optionCode: 'TS-WH-L', qty: 3 },
        ],
      },
    ],
  };
}

describe('Qoo10Simulator (QAPI wire protocol)', () => {
  const sim = new Qoo10Simulator();
  let base: string;

  /** Style A: POST form to `{root}/{Service.Method}` with the key in `GiosisCertificationKey`. */
  async function callA(method: string, key: string, params: Record<string, string> = {}) {
    const res = await fetch(`${base}${ROOT}/${method}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
        GiosisCertificationKey: key,
        QAPIVersion: '1.0',
      },
      body: new URLSearchParams({ returnType: 'application/json', ...params }).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json; charset=utf-8/i);
    return (await res.json()) as QapiJson;
  }

  /** Style B: GET `{root}?v=1.0&returnType=json&method=…&key=…`. */
  async function callB(method: string, key: string, params: Record<string, string> = {}) {
    const qs = new URLSearchParams({ v: '1.0', returnType: 'json', method, key, ...params });
    const res = await fetch(`${base}${ROOT}?${qs.toString()}`);
    expect(res.status).toBe(200);
    return (await res.json()) as QapiJson;
  }

  async function sak(): Promise<string> {
    const r = await callA('CertificationAPI.CreateCertificationKey', QOO10_DEFAULT_ACCOUNT.apiKey, {
      user_id: QOO10_DEFAULT_ACCOUNT.userId,
      pwd: QOO10_DEFAULT_ACCOUNT.password,
    });
    expect(r.ResultCode).toBe(0);
    return r.ResultObject as string;
  }

  beforeAll(async () => {
    base = await sim.start(0);
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.seed(testSeed());
    sim.clock.set(NOW);
  });

  describe('authentication', () => {
    it('issues an opaque seller authorization key for API key + user id + password', async () => {
      const r = await callA('CertificationAPI.CreateCertificationKey', QOO10_DEFAULT_ACCOUNT.apiKey, {
        user_id: QOO10_DEFAULT_ACCOUNT.userId,
        pwd: QOO10_DEFAULT_ACCOUNT.password,
      });
      expect(r.ResultCode).toBe(0);
      expect(r.ResultMsg).toBe('成功');
      expect(typeof r.ResultObject).toBe('string');
      expect((r.ResultObject as string).length).toBeGreaterThan(30);
      const state = sim.inspect();
      expect(state.keys.map((k) => k.key)).toEqual([r.ResultObject]);
      // §3: one year of validity, on the simulator clock
      expect(state.keys[0].expiresAt).toBe('2027-03-10T03:00:00.000Z');
    });

    it('also issues a key over the legacy GET query style', async () => {
      const r = await callB('CertificationAPI.CreateCertificationKey', QOO10_DEFAULT_ACCOUNT.apiKey, {
        user_id: QOO10_DEFAULT_ACCOUNT.userId,
        pwd: QOO10_DEFAULT_ACCOUNT.password,
      });
      expect(r.ResultCode).toBe(0);
      const orders = await callB('ShippingBasic.GetShippingInfo_v2', r.ResultObject, {
        ShippingStat: '2',
        search_Sdate: '20260310',
        search_Edate: '20260310',
      });
      expect(orders.ResultCode).toBe(0);
    });

    it('answers HTTP 200 with the site error codes for wrong credentials', async () => {
      const wrongPwd = await callA('CertificationAPI.CreateCertificationKey', QOO10_DEFAULT_ACCOUNT.apiKey, {
        user_id: QOO10_DEFAULT_ACCOUNT.userId,
        pwd: 'nope',
      });
      expect(wrongPwd.ResultCode).toBe(-10001);
      const wrongKey = await callA('CertificationAPI.CreateCertificationKey', 'not-a-key', {
        user_id: QOO10_DEFAULT_ACCOUNT.userId,
        pwd: QOO10_DEFAULT_ACCOUNT.password,
      });
      expect(wrongKey).toEqual({ ResultCode: -10000, ResultMsg: 'Please check the Seller Authorization Key.' });
      expect(sim.inspect().keys).toHaveLength(0);
    });

    it('refuses the API key itself where a seller authorization key is needed', async () => {
      const r = await callA('ShippingBasic.GetShippingInfo_v3', QOO10_DEFAULT_ACCOUNT.apiKey, {
        ShippingStatus: '2',
        SearchStartDate: '20260310',
        SearchEndDate: '20260310',
      });
      expect(r.ResultCode).toBe(-10000);
    });

    it('expires the key after one year on the clock (-90004), and a new key works', async () => {
      const key = await sak();
      const query = { ShippingStatus: '2', SearchStartDate: '20260310', SearchEndDate: '20260310' };
      expect((await callA('ShippingBasic.GetShippingInfo_v3', key, query)).ResultCode).toBe(0);
      sim.clock.advance(365 * 86_400_000);
      const expired = await callA('ShippingBasic.GetShippingInfo_v3', key, query);
      expect(expired).toEqual({ ResultCode: -90004, ResultMsg: 'Seller authorization key is expired. Use a new key.' });
      const fresh = await sak();
      expect(fresh).not.toBe(key);
      expect(
        (await callA('ShippingBasic.GetShippingInfo_v3', fresh, { ...query, SearchStartDate: '20270310', SearchEndDate: '20270310' }))
          .ResultCode,
      ).toBe(0);
    });

    it('expireKey() forces -90004 immediately', async () => {
      const key = await sak();
      sim.expireKey();
      const r = await callA('ShippingBasic.GetShippingInfo_v3', key, { SearchStartDate: '20260310', SearchEndDate: '20260310' });
      expect(r.ResultCode).toBe(-90004);
    });

    it('answers -90001 for an unknown method and -10003 for a non-form body', async () => {
      const key = await sak();
      expect((await callA('ShippingBasic.NoSuchMethod', key)).ResultCode).toBe(-90001);
      const res = await fetch(`${base}${ROOT}/ShippingBasic.GetShippingInfo_v3`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', GiosisCertificationKey: key },
        body: JSON.stringify({ SearchStartDate: '20260310' }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as QapiJson).ResultCode).toBe(-10003);
    });
  });

  describe('order retrieval', () => {
    it('filters by ShippingStat and date, one row per orderNo sharing the packNo (v2 lower-camel)', async () => {
      const key = await sak();
      const r = await callA('ShippingBasic.GetShippingInfo_v2', key, {
        ShippingStat: '2',
        search_Sdate: '20260310',
        search_Edate: '20260310',
        search_condition: '1',
      });
      expect(r.ResultCode).toBe(0);
      const rows = r.ResultObject as any[];
      expect(rows.map((x) => x.orderNo)).toEqual([1000001, 1000002]);
      expect(rows.every((x) => x.packNo === 500001)).toBe(true);
      expect(rows[0].shippingStatus).toBe('On request(2)');
      expect(rows[0].optionCode).toBe('TS-WH-M');
      expect(rows[0].shippingAddr).toBe('東京都渋谷区神宮前1-2-3 メゾン201');
      expect(rows[0]).toHaveProperty('PaymentDate');
      expect(rows[0]).toHaveProperty('sellerItemCode', 'TOWEL-01');
    });

    it('serves PascalCase v3 rows; blank status means 1–3; cancelled orders vanish', async () => {
      const key = await sak();
      const r = await callA('ShippingBasic.GetShippingInfo_v3', key, {
        ShippingStatus: '',
        SearchStartDate: '20260301',
        SearchEndDate: '20260310',
      });
      const rows = r.ResultObject as any[];
      expect(rows.map((x) => x.OrderNo).sort()).toEqual([1000001, 1000002, 1000003, 1000004]);
      const first = rows.find((x) => x.OrderNo === 1000001);
      expect(first.ShippingStatus).toBe('On request(2)');
      expect(first.RelatedOrder).toBe('1000002');
      expect(first.PackNo).toBe(500001);
      expect(rows.find((x) => x.OrderNo === 1000003).ShippingStatus).toBe('Seller confirm(3)');
      expect(rows.find((x) => x.OrderNo === 1000004).ShippingStatus).toBe('Awaiting shipping(1)');
    });

    it('honours a yyyyMMddHHmmss window exactly', async () => {
      const key = await sak();
      const r = await callA('ShippingBasic.GetShippingInfo_v3', key, {
        ShippingStatus: '3',
        SearchStartDate: '20260309200001',
        SearchEndDate: '20260310235959',
      });
      expect(r.ResultObject).toEqual([]);
      const r2 = await callA('ShippingBasic.GetShippingInfo_v3', key, {
        ShippingStatus: '3',
        SearchStartDate: '20260309200000',
        SearchEndDate: '20260310235959',
      });
      expect((r2.ResultObject as any[]).map((x) => x.OrderNo)).toEqual([1000003]);
    });

    it('rejects a window over 90 days and a malformed date with HTTP 200 error envelopes', async () => {
      const key = await sak();
      const wide = await callA('ShippingBasic.GetShippingInfo_v2', key, {
        ShippingStat: '2',
        search_Sdate: '20251201',
        search_Edate: '20260310',
      });
      expect(wide.ResultCode).not.toBe(0);
      expect(wide.ResultObject).toBeUndefined();
      const ninety = await callA('ShippingBasic.GetShippingInfo_v2', key, {
        ShippingStat: '2',
        search_Sdate: '20251211',
        search_Edate: '20260310',
      });
      expect(ninety.ResultCode).toBe(0);
      expect((ninety.ResultObject as any[]).map((x) => x.orderNo)).toContain(1000007);
      const bad = await callA('ShippingBasic.GetShippingInfo_v2', key, {
        ShippingStat: '2',
        search_Sdate: '2026-03-10',
        search_Edate: '20260310',
      });
      expect(bad.ResultCode).not.toBe(0);
    });

    it('answers XML when returnType is omitted', async () => {
      const key = await sak();
      const res = await fetch(`${base}${ROOT}/ShippingBasic.GetShippingInfo_v2`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', GiosisCertificationKey: key },
        body: 'ShippingStat=2&search_Sdate=20260310&search_Edate=20260310',
      });
      const text = await res.text();
      expect(res.headers.get('content-type')).toMatch(/xml/);
      expect(text).toContain('<ResultCode>0</ResultCode>');
      expect(text.match(/<ShippingInfo>/g)).toHaveLength(2);
      expect(text).toContain('<shippingStatus>On request(2)</shippingStatus>');
    });
  });

  describe('order confirmation and tracking', () => {
    it('SetSellerCheckYN_V2 moves 2 → 3, then answers -10012 on a repeat', async () => {
      const key = await sak();
      const ok = await callA('ShippingBasic.SetSellerCheckYN_V2', key, { OrderNo: '1000001', EstShipDt: '20260312' });
      expect(ok).toEqual({ ResultCode: 0, ResultMsg: 'SUCCESS' });
      expect(sim.getOrder(1000001)?.status).toBe(3);
      expect(sim.getOrder(1000002)?.status).toBe(2); // per orderNo, not per pack
      const again = await callA('ShippingBasic.SetSellerCheckYN_V2', key, { OrderNo: '1000001' });
      expect(again.ResultCode).toBe(-10012);
      const rows = (
        await callA('ShippingBasic.GetShippingInfo_v3', key, {
          ShippingStatus: '3',
          SearchStartDate: '20260310',
          SearchEndDate: '20260310',
        })
      ).ResultObject as any[];
      expect(rows.map((x) => x.ShippingStatus)).toEqual(['Seller confirm(3)']);
    });

    it('SetSellerCheckYN_V2 rejects a past EstShipDt, a non-request order and an unknown order', async () => {
      const key = await sak();
      expect((await callA('ShippingBasic.SetSellerCheckYN_V2', key, { OrderNo: '1000001', EstShipDt: '20260309' })).ResultCode).toBe(
        -10018,
      );
      expect((await callA('ShippingBasic.SetSellerCheckYN_V2', key, { OrderNo: '1000004' })).ResultCode).toBe(-10013);
      expect((await callA('ShippingBasic.SetSellerCheckYN_V2', key, { OrderNo: '999' })).ResultCode).toBe(-10001);
      expect(sim.getOrder(1000001)?.status).toBe(2);
    });

    it('SetSellerCheckYNBulk reports result_cd per row with top-level 0', async () => {
      const key = await sak();
      const r = await callA('ShippingBasic.SetSellerCheckYNBulk', key, {
        SendPlanDtInfoJson: JSON.stringify([
          { OrderNo: '1000001', EstShipDt: '20260311', DelayType: '', DelayMemo: '' },
          { OrderNo: '1000003', EstShipDt: '20260311', DelayType: '', DelayMemo: '' },
          { OrderNo: '1000002', EstShipDt: '', DelayType: '', DelayMemo: '' },
        ]),
      });
      expect(r.ResultCode).toBe(0);
      expect((r.ResultObject as any[]).map((x) => [x.cont_no, x.result_cd])).toEqual([
        [1000001, 0],
        [1000003, -10012],
        [1000002, -10016],
      ]);
      const tooMany = await callA('ShippingBasic.SetSellerCheckYNBulk', key, {
        SendPlanDtInfoJson: JSON.stringify(Array.from({ length: 501 }, (_, i) => ({ OrderNo: String(i), EstShipDt: '20260311' }))),
      });
      expect(tooMany.ResultCode).toBe(-10011);
    });

    it('SetSendingInfo records carrier + tracking and moves the line to 4', async () => {
      const key = await sak();
      const r = await callA('ShippingBasic.SetSendingInfo', key, {
        OrderNo: '1000003',
        ShippingCorp: 'ヤマト宅急便',
        TrackingNo: '123456789012',
      });
      expect(r).toEqual({ ResultCode: 0, ResultMsg: 'SUCCESS' });
      const o = sim.getOrder(1000003)!;
      expect(o.status).toBe(4);
      expect(o.deliveryCompany).toBe('ヤマト宅急便');
      expect(o.trackingNo).toBe('123456789012');
      expect(o.shippingDate).toBe('2026-03-10 12:00:00');
      const again = await callA('ShippingBasic.SetSendingInfo', key, { OrderNo: '1000003', ShippingCorp: 'ヤマト宅急便', TrackingNo: '1' });
      expect(again.ResultCode).not.toBe(0);
      const noCorp = await callA('ShippingBasic.SetSendingInfo', key, { OrderNo: '1000001', ShippingCorp: '', TrackingNo: 'X1' });
      expect(noCorp.ResultCode).not.toBe(0);
      expect(sim.getOrder(1000001)?.status).toBe(2);
    });

    it('SetSendingInfoBulk reports per-row failures', async () => {
      const key = await sak();
      const r = await callA('ShippingBasic.SetSendingInfoBulk', key, {
        ShippingInfoJson: JSON.stringify([
          { OrderNo: '1000001', ShippingCorp: 'Qxpress', TrackingNo: 'A1234567890' },
          { OrderNo: '1000005', ShippingCorp: 'Qxpress', TrackingNo: 'B1234567890' },
        ]),
      });
      expect(r.ResultCode).toBe(0);
      const rows = r.ResultObject as any[];
      expect(rows[0]).toMatchObject({ contr_no: 1000001, result_cd: 0 });
      expect(rows[1].contr_no).toBe(1000005);
      expect(rows[1].result_cd).not.toBe(0);
      expect(sim.getOrder(1000001)?.trackingNo).toBe('A1234567890');
    });
  });

  describe('stock', () => {
    it('SetGoodsPriceQty sets qty; a missing ExpireDate resets expiry to one year ahead', async () => {
      const key = await sak();
      const r = await callA('ItemsOrder.SetGoodsPriceQty', key, { ItemCode: '1012345678', SellerCode: 'TOWEL-01', Qty: '42' });
      expect(r).toEqual({ ResultCode: 0, ResultMsg: 'SUCCESS' });
      const item = sim.getItem('1012345678')!;
      expect(item.qty).toBe(42);
      expect(item.expireDate).toBe('2027-03-10');
      const unknown = await callA('ItemsOrder.SetGoodsPriceQty', key, { ItemCode: '999', Qty: '1' });
      expect(unknown.ResultCode).toBe(-10001);
      const badQty = await callA('ItemsOrder.SetGoodsPriceQty', key, { ItemCode: '1012345678', Qty: '-1' });
      expect(badQty.ResultCode).not.toBe(0);
      expect(sim.getItem('1012345678')!.qty).toBe(42);
    });

    it('UpdateInventoryQtyUnit sets one option row, visible through GetGoodsInventoryInfo', async () => {
      const key = await sak();
      const r = await callA('ItemsOptions.UpdateInventoryQtyUnit', key, {
        ItemCode: '1012345679',
        OptionName: 'カラー||*サイズ',
        OptionValue: 'ホワイト||*L',
        OptionCode: 'TS-WH-L',
        Qty: '17',
      });
      expect(r.ResultCode).toBe(0);
      expect(sim.getItem('1012345679')!.options.find((o) => o.optionCode === 'TS-WH-L')!.qty).toBe(17);
      const inv = await callA('ItemsLookup.GetGoodsInventoryInfo', key, { ItemCode: '1012345679' });
      expect(inv.ResultObject).toContainEqual(
        expect.objectContaining({ Name1: 'カラー', Value1: 'ホワイト', Name2: 'サイズ', Value2: 'L', Qty: 17, ItemTypeCode: 'TS-WH-L' }),
      );
      const missing = await callA('ItemsOptions.UpdateInventoryQtyUnit', key, {
        ItemCode: '1012345679',
        OptionName: 'カラー||*サイズ',
        OptionValue: 'ホワイト||*XL',
        OptionCode: 'TS-WH-XL',
        Qty: '1',
      });
      expect(missing.ResultCode).not.toBe(0);
    });
  });

  describe('items', () => {
    it('GetItemDetailInfo answers every field as a String, prices with four decimals; unknown items -10001', async () => {
      const key = await sak();
      sim.sellerEdit('TOWEL-01', { price: 1871 });
      const r = await callA('ItemsLookup.GetItemDetailInfo', key, { SellerCode: 'TOWEL-01' });
      expect(r.ResultObject).toEqual([
        expect.objectContaining({
          ItemCode: '1012345678',
          SellerCode: 'TOWEL-01',
          ItemPrice: '1871.0000',
          ItemQty: '10',
          ExpireDate: '2099-12-31',
        }),
      ]);
      for (const value of Object.values(r.ResultObject[0])) expect(typeof value).toBe('string');
      expect((await callA('ItemsLookup.GetItemDetailInfo', key, { ItemCode: '1012345678', SellerCode: 'OTHER' })).ResultCode).toBe(-10001);
    });

    it('GetAllGoodsInfo lists one status page by page; an unknown status is refused', async () => {
      sim.seed({ ...testSeed(), allGoodsPageSize: 1 });
      const key = await sak();
      sim.addItem({ itemCode: '1012345690', sellerCode: 'PAUSED', itemTitle: '休止中', price: 100, qty: 1, itemStatus: 'S1' });
      const first = await callA('ItemsLookup.GetAllGoodsInfo', key, { ItemStatus: 'S2' });
      expect(first.ResultObject).toEqual({
        TotalItems: 2,
        TotalPages: 2,
        PresentPage: 1,
        Items: [{ ItemCode: '1012345678', SellerCode: 'TOWEL-01', ItemStatus: 'S2' }],
      });
      const second = await callA('ItemsLookup.GetAllGoodsInfo', key, { ItemStatus: 'S2', Page: '2' });
      expect(second.ResultObject.Items).toEqual([{ ItemCode: '1012345679', SellerCode: 'TS', ItemStatus: 'S2' }]);
      const waiting = await callA('ItemsLookup.GetAllGoodsInfo', key, { ItemStatus: 'S1' });
      expect(waiting.ResultObject.Items.map((i: { ItemCode: string }) => i.ItemCode)).toEqual(['1012345690']);
      expect((await callA('ItemsLookup.GetAllGoodsInfo', key, {})).ResultCode).toBe(-10001);
    });

    it('SetGoodsPriceQty keeps the ExpireDate it is sent, takes a decimal price as its value and records what was sent', async () => {
      const key = await sak();
      const r = await callA('ItemsOrder.SetGoodsPriceQty', key, {
        ItemCode: '1012345678',
        Price: '1871.0000',
        TaxRate: '8',
        Qty: '3',
        ExpireDate: '2026-06-30',
      });
      expect(r.ResultCode).toBe(0);
      expect(sim.getItem('1012345678')).toMatchObject({ qty: 3, price: 1871, taxRate: '8', expireDate: '2026-06-30' });
      expect(sim.calls('ItemsOrder.SetGoodsPriceQty')).toEqual([
        { returnType: 'application/json', ItemCode: '1012345678', Price: '1871.0000', TaxRate: '8', Qty: '3', ExpireDate: '2026-06-30' },
      ]);
      for (const Price of ['0', '1000000000', '12a']) {
        expect(
          (await callA('ItemsOrder.SetGoodsPriceQty', key, { ItemCode: '1012345678', Price, ExpireDate: '2026-06-30' })).ResultCode,
        ).toBe(-10101);
      }
      expect(sim.getItem('1012345678')!.price).toBe(1871);
    });

    it('the seller edits an item in QSM over /_sim (no API call recorded), and /_sim reads it back by item or seller code', async () => {
      const edit = await fetch(`${base}/_sim/items/TS`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ qty: 9, optionCode: 'TS-WH-L' }),
      });
      expect(edit.status).toBe(200);
      await fetch(`${base}/_sim/items/1012345678`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ qty: 4, price: 2100, expireDate: '2026-12-31' }),
      });
      const towel = await (await fetch(`${base}/_sim/items/TOWEL-01`)).json();
      expect(towel).toMatchObject({ itemCode: '1012345678', qty: 4, price: 2100, expireDate: '2026-12-31' });
      expect(sim.getItem('1012345679')!.options.find((o) => o.optionCode === 'TS-WH-L')!.qty).toBe(9);
      expect(sim.requests).toEqual([]);
      const refused = await fetch(`${base}/_sim/items/TS`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ qty: 1 }),
      });
      expect(refused.status).toBe(400);
      expect((await fetch(`${base}/_sim/items/NOPE`)).status).toBe(404);
    });
  });

  describe('faults', () => {
    it('renders an injected site error in the QAPI envelope with HTTP 200', async () => {
      const key = await sak();
      sim.faults.add({ kind: 'site-error', siteCode: '-90005', pathIncludes: 'GetShippingInfo' });
      const r = await callA('ShippingBasic.GetShippingInfo_v3', key, { SearchStartDate: '20260310', SearchEndDate: '20260310' });
      expect(r).toEqual({ ResultCode: -90005, ResultMsg: 'Seller authorization key is expired. Use a new key.' });
      const next = await callA('ShippingBasic.GetShippingInfo_v3', key, { SearchStartDate: '20260310', SearchEndDate: '20260310' });
      expect(next.ResultCode).toBe(0);
    });

    it('injects an HTTP 429 through the /_sim API', async () => {
      await fetch(`${base}/_sim/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'http', status: 429, headers: { 'Retry-After': '2' } }),
      });
      const res = await fetch(`${base}${ROOT}?method=ShippingBasic.GetShippingInfo_v3&key=x&returnType=json`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
    });
  });

  it('demoSeed holds a pack with two orderNos and option items', () => {
    const demo = Qoo10Simulator.demoSeed(new Date(NOW));
    const packs = new Map<number, number>();
    for (const o of demo.orders ?? []) packs.set(o.packNo, (packs.get(o.packNo) ?? 0) + 1);
    expect([...packs.values()]).toContain(2);
    expect(demo.items?.some((i) => (i.options?.length ?? 0) > 1)).toBe(true);
    expect(() => new Qoo10Simulator(demo)).not.toThrow();
  });
});
