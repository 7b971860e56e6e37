import { XMLParser } from 'fast-xml-parser';
import * as iconv from 'iconv-lite';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, ElevenStreetSimulator, type ElevenStreetOrderSeed } from './eleven-street.simulator';

/** cancellations.md §3 (test double §3.9): claim lists, status reads, approve / reject, and the scenario hooks. */

const KEY = ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey;
const NOW = '2026-03-10T03:00:00.000Z'; // 12:00 KST
const WINDOW = '202603090000/202603101200';

const A = '20260310000000001'; // two lines at 202, one dlvNo
const B = '20260310000000002'; // one line at 301, qty 3
const C = '20260309000000003'; // shipped (401)

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
    ordQty: 2,
    ordNm: '김민준',
    rcvrNm: '김민준',
    rcvrPrtblNo: '010-1234-5678',
    rcvrMailNo: '06103',
    rcvrBaseAddr: '서울특별시 강남구 논현로 508',
    rcvrDtlsAddr: '103동 1203호',
    ...partial,
  };
}

const seedOrders = (): ElevenStreetOrderSeed[] => [
  line({ ordNo: A, ordPrdSeq: 1, dlvNo: '3000000001' }),
  line({ ordNo: A, ordPrdSeq: 2, dlvNo: '3000000001', prdNo: '9105055200', prdNm: '라운드 티셔츠', ordQty: 1 }),
  line({ ordNo: B, ordPrdSeq: 1, dlvNo: '3000000002', ordQty: 3, ordPrdStat: '301', plcodrCnfDt: '2026-03-10 10:00:00' }),
  line({
    ordNo: C,
    ordPrdSeq: 1,
    dlvNo: '3000000003',
    ordQty: 1,
    ordPrdStat: '401',
    ordDt: '2026-03-09 09:00:00',
    plcodrCnfDt: '2026-03-09 10:00:00',
  }),
];

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, removeNSPrefix: true, isArray: (name) => name === 'order' });

describe('ElevenStreetSimulator: cancellations, holds and changes (cancellations.md §3)', () => {
  const sim = new ElevenStreetSimulator();
  let base: string;

  async function call(path: string, key: string | null = KEY) {
    const res = await fetch(`${base}${path}`, { headers: key === null ? {} : { openapikey: key } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = iconv.decode(bytes, 'euc-kr');
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', bytes, text, doc: parser.parse(text) as any };
  }
  const rows = async (path: string) => ((await call(path)).doc.orders?.order ?? []) as Array<Record<string, string>>;
  const code = async (path: string) => {
    const doc = (await call(path)).doc;
    return String(doc.orders?.result_code ?? doc.ResultOrder?.result_code);
  };
  async function hook(path: string, body: unknown = {}) {
    const res = await fetch(`${base}/_sim/orders/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  const at = (minutes: number) => sim.clock.set(new Date(Date.parse(NOW) + minutes * 60_000));

  beforeAll(async () => {
    base = await sim.start(0);
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.seed({ orders: seedOrders() });
    sim.clock.set(NOW);
  });

  describe('before 발주확인 (202): the buyer cancels at once', () => {
    it('cancels a whole line: 02 in cancelorders and canceledorders, line B01, gone from the complete list, reqpackaging -3211', async () => {
      const [claim] = sim.buyerCancel(A, 2);
      expect(claim).toMatchObject({ ordNo: A, ordPrdSeq: 2, ordPrdStat: 'B01', ordCnQty: 1, ordCnStatCd: '02' });

      const requested = await call(`/rest/claimservice/cancelorders/${WINDOW}`);
      expect(requested.contentType).toBe('text/xml;charset=EUC-KR');
      expect(requested.text).toContain(
        '<ns2:orders xmlns:ns2="http://skt.tmall.business.openapi.spring.service.client.domain/"><ns2:order>',
      );
      expect(requested.bytes.includes(iconv.encode('구매의사 취소', 'euc-kr'))).toBe(true);
      expect(requested.doc.orders.order).toEqual([
        expect.objectContaining({
          ordNo: A,
          ordPrdSeq: '2',
          ordPrdCnSeq: claim.ordPrdCnSeq,
          dlvNo: '3000000001',
          ordCnQty: '1',
          ordCnStatCd: '02',
          ordCnMnbdCd: '01',
          ordCnRsnCd: '10',
          createDt: '2026-03-10 12:00:00',
        }),
      ]);
      expect(await rows(`/rest/claimservice/canceledorders/${WINDOW}`)).toEqual([
        expect.objectContaining({ ordPrdCnSeq: claim.ordPrdCnSeq, ordCnStatCd: '02', cnTrtEndDt: '2026-03-10 12:00:00', ordCnTypCd: '01' }),
      ]);
      expect((await rows('/rest/ordservices/complete/202603100000/202603101200')).map((r) => `${r.ordNo}/${r.ordPrdSeq}`)).toEqual([
        `${A}/1`,
      ]);
      expect(await code(`/rest/ordservices/reqpackaging/${A}/2/N/null/3000000001`)).toBe('-3211');
      expect(await rows(`/rest/claimservice/orderlistall/${A}`)).toEqual([
        expect.objectContaining({ ordPrdSeq: '1', ordPrdStat: '202', ordQty: '2', ordCnQty: '0' }),
        expect.objectContaining({ ordPrdSeq: '2', ordPrdStat: 'B01', ordPrdStatNm: '주문취소', ordQty: '1', ordCnQty: '1' }),
      ]);
    });

    it('cancels part of a line: the line stays 202 with ordCnQty, and still confirms', async () => {
      sim.buyerCancel(A, 1, 1);
      expect(await rows(`/rest/claimservice/orderlistall/${A}`)).toEqual([
        expect.objectContaining({ ordPrdSeq: '1', ordPrdStat: '202', ordQty: '2', ordCnQty: '1' }),
        expect.objectContaining({ ordPrdSeq: '2', ordPrdStat: '202', ordCnQty: '0' }),
      ]);
      expect(await code(`/rest/ordservices/reqpackaging/${A}/1/N/null/3000000001`)).toBe('0');
    });

    it('lets the buyer change the address before 발주확인 only', async () => {
      sim.changeAddress(A, { rcvrNm: '이서연', rcvrBaseAddr: '부산광역시 해운대구 센텀중앙로 79', rcvrMailNo: '48058' });
      expect(await rows(`/rest/claimservice/orderlistalladdr/${A}`)).toEqual([
        expect.objectContaining({
          ordPrdSeq: '1',
          rcvrNm: '이서연',
          rcvrBaseAddr: '부산광역시 해운대구 센텀중앙로 79',
          rcvrMailNo: '48058',
          rcvrDtlsAddr: '103동 1203호',
        }),
        expect.objectContaining({ ordPrdSeq: '2', rcvrNm: '이서연' }),
      ]);
      expect(() => sim.changeAddress(B, { rcvrNm: 'x' })).toThrow(/발주확인/);
    });
  });

  describe('after 발주확인 (301): requests the seller decides', () => {
    it('turns a cancel into a request (01, line 701): listed, counted in ordCnQty, and it blocks reqpackaging and reqdelivery', async () => {
      const [claim] = sim.requestCancel(B, 1, 2);
      expect(claim).toMatchObject({ ordPrdStat: '701', ordCnStatCd: '01', ordCnQty: 0 });
      expect(sim.buyerCancel(A, 1)[0].ordCnStatCd).toBe('02');
      expect(await rows(`/rest/claimservice/cancelorders/${WINDOW}`)).toEqual(
        expect.arrayContaining([expect.objectContaining({ ordNo: B, ordPrdCnSeq: claim.ordPrdCnSeq, ordCnStatCd: '01', ordCnQty: '2' })]),
      );
      expect(await rows(`/rest/claimservice/canceledorders/${WINDOW}`)).toHaveLength(1);
      expect(await rows(`/rest/claimservice/orderlistall/${B}`)).toEqual([
        expect.objectContaining({ ordPrdStat: '701', ordPrdStatNm: '취소처리중', ordQty: '3', ordCnQty: '2' }),
      ]);
      expect(await rows('/rest/ordservices/packaging/202603100000/202603101200')).toEqual([]);
      expect(await code('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000002')).toBe('-3310');

      sim.requestCancel(A, 2);
      expect(await code(`/rest/ordservices/reqpackaging/${A}/2/N/null/3000000001`)).toBe('-3214');
    });

    it('cancelreqconf approves 01 → 02: a part cancel brings the line back to 301 with less; a repeat is "이미 취소 완료된 신청건"', async () => {
      const [claim] = sim.requestCancel(B, 1, 2);
      at(5);
      const answer = await call(`/rest/claimservice/cancelreqconf/${claim.ordPrdCnSeq}/${B}/1`);
      expect(answer.doc.ResultOrder).toEqual({
        openMallID: '11ST',
        result_code: '0',
        result_text: '전체 1건이 정상적으로 취소처리가 되었습니다.',
      });
      expect(sim.getLines({ ordNo: B })[0]).toMatchObject({ ordPrdStat: '301', ordQty: 3, ordCnQty: 2 });
      expect(await rows(`/rest/claimservice/canceledorders/${WINDOW.replace('1200', '1205')}`)).toEqual([
        expect.objectContaining({
          ordPrdCnSeq: claim.ordPrdCnSeq,
          ordCnStatCd: '02',
          createDt: '2026-03-10 12:00:00',
          cnTrtEndDt: '2026-03-10 12:05:00',
        }),
      ]);
      const again = await call(`/rest/claimservice/cancelreqconf/${claim.ordPrdCnSeq}/${B}/1`);
      expect(again.doc.ResultOrder).toMatchObject({ result_code: '-22002', result_text: '이미 취소 완료된 신청건 입니다.' });
      expect(await code(`/rest/claimservice/cancelreqconf/999/${B}/1`)).toBe('-22001');

      const [rest] = sim.requestCancel(B, 1);
      expect(await code(`/rest/claimservice/cancelreqconf/${rest.ordPrdCnSeq}/${B}/1`)).toBe('0');
      expect(sim.getLines({ ordNo: B })[0]).toMatchObject({ ordPrdStat: 'B01', ordCnQty: 3 });
    });

    it('withdrawing a request (05) makes the line live again and lists it in withdrawcanceledorders', async () => {
      const [claim] = sim.requestCancel(B, 1);
      at(10);
      const [withdrawn] = sim.withdrawCancel(B);
      expect(withdrawn).toMatchObject({ ordPrdStat: '301', ordCnStatCd: '05', ordCnQty: 0 });
      expect(await rows(`/rest/claimservice/withdrawcanceledorders/${WINDOW.replace('1200', '1210')}`)).toEqual([
        expect.objectContaining({ ordNo: B, ordPrdCnSeq: claim.ordPrdCnSeq, ordCnStatCd: '05', cnTrtEndDt: '2026-03-10 12:10:00' }),
      ]);
      expect(await rows(`/rest/claimservice/cancelorders/${WINDOW.replace('1200', '1210')}`)).toEqual([]);
      expect(await code(`/rest/claimservice/cancelreqconf/${claim.ordPrdCnSeq}/${B}/1`)).toBe('-22003');
      expect(await code('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000002')).toBe('0');
    });

    it('cancelreqreject needs 7 segments, a YYYYMMDD send date and an invoice over 10 characters; it ships the line (401)', async () => {
      const [claim] = sim.requestCancel(B, 1);
      const reject = (tail: string) => code(`/rest/claimservice/cancelreqreject/${B}/1/${claim.ordPrdCnSeq}/${tail}`);
      expect(await reject('01/20260310/00034')).toBe('-23001');
      expect(await reject('01/202603101200/00034/612345678901')).toBe('-23003');
      expect(await reject('01/20260310/00034/6123456789')).toBe('-23005');
      expect(sim.getLines({ ordNo: B })[0].ordPrdStat).toBe('701');
      expect(await reject('01/20260310/00034/61234567890')).toBe('0');
      expect(sim.getLines({ ordNo: B })[0]).toMatchObject({
        ordPrdStat: '401',
        invcNo: '61234567890',
        dlvEtprsCd: '00034',
        sendDt: '2026-03-10 00:00:00',
      });
      expect(await rows(`/rest/claimservice/cancelorders/${WINDOW}`)).toEqual([]);
    });

    it('the seller cancels (판매불가처리) at 301 at once, and approves a request in Seller Office', async () => {
      expect(sim.sellerCancel(B, 1, 1)[0]).toMatchObject({ ordPrdStat: '301', ordCnStatCd: '02', ordCnQty: 1 });
      sim.requestCancel(B, 1);
      expect(sim.approveCancel(B)[0]).toMatchObject({ ordPrdStat: 'B01', ordCnStatCd: '02', ordCnQty: 3 });
      expect((await rows(`/rest/claimservice/canceledorders/${WINDOW}`)).map((r) => [r.ordCnMnbdCd, r.ordCnQty])).toEqual([
        ['02', '1'],
        ['01', '2'],
      ]);
      expect(() => sim.buyerCancel(C)).toThrow(/no line that can be cancelled/);
    });
  });

  describe('after shipment: returns and exchanges', () => {
    it('lists a return request (clmStat 105) and an exchange request (201); the line goes to 601', async () => {
      const [ret] = sim.requestReturn(C, 1, 1, '단순변심');
      expect(ret).toMatchObject({ ordPrdStat: '601', clmStat: '105' });
      expect(await rows(`/rest/claimservice/returnorders/${WINDOW}`)).toEqual([
        expect.objectContaining({
          ordNo: C,
          ordPrdSeq: '1',
          clmReqSeq: ret.clmReqSeq,
          clmStat: '105',
          clmReqQty: '1',
          clmReqRsn: '단순변심',
          reqDt: '2026-03-10 12:00:00',
        }),
      ]);
      expect(await code(`/rest/claimservice/exchangeorders/${WINDOW}`)).toBe('0');
      expect(() => sim.requestExchange(A, 1)).toThrow(/shipped/);
    });
  });

  describe('windows, limits and errors', () => {
    it('takes 30 days, answers -28008 beyond, -28006 for a bad start, and result_code 0 for no claims', async () => {
      expect(await code('/rest/claimservice/cancelorders/202602080000/202603101200')).toBe('0');
      expect((await call('/rest/claimservice/cancelorders/202602080000/202603101200')).doc.orders.result_text).toBe(
        '조회된 결과가 없습니다.',
      );
      expect(await code('/rest/claimservice/canceledorders/202602070000/202603101200')).toBe('-28008');
      expect(await code('/rest/claimservice/withdrawcanceledorders/202603100000/202603090000')).toBe('-28008');
      expect(await code('/rest/claimservice/returnorders/20260207/202603101200')).toBe('-28006');
      expect(await code('/rest/claimservice/cancelorders/202603090000/202603101200')).toBe('0');
      expect((await call('/rest/claimservice/cancelorders/202603090000/202603101200', 'wrong')).doc.orders.result_code).toBe('-1');
    });

    it('reads at most 100 order numbers, comma-separated without spaces; unknown numbers are left out', async () => {
      const many = Array.from({ length: 101 }, (_, i) => String(20260310000000100 + i)).join(',');
      expect(await code(`/rest/claimservice/orderlistall/${many}`)).toBe('-28003');
      expect(await code(`/rest/claimservice/orderlistall/${A},%20${B}`)).toBe('-28002');
      expect((await rows(`/rest/claimservice/orderlistall/${B},99999,${A}`)).map((r) => `${r.ordNo}/${r.ordPrdSeq}`)).toEqual([
        `${B}/1`,
        `${A}/1`,
        `${A}/2`,
      ]);
      expect((await call('/rest/claimservice/orderlistalladdr/99999')).doc.orders).toEqual({
        result_code: '0',
        result_text: '조회된 결과가 없습니다.',
      });
    });

    it('renders an injected -1000 in the claim envelopes', async () => {
      sim.faults.add({ kind: 'site-error', siteCode: '-1000', pathIncludes: '/claimservice/cancelorders/' });
      sim.faults.add({ kind: 'site-error', siteCode: '-1000', pathIncludes: '/claimservice/cancelreqconf/' });
      expect((await call(`/rest/claimservice/cancelorders/${WINDOW}`)).doc.orders.result_code).toBe('-1000');
      expect((await call(`/rest/claimservice/cancelreqconf/1/${B}/1`)).doc.ResultOrder.result_code).toBe('-1000');
    });
  });

  describe('seeding claims', () => {
    it('derives 701 from an open claim and B01 / ordCnQty from completed ones', async () => {
      sim.seed({
        orders: [
          line({
            ordNo: A,
            ordPrdSeq: 1,
            dlvNo: '1',
            ordPrdStat: '301',
            cancelClaim: { ordPrdCnSeq: '77001', ordCnStatCd: '01', ordCnQty: 1, createDt: '2026-03-10 11:00:00' },
          }),
          line({ ordNo: A, ordPrdSeq: 2, dlvNo: '1', cancelClaims: [{ ordCnStatCd: '02', createDt: '2026-03-10 11:30:00' }] }),
          line({ ordNo: B, ordPrdSeq: 1, dlvNo: '2', claim: 'cancel_requested', ordPrdStat: '301' }),
        ],
      });
      expect(sim.getLines({ ordNo: A }).map((l) => [l.ordPrdStat, l.ordCnQty, l.cancelClaims.map((c) => c.ordPrdCnSeq)])).toEqual([
        ['701', 0, ['77001']],
        ['B01', 2, ['500000001']],
      ]);
      expect(sim.getLines({ ordNo: B })[0]).toMatchObject({ ordPrdStat: '701', ordPrdStatBeforeClaim: '301' });
      expect(await code(`/rest/claimservice/cancelreqconf/77001/${A}/1`)).toBe('0');
      expect(sim.getLines({ ordNo: A })[0]).toMatchObject({ ordPrdStat: '301', ordCnQty: 1 });
    });
  });

  describe('scenario hooks over /_sim', () => {
    it('runs each hook by HTTP, unrecorded and untouched by faults, with 404/409/400 for what cannot be done', async () => {
      sim.faults.add({ kind: 'http', status: 503 });
      const held = await hook(`${B}/hold`, { ordPrdSeq: 1, qty: 1 });
      expect(held).toMatchObject({ status: 200, body: [{ ordNo: B, ordPrdSeq: 1, ordPrdStat: '701', ordCnStatCd: '01' }] });
      expect(await hook(`${B}/release`)).toMatchObject({ status: 200, body: [{ ordPrdStat: '301', ordCnStatCd: '05' }] });
      expect(await hook(`${B}/request-cancel`)).toMatchObject({ status: 200, body: [{ ordPrdStat: '701' }] });
      expect(await hook(`${B}/approve-cancel`, { ordPrdSeq: 1 })).toMatchObject({
        status: 200,
        body: [{ ordPrdStat: 'B01', ordCnQty: 3 }],
      });
      expect(await hook(`${A}/lines/2/cancel`)).toMatchObject({ status: 200, body: [{ ordPrdSeq: 2, ordPrdStat: 'B01' }] });
      expect(await hook(`${A}/buyer-cancel`, { ordPrdSeq: 1, qty: 1 })).toMatchObject({
        status: 200,
        body: [{ ordPrdStat: '202', ordCnQty: 1 }],
      });
      expect(await hook(`${A}/address`, { rcvrNm: '박지훈' })).toMatchObject({ status: 200, body: [{ ordNo: A }, { ordNo: A }] });
      expect(await hook(`${C}/request-return`, { ordPrdSeq: 1 })).toMatchObject({
        status: 200,
        body: [{ ordPrdStat: '601', clmStat: '105' }],
      });
      expect(await hook(`${A}/share-dlvno`, { withOrdNo: B })).toMatchObject({ status: 200 });
      expect(sim.getLines({ ordNo: A }).map((l) => l.dlvNo)).toEqual(['3000000002', '3000000002']);

      expect(await hook('1/cancel')).toMatchObject({ status: 404, body: { error: 'unknown order 1' } });
      expect(await hook(`${C}/cancel`)).toMatchObject({ status: 409 });
      expect(await hook(`${A}/buyer-cancel`, { qty: 1 })).toMatchObject({ status: 400, body: { error: 'a quantity needs ordPrdSeq' } });
      expect(await hook(`${A}/request-return`, {})).toMatchObject({ status: 400 });
      const lines = await fetch(`${base}/_sim/orders/${B}`);
      expect(((await lines.json()) as any[])[0]).toMatchObject({ ordNo: B, ordPrdStat: 'B01' });

      expect(sim.requests.filter((r) => r.path.startsWith('/_sim'))).toEqual([]);
      expect(sim.faults.list()).toHaveLength(1);
      expect((await fetch(`${base}/rest/claimservice/cancelorders/${WINDOW}`, { headers: { openapikey: KEY } })).status).toBe(503);
    });

    it('ships two orders sharing a dlvNo with one reqdelivery', async () => {
      await call(`/rest/ordservices/reqpackaging/${A}/1/N/null/3000000001`);
      await call(`/rest/ordservices/reqpackaging/${A}/2/N/null/3000000001`);
      sim.shareDlvNo([B, A]);
      expect(await code('/rest/ordservices/reqdelivery/202603101300/01/00034/612345678901/3000000002')).toBe('0');
      expect([...sim.getLines({ ordNo: A }), ...sim.getLines({ ordNo: B })].map((l) => [l.ordPrdStat, l.invcNo])).toEqual([
        ['401', '612345678901'],
        ['401', '612345678901'],
        ['401', '612345678901'],
      ]);
    });
  });
});
