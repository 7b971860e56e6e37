import { Logger } from '@nestjs/common';
import * as iconv from 'iconv-lite';
import nock from 'nock';

import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import type { OrderChangeBatch } from '../site-ports';
import { testConnectionContext } from '../testing/test-connection-context';
import { ElevenStreetClient } from './eleven-street.client';
import { ElevenStreetConnector } from './eleven-street.connector';
import { ELEVEN_STREET_DESCRIPTOR } from './eleven-street.descriptor';

/** The change intake on 11st (cancellations.md §3) against wire payloads shaped as the spec documents them. */

const HOST = 'https://api.11st.co.kr';
const NOW = new Date('2026-02-25T02:46:30Z'); // 11:46 KST
const NS = 'http://skt.tmall.business.openapi.spring.service.client.domain/';
const EUC_KR_HEADERS = { 'Content-Type': 'text/xml;charset=EUC-KR' };
const FAST = { ...ELEVEN_STREET_DESCRIPTOR, rateLimit: { maxConcurrent: 4, minTimeMs: 0 } };
const declaration = '<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>';
const eucKr = (xml: string) => iconv.encode(xml, 'euc-kr');

const row = (fields: Record<string, string>) =>
  `<ns2:order>${Object.entries(fields)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('')}</ns2:order>`;
const ordersXml = (rows: string[]) => `${declaration}\n<ns2:orders xmlns:ns2="${NS}">${rows.join('')}</ns2:orders>`;
const envelope = (code: string, text: string) =>
  `${declaration}<ns2:orders xmlns:ns2="${NS}"><ns2:result_code>${code}</ns2:result_code><ns2:result_text>${text}</ns2:result_text></ns2:orders>`;
const NONE = envelope('0', '해당 건이 없습니다.');
const NO_RESULTS = envelope('0', '조회된 결과가 없습니다.');
const resultOrder = (code: string, text: string) =>
  `${declaration}<ResultOrder><openMallID>11ST</openMallID><result_code>${code}</result_code><result_text>${text}</result_text></ResultOrder>`;

/** A `cancelorders` / `canceledorders` / `withdrawcanceledorders` row (§3.2, §3.3). */
const cancelRow = (fields: Record<string, string>) =>
  row({
    createDt: '2026-02-25 10:00:00',
    dlvNo: '2678260704',
    ordCnDtlsRsn: '단순 변심',
    ordCnMnbdCd: '01',
    ordCnQty: '1',
    ordCnRsnCd: '10',
    ordCnStatCd: '01',
    ordNo: '1001',
    ordPrdCnSeq: '500001',
    ordPrdSeq: '1',
    prdNo: '9105055173',
    slctPrdOptNm: '',
    ...fields,
  });
/** An `orderlistall(addr)` row (§3.7). */
const stateRow = (fields: Record<string, string>) =>
  row({
    dlvNo: '2678260704',
    ordCnQty: '0',
    ordNo: '1001',
    ordPrdSeq: '1',
    ordPrdStat: '301',
    ordQty: '1',
    prdNo: '9105055173',
    ...fields,
  });

async function collect(iterable: AsyncIterable<OrderChangeBatch>): Promise<OrderChangeBatch[]> {
  const batches: OrderChangeBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

describe('ElevenStreetConnector changes after intake', () => {
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

  /** Answers every claimservice call through `answer(path)`, recording the paths (without /rest/claimservice/). */
  function claimServer(answer: (call: string) => string | [number, string]) {
    const calls: string[] = [];
    nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY' } })
      .get(/^\/rest\/claimservice\//)
      .times(1000)
      .reply((uri) => {
        const call = decodeURIComponent(uri.replace('/rest/claimservice/', ''));
        calls.push(call);
        const answered = answer(call);
        const [status, body] = Array.isArray(answered) ? answered : [200, answered];
        return [status, eucKr(body), EUC_KR_HEADERS];
      });
    return calls;
  }
  const list = (call: string) => call.split('/')[0];

  describe('pullChanges', () => {
    it('walks initialLookbackDays in windows of at most 30 days over the five claim lists, cursor = window end', async () => {
      const calls = claimServer(() => NONE);

      const batches = await collect(connector.pullChanges(context({ initialLookbackDays: 45 }), null));

      expect(calls).toEqual([
        'cancelorders/202601111146/202602101146',
        'canceledorders/202601111146/202602101146',
        'withdrawcanceledorders/202601111146/202602101146',
        'returnorders/202601111146/202602101146',
        'exchangeorders/202601111146/202602101146',
        'cancelorders/202602101146/202602251146',
        'canceledorders/202602101146/202602251146',
        'withdrawcanceledorders/202602101146/202602251146',
        'returnorders/202602101146/202602251146',
        'exchangeorders/202602101146/202602251146',
      ]);
      expect(batches).toEqual([
        { changes: [], nextCursor: { value: '2026-02-10T02:46:00.000Z' } },
        { changes: [], nextCursor: { value: '2026-02-25T02:46:00.000Z' } },
      ]);
    });

    it('looks back 30 days without the setting, and from the cursor minus the overlap afterwards', async () => {
      const calls = claimServer(() => NO_RESULTS);

      await collect(connector.pullChanges(context(), null));
      await collect(connector.pullChanges(context({ overlapMinutes: 30 }), { value: '2026-02-25T01:00:00.000Z' }));

      expect(calls.filter((call) => list(call) === 'cancelorders')).toEqual([
        'cancelorders/202601261146/202602251146',
        'cancelorders/202602250930/202602251146',
      ]);
    });

    it('states what each list says: requests, completed cancels (read against orderlistall), withdrawals, returns, exchanges', async () => {
      const calls = claimServer((call) => {
        switch (list(call)) {
          case 'cancelorders':
            return ordersXml([
              // a request still open
              cancelRow({ ordNo: '1001', ordPrdSeq: '1', ordPrdCnSeq: '500001', createDt: '2026-02-25 09:00:00' }),
              // a request approved since (its 02 copy is in canceledorders)
              cancelRow({ ordNo: '1002', ordPrdSeq: '1', ordPrdCnSeq: '500002', createDt: '2026-02-25 08:00:00' }),
              // an immediate cancel at 202, listed here as 02 too
              cancelRow({
                ordNo: '1003',
                ordPrdSeq: '2',
                ordPrdCnSeq: '500003',
                ordCnStatCd: '02',
                ordCnQty: '1',
                createDt: '2026-02-25 07:00:00',
              }),
            ]);
          case 'canceledorders':
            return ordersXml([
              cancelRow({
                ordNo: '1002',
                ordPrdSeq: '1',
                ordPrdCnSeq: '500002',
                ordCnStatCd: '02',
                ordCnQty: '2',
                cnTrtEndDt: '2026-02-25 10:30:00',
                ordCnTypCd: '01',
              }),
              cancelRow({
                ordNo: '1003',
                ordPrdSeq: '2',
                ordPrdCnSeq: '500003',
                ordCnStatCd: '02',
                ordCnQty: '1',
                cnTrtEndDt: '2026-02-25 07:00:00',
              }),
              cancelRow({
                ordNo: '1004',
                ordPrdSeq: '1',
                ordPrdCnSeq: '500004',
                ordCnStatCd: '02',
                ordCnQty: '1',
                cnTrtEndDt: '2026-02-25 06:00:00',
              }),
            ]);
          case 'withdrawcanceledorders':
            return ordersXml([
              cancelRow({ ordNo: '1005', ordPrdSeq: '1', ordPrdCnSeq: '500005', ordCnStatCd: '05', cnTrtEndDt: '2026-02-25 11:00:00' }),
              cancelRow({ ordNo: '1006', ordPrdSeq: '1', ordPrdCnSeq: '500006', ordCnStatCd: '05', cnTrtEndDt: '2026-02-25 11:10:00' }),
            ]);
          case 'returnorders':
            return ordersXml([
              row({
                clmReqSeq: '900001',
                clmStat: '105',
                clmReqQty: '1',
                clmReqRsn: '단순변심',
                clmReqCont: '',
                ordNo: '0901',
                ordPrdSeq: '1',
                reqDt: '2026-02-25 05:00:00',
                twMthd: '06',
              }),
            ]);
          case 'exchangeorders':
            return ordersXml([
              row({
                clmReqSeq: '900002',
                clmStat: '201',
                clmReqQty: '1',
                clmReqRsn: '사이즈',
                ordNo: '0902',
                ordPrdSeq: '1',
                reqDt: '2026-02-25 04:00:00',
              }),
            ]);
          case 'orderlistall':
            return ordersXml([
              // 1002: 2 of 3 cancelled on line 1, line 2 untouched, nothing open → line_cancelled + released
              stateRow({ ordNo: '1002', ordPrdSeq: '1', ordPrdStat: '301', ordQty: '3', ordCnQty: '2' }),
              stateRow({ ordNo: '1002', ordPrdSeq: '2', ordPrdStat: '301', ordQty: '1' }),
              // 1003: line 1 cancelled earlier, line 2 now → cancelled
              stateRow({ ordNo: '1003', ordPrdSeq: '1', ordPrdStat: 'B01', ordQty: '1', ordCnQty: '1' }),
              stateRow({ ordNo: '1003', ordPrdSeq: '2', ordPrdStat: 'B01', ordQty: '1', ordCnQty: '1' }),
              // 1004: a single line wholly cancelled → cancelled
              stateRow({ ordNo: '1004', ordPrdSeq: '1', ordPrdStat: 'B01', ordQty: '1', ordCnQty: '1' }),
              // 1005: live again; 1006: another line still waits at 701 → not released
              stateRow({ ordNo: '1005', ordPrdSeq: '1', ordPrdStat: '301' }),
              stateRow({ ordNo: '1006', ordPrdSeq: '1', ordPrdStat: '301' }),
              stateRow({ ordNo: '1006', ordPrdSeq: '2', ordPrdStat: '701', ordCnQty: '1' }),
            ]);
          default:
            return NONE;
        }
      });

      const [batch] = await collect(connector.pullChanges(context({ initialLookbackDays: 1 }), null));

      expect(calls.filter((call) => list(call) === 'orderlistall')).toEqual(['orderlistall/1002,1003,1004,1005,1006']);
      const summary = batch.changes.map((change) => [change.externalOrderId, change.kind, change.siteRef]);
      expect(summary).toEqual([
        ['0902', 'exchange_requested', '900002:201'],
        ['0901', 'return_requested', '900001:105'],
        ['1004', 'cancelled', '500004:02'],
        ['1003', 'cancelled', '500003:02'],
        ['1001', 'cancel_requested', '500001:01'],
        ['1002', 'line_cancelled', '500002:02'],
        ['1002', 'released', '500002:02'],
        ['1005', 'released', '500005:05'],
      ]);
      const byKey = new Map(batch.changes.map((change) => [`${change.externalOrderId} ${change.kind}`, change]));
      expect(byKey.get('1001 cancel_requested')).toMatchObject({
        request: { ordPrdCnSeq: '500001', ordNo: '1001', ordPrdSeq: '1' },
        occurredAt: new Date('2026-02-25T00:00:00Z'),
        reason: '취소요청 500001 (line 1, qty 1, by buyer, ordCnRsnCd 10): 단순 변심',
      });
      expect(byKey.get('1002 line_cancelled')).toMatchObject({
        lines: [{ externalLineId: '1', liveQuantity: 1 }],
        occurredAt: new Date('2026-02-25T01:30:00Z'),
      });
      expect(byKey.get('0901 return_requested')?.reason).toBe('반품신청 (clmStat 105, line 1, qty 1): 단순변심');
      expect(batch.nextCursor).toEqual({ value: '2026-02-25T02:46:00.000Z' });
    });

    it('puts the open requests of one order into one cancel_requested (the core keeps one request per order)', async () => {
      claimServer((call) =>
        list(call) === 'cancelorders'
          ? ordersXml([
              cancelRow({ ordNo: '1001', ordPrdSeq: '2', ordPrdCnSeq: '500012', createDt: '2026-02-25 10:05:00' }),
              cancelRow({ ordNo: '1001', ordPrdSeq: '1', ordPrdCnSeq: '500011', createDt: '2026-02-25 10:00:00' }),
            ])
          : NONE,
      );

      const [batch] = await collect(connector.pullChanges(context(), { value: NOW.toISOString() }));

      expect(batch.changes).toEqual([
        expect.objectContaining({
          externalOrderId: '1001',
          kind: 'cancel_requested',
          siteRef: '500011:01,500012:01',
          request: { ordPrdCnSeq: '500011,500012', ordNo: '1001', ordPrdSeq: '1,2' },
          occurredAt: new Date('2026-02-25T01:05:00Z'),
        }),
      ]);
    });

    it('gives the same changes, with the same siteRefs, when a window is read again', async () => {
      claimServer((call) =>
        list(call) === 'cancelorders'
          ? ordersXml([cancelRow({ ordNo: '1001', ordPrdCnSeq: '500001' })])
          : list(call) === 'canceledorders'
            ? ordersXml([cancelRow({ ordNo: '1002', ordPrdCnSeq: '500002', ordCnStatCd: '02', ordCnQty: '1' })])
            : list(call) === 'orderlistall'
              ? ordersXml([stateRow({ ordNo: '1002', ordPrdStat: 'B01', ordCnQty: '1' })])
              : NONE,
      );
      const cursor = { value: '2026-02-25T02:00:00.000Z' };

      const first = await collect(connector.pullChanges(context(), cursor));
      const again = await collect(connector.pullChanges(context(), cursor));

      expect(again).toEqual(first);
      expect(first[0].changes.map((change) => `${change.kind} ${change.siteRef}`)).toEqual([
        'cancel_requested 500001:01',
        'cancelled 500002:02',
      ]);
    });

    it('ends the walk at an error mid-way: the batches before it stand, its window is never passed', async () => {
      const calls = claimServer((call) =>
        list(call) === 'withdrawcanceledorders' && call.endsWith('/202602251146') ? envelope('-1', '시스템 오류입니다.') : NONE,
      );
      const batches: OrderChangeBatch[] = [];

      await expect(
        (async () => {
          for await (const batch of connector.pullChanges(context({ initialLookbackDays: 40 }), null)) batches.push(batch);
        })(),
      ).rejects.toMatchObject({ constructor: SiteRejectedError, siteCode: '-1', siteMessage: '시스템 오류입니다.' });

      expect(batches.map((batch) => batch.nextCursor)).toEqual([{ value: '2026-02-15T02:46:00.000Z' }]);
      expect(calls.at(-1)).toBe('withdrawcanceledorders/202602151146/202602251146');
    });

    it('halves a window 11st calls too long (-28008), and fails on one that is not long (a day or less)', async () => {
      const calls = claimServer((call) => {
        const [, start, end] = call.split('/');
        const days =
          (Date.parse(`${end.slice(0, 4)}-${end.slice(4, 6)}-${end.slice(6, 8)}`) -
            Date.parse(`${start.slice(0, 4)}-${start.slice(4, 6)}-${start.slice(6, 8)}`)) /
          86_400_000;
        return list(call) === 'cancelorders' && days >= 20 ? envelope('-28008', '조회 기간은 최대 30일입니다.') : NONE;
      });

      const [batch] = await collect(connector.pullChanges(context(), null));

      expect(calls.filter((call) => list(call) === 'cancelorders')).toEqual([
        'cancelorders/202601261146/202602251146',
        'cancelorders/202601261146/202602101146',
        'cancelorders/202602101146/202602251146',
      ]);
      expect(batch.nextCursor).toEqual({ value: '2026-02-25T02:46:00.000Z' });

      nock.cleanAll();
      claimServer(() => envelope('-28008', '조회 기간은 최대 30일입니다.'));
      await expect(collect(connector.pullChanges(context({ overlapMinutes: 60 }), { value: NOW.toISOString() }))).rejects.toMatchObject({
        siteCode: '-28008',
      });
    });

    it('reads malformed values defensively: rows without ids are left out, unreadable quantities wait for the recheck', async () => {
      claimServer((call) => {
        if (list(call) === 'cancelorders')
          return ordersXml([cancelRow({ ordPrdCnSeq: '' }), cancelRow({ ordNo: '1001', ordPrdCnSeq: '500009', ordCnStatCd: '09' })]);
        if (list(call) === 'canceledorders')
          return ordersXml([
            cancelRow({ ordNo: '1002', ordPrdSeq: '1', ordPrdCnSeq: '500002', ordCnStatCd: '02', ordCnQty: 'abc' }),
            cancelRow({ ordNo: '1003', ordPrdSeq: '1', ordPrdCnSeq: '500003', ordCnStatCd: '02', ordCnQty: '1' }),
            cancelRow({ ordNo: '1007', ordPrdSeq: '1', ordPrdCnSeq: '500007', ordCnStatCd: '02', ordCnQty: '1' }),
          ]);
        if (list(call) === 'orderlistall')
          return ordersXml([
            stateRow({ ordNo: '1002', ordPrdStat: '301', ordQty: '2', ordCnQty: 'null' }),
            stateRow({ ordNo: '1003', ordPrdStat: '301', ordQty: 'null', ordCnQty: '1' }),
          ]);
        return NONE;
      });

      const [batch] = await collect(connector.pullChanges(context(), { value: NOW.toISOString() }));

      // 1002: the claim's quantity is unreadable and 11st's own count is empty; 1003: the ordered quantity is;
      // 1007: orderlistall does not list it and the claim row has no ordQty. Nothing is guessed.
      expect(batch.changes.map((change) => `${change.externalOrderId} ${change.kind}`)).toEqual(['1002 released', '1003 released']);
    });

    it('takes an HTML block page or a key refused by AuthMessage as an error, never as "no changes"', async () => {
      claimServer(() => [200, '<!DOCTYPE html><html><head><title>접근이 차단되었습니다</title></head><body>blocked<br></body></html>']);
      await expect(collect(connector.pullChanges(context(), null))).rejects.toMatchObject({
        constructor: SiteRejectedError,
        siteCode: 'not-xml',
        siteMessage: '접근이 차단되었습니다',
      });

      nock.cleanAll();
      claimServer(
        () => `${declaration}<AuthMessage><resultCode>-997</resultCode><message>인증키가 유효하지 않습니다.</message></AuthMessage>`,
      );
      await expect(collect(connector.pullChanges(context(), null))).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: '-997',
        siteMessage: '인증키가 유효하지 않습니다.',
      });
    });
  });

  describe('recheck', () => {
    it('reads orderlistalladdr by at most 100 order numbers, comma-separated; unknown orders are found:false', async () => {
      const ids = Array.from({ length: 150 }, (_, index) => `2026022500000${String(index).padStart(4, '0')}`);
      const calls = claimServer((call) =>
        call.includes(ids[3]) ? ordersXml([stateRow({ ordNo: ids[3], ordPrdStat: '202' })]) : NO_RESULTS,
      );

      const results = await connector.recheck(
        context(),
        ids.map((externalOrderId) => ({ externalOrderId })),
      );

      expect(calls).toEqual([`orderlistalladdr/${ids.slice(0, 100).join(',')}`, `orderlistalladdr/${ids.slice(100).join(',')}`]);
      expect(results).toHaveLength(150);
      expect(results[3]).toMatchObject({ externalOrderId: ids[3], found: true, siteStatus: '202', changes: [{ kind: 'released' }] });
      expect(results.filter((result) => !result.found)).toHaveLength(149);
      expect(results[0]).toEqual({ externalOrderId: ids[0], found: false, changes: [] });
    });

    it('derives cancels, line cancels, requests (claim number from cancelorders), the address and releases', async () => {
      const calls = claimServer((call) => {
        if (list(call) === 'orderlistalladdr')
          return ordersXml([
            stateRow({ ordNo: '2001', ordPrdSeq: '1', ordPrdStat: 'B01', ordCnQty: '1' }),
            stateRow({ ordNo: '2001', ordPrdSeq: '2', ordPrdStat: 'B01', ordCnQty: '1' }),
            stateRow({
              ordNo: '2002',
              ordPrdSeq: '1',
              ordPrdStat: '202',
              ordQty: '3',
              ordCnQty: '1',
              rcvrNm: '이서연',
              rcvrMailNo: '48058',
              rcvrBaseAddr: '부산광역시 해운대구 센텀중앙로 79',
              rcvrDtlsAddr: '2504호',
              rcvrPrtblNo: '010-2222-3333',
            }),
            stateRow({ ordNo: '2002', ordPrdSeq: '2', ordPrdStat: 'B01', ordQty: '1', ordCnQty: '1' }),
            stateRow({ ordNo: '2003', ordPrdSeq: '1', ordPrdStat: '701', ordQty: '2', ordCnQty: '2' }),
            stateRow({ ordNo: '2004', ordPrdSeq: '1', ordPrdStat: '701' }),
            stateRow({ ordNo: '2005', ordPrdSeq: '1', ordPrdStat: '401', invcNo: '612345678901' }),
            stateRow({ ordNo: '2006', ordPrdSeq: '1', ordPrdStat: 'Z99' }),
          ]);
        if (list(call) === 'cancelorders')
          return ordersXml([
            cancelRow({ ordNo: '2003', ordPrdSeq: '1', ordPrdCnSeq: '600003', ordCnQty: '2', createDt: '2026-02-24 12:00:00' }),
            cancelRow({ ordNo: '2009', ordPrdSeq: '1', ordPrdCnSeq: '600009', ordCnStatCd: '02' }),
          ]);
        return NONE;
      });

      const results = await connector.recheck(
        context(),
        ['2001', '2002', '2003', '2004', '2005', '2006'].map((externalOrderId) => ({ externalOrderId })),
      );

      expect(calls).toEqual(['orderlistalladdr/2001,2002,2003,2004,2005,2006', 'cancelorders/202601261146/202602251146']);
      const [cancelled, partial, requested, unnumbered, shipped, unknown] = results;
      expect(cancelled).toMatchObject({ found: true, siteStatus: 'B01', changes: [{ kind: 'cancelled' }] });
      expect(cancelled.changes[0].siteRef).toBe('orderlistalladdr@202602251146:1=B01/1;2=B01/1');
      expect(partial.siteStatus).toBe('202');
      expect(partial.changes.map((change) => change.kind)).toEqual(['line_cancelled', 'address_changed', 'released']);
      expect(partial.changes[0].lines).toEqual([
        { externalLineId: '2', liveQuantity: 0 },
        { externalLineId: '1', liveQuantity: 2 },
      ]);
      expect(partial.changes[1].recipient).toEqual({
        name: '이서연',
        postalCode: '48058',
        country: 'KR',
        line1: '부산광역시 해운대구 센텀중앙로 79',
        line2: '2504호',
        phone: '010-2222-3333',
      });
      expect(requested).toMatchObject({
        siteStatus: '701',
        changes: [
          {
            kind: 'cancel_requested',
            siteRef: '600003:01',
            request: { ordPrdCnSeq: '600003', ordNo: '2003', ordPrdSeq: '1' },
            occurredAt: new Date('2026-02-24T03:00:00Z'),
          },
        ],
      });
      expect(unnumbered.changes).toEqual([
        expect.objectContaining({ kind: 'cancel_requested', request: { ordNo: '2004', ordPrdSeq: '1' } }),
      ]);
      expect(shipped).toMatchObject({ found: true, siteStatus: '401', changes: [] });
      expect(unknown).toMatchObject({ found: true, siteStatus: 'Z99', changes: [] });
    });
  });

  it('rechecks an order with two lines waiting: one request naming both, the unknown claim number left empty', async () => {
    claimServer((call) =>
      list(call) === 'orderlistalladdr'
        ? ordersXml([
            stateRow({ ordNo: '2010', ordPrdSeq: '1', ordPrdStat: '701' }),
            stateRow({ ordNo: '2010', ordPrdSeq: '2', ordPrdStat: '701' }),
          ])
        : list(call) === 'cancelorders'
          ? ordersXml([cancelRow({ ordNo: '2010', ordPrdSeq: '2', ordPrdCnSeq: '600012' })])
          : NONE,
    );

    const [result] = await connector.recheck(context(), [{ externalOrderId: '2010' }]);

    expect(result.changes).toEqual([
      expect.objectContaining({
        kind: 'cancel_requested',
        siteRef: 'orderlistalladdr@202602251146:1=701/0;2=701/0:701',
        request: { ordPrdCnSeq: ',600012', ordNo: '2010', ordPrdSeq: '1,2' },
      }),
    ]);
  });

  describe('approveCancel', () => {
    it("calls cancelreqconf per requested line and answers per order with 11st's code and text", async () => {
      const calls = claimServer((call) => {
        if (call.startsWith('cancelreqconf/500001/')) return resultOrder('0', '전체 1건이 정상적으로 취소처리가 되었습니다.');
        if (call.startsWith('cancelreqconf/500002/')) return resultOrder('-22002', '이미 취소 완료된 신청건 입니다.');
        if (call.startsWith('cancelreqconf/500003/')) return resultOrder('-22001', '취소신청 내역이 존재하지 않습니다.');
        if (call.startsWith('cancelreqconf/500004/')) return resultOrder('-1000', '서버 점검중입니다');
        if (list(call) === 'cancelorders') return ordersXml([cancelRow({ ordNo: '3005', ordPrdSeq: '2', ordPrdCnSeq: '500005' })]);
        if (call.startsWith('cancelreqconf/500005/')) return resultOrder('0', '전체 1건이 정상적으로 취소처리가 되었습니다.');
        return NONE;
      });

      const results = await connector.approveCancel(context(), [
        { externalOrderId: '3001', request: { ordPrdCnSeq: '500001', ordNo: '3001', ordPrdSeq: '1' } },
        { externalOrderId: '3001', request: { ordPrdCnSeq: '500002', ordNo: '3001', ordPrdSeq: '2' } },
        { externalOrderId: '3003', request: { ordPrdCnSeq: '500003', ordNo: '3003', ordPrdSeq: '1' } },
        { externalOrderId: '3004', request: { ordPrdCnSeq: '500004', ordNo: '3004', ordPrdSeq: '1' } },
        { externalOrderId: '3005', request: { ordNo: '3005', ordPrdSeq: '2' } },
        { externalOrderId: '3006', request: { ordNo: '3006', ordPrdSeq: '1' } },
        { externalOrderId: '3007', request: {} },
      ]);

      expect(calls.filter((call) => call.startsWith('cancelreqconf/500004/'))).toHaveLength(4);
      expect(calls.filter((call) => list(call) === 'cancelorders')).toEqual(['cancelorders/202601261146/202602251146']);
      expect(calls).toContain('cancelreqconf/500001/3001/1');
      expect(calls).toContain('cancelreqconf/500005/3005/2');
      expect(results).toEqual([
        {
          key: '3001',
          ok: true,
          siteCode: '0',
          message: 'line 1: 전체 1건이 정상적으로 취소처리가 되었습니다.; line 2: 이미 취소 완료된 신청건 입니다.',
        },
        { key: '3003', ok: false, siteCode: '-22001', message: 'line 1: 취소신청 내역이 존재하지 않습니다.', retryable: false },
        { key: '3004', ok: false, siteCode: '-1000', message: 'line 1: 서버 점검중입니다', retryable: true },
        { key: '3005', ok: true, siteCode: '0', message: '전체 1건이 정상적으로 취소처리가 되었습니다.' },
        { key: '3006', ok: false, message: expect.stringContaining('no open cancel request'), retryable: false },
        { key: '3007', ok: false, message: expect.stringContaining('names no 11st line'), retryable: false },
      ]);
    });

    it('approves every line a request names (comma lists), looking up the claim numbers it lacks', async () => {
      const calls = claimServer((call) => {
        if (list(call) === 'cancelorders') return ordersXml([cancelRow({ ordNo: '3010', ordPrdSeq: '1', ordPrdCnSeq: '600011' })]);
        return resultOrder('0', '전체 1건이 정상적으로 취소처리가 되었습니다.');
      });

      const results = await connector.approveCancel(context(), [
        { externalOrderId: '3010', request: { ordPrdCnSeq: ',600012', ordNo: '3010', ordPrdSeq: '1,2' } },
      ]);

      expect(calls).toEqual(['cancelorders/202601261146/202602251146', 'cancelreqconf/600011/3010/1', 'cancelreqconf/600012/3010/2']);
      expect(results).toEqual([{ key: '3010', ok: true, siteCode: '0', message: expect.stringMatching(/^line 1: .*; line 2: /) }]);
    });

    it('lets a refused key end the call (the connection is marked upstream)', async () => {
      claimServer(() => resultOrder('-1', 'OpenAPI Key 에 해당하는 유저가 없습니다.'));
      await expect(
        connector.approveCancel(context(), [{ externalOrderId: '3001', request: { ordPrdCnSeq: '1', ordNo: '3001', ordPrdSeq: '1' } }]),
      ).rejects.toBeInstanceOf(SiteAuthError);
    });
  });

  it('offers the change ports', () => {
    expect(connector.ports.orderChangeSource).toBe(connector);
    expect(connector.ports.cancelRequestHandler).toBe(connector);
  });
});
