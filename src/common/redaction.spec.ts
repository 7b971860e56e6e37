import { REDACTED, redactDeep, redactUrl } from './redaction';

describe('redactDeep', () => {
  it('removes secret-looking fields at any depth and keeps the rest', () => {
    const input = {
      site: 'qoo10-jp',
      credentials: { apiKey: 'k1', password: 'p1' },
      nested: [{ access_token: 't1', refresh_token: 't2', shopId: 'shop' }],
      headers: { authorization: 'Bearer x', 'x-request-id': 'r1' },
      clientSecret: 's1',
      sncode: 'c1',
      key: 'idem',
    };
    const out = redactDeep(input) as typeof input;
    const text = JSON.stringify(out);
    for (const secret of ['k1', 'p1', 't1', 't2', 'Bearer x', 's1', 'c1', 'idem']) expect(text).not.toContain(secret);
    expect(out.site).toBe('qoo10-jp');
    expect(out.nested[0].shopId).toBe('shop');
    expect(out.headers['x-request-id']).toBe('r1');
    expect(out.credentials).toBe(REDACTED);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(() => redactDeep(a)).not.toThrow();
  });
});

describe('redactUrl', () => {
  it('hides one-time codes and secrets in the query, keeps the rest', () => {
    const out = redactUrl('/v1/connections/oauth/nextengine/callback?uid=U1&state=S1&mb_state=M1&page=2');
    expect(out).not.toMatch(/U1|S1|M1/);
    expect(out).toContain('page=2');
    expect(redactUrl('/health')).toBe('/health');
  });
});
