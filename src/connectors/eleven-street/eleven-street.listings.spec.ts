import { Logger } from '@nestjs/common';
import * as iconv from 'iconv-lite';
import nock from 'nock';

import { SiteAuthError } from '../http/site-errors';
import type { SiteListing } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { ElevenStreetClient } from './eleven-street.client';
import { ElevenStreetConnector } from './eleven-street.connector';
import { ELEVEN_STREET_DESCRIPTOR } from './eleven-street.descriptor';

const HOST = 'https://api.11st.co.kr';
const NS = 'http://skt.tmall.business.openapi.spring.service.client.domain/';
const EUC_KR_HEADERS = { 'Content-Type': 'text/xml;charset=EUC-KR' };
const FAST = { ...ELEVEN_STREET_DESCRIPTOR, rateLimit: { maxConcurrent: 1, minTimeMs: 0 } };
const eucKr = (xml: string) => iconv.encode(xml, 'euc-kr');
const DECLARATION = '<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>';

interface StockRowFields {
  prdStckNo: string;
  sellerStockCd: string;
  stckQty: number;
  optWght: number;
  mixDtlOptNm?: string;
}

/** `GET prodmarket/stck/{prdNo}` (apiSeq 1623, specs/11st.md §7): one product's option rows. */
function stocksXml(prdNo: string, sellerPrdCd: string, rows: StockRowFields[]): Buffer {
  const stock = (row: StockRowFields) =>
    `<ns2:ProductStock><addPrc>0</addPrc><mixDtlOptNm>${row.mixDtlOptNm ?? ''}</mixDtlOptNm><mixOptNm>색상:사이즈</mixOptNm><mixOptNo>1</mixOptNo>` +
    `<optWght>${row.optWght}</optWght><prdNo>${prdNo}</prdNo><prdStckNo>${row.prdStckNo}</prdStckNo>` +
    `<prdStckStatCd>${row.stckQty > 0 ? '01' : '02'}</prdStckStatCd><selQty>0</selQty><sellerStockCd>${row.sellerStockCd}</sellerStockCd>` +
    `<stckQty>${row.stckQty}</stckQty></ns2:ProductStock>`;
  return eucKr(
    `${DECLARATION}<ns2:ProductStocks xmlns:ns2="${NS}">${rows.map(stock).join('')}<ns2:prdNm>상품 ${prdNo}</ns2:prdNm>` +
      `<ns2:prdNo>${prdNo}</ns2:prdNo><ns2:sellerPrdCd>${sellerPrdCd}</ns2:sellerPrdCd><productComponents/></ns2:ProductStocks>`,
  );
}

/** `GET sellerprodcode/{code}` (apiSeq 1621), observed in UTF-8; an empty answer is an empty `ns2:products`. */
function productsByCodeXml(products: Array<{ prdNo: string; sellerPrdCd: string; selStatCd?: string }>): string {
  const product = (p: { prdNo: string; sellerPrdCd: string; selStatCd?: string }) =>
    `<ns2:product><bndlDlvCnYn>N</bndlDlvCnYn><dispCtgrNo>19021</dispCtgrNo><prdNm>상품 ${p.prdNo}</prdNm><prdNo>${p.prdNo}</prdNo>` +
    `<selPrc>12900</selPrc><selStatCd>${p.selStatCd ?? '103'}</selStatCd><selStatNm>판매중</selStatNm><sellerPrdCd>${p.sellerPrdCd}</sellerPrdCd></ns2:product>`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><ns2:products xmlns:ns2="${NS}">${products.map(product).join('')}</ns2:products>`;
}

/** `POST prodmarketservice/prodmarket` (다중 상품 조회, apiSeq 1007): products without their options. */
function searchXml(products: Array<{ prdNo: string; sellerPrdCd: string; selStatCd?: string }>): Buffer {
  const product = (p: { prdNo: string; sellerPrdCd: string; selStatCd?: string }) =>
    `<ns2:product><cuponcheck>N</cuponcheck><dispCtgrNo>19021</dispCtgrNo><exchDlvCst>0</exchDlvCst><imageKindChk>01</imageKindChk>` +
    `<prdNm>상품 ${p.prdNo}</prdNm><prdNo>${p.prdNo}</prdNo><proxyYn>N</proxyYn><selPrc>12900</selPrc>` +
    `<selStatCd>${p.selStatCd ?? '103'}</selStatCd><selStatNm>판매중</selStatNm><sellerPrdCd>${p.sellerPrdCd}</sellerPrdCd>` +
    `<stdPrdYn>N</stdPrdYn></ns2:product>`;
  return eucKr(`${DECLARATION}<ns2:products xmlns:ns2="${NS}">${products.map(product).join('')}</ns2:products>`);
}

/** `PUT stockqty/{prdStckNo}` (apiSeq 1625): ClientMessage with resultCode 200, or 404 when the number is gone. */
const clientMessage = (code: string, message: string, prdStckNo = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><ClientMessage><productNo>${prdStckNo}</productNo><message>${message}</message><resultCode>${code}</resultCode></ClientMessage>`;
const maintenance = eucKr(
  `${DECLARATION}<ClientMessage><message>서버 점검중입니다.</message><resultCode>-1000</resultCode></ClientMessage>`,
);

const TEE = { prdNo: '9105055200', sellerPrdCd: 'TEE' };
const TEE_ROWS: StockRowFields[] = [
  { prdStckNo: '44699820301', sellerStockCd: 'TEE-BK-M', stckQty: 30, optWght: 2, mixDtlOptNm: '블랙:M' },
  { prdStckNo: '44699820302', sellerStockCd: 'TEE-BK-L', stckQty: 12, optWght: 1, mixDtlOptNm: '블랙:L' },
];
const storedListing = (listingKey: string, address: Record<string, unknown>): SiteListing => ({
  listingKey,
  productCode: 'TEE',
  address,
  quantity: 12,
});

describe('ElevenStreetConnector listings (ListingDirectory) and stock push', () => {
  const connector = new ElevenStreetConnector(new ElevenStreetClient());
  const context = () => testConnectionContext(FAST, { connectionId: 'c-11st', credentials: { openApiKey: 'OPEN-API-KEY' } });
  let unmatched: string[];
  const recordUnmatched = (request: { method?: string; path?: string }) => unmatched.push(`${request.method} ${request.path}`);

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    unmatched = [];
    nock.emitter.on('no match', recordUnmatched);
  });
  afterEach(() => {
    nock.emitter.removeListener('no match', recordUnmatched);
    nock.cleanAll();
  });

  /** Stock reads answered from `catalog` (prdNo → rows), recording which products were read. */
  function stockServer(catalog: Map<string, { sellerPrdCd: string; rows: StockRowFields[] }>) {
    const read: string[] = [];
    nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY' } })
      .get(/^\/rest\/prodmarketservice\/prodmarket\/stck\/\d+$/)
      .times(1000)
      .reply((uri) => {
        const prdNo = uri.split('/').at(-1)!;
        read.push(prdNo);
        const product = catalog.get(prdNo);
        if (!product) return [200, clientMessage('404', `상품번호 ${prdNo} 에 해당하는 상품이 없습니다.`)];
        return [200, stocksXml(prdNo, product.sellerPrdCd, product.rows), EUC_KR_HEADERS];
      });
    return read;
  }

  /** The product search answered page by page from `pages`, recording each request body. */
  function searchServer(pages: Array<Array<{ prdNo: string; sellerPrdCd: string; selStatCd?: string }>>) {
    const bodies: string[] = [];
    nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY', 'content-type': 'text/xml; charset=EUC-KR' } })
      .post('/rest/prodmarketservice/prodmarket')
      .times(pages.length)
      .reply((_uri, body) => {
        bodies.push(String(body));
        return [200, searchXml(pages[bodies.length - 1]), EUC_KR_HEADERS];
      });
    return bodies;
  }

  /** `count` products (prdNo from `first`), each with one option that is none of the keys looked for. */
  function fillerProducts(first: number, count: number) {
    return Array.from({ length: count }, (_, index) => ({ prdNo: String(first + index), sellerPrdCd: `OTHER-${first + index}` }));
  }

  describe('when 11st cannot be asked, or the listing is not there', () => {
    it('fails only the listings whose lookup failed, retryable, and still pushes a listing with a stored address', async () => {
      nock(HOST).get('/rest/prodmarketservice/sellerprodcode/MUG').times(8).reply(200, maintenance, EUC_KR_HEADERS);
      const put = nock(HOST).put('/rest/prodservices/stockqty/44699820302').reply(200, clientMessage('200', '수량이 업데이트 되었습니다.'));

      const results = await connector.pushStock(context(), [
        { listingKey: 'MUG-BLUE', productCode: 'MUG', quantity: 4 },
        {
          listingKey: 'TEE-BK-L',
          quantity: 7,
          listing: storedListing('TEE-BK-L', { prdNo: '9105055200', prdStckNo: '44699820302', optWght: '1' }),
        },
      ]);

      expect(results).toEqual([
        { key: 'MUG-BLUE', ok: false, siteCode: '-1000', message: expect.stringContaining('서버 점검중입니다'), retryable: true },
        { key: 'TEE-BK-L', ok: true },
      ]);
      put.done();
      await expect(connector.readListings(context(), [{ listingKey: 'MUG-BLUE', productCode: 'MUG' }])).rejects.toMatchObject({
        siteCode: '-1000',
      });
    });

    it('fails every listing the sweep was looking for when a search page cannot be read', async () => {
      nock(HOST)
        .post('/rest/prodmarketservice/prodmarket')
        .reply(200, '<!DOCTYPE html><html><head><title>접근 차단</title></head><body></body></html>', { 'Content-Type': 'text/html' });

      const results = await connector.pushStock(context(), [{ listingKey: 'NEVER-ORDERED', quantity: 3 }]);

      expect(results).toEqual([
        { key: 'NEVER-ORDERED', ok: false, siteCode: 'not-xml', message: expect.stringContaining('접근 차단'), retryable: true },
      ]);
    });

    it('lets refused credentials through as a SiteAuthError (the connection needs the seller)', async () => {
      nock(HOST)
        .get('/rest/prodmarketservice/sellerprodcode/TEE')
        .reply(
          200,
          eucKr(
            `${DECLARATION}<AuthMessage><resultCode>-997</resultCode><message>OpenAPI 인증키가 만료되었습니다.</message></AuthMessage>`,
          ),
        );

      await expect(connector.pushStock(context(), [{ listingKey: 'TEE-BK-M', productCode: 'TEE', quantity: 1 }])).rejects.toBeInstanceOf(
        SiteAuthError,
      );
    });

    it('reports an option its product does not have as absent, without sweeping or pushing', async () => {
      nock(HOST)
        .get('/rest/prodmarketservice/sellerprodcode/TEE')
        .twice()
        .reply(200, productsByCodeXml([TEE]));
      stockServer(new Map([[TEE.prdNo, { sellerPrdCd: 'TEE', rows: TEE_ROWS }]]));

      const listings = await connector.readListings(context(), [{ listingKey: 'TEE-WH-XL', productCode: 'TEE' }]);
      const results = await connector.pushStock(context(), [{ listingKey: 'TEE-WH-XL', productCode: 'TEE', quantity: 2 }]);

      expect(listings.size).toBe(0);
      expect(results).toEqual([{ key: 'TEE-WH-XL', ok: false, message: expect.stringContaining('"TEE-WH-XL"'), retryable: false }]);
      expect(unmatched).toEqual([]);
    });

    it('says a stored address 11st answers 404 for is gone (listing null), retryable', async () => {
      const put = nock(HOST)
        .put('/rest/prodservices/stockqty/44699820399')
        .reply(200, clientMessage('404', '해당 상품/재고 번호 없음.', '44699820399'));

      const results = await connector.pushStock(context(), [
        {
          listingKey: 'TEE-BK-M',
          quantity: 5,
          listing: storedListing('TEE-BK-M', { prdNo: '9105055200', prdStckNo: '44699820399', optWght: '2' }),
        },
      ]);

      expect(results).toEqual([
        { key: 'TEE-BK-M', ok: false, siteCode: '404', message: '해당 상품/재고 번호 없음.', retryable: true, listing: null },
      ]);
      put.done();
      expect(unmatched).toEqual([]);
    });

    it('ends the sweep when a page brings no new product (the API ignored `start`), the key absent', async () => {
      const page = fillerProducts(1000, 100);
      const bodies = searchServer([page, page]);
      stockServer(new Map(page.map((p) => [p.prdNo, { sellerPrdCd: p.sellerPrdCd, rows: [] }])));

      const listings = await connector.readListings(context(), [{ listingKey: 'NOWHERE' }]);

      expect(listings.size).toBe(0);
      expect(bodies).toHaveLength(2);
      expect(unmatched).toEqual([]);
    });
  });

  describe('finding listings', () => {
    it('finds an option by its PRODUCT code (never asking sellerprodcode with the option code), with what 11st shows', async () => {
      nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY' } })
        .get('/rest/prodmarketservice/sellerprodcode/TEE')
        .reply(200, productsByCodeXml([TEE]));
      const read = stockServer(new Map([[TEE.prdNo, { sellerPrdCd: 'TEE', rows: TEE_ROWS }]]));

      const listings = await connector.readListings(context(), [
        { listingKey: 'TEE-BK-L', productCode: 'TEE' },
        { listingKey: 'TEE-BK-M', productCode: 'TEE' },
      ]);

      expect(listings.get('TEE-BK-L')).toEqual({
        listingKey: 'TEE-BK-L',
        productCode: 'TEE',
        address: { prdNo: '9105055200', prdStckNo: '44699820302', optWght: '1' },
        quantity: 12,
      });
      expect(listings.get('TEE-BK-M')).toMatchObject({ address: { prdStckNo: '44699820301', optWght: '2' }, quantity: 30 });
      expect(read).toEqual(['9105055200']);
      expect(unmatched).toEqual([]);
    });

    it('finds a single-option product by its own code, the one stock row', async () => {
      nock(HOST)
        .get('/rest/prodmarketservice/sellerprodcode/JEJU-CITRUS-3KG')
        .reply(200, productsByCodeXml([{ prdNo: '9105055173', sellerPrdCd: 'JEJU-CITRUS-3KG' }]));
      stockServer(
        new Map([
          [
            '9105055173',
            { sellerPrdCd: 'JEJU-CITRUS-3KG', rows: [{ prdStckNo: '44699820216', sellerStockCd: '', stckQty: 0, optWght: 3 }] },
          ],
        ]),
      );

      const listings = await connector.readListings(context(), [{ listingKey: 'JEJU-CITRUS-3KG', productCode: 'JEJU-CITRUS-3KG' }]);

      expect(listings.get('JEJU-CITRUS-3KG')).toMatchObject({
        address: { prdNo: '9105055173', prdStckNo: '44699820216', optWght: '3' },
        quantity: 0,
      });
    });

    it('finds a listing never ordered (no product code) by sweeping the product search page by page, and stops once found', async () => {
      const first = fillerProducts(2000, 100);
      const second = [
        ...fillerProducts(2099, 1), // the row the overlap reads again
        { prdNo: '3001', sellerPrdCd: 'MUG', selStatCd: '106' },
        { prdNo: '3002', sellerPrdCd: 'MUG' },
        ...fillerProducts(3003, 97),
      ];
      const bodies = searchServer([first, second]);
      const catalog = new Map([...first, ...second].map((p) => [p.prdNo, { sellerPrdCd: p.sellerPrdCd, rows: [] as StockRowFields[] }]));
      // An ended product (판매정상종료) carrying the same stock code is not where the listing is sold.
      catalog.set('3001', { sellerPrdCd: 'MUG', rows: [{ prdStckNo: '500', sellerStockCd: 'MUG-BLUE', stckQty: 0, optWght: 0 }] });
      catalog.set('3002', { sellerPrdCd: 'MUG', rows: [{ prdStckNo: '501', sellerStockCd: 'MUG-BLUE', stckQty: 8, optWght: 0 }] });
      const read = stockServer(catalog);

      const listings = await connector.readListings(context(), [{ listingKey: 'MUG-BLUE' }]);

      expect(listings.get('MUG-BLUE')).toEqual({
        listingKey: 'MUG-BLUE',
        productCode: 'MUG',
        address: { prdNo: '3002', prdStckNo: '501', optWght: '0' },
        quantity: 8,
      });
      expect(bodies).toEqual([
        expect.stringMatching(/<SearchProduct><limit>100<\/limit><\/SearchProduct>$/),
        expect.stringMatching(/<SearchProduct><limit>100<\/limit><start>100<\/start><\/SearchProduct>$/),
      ]);
      // Every product of the first page was read; on the second, reading stopped at the live product holding the key
      // (the ended one was left for last, and the row read twice by the overlap was not read again).
      expect(read).toHaveLength(101);
      expect(read.at(-1)).toBe('3002');
      expect(unmatched).toEqual([]);
    });

    it('pushes a listing sent without an address once found, and returns where it lives to be stored', async () => {
      searchServer([[{ prdNo: '3002', sellerPrdCd: 'MUG' }]]);
      stockServer(
        new Map([['3002', { sellerPrdCd: 'MUG', rows: [{ prdStckNo: '501', sellerStockCd: 'MUG-BLUE', stckQty: 8, optWght: 4 }] }]]),
      );
      const bodies: string[] = [];
      nock(HOST)
        .put('/rest/prodservices/stockqty/501', (body: string) => bodies.push(body) > 0)
        .reply(200, clientMessage('200', '옵션재고 번호 501(상품번호:3002)의 수량이 업데이트 되었습니다. 변경된 수량 : 6', '501'));

      const results = await connector.pushStock(context(), [{ listingKey: 'MUG-BLUE', quantity: 6 }]);

      expect(results).toEqual([
        {
          key: 'MUG-BLUE',
          ok: true,
          listing: { listingKey: 'MUG-BLUE', productCode: 'MUG', address: { prdNo: '3002', prdStckNo: '501', optWght: '4' }, quantity: 6 },
        },
      ]);
      expect(bodies).toEqual([
        '<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>\n<ProductStock><prdNo>3002</prdNo><prdStckNo>501</prdStckNo><stckQty>6</stckQty><optWght>4</optWght></ProductStock>',
      ]);
    });
  });

  describe('pushing to a stored address', () => {
    it('sends the four-field body with the stored optWght and asks 11st nothing else', async () => {
      const bodies: string[] = [];
      const put = nock(HOST, { reqheaders: { openapikey: 'OPEN-API-KEY', 'content-type': 'text/xml; charset=EUC-KR' } })
        .put('/rest/prodservices/stockqty/44699820301', (body: string) => bodies.push(body) > 0)
        .reply(200, clientMessage('200', '수량이 업데이트 되었습니다. 변경된 수량 : 0', '44699820301'));

      const results = await connector.pushStock(context(), [
        {
          listingKey: 'TEE-BK-M',
          productCode: 'TEE',
          quantity: 0,
          listing: storedListing('TEE-BK-M', { prdNo: '9105055200', prdStckNo: '44699820301', optWght: '2' }),
        },
        { listingKey: 'TEE-BK-L', delta: 3 },
      ]);

      expect(results).toEqual([
        { key: 'TEE-BK-M', ok: true },
        { key: 'TEE-BK-L', ok: false, message: expect.stringContaining('absolute'), retryable: false },
      ]);
      expect(bodies).toEqual([
        '<?xml version="1.0" encoding="EUC-KR" standalone="yes"?>\n<ProductStock><prdNo>9105055200</prdNo><prdStckNo>44699820301</prdStckNo><stckQty>0</stckQty><optWght>2</optWght></ProductStock>',
      ]);
      put.done();
      expect(unmatched).toEqual([]);
    });

    it('looks a listing up again when its stored address is not a whole 11st address', async () => {
      nock(HOST)
        .get('/rest/prodmarketservice/sellerprodcode/TEE')
        .reply(200, productsByCodeXml([TEE]));
      stockServer(new Map([[TEE.prdNo, { sellerPrdCd: 'TEE', rows: TEE_ROWS }]]));
      const put = nock(HOST).put('/rest/prodservices/stockqty/44699820302').reply(200, clientMessage('200', 'ok'));

      const [result] = await connector.pushStock(context(), [
        { listingKey: 'TEE-BK-L', productCode: 'TEE', quantity: 9, listing: storedListing('TEE-BK-L', { prdStckNo: '</prdStckNo>' }) },
      ]);

      expect(result).toMatchObject({ key: 'TEE-BK-L', ok: true, listing: { address: { prdStckNo: '44699820302' }, quantity: 9 } });
      put.done();
    });
  });
});
