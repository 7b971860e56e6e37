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
