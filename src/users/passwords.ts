import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 12;
/** argon2 would take any length; a cap keeps a megabyte "password" from being a cheap way to burn CPU */
export const MAX_PASSWORD_LENGTH = 256;

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): costly to guess offline, cheap enough for
// a shared server signing people in.
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

export async function passwordMatches(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification when no user has the e-mail, so an unknown e-mail answers as slowly
 * as a wrong password and the timing does not tell which of the two was wrong.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await passwordMatches(await dummyHash, password);
}
