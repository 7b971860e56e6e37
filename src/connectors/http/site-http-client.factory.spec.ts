import { Logger } from '@nestjs/common';
import nock from 'nock';

import { SiteAuthError, SiteRejectedError, SiteRetryableError } from './site-errors';
import { SiteHttpClientFactory } from './site-http-client.factory';

const HOST = 'https://site.test';

describe('SiteHttpClientFactory', () => {
  let sleeps: number[];
  let factory: SiteHttpClientFactory;

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    sleeps = [];
    factory = new SiteHttpClientFactory({
      retryBaseDelayMs: 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      now: () => new Date('2025-01-01T00:00:00Z'),
    });
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
    jest.restoreAllMocks();
  });

  const http = (id = 'conn-1', maxConcurrent = 2) => factory.forConnection(id, { maxConcurrent, minTimeMs: 0 });

  it('caches one client per connection', () => {
    expect(http('a')).toBe(http('a'));
    expect(http('a')).not.toBe(http('b'));
  });

  it('sends query, headers and form bodies', async () => {
    const scope = nock(HOST, { reqheaders: { openapikey: 'k' } })
      .post('/x', 'a=1&b=%E3%81%82')
      .query({ q: 'v' })
      .reply(200, 'ok');

    const response = await http().send({
      method: 'POST',
      url: `${HOST}/x`,
      query: { q: 'v' },
      headers: { openapikey: 'k' },
      form: { a: '1', b: 'あ' },
    });

    expect(response.status).toBe(200);
    expect(response.text()).toBe('ok');
    scope.done();
  });

  it('returns 4xx responses as they are, for the connector to classify', async () => {
    nock(HOST).get('/x').reply(401, 'nope');
    const response = await http().send({ method: 'GET', url: `${HOST}/x` });
    expect(response.status).toBe(401);
  });

  it('retries a 503 and then succeeds', async () => {
    nock(HOST).get('/x').reply(503, 'busy').get('/x').reply(200, 'fine');
    const client = http();

    const response = await client.withRetry(() => client.send({ method: 'GET', url: `${HOST}/x` }));

    expect(response.text()).toBe('fine');
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after maxAttempts with the retryable error', async () => {
    nock(HOST).get('/x').times(3).reply(500, 'down');
    const client = http();

    await expect(client.withRetry(() => client.send({ method: 'GET', url: `${HOST}/x` }), { maxAttempts: 3 })).rejects.toMatchObject({
      name: 'SiteHttpStatusError',
      siteCode: '500',
    });
    expect(sleeps).toHaveLength(2);
    expect(nock.isDone()).toBe(true);
  });

  it('honours Retry-After seconds on 429', async () => {
    nock(HOST).get('/x').reply(429, 'slow down', { 'Retry-After': '2' }).get('/x').reply(200, 'ok');
    const client = http();

    await client.withRetry(() => client.send({ method: 'GET', url: `${HOST}/x` }));

    expect(sleeps).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    nock(HOST).get('/x').reply(429, '', { 'Retry-After': 'Wed, 01 Jan 2025 00:00:03 GMT' }).get('/x').reply(200, 'ok');
    const client = http();

    await client.withRetry(() => client.send({ method: 'GET', url: `${HOST}/x` }));

    expect(sleeps).toEqual([3000]);
  });

  it('does not hold a worker when the site asks for a very long wait', async () => {
    nock(HOST).get('/x').reply(429, '', { 'Retry-After': '3600' });
    const client = http();

    await expect(client.withRetry(() => client.send({ method: 'GET', url: `${HOST}/x` }))).rejects.toMatchObject({
      retryAfterMs: 3_600_000,
    });
    expect(sleeps).toEqual([]);
  });

  it('turns a timeout into a retryable error', async () => {
    nock(HOST).get('/slow').delay(500).reply(200, 'late');

    const error = await http()
      .send({ method: 'GET', url: `${HOST}/slow`, timeoutMs: 30 })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SiteRetryableError);
    expect(error).toMatchObject({ siteCode: 'TIMEOUT' });
  });

  it('turns a network error into a retryable error', async () => {
    nock(HOST).get('/x').replyWithError('socket hang up');

    const error = await http()
      .send({ method: 'GET', url: `${HOST}/x` })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SiteRetryableError);
    expect(error).toMatchObject({ siteCode: 'NETWORK', message: 'GET https://site.test/x failed: socket hang up' });
  });

  it('never retries auth or rejection errors', async () => {
    const client = http();
    const authAttempt = jest.fn().mockRejectedValue(new SiteAuthError('expired', '002004'));
    const rejectedAttempt = jest.fn().mockRejectedValue(new SiteRejectedError('bad', '020006'));

    await expect(client.withRetry(authAttempt)).rejects.toBeInstanceOf(SiteAuthError);
    await expect(client.withRetry(rejectedAttempt)).rejects.toBeInstanceOf(SiteRejectedError);
    expect(authAttempt).toHaveBeenCalledTimes(1);
    expect(rejectedAttempt).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  it('runs afterResponse inside the slot, on error statuses too', async () => {
    nock(HOST).post('/x').reply(500, '{"access_token":"new"}');
    const seen: string[] = [];

    await expect(
      http().send({
        method: 'POST',
        url: `${HOST}/x`,
        afterResponse: async (response) => {
          seen.push(response.text());
        },
      }),
    ).rejects.toBeInstanceOf(SiteRetryableError);
    expect(seen).toEqual(['{"access_token":"new"}']);
  });

  describe('concurrency', () => {
    // The fake site counts requests it is serving at once; it keeps each one open for a moment so
    // that requests sent concurrently really overlap.
    function countingSite(requests: number) {
      const stats = { inFlight: 0, maxInFlight: 0, served: 0 };
      nock(HOST)
        .post('/x')
        .times(requests)
        .reply(async () => {
          stats.inFlight++;
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
          await new Promise((resolve) => setTimeout(resolve, 15));
          stats.inFlight--;
          stats.served++;
          return [200, 'ok'];
        });
      return stats;
    }

    it('maxConcurrent 1 lets one call at a time reach the site', async () => {
      const stats = countingSite(4);
      const client = http('ne-account', 1);

      await Promise.all([1, 2, 3, 4].map(() => client.send({ method: 'POST', url: `${HOST}/x` })));

      expect(stats.served).toBe(4);
      expect(stats.maxInFlight).toBe(1);
    });

    it('shares the limit between callers of the same connection', async () => {
      const stats = countingSite(4);

      await Promise.all([1, 2, 3, 4].map(() => http('ne-account', 1).send({ method: 'POST', url: `${HOST}/x` })));

      expect(stats.maxInFlight).toBe(1);
    });

    it('(control) a higher limit does overlap, so the count above can fail', async () => {
      const stats = countingSite(4);
      const client = http('wide', 4);

      await Promise.all([1, 2, 3, 4].map(() => client.send({ method: 'POST', url: `${HOST}/x` })));

      expect(stats.maxInFlight).toBeGreaterThan(1);
    });
  });

  it('logs method, redacted URL and status, never secret values', async () => {
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    nock(HOST).post('/x').query(true).reply(200, 'ok');

    await http().send({
      method: 'POST',
      url: `${HOST}/x?signing=abc123&account=ill`,
      query: { key: 'SAK-secret', uid: 'one-time-uid' },
      headers: { openapikey: 'header-secret' },
      form: { access_token: 'at-secret', refresh_token: 'rt-secret' },
      secretFields: ['uid'],
    });

    const logged = debug.mock.calls.map((call) => String(call[0])).join('\n');
    expect(logged).toContain('POST https://site.test/x?signing=***&account=ill&key=***&uid=***');
    expect(logged).toContain('200');
    for (const secret of ['abc123', 'SAK-secret', 'one-time-uid', 'header-secret', 'at-secret', 'rt-secret']) {
      expect(logged).not.toContain(secret);
    }
  });
});
