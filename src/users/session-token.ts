import { hash, randomBytes } from 'node:crypto';

/** Distinct from API keys' `mb_`, so the bearer strategy knows which table to look in without trying both. */
const SESSION_TOKEN_PREFIX = 'mbs_';

/** Like API keys: 32 random bytes, so a fast SHA-256 is a safe lookup hash. */
export function generateSessionToken(): { token: string; hash: Buffer } {
  const token = SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashSessionToken(token) };
}

// one-shot `hash`, as for API keys: every console request runs it
export function hashSessionToken(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

export function isSessionToken(token: string): boolean {
  return token.startsWith(SESSION_TOKEN_PREFIX);
}
