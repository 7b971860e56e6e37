import { REDACTED, isSecretName, redact, redactUrl } from './redact';

describe('redact', () => {
  it('masks fields named like secrets at any depth and keeps the rest', () => {
    const input = {
      shopId: 'shop-1',
      apiKey: 'k-123',
      client_secret: 's-1',
      nested: { access_token: 'at', refresh_token: 'rt', password: 'pw', sncode: 'sn', signing: 'sig', count: 3 },
      list: [{ GiosisCertificationKey: 'sak', name: 'kept' }],
    };

    expect(redact(input)).toEqual({
      shopId: 'shop-1',
      apiKey: REDACTED,
      client_secret: REDACTED,
      nested: { access_token: REDACTED, refresh_token: REDACTED, password: REDACTED, sncode: REDACTED, signing: REDACTED, count: 3 },
      list: [{ GiosisCertificationKey: REDACTED, name: 'kept' }],
    });
    expect(input.apiKey).toBe('k-123');
  });

  it('masks extra names the caller declares', () => {
    expect(redact({ uid: 'u', state: 's', other: 'o' }, ['uid', 'STATE'])).toEqual({ uid: REDACTED, state: REDACTED, other: 'o' });
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
