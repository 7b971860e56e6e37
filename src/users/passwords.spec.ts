import { hashPassword, passwordMatches } from './passwords';

describe('passwords', () => {
  it('are hashed with argon2id and a fresh salt, and only the right password matches', async () => {
    const hash = await hashPassword('correct horse battery');
    const again = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain('correct horse battery');
    expect(again).not.toEqual(hash);
    expect(await passwordMatches(hash, 'correct horse battery')).toBe(true);
    expect(await passwordMatches(hash, 'Correct horse battery')).toBe(false);
  });

  it('treat a malformed stored hash as no match instead of throwing', async () => {
    expect(await passwordMatches('not-a-hash', 'anything at all')).toBe(false);
  });
});
