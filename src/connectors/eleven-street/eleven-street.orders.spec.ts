import { Logger } from '@nestjs/common';
import * as iconv from 'iconv-lite';
import nock from 'nock';

import { SiteAuthError } from '../http/site-errors';
import type { ExternalOrder, OrderBatch } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { ElevenStreetClient } from './eleven-street.client';
import { ElevenStreetConnector } from './eleven-street.connector';
import { ELEVEN_STREET_DESCRIPTOR } from './eleven-street.descriptor';

const HOST = 'https://api.11st.co.kr';
const NOW = new Date('2026-02-25T02:46:30Z'); // 11:46 KST
const NS = 'http://skt.tmall.business.openapi.spring.service.client.domain/';
const EUC_KR_HEADERS = { 'Content-Type': 'text/xml;charset=EUC-KR' };
const FAST = { ...ELEVEN_STREET_DESCRIPTOR, rateLimit: { maxConcurrent: 4, minTimeMs: 0 } };

const eucKr = (xml: string) => iconv.encode(xml, 'euc-kr');
const declaration = '<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>';

/** A recorded `ns2:order` row (specs/11st.md §3 sample), with overrides. */
function orderXml(fields: Record<string, string>): string {
  const row: Record<string, string> = {
    addPrdNo: '0',
    addPrdYn: 'N',
    bndlDlvSeq: '0',
    dlvCst: '0',
    dlvEtprsCd: '',
    dlvMthdCd: 'null',
    dlvNo: '2678260704',
    invcNo: '',
    ordAmt: '4000',
    ordDt: '2026-02-25 11:40:06',
    ordNm: '김민준',
    ordNo: '20260225044348982',
    ordPayAmt: '4000',
    ordPrdSeq: '1',
    ordPrdStat: '202',
    ordPrtblTel: '010-1234-5678',
    ordQty: '1',
    ordStlEndDt: '2026-02-25 11:41:06',
    plcodrCnfDt: 'null',
    prdNm: '제주 감귤 3kg 가정용',
    prdNo: '9105055173',
    prdStckNo: '44699820216',
    rcvrBaseAddr: '서울특별시 강남구 논현로 508',
    rcvrDtlsAddr: '103동 1203호',
    rcvrMailNo: '06103',
    rcvrNm: '김민준',
    rcvrPrtblNo: '010-1234-5678',
    selPrc: '4000',
    sellerPrdCd: 'JEJU-CITRUS-3KG',
    sellerStockCd: 'JEJU-CITRUS-3KG',
    slctPrdOptNm: '',
    ...fields,
  };
  return `<ns2:order>${Object.entries(row)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('')}</ns2:order>`;
}
const ordersXml = (rows: string[]) => `${declaration}\n<ns2:orders xmlns:ns2="${NS}">${rows.join('')}</ns2:orders>`;
const envelope = (code: string, text: string) =>
  `${declaration}<ns2:orders xmlns:ns2="${NS}"><ns2:result_code>${code}</ns2:result_code><ns2:result_text>${text}</ns2:result_text></ns2:orders>`;
const NO_RESULTS = envelope('0', '조회된 결과가 없습니다.');
const resultOrder = (code: string, text: string) =>
  `${declaration}<ResultOrder><openMallID>11ST</openMallID><result_code>${code}</result_code><result_text>${text}</result_text></ResultOrder>`;

async function collect(iterable: AsyncIterable<OrderBatch>): Promise<OrderBatch[]> {
  const batches: OrderBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

describe('ElevenStreetConnector orders and waybills', () => {
  const client = new ElevenStreetClient();
  let connector: ElevenStreetConnector;
  const context = (settings: Record<string, unknown> = {}) =>
    testConnectionContext(FAST, { connectionId: 'c-11st', credentials: { openApiKey: 'OPEN-API-KEY' }, settings, now: () => NOW });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    connector = new ElevenStreetConnector(client);
  });
  afterEach(() => nock.cleanAll());

  /** Answers every list call through `answer(list, start, end)`, recording the calls. */
  function listServer(answer: (list: string, start: string, end: string) => string) {
    const calls: string[] = [];
    nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY' } })
      .get(/^\/rest\/ordservices\/(complete|packaging)\/\d+\/\d+$/)
      .times(1000)
      .reply((uri) => {
        const [, , , list, start, end] = uri.split('/');
        calls.push(`${list} ${start} ${end}`);
        return [200, eucKr(answer(list, start, end)), EUC_KR_HEADERS];
      });
    return calls;
  }

  describe('pullOrders', () => {
    it('walks the first 30 days in windows of at most 7 days (KST), both lists, cursor = window end', async () => {
      const calls = listServer(() => NO_RESULTS);

      const batches = await collect(connector.pullOrders(context(), null));

      expect(calls).toEqual([
        'complete 202601261146 202602021146',
        'packaging 202601261146 202602021146',
        'complete 202602021146 202602091146',
        'packaging 202602021146 202602091146',
        'complete 202602091146 202602161146',
        'packaging 202602091146 202602161146',
        'complete 202602161146 202602231146',
        'packaging 202602161146 202602231146',
        'complete 202602231146 202602251146',
        'packaging 202602231146 202602251146',
      ]);
      expect(batches.map((batch) => batch.nextCursor?.value)).toEqual([
        '2026-02-02T02:46:00.000Z',
        '2026-02-09T02:46:00.000Z',
        '2026-02-16T02:46:00.000Z',
        '2026-02-23T02:46:00.000Z',
        '2026-02-25T02:46:00.000Z',
      ]);
      expect(batches.every((batch) => batch.orders.length === 0)).toBe(true);
    });

    it('honours lookbackDays and starts the next pull at the cursor minus the overlap', async () => {
      const calls = listServer(() => NO_RESULTS);

      await collect(connector.pullOrders(context({ lookbackDays: 1 }), null));
      await collect(connector.pullOrders(context({ overlapMinutes: 15 }), { value: '2026-02-25T02:00:00.000Z' }));

      expect(calls).toEqual([
        'complete 202602241146 202602251146',
        'packaging 202602241146 202602251146',
        'complete 202602251045 202602251146',
        'packaging 202602251045 202602251146',
      ]);
    });

    it('decodes EUC-KR, reads a single ns2:order as a list, empties literal nulls and keeps the ids later calls need', async () => {
      listServer((list) =>
        list === 'complete' ? ordersXml([orderXml({ sellerStockCd: 'null', slctPrdOptNm: 'null', ordMailNo: 'null' })]) : NO_RESULTS,
      );

      const [batch] = await collect(connector.pullOrders(context({ lookbackDays: 1 }), null));

      expect(batch.orders).toHaveLength(1);
      const order = batch.orders[0];
      expect(order).toMatchObject({
        externalOrderId: '20260225044348982',
        siteStatus: '202',
        siteStatusName: '결제완료',
        orderedAt: new Date('2026-02-25T02:40:06Z'),
        paidAt: new Date('2026-02-25T02:41:06Z'),
        buyer: { name: '김민준', phone: '010-1234-5678', country: 'KR' },
        recipient: { name: '김민준', postalCode: '06103', line1: '서울특별시 강남구 논현로 508', line2: '103동 1203호', country: 'KR' },
        total: { amount: '4000', currency: 'KRW' },
        refs: { ordNo: '20260225044348982', dlvNos: ['2678260704'] },
      });
      expect(order.buyer).not.toHaveProperty('postalCode');
      expect(order.lines).toEqual([
        {
          externalLineId: '1',
          productCode: 'JEJU-CITRUS-3KG',
          productName: '제주 감귤 3kg 가정용',
          quantity: 1,
          unitPrice: '4000',
          raw: {
            ordNo: '20260225044348982',
            ordPrdSeq: '1',
            addPrdYn: 'N',
            addPrdNo: '',
            dlvNo: '2678260704',
            ordPrdStat: '202',
            prdNo: '9105055173',
            prdStckNo: '44699820216',
            sellerPrdCd: 'JEJU-CITRUS-3KG',
            sellerStockCd: '',
          },
        },
      ]);
      expect(connector.listingKey(order.lines[0]).key).toBe('JEJU-CITRUS-3KG');
    });

    it('groups many rows into one order per ordNo, merging lines from both lists with their own dlvNo', async () => {
      listServer((list) =>
        list === 'complete'
          ? ordersXml([
              orderXml({
                ordNo: '1001',
                ordPrdSeq: '1',
                dlvNo: '501',
                prdNm: '티셔츠',
                sellerStockCd: 'TEE-BK-M',
                slctPrdOptNm: '색상:블랙/사이즈:M-2개',
                ordQty: '2',
              }),
              orderXml({ ordNo: '1001', ordPrdSeq: '3', dlvNo: '502', addPrdYn: 'Y', addPrdNo: '9105055200', sellerStockCd: 'ADD-1' }),
              orderXml({ ordNo: '1002', ordPrdSeq: '1', dlvNo: '600' }),
            ])
          : ordersXml([orderXml({ ordNo: '1001', ordPrdSeq: '2', dlvNo: '501', ordPrdStat: '301', plcodrCnfDt: '2026-02-25 11:45:00' })]),
      );

      const [batch] = await collect(connector.pullOrders(context({ lookbackDays: 1 }), null));

      const byId = new Map(batch.orders.map((order) => [order.externalOrderId, order] as [string, ExternalOrder]));
      expect([...byId.keys()].sort()).toEqual(['1001', '1002']);
      const first = byId.get('1001')!;
      expect(first.siteStatus).toBe('202');
      expect(first.refs).toEqual({ ordNo: '1001', dlvNos: ['501', '502'] });
      expect(
        first.lines.map((line) => [line.externalLineId, line.raw?.dlvNo, line.raw?.ordPrdStat, line.raw?.addPrdYn, line.raw?.addPrdNo]),
      ).toEqual([
        ['1', '501', '202', 'N', ''],
        ['2', '501', '301', 'N', ''],
        ['3', '502', '202', 'Y', '9105055200'],
      ]);
      expect(first.lines[0]).toMatchObject({
        optionCode: 'TEE-BK-M',
        optionName: '색상:블랙/사이즈:M-2개',
        productName: '티셔츠',
        quantity: 2,
      });
    });

    it('keeps a status it cannot read as the raw value, never as a confirmed order (issue 15)', async () => {
      listServer((list) =>
        list === 'complete'
          ? ordersXml([
              orderXml({ ordNo: '1101', ordPrdStat: '202' }),
              orderXml({ ordNo: '1101', ordPrdSeq: '2', ordPrdStat: 'X07' }),
              orderXml({ ordNo: '1102', ordPrdStat: '' }),
              orderXml({ ordNo: '1103', ordPrdStat: 'null' }),
            ])
          : ordersXml([orderXml({ ordNo: '1104', ordPrdStat: '301' }), orderXml({ ordNo: '1104', ordPrdSeq: '2', ordPrdStat: '202' })]),
      );

      const [batch] = await collect(connector.pullOrders(context({ lookbackDays: 1 }), null));

      const status = new Map(batch.orders.map((order) => [order.externalOrderId, [order.siteStatus, order.siteStatusName]]));
      expect(status.get('1101')).toEqual(['X07', undefined]);
      expect(status.get('1102')).toEqual(['', undefined]);
      expect(status.get('1103')).toEqual(['', undefined]);
      expect(status.get('1104')).toEqual(['202', '결제완료']);
    });

    it('halves a window whose answer is full (3,000 rows), recursively, and merges the halves', async () => {
      const full = (prefix: string) =>
        ordersXml(Array.from({ length: 3000 }, (_, index) => orderXml({ ordNo: `${prefix}${String(index).padStart(5, '0')}` })));
      const calls = listServer((list, start, end) => {
        if (list !== 'complete') return NO_RESULTS;
        if (start === '202602241146' && end === '202602251146') return full('A');
        if (start === '202602241146' && end === '202602242346') return full('B');
        if (start === '202602241146' && end === '202602241746') return ordersXml([orderXml({ ordNo: 'C1' })]);
        if (start === '202602241746' && end === '202602242346') return ordersXml([orderXml({ ordNo: 'C2' }), orderXml({ ordNo: 'C1' })]);
        return ordersXml([orderXml({ ordNo: 'D1' })]);
      });

      const [batch] = await collect(connector.pullOrders(context({ lookbackDays: 1 }), null));

      expect(calls).toEqual([
        'complete 202602241146 202602251146',
        'complete 202602241146 202602242346',
        'complete 202602241146 202602241746',
        'complete 202602241746 202602242346',
        'complete 202602242346 202602251146',
        'packaging 202602241146 202602251146',
      ]);
      expect(batch.orders.map((order) => order.externalOrderId).sort()).toEqual(['C1', 'C2', 'D1']);
    });

    it('halves a window 11st calls too long (-3105 / -3305) instead of failing the pull', async () => {
      const calls = listServer((list, start, end) => {
        const days =
          (Date.parse(`${end.slice(0, 4)}-${end.slice(4, 6)}-${end.slice(6, 8)}`) -
            Date.parse(`${start.slice(0, 4)}-${start.slice(4, 6)}-${start.slice(6, 8)}`)) /
          86_400_000;
        if (days >= 7) return envelope(list === 'complete' ? '-3105' : '-3305', '조회 기간은 최대 7일까지 가능합니다.');
        return ordersXml([orderXml({ ordNo: `${list}-${start}` })]);
      });

      const [batch] = await collect(connector.pullOrders(context({ lookbackDays: 7 }), null));

      expect(calls).toEqual([
        'complete 202602181146 202602251146',
        'complete 202602181146 202602212346',
        'complete 202602212346 202602251146',
        'packaging 202602181146 202602251146',
        'packaging 202602181146 202602212346',
        'packaging 202602212346 202602251146',
      ]);
      expect(batch.orders).toHaveLength(4);
      expect(batch.nextCursor).toEqual({ value: '2026-02-25T02:46:00.000Z' });
    });

    it('fails the pull on an unknown key, before any batch', async () => {
      listServer(() => envelope('-1', '주문/클레임 조회 오류 MSG : OpenAPI Key 에 해당하는 유저가 없습니다.'));
      await expect(collect(connector.pullOrders(context(), null))).rejects.toBeInstanceOf(SiteAuthError);
    });
  });

  describe('confirmOrders', () => {
    it('calls reqpackaging per line (main lines first, `null` addPrdNo), counts -3206 as done and reports per order', async () => {
      const calls: string[] = [];
      nock(HOST)
        .get(/^\/rest\/ordservices\/reqpackaging\//)
        .times(10)
        .reply((uri) => {
          calls.push(uri);
          if (uri.includes('/2002/')) return [200, eucKr(resultOrder('-3211', '취소된 주문입니다.')), EUC_KR_HEADERS];
          if (uri.includes('/Y/')) return [200, eucKr(resultOrder('-3206', '이미 발주확인 되었습니다.')), EUC_KR_HEADERS];
          return [200, eucKr(resultOrder('0', '전체 1건이 정상적으로 발주처리가 되었습니다.')), EUC_KR_HEADERS];
        });
      const line = (ordNo: string, seq: string, dlvNo: string, addPrdYn = 'N', addPrdNo = '') => ({
        externalLineId: seq,
        raw: { ordNo, ordPrdSeq: seq, addPrdYn, addPrdNo, dlvNo },
      });

      const results = await connector.confirmOrders(context(), [
        { externalOrderId: '2001', lines: [line('2001', '2', '77', 'Y', '9105055200'), line('2001', '1', '77')] },
        { externalOrderId: '2002', lines: [line('2002', '1', '78')] },
        { externalOrderId: '2003' },
      ]);

      expect(calls).toEqual([
        '/rest/ordservices/reqpackaging/2001/1/N/null/77',
        '/rest/ordservices/reqpackaging/2001/2/Y/9105055200/77',
        '/rest/ordservices/reqpackaging/2002/1/N/null/78',
      ]);
      expect(results).toEqual([
        { key: '2001', ok: true },
        { key: '2002', ok: false, siteCode: '-3211', message: 'line 1: 취소된 주문입니다.', retryable: false },
        { key: '2003', ok: false, message: expect.stringContaining('no 11st line identifiers'), retryable: false },
      ]);
    });

    it('retries -1000 maintenance and reports it as retryable when it persists', async () => {
      const scope = nock(HOST)
        .get('/rest/ordservices/reqpackaging/2001/1/N/null/77')
        .times(4)
        .reply(200, eucKr(resultOrder('-1000', '서버 점검중입니다')), EUC_KR_HEADERS);

      const [result] = await connector.confirmOrders(context(), [
        {
          externalOrderId: '2001',
          lines: [{ externalLineId: '1', raw: { ordNo: '2001', ordPrdSeq: '1', addPrdYn: 'N', addPrdNo: '', dlvNo: '77' } }],
        },
      ]);

      expect(result).toMatchObject({ key: '2001', ok: false, siteCode: '-1000', retryable: true });
      scope.done();
    });
  });

  describe('pushTracking', () => {
    it('calls reqdelivery once per distinct dlvNo with the mapped courier code and KST send time', async () => {
      const calls: string[] = [];
      nock(HOST)
        .get(/^\/rest\/ordservices\/reqdelivery\//)
        .times(10)
        .reply((uri) => {
          calls.push(uri);
          if (uri.endsWith('/503')) return [200, eucKr(resultOrder('-3320', '이미 다른 주문에 사용된 송장번호입니다.')), EUC_KR_HEADERS];
          if (uri.endsWith('/502')) return [200, eucKr(resultOrder('-3308', '이미 발송처리된 배송번호입니다.')), EUC_KR_HEADERS];
          return [200, eucKr(resultOrder('0', '전체 2건이 정상적으로 발송처리가 되었습니다.')), EUC_KR_HEADERS];
        });
      const shippedAt = new Date('2026-02-26T01:05:00Z'); // 10:05 KST
      const lines = (...dlvNos: string[]) => dlvNos.map((dlvNo, index) => ({ externalLineId: String(index + 1), raw: { dlvNo } }));

      const results = await connector.pushTracking(context({ courierCodes: { 'cj-logistics': '00034' } }), [
        { externalOrderId: '3001', lines: lines('501', '501', '502'), carrier: 'cj-logistics', trackingNumber: '640012345678', shippedAt },
        { externalOrderId: '3002', lines: lines('503'), carrier: 'QXPRESS', trackingNumber: 'QX1234567', shippedAt },
        { externalOrderId: '3003', lines: lines('504'), carrier: 'pigeon-post', trackingNumber: '1', shippedAt },
      ]);

      expect(calls).toEqual([
        '/rest/ordservices/reqdelivery/202602261005/01/00034/640012345678/501',
        '/rest/ordservices/reqdelivery/202602261005/01/00034/640012345678/502',
        '/rest/ordservices/reqdelivery/202602261005/01/00108/QX1234567/503',
      ]);
      expect(results).toEqual([
        { key: '3001', ok: true },
        { key: '3002', ok: false, siteCode: '-3320', message: 'dlvNo 503: 이미 다른 주문에 사용된 송장번호입니다.', retryable: false },
        { key: '3003', ok: false, message: expect.stringContaining('courierCodes'), retryable: false },
      ]);
    });

    it('pushes one waybill for two orders sharing a dlvNo and reports it for each (issue 15)', async () => {
      const calls: string[] = [];
      nock(HOST)
        .get(/^\/rest\/ordservices\/reqdelivery\//)
        .times(10)
        .reply((uri) => {
          calls.push(uri);
          if (uri.endsWith('/601')) return [200, eucKr(resultOrder('-3313', '주문상태가 이미 변경되었습니다.')), EUC_KR_HEADERS];
          return [200, eucKr(resultOrder('0', '전체 2건이 정상적으로 발송처리가 되었습니다.')), EUC_KR_HEADERS];
        });
      const shippedAt = new Date('2026-02-26T01:05:00Z');
      const on = (...dlvNos: string[]) => dlvNos.map((dlvNo, index) => ({ externalLineId: String(index + 1), raw: { dlvNo } }));

      const results = await connector.pushTracking(context(), [
        { externalOrderId: '5001', lines: on('600'), carrier: 'cj', trackingNumber: '640012345678', shippedAt },
        { externalOrderId: '5002', lines: on('600'), carrier: 'cj', trackingNumber: '640012345679', shippedAt },
        { externalOrderId: '5003', lines: on('600', '601'), carrier: 'cj', trackingNumber: '640012345678', shippedAt },
        { externalOrderId: '5004', lines: on('601'), carrier: 'cj', trackingNumber: '640012345680', shippedAt },
      ]);

      expect(calls).toEqual([
        '/rest/ordservices/reqdelivery/202602261005/01/00034/640012345678/600',
        '/rest/ordservices/reqdelivery/202602261005/01/00034/640012345678/601',
      ]);
      expect(results).toEqual([
        { key: '5001', ok: true },
        {
          key: '5002',
          ok: true,
          message: 'dlvNo 600 shipped with order 5001 under invoice 640012345678 (11st keeps one waybill per dlvNo)',
        },
        { key: '5003', ok: false, siteCode: '-3313', message: 'dlvNo 601: 주문상태가 이미 변경되었습니다.', retryable: false },
        { key: '5004', ok: false, siteCode: '-3313', message: 'dlvNo 601: 주문상태가 이미 변경되었습니다.', retryable: false },
      ]);
    });

    it('sends `null` courier and invoice for delivery method 05 (no shipment)', async () => {
      const scope = nock(HOST)
        .get('/rest/ordservices/reqdelivery/202602251146/05/null/null/700')
        .reply(200, eucKr(resultOrder('0', 'ok')), EUC_KR_HEADERS);

      const results = await connector.pushTracking(context({ deliveryMethodCode: '05' }), [
        { externalOrderId: '4001', refs: { dlvNos: ['700'] }, carrier: 'none', trackingNumber: '', shippedAt: NOW },
      ]);

      expect(results).toEqual([{ key: '4001', ok: true }]);
      scope.done();
    });
  });
});
