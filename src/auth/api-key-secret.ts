import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PREFIX = 'mb_';

/**
 * API keys are 32 random bytes: far too much entropy to guess, so a fast SHA-256 is a safe
 * lookup hash (a slow password hash would only slow every request down).
 */
export function generateApiKey(): { key: string; prefix: string; hash: Buffer } {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, KEY_PREFIX.length + 8), hash: hashApiKey(key) };
}

// one-shot `hash` (Node ≥ 20.12), not a `Hash` object: these run on every request, and the object cost more than the hashing
export function hashApiKey(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/**
 * Constant-time comparison of two hex digests of one algorithm (a digest's length is no secret). Where both
 * sides are digests already, hashing them once more (`secretsEqual`) only costs time.
 */
export function digestsEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** Constant-time comparison of two secrets of possibly different length. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}
