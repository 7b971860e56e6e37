import { XMLParser } from 'fast-xml-parser';
import * as iconv from 'iconv-lite';
import {
  ELEVEN_STREET_DEFAULT_ACCOUNT,
  ElevenStreetSimulator,
  type ElevenStreetOrderSeed,
  type ElevenStreetSeed,
} from './eleven-street.simulator';

const KEY = ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey;
const NOW = '2026-03-10T03:00:00.000Z'; // 12:00 KST

function line(
  partial: Partial<ElevenStreetOrderSeed> & Pick<ElevenStreetOrderSeed, 'ordNo' | 'ordPrdSeq' | 'dlvNo'>,
): ElevenStreetOrderSeed {
  return {
    ordDt: '2026-03-10 09:30:00',
    prdNo: '9105055173',
    prdNm: '제주 감귤 3kg',
    prdStckNo: '44699820216',
    sellerPrdCd: 'CITRUS-3KG',
    sellerStockCd: 'CITRUS-3KG',
    selPrc: 19800,
    ordQty: 1,
    ordNm: '김민준',
    rcvrNm: '김민준',
    rcvrPrtblNo: '010-1234-5678',
    rcvrMailNo: '06103',
    rcvrBaseAddr: '서울특별시 강남구 논현로 508',
    rcvrDtlsAddr: '103동 1203호',
    ...partial,
  };
}

function testSeed(): ElevenStreetSeed {
  return {
    orders: [
      line({
        ordNo: '20260310000000001',
        ordPrdSeq: 1,
        dlvNo: '3000000001',
        prdNo: '9105055200',
        prdNm: '라운드 티셔츠',
        prdStckNo: '44699820301',
        sellerPrdCd: 'TEE',
        sellerStockCd: 'TEE-BK-M',
        slctPrdOptNm: '색상:블랙/사이즈:M-1개',
      }),
      line({ ordNo: '20260310000000001', ordPrdSeq: 2, dlvNo: '3000000001' }),
      line({ ordNo: '20260309000000002', ordPrdSeq: 1, dlvNo: '3000000002', ordDt: '2026-03-09 18:00:00' }),
      line({
        ordNo: '20260308000000003',
        ordPrdSeq: 1,
        dlvNo: '3000000003',
        ordPrdStat: '301',
        plcodrCnfDt: '2026-03-08 12:00:00',
        ordDt: '2026-03-08 10:00:00',
      }),
      line({ ordNo: '20260308000000004', ordPrdSeq: 1, dlvNo: '3000000004', claim: 'cancelled', ordDt: '2026-03-08 10:00:00' }),
    ],
    products: [
      {
        prdNo: '9105055200',
        prdNm: '라운드 티셔츠',
        sellerPrdCd: 'TEE',
        stocks: [
          { prdStckNo: '44699820301', sellerStockCd: 'TEE-BK-M', mixOptNm: '색상:사이즈', mixDtlOptNm: '블랙:M', stckQty: 30, optWght: 1 },
          { prdStckNo: '44699820302', sellerStockCd: 'TEE-BK-L', mixOptNm: '색상:사이즈', mixDtlOptNm: '블랙:L', stckQty: 12, optWght: 1 },
        ],
      },
    ],
  };
}

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, removeNSPrefix: true });

describe('ElevenStreetSimulator (11st OPEN API wire protocol)', () => {
  const sim = new ElevenStreetSimulator();
  let base: string;

  async function call(path: string, init: RequestInit & { key?: string | null } = {}) {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (init.key !== null) headers.openapikey = init.key ?? KEY;
    const res = await fetch(`${base}${path}`, { ...init, headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    const contentType = res.headers.get('content-type') ?? '';
    const text = /euc-kr/i.test(contentType) ? iconv.decode(bytes, 'euc-kr') : bytes.toString('utf8');
    return { status: res.status, contentType, bytes, text, doc: parser.parse(text) as any };
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

  describe('authentication and the connection test', () => {
    it('answers a one-minute complete window with result_code 0 "no results", EUC-KR encoded', async () => {
      const r = await call('/rest/ordservices/complete/202603101200/202603101201');
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('text/xml;charset=EUC-KR');
      expect(r.text.startsWith('<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>')).toBe(true);
      expect(r.doc.orders.result_code).toBe('0');
      expect(r.doc.orders.result_text).toBe('조회된 결과가 없습니다.');
      // the bytes are EUC-KR, not UTF-8
      expect(r.bytes.includes(Buffer.from('조회된', 'utf8'))).toBe(false);
      expect(r.bytes.includes(iconv.encode('조회된', 'euc-kr'))).toBe(true);
    });

    it('refuses a missing or unknown openapikey with result_code -1', async () => {
      for (const key of [null, 'wrong-key']) {
        const r = await call('/rest/ordservices/complete/202603100000/202603101200', { key });
        expect(r.status).toBe(200);
        expect(r.doc.orders.result_code).toBe('-1');
        expect(r.doc.orders.result_text).toBe('주문/클레임 조회 오류 MSG : OpenAPI Key 에 해당하는 유저가 없습니다.');
      }
    });

    it('refuses callers outside the IP allow-list', async () => {
      sim.seed({ ...testSeed(), accounts: [{ ...ELEVEN_STREET_DEFAULT_ACCOUNT, allowedIps: ['203.0.113.7'] }] });
      const r = await call('/rest/ordservices/complete/202603100000/202603101200');
      expect(r.doc.orders.result_code).toBe('-1');
      expect(r.doc.orders.result_text).toContain('IP');
      const put = await call('/rest/ordservices/reqpackaging/20260310000000001/2/N/null/3000000001');
      expect(put.doc.ResultOrder.result_code).toBe('-1');
      expect(sim.getLines({ dlvNo: '3000000001' }).map((l) => l.ordPrdStat)).toEqual(['202', '202']);
    });

    it('refuses an expired key (clock-driven)', async () => {
      sim.seed({ ...testSeed(), accounts: [{ ...ELEVEN_STREET_DEFAULT_ACCOUNT, keyExpiresAt: '2026-03-11T00:00:00Z' }] });
      expect((await call('/rest/ordservices/complete/202603100000/202603101200')).doc.orders.order).toBeDefined();
      sim.clock.advance(86_400_000);
      expect((await call('/rest/ordservices/complete/202603100000/202603101200')).doc.orders.result_code).toBe('-1');
    });
  });

  describe('order lists', () => {
    it('lists 결제완료 lines with Korean text decoded from EUC-KR and literal null values', async () => {
      const r = await call('/rest/ordservices/complete/202603090000/202603101200');
      const orders = r.doc.orders.order as any[];
      expect(Array.isArray(orders)).toBe(true);
      expect(orders.map((o) => `${o.ordNo}/${o.ordPrdSeq}`)).toEqual(['20260309000000002/1', '20260310000000001/1', '20260310000000001/2']);
      const first = orders[1];
      expect(first.dlvNo).toBe('3000000001');
      expect(first.ordPrdStat).toBe('202');
      expect(first.rcvrBaseAddr).toBe('서울특별시 강남구 논현로 508');
      expect(first.slctPrdOptNm).toBe('색상:블랙/사이즈:M-1개');
      expect(first.sellerStockCd).toBe('TEE-BK-M');
      expect(first.dlvMthdCd).toBe('null');
      expect(first.plcodrCnfDt).toBe('null');
      expect(first.invcNo).toBe('');
      expect(r.text).toContain('xmlns:ns2="http://skt.tmall.business.openapi.spring.service.client.domain/"');
    });

    it('answers a single ns2:order element when one line matches', async () => {
      const r = await call('/rest/ordservices/complete/202603091700/202603091900');
      expect(r.text.match(/<ns2:order>/g)).toHaveLength(1);
      expect(Array.isArray(r.doc.orders.order)).toBe(false);
      expect(r.doc.orders.order.ordNo).toBe('20260309000000002');
    });

    it('enforces the 7-day window (-3105 / -3305) and the YYYYMMDDhhmm format (-3103/-3104/-3303)', async () => {
      const sevenDays = await call('/rest/ordservices/complete/202603030000/202603102359');
      expect(sevenDays.doc.orders.result_code).toBeUndefined();
      expect(sevenDays.doc.orders.order).toHaveLength(3);
      expect((await call('/rest/ordservices/complete/202603020000/202603100000')).doc.orders.result_code).toBe('-3105');
      expect((await call('/rest/ordservices/packaging/202603020000/202603100000')).doc.orders.result_code).toBe('-3305');
      expect((await call('/rest/ordservices/complete/20260302/202603100000')).doc.orders.result_code).toBe('-3103');
      expect((await call('/rest/ordservices/complete/202603020000/202613100000')).doc.orders.result_code).toBe('-3104');
      expect((await call('/rest/ordservices/packaging/2026030200xx/202603100000')).doc.orders.result_code).toBe('-3303');
    });

    it('caps an answer at 3,000 rows', async () => {
      for (let i = 0; i < 3001; i++)
        sim.addOrder(
          line({
            ordNo: `2026030700${String(i).padStart(7, '0')}`,
            ordPrdSeq: 1,
            dlvNo: String(4000000000 + i),
            ordDt: '2026-03-07 08:00:00',
          }),
        );
      // Counted on the raw text: parsing 3,000 rows blocks the event loop long enough (under a loaded test run)
      // for the server's keep-alive timer to close the socket the next test's request goes out on.
      const res = await fetch(`${base}/rest/ordservices/complete/202603070000/202603072359`, { headers: { openapikey: KEY } });
      const text = iconv.decode(Buffer.from(await res.arrayBuffer()), 'euc-kr');
      expect(text.match(/<ns2:order>/g)).toHaveLength(3000);
    });
  });

  describe('reqpackaging / reqdelivery', () => {
    it('confirms 202 → 301, then -3206 on a repeat; packaging list shows the line', async () => {
      const r = await call('/rest/ordservices/reqpackaging/20260309000000002/1/N/null/3000000002');
      expect(r.text).toContain('<ResultOrder>');
      expect(r.doc.ResultOrder.result_code).toBe('0');
      expect(r.doc.ResultOrder.result_text).toBe('전체 1건이 정상적으로 발주처리가 되었습니다.');
      const [l] = sim.getLines({ ordNo: '20260309000000002' });
      expect(l.ordPrdStat).toBe('301');
      expect(l.plcodrCnfDt).toBe('2026-03-10 12:00:00');
      expect((await call('/rest/ordservices/reqpackaging/20260309000000002/1/N/null/3000000002')).doc.ResultOrder.result_code).toBe(
        '-3206',
      );
      const pk = await call('/rest/ordservices/packaging/202603080000/202603101200');
      const rows = ([] as any[]).concat(pk.doc.orders.order);
      expect(rows.map((o) => o.ordNo)).toEqual(['20260308000000003', '20260309000000002']);
      expect(rows[1].plcodrCnfDt).toBe('2026-03-10 12:00:00');
    });

    it('answers -3211 for a cancelled line and insists on the literal null add-on number', async () => {
      expect((await call('/rest/ordservices/reqpackaging/20260308000000004/1/N/null/3000000004')).doc.ResultOrder.result_code).toBe(
        '-3211',
      );
      expect((await call('/rest/ordservices/reqpackaging/20260309000000002/1/N/0/3000000002')).doc.ResultOrder.result_code).toBe('-1');
      expect(sim.getLines({ ordNo: '20260309000000002' })[0].ordPrdStat).toBe('202');
    });

    it('ships every confirmed line of a dlvNo in one call, records the invoice, then -3308', async () => {
      await call('/rest/ordservices/reqpackaging/20260310000000001/1/N/null/3000000001');
      await call('/rest/ordservices/reqpackaging/20260310000000001/2/N/null/3000000001');
      expect(sim.getLines({ dlvNo: '3000000001' }).map((l) => l.ordPrdStat)).toEqual(['301', '301']);
      const r = await call('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000001');
      expect(r.doc.ResultOrder.result_code).toBe('0');
      const lines = sim.getLines({ dlvNo: '3000000001' });
      expect(lines.map((l) => [l.ordPrdStat, l.invcNo, l.dlvEtprsCd])).toEqual([
        ['401', '612345678901', '00034'],
        ['401', '612345678901', '00034'],
      ]);
      expect((await call('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000001')).doc.ResultOrder.result_code).toBe(
        '-3308',
      );
    });

    it('rejects a bad courier (-3307), a duplicate invoice (-3320) and a bad send date (-3301)', async () => {
      expect((await call('/rest/ordservices/reqdelivery/202603101300/01/99999/612345678901/3000000003')).doc.ResultOrder.result_code).toBe(
        '-3307',
      );
      expect((await call('/rest/ordservices/reqdelivery/2026031013/01/00034/612345678901/3000000003')).doc.ResultOrder.result_code).toBe(
        '-3301',
      );
      await call('/rest/ordservices/reqpackaging/20260309000000002/1/N/null/3000000002');
      expect((await call('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000002')).doc.ResultOrder.result_code).toBe(
        '0',
      );
      expect((await call('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000003')).doc.ResultOrder.result_code).toBe(
        '-3320',
      );
      expect(sim.getLines({ dlvNo: '3000000003' })[0].ordPrdStat).toBe('301');
    });
  });

  describe('stock', () => {
    it('discovers prdStckNo from sellerStockCd and updates it with an XML PUT', async () => {
      const prod = await call('/rest/prodmarketservice/sellerprodcode/TEE');
      expect(prod.doc.products.product.prdNo).toBe('9105055200');
      const stck = await call(`/rest/prodmarketservice/prodmarket/stck/${prod.doc.products.product.prdNo}`);
      expect(stck.contentType).toBe('text/xml;charset=EUC-KR');
      const rows = stck.doc.ProductStocks.ProductStock as any[];
      const target = rows.find((s) => s.sellerStockCd === 'TEE-BK-L');
      expect(target).toMatchObject({ prdStckNo: '44699820302', stckQty: '12', optWght: '1', mixDtlOptNm: '블랙:L' });
      const body = `<?xml version="1.0" encoding="euc-kr"?><ProductStock><prdNo>9105055200</prdNo><prdStckNo>44699820302</prdStckNo><stckQty>99</stckQty><optWght>${target.optWght}</optWght></ProductStock>`;
      const put = await call('/rest/prodservices/stockqty/44699820302', {
        method: 'PUT',
        headers: { 'Content-Type': 'text/xml; charset=EUC-KR' },
        body: iconv.encode(body, 'euc-kr'),
      });
      expect(put.doc.ClientMessage.resultCode).toBe('200');
      expect(put.doc.ClientMessage.message).toBe(
        '옵션재고 번호 44699820302(상품번호:9105055200)의 수량이 업데이트 되었습니다. 변경된 수량 : 99',
      );
      expect(sim.getStock('44699820302')?.stckQty).toBe(99);
      expect(sim.inspect().products[0].stocks[1].stckQty).toBe(99);
    });

    it('answers 400 for a body missing a field and 404 for an unknown stock number', async () => {
      const missing = await call('/rest/prodservices/stockqty/44699820302', {
        method: 'PUT',
        headers: { 'Content-Type': 'text/xml; charset=UTF-8' },
        body: '<ProductStock><prdNo>9105055200</prdNo><prdStckNo>44699820302</prdStckNo><stckQty>5</stckQty></ProductStock>',
      });
      expect(missing.doc.ClientMessage.resultCode).toBe('400');
      const unknown = await call('/rest/prodservices/stockqty/1', {
        method: 'PUT',
        headers: { 'Content-Type': 'text/xml; charset=UTF-8' },
        body: '<ProductStock><prdNo>9105055200</prdNo><prdStckNo>1</prdStckNo><stckQty>5</stckQty><optWght>1</optWght></ProductStock>',
      });
      expect(unknown.doc.ClientMessage.resultCode).toBe('404');
      expect(sim.getStock('44699820302')?.stckQty).toBe(12);
    });

    describe('product search (다중 상품 조회, apiSeq 1007)', () => {
      const search = (fields: string, key?: string | null) =>
        call('/rest/prodmarketservice/prodmarket', {
          method: 'POST',
          key,
          headers: { 'Content-Type': 'text/xml; charset=EUC-KR' },
          body: iconv.encode(`<?xml version="1.0" encoding="EUC-KR"?><SearchProduct>${fields}</SearchProduct>`, 'euc-kr'),
        });
      const prdNos = (r: { doc: any }) => [r.doc.products?.product ?? []].flat().map((p: any) => p.prdNo);
      const many = (count: number) =>
        Array.from({ length: count }, (_, index) => ({
          prdNo: String(7000 + index),
          prdNm: `상품 ${index}`,
          sellerPrdCd: `P-${index}`,
          selStatCd: index === 3 ? '106' : undefined,
          stocks: [{ prdStckNo: String(8000 + index), sellerStockCd: `S-${index}`, stckQty: index }],
        }));

      it('refuses an unknown key and a body without limit', async () => {
        expect((await search('<limit>10</limit>', 'wrong-key')).doc.ClientMessage.resultCode).toBe('500');
        expect((await search('<start>1</start>')).doc.ClientMessage.resultCode).toBe('400');
      });

      it('pages by limit and a 1-based start, end inclusive, with every sale status', async () => {
        sim.seed({ ...testSeed(), products: many(25) });

        const first = await search('<limit>10</limit>');
        const third = await search('<limit>10</limit><start>21</start>');
        const window = await search('<limit>10</limit><start>7</start><end>9</end>');

        expect(first.contentType).toBe('text/xml;charset=EUC-KR');
        expect(prdNos(first)).toEqual(['7000', '7001', '7002', '7003', '7004', '7005', '7006', '7007', '7008', '7009']);
        expect([first.doc.products.product[3].selStatCd, first.doc.products.product[3].selStatNm]).toEqual(['106', '판매정상종료']);
        expect(prdNos(third)).toEqual(['7020', '7021', '7022', '7023', '7024']);
        expect(prdNos(window)).toEqual(['7006', '7007', '7008']);
        expect((await search('<limit>10</limit><start>26</start>')).text).toContain(
          '<ns2:products xmlns:ns2="http://skt.tmall.business.openapi.spring.service.client.domain/"></ns2:products>',
        );
      });

      it('filters by sale status and shows no options (the stock read has them)', async () => {
        sim.seed({ ...testSeed(), products: many(5) });
        const r = await search('<limit>10</limit><selStatCd>106</selStatCd>');
        expect(prdNos(r)).toEqual(['7003']);
        expect(r.text).not.toContain('prdStckNo');
      });
    });

    it('lets a seller set a listing stock as in Seller Office (/_sim hooks), its 품절 status following', async () => {
      const hook = async (path: string, body?: unknown) => {
        const res = await fetch(`${base}/_sim${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as any };
      };

      expect(await hook('/listings/TEE-BK-L/stock', { stckQty: 0 })).toEqual({
        status: 200,
        body: expect.objectContaining({
          prdNo: '9105055200',
          sellerPrdCd: 'TEE',
          prdStckNo: '44699820302',
          stckQty: 0,
          prdStckStatCd: '02',
        }),
      });
      expect((await hook('/stocks/44699820302', { stckQty: 5 })).body).toMatchObject({ stckQty: 5, prdStckStatCd: '01' });
      expect((await hook('/listings/TEE-BK-L')).body).toMatchObject({ prdStckNo: '44699820302', stckQty: 5 });
      expect((await hook('/listings/NOPE/stock', { stckQty: 1 })).status).toBe(404);
      expect((await hook('/stocks/44699820302', { stckQty: -1 })).status).toBe(400);
      expect(sim.getStock('44699820302')?.stckQty).toBe(5);
      expect(sim.requests.filter((request) => request.path.startsWith('/_sim'))).toEqual([]);
    });

    it('answers an empty product list for an unknown seller code', async () => {
      const r = await call('/rest/prodmarketservice/sellerprodcode/NOPE');
      expect(r.text).toContain('<ns2:products xmlns:ns2="http://skt.tmall.business.openapi.spring.service.client.domain/"></ns2:products>');
    });
  });

  describe('faults', () => {
    it('renders an injected -1000 maintenance answer in the endpoint envelope', async () => {
      sim.faults.add({ kind: 'site-error', siteCode: '-1000', pathIncludes: '/ordservices/complete/' });
      const r = await call('/rest/ordservices/complete/202603100000/202603101200');
      expect(r.status).toBe(200);
      expect(r.doc.orders.result_code).toBe('-1000');
      expect(r.doc.orders.result_text).toContain('점검');
      sim.faults.add({ kind: 'site-error', siteCode: '-1000', pathIncludes: 'reqpackaging' });
      const rp = await call('/rest/ordservices/reqpackaging/20260309000000002/1/N/null/3000000002');
      expect(rp.doc.ResultOrder.result_code).toBe('-1000');
      expect(sim.getLines({ ordNo: '20260309000000002' })[0].ordPrdStat).toBe('202');
    });

    it('injects a reset after N calls', async () => {
      sim.faults.add({ kind: 'reset', afterCalls: 1 });
      await call('/rest/ordservices/complete/202603100000/202603101200');
      await expect(call('/rest/ordservices/complete/202603100000/202603101200')).rejects.toThrow();
    });
  });

  it('demoSeed has a dlvNo with two lines and option stock', () => {
    const demo = ElevenStreetSimulator.demoSeed(new Date(NOW));
    const byDlv = new Map<string, number>();
    for (const o of demo.orders ?? []) byDlv.set(o.dlvNo, (byDlv.get(o.dlvNo) ?? 0) + 1);
    expect([...byDlv.values()]).toContain(2);
    expect(demo.products?.some((p) => p.stocks.length > 1)).toBe(true);
    expect(() => new ElevenStreetSimulator(demo)).not.toThrow();
  });
});
