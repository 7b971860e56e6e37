import { Logger } from '@nestjs/common';
import nock from 'nock';
import { createHash } from 'node:crypto';

import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import { testConnectionContext } from '../testing/test-connection-context';
import { CrossmallClient, signCrossmallQuery } from './crossmall.client';
import { CrossmallConnector } from './crossmall.connector';
import { CROSSMALL_DESCRIPTOR } from './crossmall.descriptor';

const HOST = 'https://crossmall.jp';
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Recorded CROSS MALL answers (specs/crossmall.md §3, §4.1, §4.5). */
const getOrderEmpty = `<?xml version="1.0" encoding="UTF-8"?>
<GetOrder version="1.0"><ResultSet TotalResult="0"><ResultStatus><GetStatus>success</GetStatus></ResultStatus></ResultSet></GetOrder>`;
const getOrderOne = `<?xml version="1.0" encoding="UTF-8"?>
<GetOrder version="1.0"><ResultSet TotalResult="1"><ResultStatus><GetStatus>success</GetStatus></ResultStatus>
<Result No='1'><order_number>1</order_number><order_date>2024/05/01 10:00:00</order_date><phase_name>発送待機</phase_name><cancel_flag>0</cancel_flag></Result>
</ResultSet></GetOrder>`;
const getStock = `<?xml version="1.0" encoding="UTF-8"?>
<GetStock version="1.0"><ResultSet TotalResult="1"><ResultStatus><GetStatus>success</GetStatus></ResultStatus>
  <Result No="1"><item_code>090115-z-01</item_code><attribute1_name>S</attribute1_name><attribute2_name>Black</attribute2_name><stock>12</stock></Result>
</ResultSet></GetStock>`;
const errorAnswer = (message: string) => `<?xml version="1.0" encoding="UTF-8"?>
<GetOrder version="1.0"><ResultSet TotalResult="0"><ResultStatus><GetStatus>error</GetStatus><Message>${message}</Message></ResultStatus></ResultSet></GetOrder>`;

describe('CROSS MALL signing', () => {
  it('reproduces the worked example of the specification', () => {
    const { query, signing } = signCrossmallQuery(
      [
        ['account', 'ill'],
        ['item_code', '090115-z-01'],
        ['attribute1_name', 'S'],
        ['attribute2_name', 'Black'],
      ],
      'mXCTpnoA',
    );

    expect(query).toBe('account=ill&item_code=090115-z-01&attribute1_name=S&attribute2_name=Black');
    expect(signing).toBe('db075c0464bd9cd150a1b60e397d8fb4');
  });

  it('hashes the parameters in the order sent, not sorted', () => {
    const { signing } = signCrossmallQuery(
      [
        ['account', 'ill'],
        ['attribute1_name', 'S'],
        ['attribute2_name', 'Black'],
        ['item_code', '090115-z-01'],
      ],
      'mXCTpnoA',
    );
    expect(signing).toBe('8dc70b6ce280458243d5f8b5a4914de5');
  });

  it('URL-encodes values before hashing', () => {
    const { query, signing } = signCrossmallQuery(
      [
        ['account', '4816'],
        ['after_phase_name', '引当待ち'],
        ['updated_at_fr', '2017-08-08 12:30:00'],
      ],
      'KEY',
    );
    expect(query).toBe('account=4816&after_phase_name=%E5%BC%95%E5%BD%93%E5%BE%85%E3%81%A1&updated_at_fr=2017-08-08+12%3A30%3A00');
    expect(signing).toBe(md5(`${query}KEY`));
  });
});

describe('CrossmallConnector', () => {
  const client = new CrossmallClient();
  const connector = new CrossmallConnector(client);
  const context = (credentials: Record<string, string> = { companyCode: 'ill', apiKey: 'mXCTpnoA' }) =>
    testConnectionContext(CROSSMALL_DESCRIPTOR, { credentials });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('sends the spec example URL byte for byte, the key never in it', async () => {
    let requested = '';
    nock(HOST)
      .get(/^\/webapi2\/get_stock/)
      .reply(200, (uri) => {
        requested = uri;
        return getStock;
      });

    const result = await client.get(context(), 'get_stock', [
      ['item_code', '090115-z-01'],
      ['attribute1_name', 'S'],
      ['attribute2_name', 'Black'],
    ]);

    expect(requested).toBe(
      '/webapi2/get_stock?account=ill&item_code=090115-z-01&attribute1_name=S&attribute2_name=Black&signing=db075c0464bd9cd150a1b60e397d8fb4',
    );
    expect(requested).not.toContain('mXCTpnoA');
    expect(result.total).toBe(1);
    expect(result.rows[0]).toMatchObject({
      item_code: '090115-z-01',
      attribute1_name: 'S',
      attribute2_name: 'Black',
      stock: '12',
      '@_No': '1',
    });
  });

  it('tests with get_order for at most one row and counts it', async () => {
    let requested = '';
    nock(HOST)
      .get(/^\/webapi2\/get_order\?/)
      .reply(200, (uri) => {
        requested = uri;
        return getOrderOne;
      });

    await expect(connector.testConnection(context())).resolves.toMatchObject({ ok: true, details: { ordersFound: 1 } });
    const query = requested.slice(requested.indexOf('?') + 1, requested.indexOf('&signing='));
    expect(query).toBe('account=ill&order_number=1&condition=0');
    expect(requested.endsWith(`&signing=${md5(`${query}mXCTpnoA`)}`)).toBe(true);
  });

  it('reads an empty result as success', async () => {
    nock(HOST)
      .get(/^\/webapi2\/get_order\?/)
      .reply(200, getOrderEmpty);
    await expect(connector.testConnection(context())).resolves.toMatchObject({ ok: true, details: { ordersFound: 0 } });
  });

  it('throws SiteAuthError when CROSS MALL refuses the signature or the source IP, message verbatim', async () => {
    const scope = nock(HOST)
      .get(/^\/webapi2\/get_order\?/)
      .once()
      .reply(200, errorAnswer('認証エラー（IP/契約制限）'));

    await expect(connector.testConnection(context({ companyCode: 'ill', apiKey: 'WRONG' }))).rejects.toMatchObject({
      constructor: SiteAuthError,
      siteMessage: '認証エラー（IP/契約制限）',
    });
    scope.done();
  });

  it("reports other errors as not ok with CROSS MALL's message", async () => {
    nock(HOST)
      .get(/^\/webapi2\/get_order\?/)
      .reply(200, errorAnswer('パラメータが不正です'));

    await expect(connector.testConnection(context())).resolves.toMatchObject({
      ok: false,
      siteCode: 'error',
      message: 'パラメータが不正です',
    });
  });

  it('rejects an answer that is not a CROSS MALL document', async () => {
    nock(HOST)
      .get(/^\/webapi2\/get_order\?/)
      .reply(404, '<html>Not Found</html>');

    await expect(client.get(context(), 'get_order')).rejects.toBeInstanceOf(SiteRejectedError);
  });

  it('keys listings by item code and the exact attribute texts', () => {
    const line = { externalLineId: '1-1', productCode: 'T-SHIRT', productName: 'Tシャツ', quantity: 1 };
    expect(connector.listingKey({ ...line, raw: { attribute1_name: 'Red ', attribute2_name: 'M' } })).toEqual({
      key: 'T-SHIRT:Red ,M',
      productCode: 'T-SHIRT',
      optionCode: 'Red ,M',
    });
    expect(connector.listingKey({ ...line, raw: { attribute1_name: 'Free', attribute2_name: '' } }).key).toBe('T-SHIRT:Free');
    expect(connector.listingKey({ ...line, optionCode: 'red,m' }).key).toBe('T-SHIRT:red,m');
    expect(connector.listingKey(line)).toEqual({ key: 'T-SHIRT', productCode: 'T-SHIRT' });
  });
});
