import { createHash } from 'node:crypto';
import { digestsEqual, secretsEqual } from './api-key-secret';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('comparing secrets', () => {
  it('digestsEqual: the same digest matches, another or a truncated one does not, and nothing throws', () => {
    const digest = sha256('code-1');
    expect(digestsEqual(digest, sha256('code-1'))).toBe(true);
    expect(digestsEqual(digest, sha256('code-2'))).toBe(false);
    expect(digestsEqual(digest, digest.slice(0, 63))).toBe(false);
    expect(digestsEqual(digest, '')).toBe(false);
    expect(digestsEqual(digest.toUpperCase(), digest)).toBe(false);
  });

  it('secretsEqual: secrets of any length, only the same one matches', () => {
    expect(secretsEqual('admin-key', 'admin-key')).toBe(true);
    expect(secretsEqual('admin-key', 'admin-key-longer')).toBe(false);
    expect(secretsEqual('', 'admin-key')).toBe(false);
  });
});
