import { startTestApp, type TestApp } from '../support/test-app';

describe('Rate limit of the public API', () => {
  const LIMIT = 5;
  let t: TestApp;
  let a: { Authorization: string };
  let b: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp({ apiRateLimitPerMinute: LIMIT });
    a = { Authorization: `Bearer ${(await t.createTenant('Busy seller')).apiKey}` };
    b = { Authorization: `Bearer ${(await t.createTenant('Quiet seller')).apiKey}` };
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 problem+json with Retry-After past the limit, counting each tenant on its own', async () => {
    const remaining: number[] = [];
    for (let n = 0; n < LIMIT; n++) {
      const response = await t.http.get('/v1/sales-sites').set(a).expect(200);
      remaining.push(Number(response.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);

    const refused = await t.http.get('/v1/orders').set(a).expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests', retryAfterSeconds: expect.any(Number) });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.detail).toContain(`more than ${LIMIT} requests`);

    // another tenant is not held back by the first one's traffic
    await t.http.get('/v1/sales-sites').set(b).expect(200);
  });

  it('leaves unauthenticated routes to their own checks: health answers, a missing key is still a 401', async () => {
    for (let n = 0; n < LIMIT + 2; n++) await t.http.get('/health').expect(200);
    await t.http.get('/v1/orders').expect(401);
  });
});
