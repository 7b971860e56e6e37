import { Logger } from '@nestjs/common';
import nock from 'nock';

import { InvalidInputError } from '../../common/domain-errors';
import type { AppConfig } from '../../config/app-config';
import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import { testConnectionContext } from '../testing/test-connection-context';
import { QAPI_ROOT, Qoo10Client } from './qoo10.client';
import { Qoo10Connector } from './qoo10.connector';
import { QOO10_DESCRIPTOR } from './qoo10.descriptor';

const HOST = 'https://api.qoo10.jp';
const NOW = new Date('2025-05-01T03:00:00Z'); // 12:00 JST
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

/** Recorded QAPI envelopes (specs/qoo10.md §2–§4). */
const orderRow = {
  ShippingStatus: 'On request(2)',
  SellerID: 'myshop',
  PackNo: 123456789,
  OrderNo: 1062428737,
  OrderDate: '2025-05-01 10:11:12',
  SellerItemCode: 'SKU-001',
  ItemTitle: 'Tシャツ',
  Option: 'カラー:RED / サイズ:M',
  OptionCode: 'SKU-001-RED-M',
  OrderQty: 2,
};
const expiredKey = { ResultCode: -90004, ResultMsg: 'Seller authorization key is expired. Use a new key.' };
const wrongKey = { ResultCode: -10000, ResultMsg: 'Please check the Seller Authorization Key.' };

describe('Qoo10Connector', () => {
  const connector = new Qoo10Connector(new Qoo10Client());
  const context = (credentials: Record<string, string> = { apiKey: 'API-KEY', certificationKey: 'SAK-1' }) =>
    testConnectionContext(QOO10_DESCRIPTOR, { shopId: 'qsm-login', credentials, now: () => NOW });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  describe('testConnection', () => {
    it('runs a one-day new-order query with the seller authorization key', async () => {
      let headers: Record<string, unknown> = {};
      let received: Record<string, string> = {};
      nock(HOST)
        .post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`)
        .reply(200, function (_uri, body) {
          headers = this.req.headers;
          received = form(body);
          return { ResultCode: 0, ResultMsg: 'SUCCESS', ResultObject: [orderRow] };
        });

      const result = await connector.testConnection(context());

      expect(result).toMatchObject({ ok: true, details: { ordersFound: 1 } });
      expect(headers.giosiscertificationkey).toBe('SAK-1');
      expect(headers.qapiversion).toBe('1.0');
      expect(received).toEqual({
        returnType: 'application/json',
        ShippingStatus: '2',
        SearchStartDate: '20250430120000',
        SearchEndDate: '20250501120000',
        SearchCondition: '1',
      });
    });

    it("treats HTTP 200 with a non-zero ResultCode as a failure and shows Qoo10's message", async () => {
      nock(HOST)
        .post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`)
        .reply(200, { ResultCode: -90001, ResultMsg: 'The API does not exist' });

      await expect(connector.testConnection(context())).resolves.toMatchObject({
        ok: false,
        siteCode: '-90001',
        message: 'The API does not exist',
      });
    });

    it.each([
      ['-90004 (expired key)', expiredKey],
      ['-90005 (expired key)', { ResultCode: '-90005', ResultMsg: 'Seller authorization key is expired. Use a new key.' }],
      ['-10000 (wrong key)', wrongKey],
    ])('throws SiteAuthError on %s with the message verbatim, without retrying', async (_label, envelope) => {
      const scope = nock(HOST).post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`).once().reply(200, envelope);

      await expect(connector.testConnection(context())).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: String(envelope.ResultCode),
        siteMessage: envelope.ResultMsg,
      });
      scope.done();
    });

    it('reads the XML envelope Qoo10 sends when it ignores returnType', async () => {
      nock(HOST)
        .post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`)
        .reply(
          200,
          '<?xml version="1.0" encoding="utf-8"?><StdCustomResultOfShippingInfo><ResultCode>-90004</ResultCode><ResultMsg>Seller authorization key is expired. Use a new key.</ResultMsg></StdCustomResultOfShippingInfo>',
        );

      await expect(connector.testConnection(context())).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '-90004' });
    });

    it('refuses before calling when no key was created yet', async () => {
      await expect(connector.testConnection(context({ apiKey: 'API-KEY' }))).rejects.toBeInstanceOf(SiteAuthError);
    });
  });

  describe('authorize', () => {
    it('creates the key with API key + login id + password once, and keeps only the key', async () => {
      const ctx = context({ apiKey: 'API-KEY' });
      const requests: { path: string; key: unknown; body: Record<string, string> }[] = [];
      nock(HOST)
        .post(/.*/)
        .times(2)
        .reply(200, function (path, body) {
          requests.push({ path, key: this.req.headers.giosiscertificationkey, body: form(body) });
          return path.endsWith('CreateCertificationKey')
            ? { ResultCode: 0, ResultMsg: '成功', ResultObject: 'S5bnbfynQvOITqzcbzMRK7Yy_g_1_w4CZi' }
            : { ResultCode: 0, ResultMsg: 'SUCCESS', ResultObject: [] };
        });

      await connector.authorize(ctx, { password: 'qsm-password' });
      await connector.testConnection(ctx);

      expect(requests[0]).toEqual({
        path: `${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`,
        key: 'API-KEY',
        body: { returnType: 'application/json', user_id: 'qsm-login', pwd: 'qsm-password' },
      });
      expect(requests[1].key).toBe('S5bnbfynQvOITqzcbzMRK7Yy_g_1_w4CZi');
      expect(JSON.stringify(requests[1])).not.toContain('qsm-password');
      expect(ctx.saved).toEqual([
        {
          patch: { certificationKey: 'S5bnbfynQvOITqzcbzMRK7Yy_g_1_w4CZi' },
          meta: { tokenExpiresAt: new Date(NOW.getTime() + 365 * 24 * 60 * 60 * 1000) },
        },
      ]);
      expect(JSON.stringify(ctx.store)).not.toContain('qsm-password');
      expect(JSON.stringify(ctx.credentials)).not.toContain('qsm-password');
    });

    it('removes a password that was stored by mistake', async () => {
      const ctx = context({ apiKey: 'API-KEY', password: 'qsm-password' });
      nock(HOST)
        .post(`${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`)
        .reply(200, { ResultCode: 0, ResultMsg: '成功', ResultObject: 'SAK-2' });

      await connector.authorize(ctx, {});

      expect(ctx.saved[0].patch).toEqual({ certificationKey: 'SAK-2', password: null });
      expect(ctx.store).toEqual({ apiKey: 'API-KEY', certificationKey: 'SAK-2' });
    });

    it('does not resend the password when the exchange fails', async () => {
      const ctx = context({ apiKey: 'API-KEY' });
      const scope = nock(HOST).post(`${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`).once().reply(503, 'busy');

      await expect(connector.authorize(ctx, { password: 'qsm-password' })).rejects.toMatchObject({ siteCode: '503' });
      scope.done();
      expect(ctx.saved).toEqual([]);
    });

    it("surfaces Qoo10's refusal verbatim and saves nothing", async () => {
      const ctx = context({ apiKey: 'API-KEY' });
      nock(HOST)
        .post(`${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`)
        .reply(200, { ResultCode: -10001, ResultMsg: 'Not exists seller info' });

      await expect(connector.authorize(ctx, { password: 'wrong' })).rejects.toMatchObject({
        constructor: SiteRejectedError,
        siteCode: '-10001',
        siteMessage: 'Not exists seller info',
      });
      expect(ctx.saved).toEqual([]);
    });

    it('treats a refused API key as an auth failure', async () => {
      nock(HOST).post(`${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`).reply(200, wrongKey);

      await expect(connector.authorize(context({ apiKey: 'BAD' }), { password: 'p' })).rejects.toBeInstanceOf(SiteAuthError);
    });

    it('asks for the password when none is given', async () => {
      await expect(connector.authorize(context({ apiKey: 'API-KEY' }), {})).rejects.toMatchObject({ constructor: InvalidInputError, field: 'credentials.password' });
    });

    describe("with the service's own API key (QOO10_API_KEY)", () => {
      const serviceConnector = new Qoo10Connector(new Qoo10Client(), { qoo10ApiKey: 'SERVICE-KEY' } as AppConfig);

      /** CreateCertificationKey answers `sak`; `usedKey` is the API key it was called with. */
      function createKeyAnswering(sak: string): { usedKey?: unknown } {
        const seen: { usedKey?: unknown } = {};
        nock(HOST)
          .post(`${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`)
          .reply(200, function () {
            seen.usedKey = this.req.headers.giosiscertificationkey;
            return { ResultCode: 0, ResultMsg: '成功', ResultObject: sak };
          });
        return seen;
      }

      it('makes the key with the service key for a connection that brings none, and does not copy it into the connection', async () => {
        const ctx = context({});
        const exchange = createKeyAnswering('SAK-S');

        await serviceConnector.authorize(ctx, { password: 'qsm-password' });

        expect(exchange.usedKey).toBe('SERVICE-KEY');
        expect(ctx.store).toEqual({ certificationKey: 'SAK-S' });
      });

      it("prefers the connection's own API key", async () => {
        const exchange = createKeyAnswering('SAK-O');

        await serviceConnector.authorize(context({ apiKey: 'OWN-KEY' }), { password: 'qsm-password' });

        expect(exchange.usedKey).toBe('OWN-KEY');
      });

      it('tells registration the API key is optional; without the service key it is required', () => {
        const apiKeyField = (c: Qoo10Connector) => c.descriptor.credentialFields.find((field) => field.name === 'apiKey');
        expect(apiKeyField(serviceConnector)?.required).toBe(false);
        expect(apiKeyField(connector)?.required).toBe(true);
      });

      it('without any API key, asks for one instead of calling Qoo10', async () => {
        await expect(connector.authorize(context({}), { password: 'p' })).rejects.toMatchObject({
          constructor: InvalidInputError,
          field: 'credentials.apiKey',
        });
      });
    });
  });

  describe('renewCredentials', () => {
    it('with the password and a fresh API key: exchanges with the new API key and stores both', async () => {
      const ctx = context({ apiKey: 'OLD-API-KEY', certificationKey: 'SAK-OLD' });
      let usedKey: unknown;
      nock(HOST)
        .post(`${QAPI_ROOT}/CertificationAPI.CreateCertificationKey`)
        .reply(200, function () {
          usedKey = this.req.headers.giosiscertificationkey;
          return { ResultCode: 0, ResultMsg: '成功', ResultObject: 'SAK-NEW' };
        });

      await connector.renewCredentials(ctx, { password: 'qsm-password', apiKey: 'NEW-API-KEY' });

      expect(usedKey).toBe('NEW-API-KEY');
      expect(ctx.store).toEqual({ apiKey: 'NEW-API-KEY', certificationKey: 'SAK-NEW' });
    });

    it('with a key issued in QSM: checks it, then stores it', async () => {
      const ctx = context({ apiKey: 'API-KEY', certificationKey: 'SAK-OLD' });
      let usedKey: unknown;
      nock(HOST)
        .post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`)
        .reply(200, function () {
          usedKey = this.req.headers.giosiscertificationkey;
          return { ResultCode: 0, ResultMsg: 'SUCCESS', ResultObject: [] };
        });

      await connector.renewCredentials(ctx, { certificationKey: 'SAK-QSM' });

      expect(usedKey).toBe('SAK-QSM');
      expect(ctx.store.certificationKey).toBe('SAK-QSM');
    });

    it('does not store a key Qoo10 refuses', async () => {
      const ctx = context({ apiKey: 'API-KEY', certificationKey: 'SAK-OLD' });
      nock(HOST).post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`).reply(200, expiredKey);

      await expect(connector.renewCredentials(ctx, { certificationKey: 'SAK-STALE' })).rejects.toBeInstanceOf(SiteAuthError);
      expect(ctx.store.certificationKey).toBe('SAK-OLD');
    });

    it('explains that an API key alone cannot mint a key', async () => {
      await expect(connector.renewCredentials(context(), { apiKey: 'NEW' })).rejects.toThrow(/QSM password/);
    });
  });

  it('keys listings by the option code when there is one, else the seller item code', () => {
    const line = { externalLineId: '1062428737', productCode: 'SKU-001', productName: 'Tシャツ', quantity: 2 };
    expect(connector.listingKey({ ...line, optionCode: 'SKU-001-RED-M' })).toEqual({
      key: 'SKU-001-RED-M',
      productCode: 'SKU-001',
      optionCode: 'SKU-001-RED-M',
    });
    expect(connector.listingKey({ ...line, optionCode: '' })).toEqual({ key: 'SKU-001', productCode: 'SKU-001' });
  });

  it('accepts an endpoint that already names the QAPI root', async () => {
    const ctx = testConnectionContext(QOO10_DESCRIPTOR, {
      endpoint: `http://localhost:4020${QAPI_ROOT}`,
      credentials: { certificationKey: 'K' },
    });
    nock('http://localhost:4020')
      .post(`${QAPI_ROOT}/ShippingBasic.GetShippingInfo_v3`)
      .reply(200, { ResultCode: 0, ResultMsg: 'SUCCESS', ResultObject: [] });

    await expect(connector.testConnection(ctx)).resolves.toMatchObject({ ok: true });
  });
});
