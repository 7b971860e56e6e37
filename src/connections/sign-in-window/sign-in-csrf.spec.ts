import { cookieValue, csrfTokenMatches, newCsrfPair } from './sign-in-csrf';

describe('sign-in window CSRF (double submit bound to the state)', () => {
  it('accepts the token with the cookie it was made with, for its own state', () => {
    const { cookie, token } = newCsrfPair('state-1');
    expect(csrfTokenMatches('state-1', cookie, token)).toBe(true);
  });

  it('refuses a missing cookie or token, another cookie, another state, and a tampered token', () => {
    const { cookie, token } = newCsrfPair('state-1');
    const other = newCsrfPair('state-1');
    expect(csrfTokenMatches('state-1', undefined, token)).toBe(false);
    expect(csrfTokenMatches('state-1', cookie, undefined)).toBe(false);
    expect(csrfTokenMatches('state-1', other.cookie, token)).toBe(false);
    expect(csrfTokenMatches('state-2', cookie, token)).toBe(false);
    expect(csrfTokenMatches('state-1', cookie, token.slice(0, -1))).toBe(false);
    expect(csrfTokenMatches('state-1', cookie, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; mb_sign_in_csrf=xyz; b=2', 'mb_sign_in_csrf')).toBe('xyz');
    expect(cookieValue('xmb_sign_in_csrf=no', 'mb_sign_in_csrf')).toBeUndefined();
    expect(cookieValue(undefined, 'mb_sign_in_csrf')).toBeUndefined();
  });
});
