import { generateApiKey } from '../auth/api-key-secret';
import { generateSessionToken, hashSessionToken, isSessionToken } from './session-token';

describe('session tokens', () => {
  it('are long random opaque strings, stored only as their SHA-256', () => {
    const first = generateSessionToken();
    const second = generateSessionToken();
    expect(first.token).not.toEqual(second.token);
    expect(first.token.length).toBeGreaterThanOrEqual(40);
    expect(first.hash).toHaveLength(32);
    expect(first.hash.equals(hashSessionToken(first.token))).toBe(true);
    expect(first.hash.equals(second.hash)).toBe(false);
    expect(first.hash.toString('utf8')).not.toContain(first.token);
  });

  it('are told apart from API keys by their prefix, both ways', () => {
    expect(isSessionToken(generateSessionToken().token)).toBe(true);
    expect(isSessionToken(generateApiKey().key)).toBe(false);
    expect(isSessionToken('')).toBe(false);
  });
});
