import { randomBytes } from 'node:crypto';
import { CredentialCipher, maskSecret } from './credential-cipher';

describe('CredentialCipher', () => {
  const cipher = new CredentialCipher(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const stored = cipher.encryptJson({ apiKey: 'super-secret-value' }, 'connection:1');
    expect(stored).not.toContain('super-secret-value');
    expect(stored.startsWith('v1:')).toBe(true);
    expect(cipher.decryptJson(stored, 'connection:1')).toEqual({ apiKey: 'super-secret-value' });
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('same', 'a')).not.toBe(cipher.encrypt('same', 'a'));
  });

  it('refuses a ciphertext moved to another row or tampered with', () => {
    const stored = cipher.encrypt('value', 'connection:1');
    expect(() => cipher.decrypt(stored, 'connection:2')).toThrow();
    const parts = stored.split(':');
    const body = Buffer.from(parts[3], 'base64');
    body[0] ^= 1;
    parts[3] = body.toString('base64');
    expect(() => cipher.decrypt(parts.join(':'), 'connection:1')).toThrow();
  });

  it('refuses another key', () => {
    const stored = cipher.encrypt('value', 'x');
    expect(() => new CredentialCipher(randomBytes(32)).decrypt(stored, 'x')).toThrow();
  });

  it('masks to the last four characters', () => {
    expect(maskSecret('abcdefgh1234')).toBe('••••1234');
    expect(maskSecret('abc')).toBe('••••');
  });
});
