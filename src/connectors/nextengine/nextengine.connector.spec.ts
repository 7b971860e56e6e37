import { Logger } from '@nestjs/common';
import nock from 'nock';

import { AppConfig } from '../../config/app-config';
import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import { AUTHORIZATION_STATE_PARAM } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { NextEngineClient } from './nextengine.client';
import { NextEngineConnector } from './nextengine.connector';
import { NEXTENGINE_DESCRIPTOR } from './nextengine.descriptor';

const API = 'https://api.next-engine.org';

function appConfig(overrides: Partial<AppConfig['nextEngine']> = {}): AppConfig {
  return new AppConfig({
    port: 3000,
    dataDir: '.data',
    credentialsKey: Buffer.alloc(32),
    publicBaseUrl: 'https://mallbridge.test',
    connectReturnUrl: 'https://mallbridge.test/docs',
    nextEngine: { clientId: 'app-client-id', clientSecret: 'app-client-secret', signInUrl: 'https://base.next-engine.org', ...overrides },
    egressIps: [],
    logLevel: 'silent',
    workersEnabled: false,
    syncTickSeconds: 60,
    jobPollingSeconds: 2,
    initialLookbackDays: 30,
  });
}

/** Recorded NextEngine envelopes (shapes from specs/nextengine.md §4, §6.9). */
const tokens = (access: string, refresh: string) => ({
  access_token: access,
  access_token_end_date: '2025-01-02 10:00:00',
  refresh_token: refresh,
  refresh_token_end_date: '2025-01-04 10:00:00',
});
const loginUserInfo = (access = 'AT1', refresh = 'RT1') => ({
  result: 'success',
  count: '1',
  data: [{ pic_id: '1', pic_name: 'テスト担当', company_ne_id: 'NE123456', company_name: 'テスト会社' }],
  ...tokens(access, refresh),
});
const neError = (code: string, message: string, withTokens?: { access: string; refresh: string }) => ({
  result: 'error',
  code,
  message,
  request_id: '',
  ...(withTokens ? tokens(withTokens.access, withTokens.refresh) : {}),
});

/** Reads the form NextEngine received. */
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

describe('NextEngineConnector', () => {
  let connector: NextEngineConnector;
  const authorizedContext = (credentials: Record<string, string> = { accessToken: 'AT1', refreshToken: 'RT1' }) =>
    testConnectionContext(NEXTENGINE_DESCRIPTOR, { credentials, now: () => new Date('2025-01-01T00:00:00Z') });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    connector = new NextEngineConnector(new NextEngineClient(), appConfig());
  });
  afterEach(() => {
    nock.cleanAll();
  });

  describe('testConnection', () => {
    it('calls login_user/info with both tokens and reports the account', async () => {
      const ctx = authorizedContext();
      let received: Record<string, string> = {};
      nock(API)
        .post('/api_v1_login_user/info')
        .reply(200, (_uri, body) => {
          received = form(body);
          return loginUserInfo();
        });

      const result = await connector.testConnection(ctx);

      expect(result).toMatchObject({ ok: true, details: { companyNeId: 'NE123456', companyName: 'テスト会社' } });
      expect(received).toEqual({ access_token: 'AT1', refresh_token: 'RT1' });
      expect(ctx.saved).toEqual([]);
    });

    it("returns NextEngine's own code and message on a business error, and keeps the rotated tokens", async () => {
      const ctx = authorizedContext();
      nock(API)
        .post('/api_v1_login_user/info')
        .reply(200, neError('012005', 'FTPユーザ名またはパスワードが違います', { access: 'AT2', refresh: 'RT2' }));

      const result = await connector.testConnection(ctx);

      expect(result).toMatchObject({ ok: false, siteCode: '012005', message: 'FTPユーザ名またはパスワードが違います' });
      expect(ctx.saved).toEqual([
        {
          patch: {
            accessToken: 'AT2',
            refreshToken: 'RT2',
            accessTokenEndDate: '2025-01-02T01:00:00.000Z',
            refreshTokenEndDate: '2025-01-04T01:00:00.000Z',
          },
          meta: { tokenExpiresAt: new Date('2025-01-04T01:00:00.000Z') },
        },
      ]);
      expect(ctx.store.accessToken).toBe('AT2');
    });

    it('throws SiteAuthError on 002004 without retrying', async () => {
      const ctx = authorizedContext();
      const scope = nock(API)
        .post('/api_v1_login_user/info')
        .once()
        .reply(200, neError('002004', 'アクセストークンの有効期限が切れています'));

      await expect(connector.testConnection(ctx)).rejects.toMatchObject({
        constructor: SiteAuthError,
        siteCode: '002004',
        siteMessage: 'アクセストークンの有効期限が切れています',
      });
      scope.done();
    });

    it('treats result "redirect" (no usable refresh token) as an auth failure', async () => {
      const ctx = authorizedContext({ accessToken: 'AT1' });
      nock(API).post('/api_v1_login_user/info').reply(200, { result: 'redirect', code: '002003', message: 'リダイレクト' });

      await expect(connector.testConnection(ctx)).rejects.toBeInstanceOf(SiteAuthError);
    });

    it('retries the busy codes 003001/003002', async () => {
      const ctx = authorizedContext();
      nock(API)
        .post('/api_v1_login_user/info')
        .reply(200, neError('003002', '混雑しています', { access: 'AT1', refresh: 'RT1' }))
        .post('/api_v1_login_user/info')
        .reply(200, loginUserInfo());

      await expect(connector.testConnection(ctx)).resolves.toMatchObject({ ok: true });
      expect(nock.isDone()).toBe(true);
    });

    it('reports a busy site that stays busy as not ok, with its code', async () => {
      const ctx = authorizedContext();
      nock(API).post('/api_v1_login_user/info').times(2).reply(200, neError('003001', 'サーバーが混雑しています'));

      await expect(connector.testConnection(ctx)).resolves.toMatchObject({
        ok: false,
        siteCode: '003001',
        message: 'サーバーが混雑しています',
      });
    });

    it('reads a NextEngine code out of a 5xx body rather than retrying it as an outage', async () => {
      const ctx = authorizedContext();
      const scope = nock(API).post('/api_v1_login_user/info').once().reply(500, neError('002004', 'expired'));

      await expect(connector.testConnection(ctx)).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '002004' });
      scope.done();
    });

    it('refuses before calling when the connection was never authorized', async () => {
      const ctx = authorizedContext({});
      await expect(connector.testConnection(ctx)).rejects.toBeInstanceOf(SiteAuthError);
    });
  });

  describe('token rotation', () => {
    it('without stored tokens, fails as auth before any request reaches NextEngine', async () => {
      const ctx = authorizedContext({});
      const scope = nock(API).post('/api_v1_login_user/info').reply(200, loginUserInfo('AT1', 'RT1'));

      await expect(connector.testConnection(ctx)).rejects.toBeInstanceOf(SiteAuthError);
      expect(scope.isDone()).toBe(false);
      nock.cleanAll();
    });

    it('sends the rotated tokens on the next call', async () => {
      const ctx = authorizedContext();
      const sent: string[] = [];
      nock(API)
        .post('/api_v1_login_user/info')
        .times(2)
        .reply(200, (_uri, body) => {
          sent.push(form(body).access_token);
          return loginUserInfo('AT2', 'RT2');
        });

      await connector.testConnection(ctx);
      await connector.testConnection(ctx);

      expect(sent).toEqual(['AT1', 'AT2']);
      expect(ctx.saved).toHaveLength(1);
    });

    it('persists rotated tokens before the next call for the connection starts', async () => {
      const ctx = authorizedContext();
      const events: string[] = [];
      const save = ctx.saveCredentials.bind(ctx);
      ctx.saveCredentials = async (patch, meta) => {
        events.push('save started');
        // a slow database write: the next call must still wait for it
        await new Promise((resolve) => setTimeout(resolve, 50));
        await save(patch, meta);
        events.push('save finished');
      };
      nock(API)
        .post('/api_v1_login_user/info')
        .times(3)
        .reply(200, (_uri, body) => {
          const accessToken = form(body).access_token;
          events.push(`request ${accessToken}`);
          if (events.filter((event) => event.startsWith('request')).length === 1) return loginUserInfo('AT2', 'RT2');
          return accessToken === 'AT1' ? neError('002002', 'アクセストークンが古いです') : loginUserInfo('AT2', 'RT2');
        });

      // Two concurrent callers on one connection: the second was built with AT1 before the rotation.
      const results = await Promise.all([connector.testConnection(ctx), connector.testConnection(ctx)]);

      expect(results.map((result) => result.ok)).toEqual([true, true]);
      expect(events).toEqual(['request AT1', 'save started', 'save finished', 'request AT1', 'request AT2']);
    });

    it('reads the stored tokens before every call, so a rotation by another worker is never sent stale', async () => {
      const ctx = authorizedContext();
      // another worker rotated the tokens: the store holds newer ones than this context
      ctx.store.accessToken = 'AT9';
      ctx.store.refreshToken = 'RT9';
      const sent: string[] = [];
      nock(API)
        .post('/api_v1_login_user/info')
        .reply(200, (_uri, body) => {
          const accessToken = form(body).access_token;
          sent.push(accessToken);
          return accessToken === 'AT9' ? loginUserInfo('AT9', 'RT9') : neError('002002', 'アクセストークンが古いです');
        });

      await expect(connector.testConnection(ctx)).resolves.toMatchObject({ ok: true });
      expect(sent).toEqual(['AT9']);
      expect(ctx.credentials.accessToken).toBe('AT9');
    });

    it('on 002002 with newer tokens stored meanwhile, retries once with them', async () => {
      const ctx = authorizedContext();
      const sent: string[] = [];
      nock(API)
        .post('/api_v1_login_user/info')
        .times(2)
        .reply(200, (_uri, body) => {
          const accessToken = form(body).access_token;
          sent.push(accessToken);
          if (accessToken === 'AT9') return loginUserInfo('AT9', 'RT9');
          // the rotation that made AT1 stale is saved while this call is answered
          ctx.store.accessToken = 'AT9';
          ctx.store.refreshToken = 'RT9';
          return neError('002002', 'アクセストークンが古いです');
        });

      await expect(connector.testConnection(ctx)).resolves.toMatchObject({ ok: true });
      expect(sent).toEqual(['AT1', 'AT9']);
      expect(ctx.credentials.accessToken).toBe('AT9');
    });

    it('on 002002 with nothing newer stored, fails as auth without a second call', async () => {
      const ctx = authorizedContext();
      const scope = nock(API).post('/api_v1_login_user/info').once().reply(200, neError('002002', 'アクセストークンが古いです'));

      await expect(connector.testConnection(ctx)).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '002002' });
      scope.done();
    });

    it('on 002002 twice in a row, fails as auth after exactly one retry', async () => {
      const ctx = authorizedContext();
      const scope = nock(API)
        .post('/api_v1_login_user/info')
        .twice()
        .reply(200, () => {
          ctx.store.accessToken = 'AT9'; // a newer token is stored each time, yet NextEngine calls it stale too
          return neError('002002', 'アクセストークンが古いです');
        });

      await expect(connector.testConnection(ctx)).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '002002' });
      scope.done();
    });

    it('renewCredentials makes a call whose rotated tokens are saved', async () => {
      const ctx = authorizedContext();
      nock(API).post('/api_v1_login_user/info').reply(200, loginUserInfo('AT2', 'RT2'));

      await connector.renewCredentials(ctx);

      expect(ctx.store).toMatchObject({ accessToken: 'AT2', refreshToken: 'RT2' });
    });
  });

  describe('authorization', () => {
    it('sends the browser to the NextEngine sign-in with client id and a redirect URI carrying our state', () => {
      const ctx = authorizedContext({});

      const { redirectUrl } = connector.authorizationRedirect(
        ctx,
        'our-state',
        'https://mallbridge.test/v1/connections/oauth/nextengine/callback',
      );

      const url = new URL(redirectUrl);
      expect(`${url.origin}${url.pathname}`).toBe('https://base.next-engine.org/users/sign_in/');
      expect(url.searchParams.get('client_id')).toBe('app-client-id');
      const redirectUri = new URL(url.searchParams.get('redirect_uri') ?? '');
      expect(`${redirectUri.origin}${redirectUri.pathname}`).toBe('https://mallbridge.test/v1/connections/oauth/nextengine/callback');
      expect(redirectUri.searchParams.get(AUTHORIZATION_STATE_PARAM)).toBe('our-state');
      expect(redirectUrl).not.toContain('app-client-secret');
    });

    it('uses the sign-in URL from the connection settings when given', () => {
      const ctx = testConnectionContext(NEXTENGINE_DESCRIPTOR, { settings: { signInUrl: 'http://localhost:4010/' } });

      const { redirectUrl } = connector.authorizationRedirect(ctx, 's', 'http://localhost:3000/cb');

      expect(redirectUrl.startsWith('http://localhost:4010/users/sign_in/?client_id=app-client-id')).toBe(true);
    });

    it('refuses clearly when the NextEngine app is not configured', () => {
      connector = new NextEngineConnector(new NextEngineClient(), appConfig({ clientId: undefined }));
      expect(() => connector.authorizationRedirect(authorizedContext({}), 's', 'http://localhost/cb')).toThrow(/NEXTENGINE_CLIENT_ID/);
    });

    it('exchanges uid and state at /api_neauth and saves both tokens with their end dates', async () => {
      const ctx = authorizedContext({});
      let received: Record<string, string> = {};
      nock(API)
        .post('/api_neauth')
        .reply(200, (_uri, body) => {
          received = form(body);
          return {
            result: 'success',
            ...tokens('AT1', 'RT1'),
            company_app_header: 'h',
            company_ne_id: 'NE123456',
            company_name: 'テスト会社',
            company_kana: 'テストカイシャ',
            uid: 'u-1',
            pic_ne_id: 'p',
            pic_name: 'n',
            pic_kana: 'k',
            pic_mail_address: 'a@example.com',
          };
        });

      await connector.completeAuthorization(ctx, { uid: 'u-1', state: 'ne-state', [AUTHORIZATION_STATE_PARAM]: 'ours' });

      expect(received).toEqual({ uid: 'u-1', state: 'ne-state', client_id: 'app-client-id', client_secret: 'app-client-secret' });
      expect(ctx.saved).toEqual([
        {
          patch: {
            accessToken: 'AT1',
            refreshToken: 'RT1',
            accessTokenEndDate: '2025-01-02T01:00:00.000Z',
            refreshTokenEndDate: '2025-01-04T01:00:00.000Z',
          },
          meta: { tokenExpiresAt: new Date('2025-01-04T01:00:00.000Z') },
        },
      ]);
    });

    it('falls back to the documented lifetimes when /api_neauth omits end dates', async () => {
      const ctx = authorizedContext({});
      nock(API).post('/api_neauth').reply(200, { result: 'success', access_token: 'AT1', refresh_token: 'RT1' });

      await connector.completeAuthorization(ctx, { uid: 'u', state: 's' });

      expect(ctx.saved[0].meta).toEqual({ tokenExpiresAt: new Date('2025-01-04T00:00:00.000Z') });
      expect(ctx.saved[0].patch.accessTokenEndDate).toBe('2025-01-02T00:00:00.000Z');
    });

    it("surfaces NextEngine's refusal of the exchange verbatim", async () => {
      const ctx = authorizedContext({});
      nock(API).post('/api_neauth').reply(200, { result: 'error', code: '001002', message: 'stateの有効期限が切れています' });

      await expect(connector.completeAuthorization(ctx, { uid: 'u', state: 's' })).rejects.toMatchObject({
        constructor: SiteRejectedError,
        siteCode: '001002',
        siteMessage: 'stateの有効期限が切れています',
      });
      expect(ctx.saved).toEqual([]);
    });
  });

  it('keys listings by the goods code', () => {
    expect(connector.listingKey({ externalLineId: '1-1', productCode: 'TEST-504893', productName: 'テスト商品2', quantity: 1 })).toEqual({
      key: 'TEST-504893',
      productCode: 'TEST-504893',
    });
  });
});
