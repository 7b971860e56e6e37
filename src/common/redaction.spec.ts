import { REDACTED, isSecretName, redactDeep, redactUrl } from './redaction';

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

describe('redactDeep (site payloads)', () => {
  it('masks fields named like secrets at any depth and keeps the rest', () => {
    const input = {
      shopId: 'shop-1',
      apiKey: 'k-123',
      client_secret: 's-1',
      nested: { access_token: 'at', refresh_token: 'rt', password: 'pw', sncode: 'sn', signing: 'sig', count: 3 },
      list: [{ GiosisCertificationKey: 'sak', name: 'kept' }],
    };

    expect(redactDeep(input)).toEqual({
      shopId: 'shop-1',
      apiKey: REDACTED,
      client_secret: REDACTED,
      nested: { access_token: REDACTED, refresh_token: REDACTED, password: REDACTED, sncode: REDACTED, signing: REDACTED, count: 3 },
      list: [{ GiosisCertificationKey: REDACTED, name: 'kept' }],
    });
    expect(input.apiKey).toBe('k-123');
  });

  it('masks extra names the caller declares', () => {
    expect(redactDeep({ uid: 'u', state: 's', other: 'o' }, ['uid', 'STATE'])).toEqual({ uid: REDACTED, state: REDACTED, other: 'o' });
    expect(isSecretName('pwd')).toBe(true);
    expect(isSecretName('openapikey')).toBe(true);
    expect(isSecretName('receive_order_id')).toBe(false);
  });

  it('masks secret query values in a URL without re-encoding the rest', () => {
    const url = 'https://crossmall.jp/webapi2/get_stock?account=ill&item_code=a%20b+c&signing=db075c04&key=abc';
    expect(redactUrl(url)).toBe('https://crossmall.jp/webapi2/get_stock?account=ill&item_code=a%20b+c&signing=***&key=***');
    expect(redactUrl('https://x.test/p?uid=1&x=2', ['uid'])).toBe('https://x.test/p?uid=***&x=2');
    expect(redactUrl('https://x.test/p')).toBe('https://x.test/p');
  });
});
