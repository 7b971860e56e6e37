import { Logger } from '@nestjs/common';
import * as iconv from 'iconv-lite';
import nock from 'nock';

import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import { testConnectionContext } from '../testing/test-connection-context';
import { ElevenStreetClient } from './eleven-street.client';
import { ElevenStreetConnector } from './eleven-street.connector';
import { ELEVEN_STREET_DESCRIPTOR } from './eleven-street.descriptor';

const HOST = 'https://api.11st.co.kr';
const NOW = new Date('2026-02-25T02:46:30Z'); // 11:46 KST
const NS = 'http://skt.tmall.business.openapi.spring.service.client.domain/';

/** Recorded 11st answers (specs/11st.md §3, §9), sent as EUC-KR bytes like the real API. */
const eucKr = (xml: string) => iconv.encode(xml, 'euc-kr');
const EUC_KR_HEADERS = { 'Content-Type': 'text/xml;charset=EUC-KR' };
const paidOrders = `<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>
<ns2:orders xmlns:ns2="${NS}">
    <ns2:order>
        <addPrdNo>0</addPrdNo>
        <addPrdYn>N</addPrdYn>
        <dlvNo>2678260704</dlvNo>
        <dlvMthdCd>null</dlvMthdCd>
        <invcNo></invcNo>
        <ordNo>20260225044348982</ordNo>
        <ordPrdSeq>1</ordPrdSeq>
        <ordPrdStat>202</ordPrdStat>
        <ordQty>1</ordQty>
        <prdNm>Apple 아이폰 에어 256GB</prdNm>
        <prdStckNo>44699820216</prdStckNo>
        <rcvrBaseAddr>서울특별시 강남구</rcvrBaseAddr>
        <sellerPrdCd>IP17A_256_LG_MNP_11ST</sellerPrdCd>
        <sellerStockCd>CDESAD001</sellerStockCd>
        <slctPrdOptNm>요금제:프리미어 시그니처-1개</slctPrdOptNm>
    </ns2:order>
</ns2:orders>`;
const noResults = `<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>
<ns2:orders xmlns:ns2="${NS}"><ns2:result_code>0</ns2:result_code><ns2:result_text>조회된 결과가 없습니다.</ns2:result_text></ns2:orders>`;
const unknownKey = `<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>
<ns2:orders xmlns:ns2="${NS}"><ns2:result_code>-1</ns2:result_code><ns2:result_text>주문/클레임 조회 오류 MSG : OpenAPI Key 에 해당하는 유저가 없습니다.</ns2:result_text></ns2:orders>`;
const maintenance = `<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>
<ns2:orders xmlns:ns2="${NS}"><ns2:result_code>-1000</ns2:result_code><ns2:result_text>서버 점검중입니다</ns2:result_text></ns2:orders>`;
const badWindow = `<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>
<ns2:orders xmlns:ns2="${NS}"><ns2:result_code>-3105</ns2:result_code><ns2:result_text>조회 기간은 최대 7일입니다.</ns2:result_text></ns2:orders>`;

describe('ElevenStreetConnector', () => {
  const client = new ElevenStreetClient();
  const connector = new ElevenStreetConnector(client);
  const context = (credentials: Record<string, string> = { openApiKey: 'OPEN-API-KEY' }) =>
    testConnectionContext(ELEVEN_STREET_DESCRIPTOR, { shopId: 'seller01', credentials, now: () => NOW });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('tests with a one-minute paid-order window in KST, sending the key header', async () => {
    const scope = nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY' } })
      .get('/rest/ordservices/complete/202602251145/202602251146')
      .reply(200, eucKr(noResults), EUC_KR_HEADERS);

    await expect(connector.testConnection(context())).resolves.toMatchObject({ ok: true, details: { ordersFound: 0 } });
    scope.done();
  });

  it('decodes EUC-KR order lists by their XML declaration, namespaces dropped', async () => {
    nock(HOST).get('/rest/ordservices/complete/202602190000/202602252359').reply(200, eucKr(paidOrders), { 'Content-Type': 'text/xml' });

    const result = await client.get(context(), 'ordservices/complete/202602190000/202602252359');

    const orders = (result.document.orders as { order: Record<string, string>[] }).order;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      prdNm: 'Apple 아이폰 에어 256GB',
      rcvrBaseAddr: '서울특별시 강남구',
      slctPrdOptNm: '요금제:프리미어 시그니처-1개',
      ordNo: '20260225044348982',
      addPrdNo: '0',
      invcNo: '',
      sellerStockCd: 'CDESAD001',
    });
    expect(result.code).toBeUndefined();
  });

  it('believes the XML declaration over a wrong Content-Type charset', async () => {
    const utf8Document = noResults.replace('encoding="EUC-KR"', 'encoding="UTF-8"');
    nock(HOST).get('/rest/ordservices/complete/202602251145/202602251146').reply(200, Buffer.from(utf8Document, 'utf8'), EUC_KR_HEADERS);

    const result = await client.get(context(), 'ordservices/complete/202602251145/202602251146');

    expect(result).toMatchObject({ code: '0', text: '조회된 결과가 없습니다.' });
  });

  it('throws SiteAuthError for an unknown key, with the Korean message intact', async () => {
    nock(HOST)
      .get(/\/rest\/ordservices\/complete\//)
      .once()
      .reply(200, eucKr(unknownKey), EUC_KR_HEADERS);

    await expect(connector.testConnection(context({ openApiKey: 'WRONG' }))).rejects.toMatchObject({
      constructor: SiteAuthError,
      siteCode: '-1',
      siteMessage: '주문/클레임 조회 오류 MSG : OpenAPI Key 에 해당하는 유저가 없습니다.',
    });
  });

  it('retries -1000 (maintenance) and reports it when it persists', async () => {
    const scope = nock(HOST)
      .get(/\/rest\/ordservices\/complete\//)
      .twice()
      .reply(200, eucKr(maintenance), EUC_KR_HEADERS);

    await expect(connector.testConnection(context())).resolves.toMatchObject({
      ok: false,
      siteCode: '-1000',
      message: '서버 점검중입니다',
    });
    scope.done();
  });

  it('rejects other negative codes without retrying', async () => {
    const scope = nock(HOST)
      .get(/\/rest\/ordservices\/complete\//)
      .once()
      .reply(200, eucKr(badWindow), EUC_KR_HEADERS);

    await expect(client.get(context(), 'ordservices/complete/202601010000/202602250000')).rejects.toMatchObject({
      constructor: SiteRejectedError,
      siteCode: '-3105',
      siteMessage: '조회 기간은 최대 7일입니다.',
    });
    scope.done();
  });

  it('reads the stock endpoint ClientMessage (UTF-8, resultCode 200) as success', async () => {
    nock(HOST)
      .get('/rest/prodservices/stockqty/434450294')
      .reply(
        200,
        '<?xml version="1.0" encoding="UTF-8"?><ClientMessage><productNo>434450294</productNo><message>수량이 업데이트 되었습니다.</message><resultCode>200</resultCode></ClientMessage>',
      );

    await expect(client.get(context(), 'prodservices/stockqty/434450294')).resolves.toMatchObject({ code: '200' });
  });

  describe('answers that are not the expected XML document (issue 15)', () => {
    const blockPage =
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>요청하신 페이지에 접근할 수 없습니다</title></head><body><p>차단<br></body></html>';

    it('takes an HTML page on an order list as an error, never as an empty list', async () => {
      nock(HOST)
        .get(/\/rest\/ordservices\/complete\//)
        .reply(200, blockPage, { 'Content-Type': 'text/html;charset=UTF-8' });

      await expect(client.get(context(), 'ordservices/complete/202602250000/202602251146', { roots: ['orders'] })).rejects.toMatchObject({
        constructor: SiteRejectedError,
        siteCode: 'not-xml',
        siteMessage: '요청하신 페이지에 접근할 수 없습니다',
      });
    });

    it('fails the pull and the connection test on a block page, an empty body or plain text', async () => {
      for (const body of [blockPage, '', 'Service Temporarily Unavailable']) {
        nock.cleanAll();
        nock(HOST)
          .get(/\/rest\/ordservices\//)
          .times(20)
          .reply(200, body);
        const pulled = (async () => {
          for await (const batch of connector.pullOrders(context(), null)) void batch;
        })();
        await expect(pulled).rejects.toBeInstanceOf(SiteRejectedError);
        await expect(connector.testConnection(context())).resolves.toMatchObject({ ok: false, siteCode: 'not-xml' });
      }
    });

    it('does not count a confirm as done when the answer is an HTML page or a ResultOrder without a code', async () => {
      nock(HOST)
        .get('/rest/ordservices/reqpackaging/2001/1/N/null/77')
        .reply(404, blockPage, { 'Content-Type': 'text/html' })
        .get('/rest/ordservices/reqpackaging/2002/1/N/null/78')
        .reply(
          200,
          eucKr('<?xml version="1.0" encoding="EUC-KR"?><ResultOrder><openMallID>11ST</openMallID></ResultOrder>'),
          EUC_KR_HEADERS,
        );
      const line = (ordNo: string, dlvNo: string) => [
        { externalLineId: '1', raw: { ordNo, ordPrdSeq: '1', addPrdYn: 'N', addPrdNo: '', dlvNo } },
      ];

      const results = await connector.confirmOrders(context(), [
        { externalOrderId: '2001', lines: line('2001', '77') },
        { externalOrderId: '2002', lines: line('2002', '78') },
      ]);

      expect(results).toEqual([
        { key: '2001', ok: false, siteCode: 'not-xml', message: 'line 1: 요청하신 페이지에 접근할 수 없습니다', retryable: false },
        { key: '2002', ok: false, siteCode: 'no-result-code', message: expect.stringContaining('without a result code'), retryable: false },
      ]);
    });

    it('takes a document with another root as an error (a stock answer where an order list was asked for)', async () => {
      nock(HOST)
        .get(/\/rest\/ordservices\/complete\//)
        .reply(
          200,
          '<?xml version="1.0" encoding="UTF-8"?><ClientMessage><message>ok</message><resultCode>200</resultCode></ClientMessage>',
        );

      await expect(client.get(context(), 'ordservices/complete/202602250000/202602251146', { roots: ['orders'] })).rejects.toMatchObject({
        siteCode: 'unexpected-document',
      });
    });

    it('takes an AuthMessage (key refused, -997) as SiteAuthError, on lists and on actions alike', async () => {
      const authMessage = eucKr(
        '<?xml version="1.0" encoding="EUC-KR"?><AuthMessage><resultCode>-997</resultCode><message>OpenAPI 인증키가 만료되었습니다.</message></AuthMessage>',
      );
      nock(HOST)
        .get(/\/rest\/ordservices\//)
        .times(2)
        .reply(200, authMessage, EUC_KR_HEADERS);

      await expect(connector.testConnection(context())).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: '-997',
        siteMessage: 'OpenAPI 인증키가 만료되었습니다.',
      });
      await expect(
        connector.confirmOrders(context(), [
          {
            externalOrderId: '1',
            lines: [{ externalLineId: '1', raw: { ordNo: '1', ordPrdSeq: '1', addPrdYn: 'N', addPrdNo: '', dlvNo: '9' } }],
          },
        ]),
      ).rejects.toBeInstanceOf(SiteAuthError);
    });

    it('takes -997 in the usual envelope as a key failure too', async () => {
      nock(HOST)
        .get(/\/rest\/ordservices\/complete\//)
        .reply(200, eucKr(noResults.replace('>0<', '>-997<').replace('조회된 결과가 없습니다.', '인증 실패')), EUC_KR_HEADERS);
      await expect(client.get(context(), 'ordservices/complete/202602250000/202602251146')).rejects.toBeInstanceOf(SiteAuthError);
    });
  });

  it('keys listings by the seller stock code, else the seller product code', () => {
    const line = { externalLineId: '20260225044348982-1', productCode: 'IP17A_256_LG_MNP_11ST', productName: 'Apple', quantity: 1 };
    expect(connector.listingKey({ ...line, optionCode: 'CDESAD001' })).toEqual({
      key: 'CDESAD001',
      productCode: 'IP17A_256_LG_MNP_11ST',
      optionCode: 'CDESAD001',
    });
    expect(connector.listingKey(line)).toEqual({ key: 'IP17A_256_LG_MNP_11ST', productCode: 'IP17A_256_LG_MNP_11ST' });
  });
});
