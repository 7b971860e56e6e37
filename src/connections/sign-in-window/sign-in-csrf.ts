import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection of the sign-in window, as a double-submit: the page sets a random cookie and its form carries
 * HMAC(cookie, state). A form posted from another site has neither the cookie's value (HttpOnly, SameSite=Strict)
 * nor a token for this state, so nothing reaches Qoo10. Nothing is stored: the state is what the token binds to.
 */
export const SIGN_IN_CSRF_COOKIE = 'mb_sign_in_csrf';

export function newCsrfPair(state: string): { cookie: string; token: string } {
  const cookie = randomBytes(24).toString('base64url');
  return { cookie, token: tokenFor(cookie, state) };
}

export function csrfTokenMatches(state: string, cookie: string | undefined, token: string | undefined): boolean {
  if (!cookie || !token) return false;
  const expected = Buffer.from(tokenFor(cookie, state));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value of one cookie in a `Cookie` request header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === name) return pair.slice(equals + 1).trim();
  }
  return undefined;
}

function tokenFor(cookie: string, state: string): string {
  return createHmac('sha256', cookie).update(state, 'utf8').digest('base64url');
}
