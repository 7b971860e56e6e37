import { Logger } from '@nestjs/common';
import nock from 'nock';

import { SiteAuthError } from '../http/site-errors';
import { testConnectionContext } from '../testing/test-connection-context';
import { SmaregiClient } from './smaregi.client';
import { SmaregiConnector } from './smaregi.connector';
import { SMAREGI_DEFAULT_SCOPES, SMAREGI_DESCRIPTOR } from './smaregi.descriptor';

const API = 'https://api.smaregi.jp';
const ID = 'https://id.smaregi.jp';
const LEGACY = 'https://webapi.smaregi.jp';
const CONTRACT = 'sb_contract1';
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

/** Recorded Smaregi answers (specs/smaregi.md §A.3, §A.5, §C.2, §C.3). */
const tokenAnswer = (accessToken: string) => ({
  access_token: accessToken,
  token_type: 'Bearer',
  expires_in: 3600,
  scope: SMAREGI_DEFAULT_SCOPES,
});
const stores = [{ storeId: '1', storeName: '本店' }];

describe('SmaregiConnector', () => {
  let clock: Date;
  let connector: SmaregiConnector;
  const platformContext = (overrides: { endpoint?: string; settings?: Record<string, unknown> } = {}) =>
    testConnectionContext(SMAREGI_DESCRIPTOR, {
      connectionId: 'smaregi-1',
      shopId: CONTRACT,
      credentials: { clientId: 'client-id', clientSecret: 'client-secret' },
      now: () => clock,
      ...overrides,
    });
  const legacyContext = (endpoint?: string) =>
    testConnectionContext(SMAREGI_DESCRIPTOR, {
      shopId: CONTRACT,
      credentials: { accessToken: 'legacy-token' },
      ...(endpoint ? { endpoint } : {}),
    });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    clock = new Date('2025-01-01T00:00:00Z');
    connector = new SmaregiConnector(new SmaregiClient());
  });
  afterEach(() => nock.cleanAll());

  describe('Platform API', () => {
    it('obtains an app token by client credentials, then lists one store with it', async () => {
      let tokenRequest: { authorization?: string; body: Record<string, string> } = { body: {} };
      nock(ID)
        .post(`/app/${CONTRACT}/token`)
        .reply(200, function (_uri, body) {
          tokenRequest = { authorization: this.req.headers.authorization, body: form(body) };
          return tokenAnswer('app-token-1');
        });
      const api = nock(API, { reqheaders: { authorization: 'Bearer app-token-1' } })
        .get(`/${CONTRACT}/pos/stores`)
        .query({ limit: '1' })
        .reply(200, stores);

      await expect(connector.testConnection(platformContext())).resolves.toMatchObject({
        ok: true,
        details: { mode: 'platform', storesFound: 1 },
      });
      expect(tokenRequest).toEqual({
        authorization: `Basic ${Buffer.from('client-id:client-secret').toString('base64')}`,
        body: { grant_type: 'client_credentials', scope: SMAREGI_DEFAULT_SCOPES },
      });
      api.done();
    });

    it('reuses the token until shortly before it expires', async () => {
      const tokenScope = nock(ID)
        .post(`/app/${CONTRACT}/token`)
        .reply(200, tokenAnswer('t1'))
        .post(`/app/${CONTRACT}/token`)
        .reply(200, tokenAnswer('t2'));
      const seen: string[] = [];
      nock(API)
        .get(`/${CONTRACT}/pos/stores`)
        .query(true)
        .times(3)
        .reply(200, function () {
          seen.push(String(this.req.headers.authorization));
          return stores;
        });
      const ctx = platformContext();

      await connector.testConnection(ctx);
      clock = new Date(clock.getTime() + 30 * 60_000);
      await connector.testConnection(ctx);
      clock = new Date(clock.getTime() + 30 * 60_000);
      await connector.testConnection(ctx);

      expect(seen).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
      tokenScope.done();
    });

    it('on a 401 fetches a fresh token and retries once', async () => {
      nock(ID)
        .post(`/app/${CONTRACT}/token`)
        .reply(200, tokenAnswer('revoked'))
        .post(`/app/${CONTRACT}/token`)
        .reply(200, tokenAnswer('fresh'));
      nock(API)
        .get(`/${CONTRACT}/pos/stores`)
        .query(true)
        .reply(401, { type: 'about:blank', title: 'Unauthorized', status: 401 })
        .get(`/${CONTRACT}/pos/stores`)
        .query(true)
        .reply(200, stores);

      await expect(connector.testConnection(platformContext())).resolves.toMatchObject({ ok: true });
      expect(nock.isDone()).toBe(true);
    });

    it('throws SiteAuthError when a fresh token is refused too', async () => {
      const tokens = nock(ID).post(`/app/${CONTRACT}/token`).twice().reply(200, tokenAnswer('t'));
      nock(API).get(`/${CONTRACT}/pos/stores`).query(true).twice().reply(401, { type: 'about:blank', title: 'Unauthorized', status: 401 });

      await expect(connector.testConnection(platformContext())).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: '401',
        siteMessage: 'Unauthorized',
      });
      tokens.done();
    });

    it('throws SiteAuthError when the token endpoint refuses the app credentials, message verbatim', async () => {
      const scope = nock(ID)
        .post(`/app/${CONTRACT}/token`)
        .once()
        .reply(401, { error: 'invalid_client', error_description: 'Client authentication failed' });

      await expect(connector.testConnection(platformContext())).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: 'invalid_client',
        siteMessage: 'Client authentication failed',
      });
      scope.done();
    });

    it('reports problem+json errors as not ok with their detail', async () => {
      nock(ID).post(`/app/${CONTRACT}/token`).reply(200, tokenAnswer('t1'));
      nock(API)
        .get(`/${CONTRACT}/pos/stores`)
        .query(true)
        .reply(400, { type: 'about:blank', title: 'Bad Request', detail: '指定された店舗IDのリソースが見つかりません', status: 400 });

      await expect(connector.testConnection(platformContext())).resolves.toMatchObject({
        ok: false,
        siteCode: '400',
        message: '指定された店舗IDのリソースが見つかりません',
      });
    });

    it('talks to a simulator on one host for token and API when the endpoint is overridden', async () => {
      nock('http://localhost:4050')
        .post(`/app/${CONTRACT}/token`)
        .reply(200, tokenAnswer('sim'))
        .get(`/${CONTRACT}/pos/stores`)
        .query(true)
        .reply(200, []);

      await expect(connector.testConnection(platformContext({ endpoint: 'http://localhost:4050' }))).resolves.toMatchObject({
        ok: true,
        details: { storesFound: 0 },
      });
    });
  });

  describe('legacy API', () => {
    it('posts store_ref with the contract id and access token headers', async () => {
      let received: Record<string, string> = {};
      const scope = nock(LEGACY, { reqheaders: { x_contract_id: CONTRACT, x_access_token: 'legacy-token' } })
        .post('/access/')
        .reply(200, (_uri, body) => {
          received = form(body);
          return { total_count: '1', result: stores };
        });

      await expect(connector.testConnection(legacyContext())).resolves.toMatchObject({
        ok: true,
        details: { mode: 'legacy', storesFound: 1 },
      });
      expect(received.proc_name).toBe('store_ref');
      expect(JSON.parse(received.params)).toEqual({ table_name: 'Store', conditions: [], limit: 1, page: 1 });
      scope.done();
    });

    it('throws SiteAuthError on a 401 with the error fields verbatim', async () => {
      nock(LEGACY)
        .post('/access/')
        .reply(401, { error_code: '18', error: 'unauthorized', error_description: 'アクセストークンが不正です' });

      await expect(connector.testConnection(legacyContext())).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: '18',
        siteMessage: 'アクセストークンが不正です',
      });
    });

    it('reports a disabled function as not ok', async () => {
      nock(LEGACY).post('/access/').reply(400, { error_code: '9', error: 'bad_request', error_description: '機能が利用できません' });

      await expect(connector.testConnection(legacyContext())).resolves.toMatchObject({
        ok: false,
        siteCode: '9',
        message: '機能が利用できません',
      });
    });

    it('uses an overridden endpoint for the legacy API too', async () => {
      const scope = nock('http://localhost:4051').post('/access/').reply(200, { result: [] });

      await expect(connector.testConnection(legacyContext('http://localhost:4051'))).resolves.toMatchObject({ ok: true });
      scope.done();
    });
  });

  it('refuses without any credentials', async () => {
    await expect(connector.testConnection(testConnectionContext(SMAREGI_DESCRIPTOR, { shopId: CONTRACT }))).rejects.toBeInstanceOf(
      SiteAuthError,
    );
  });
});
