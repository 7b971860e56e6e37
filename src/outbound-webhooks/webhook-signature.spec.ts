import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebhookSecret, signWebhookBody, verifyMallbridgeSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ id: 'e1', type: 'orders.arrived', data: { orderId: 'o1' } });
  const sentAt = new Date('2026-12-01T10:00:00Z');
  const t = sentAt.getTime() / 1000;

  it('is HMAC-SHA256 over "<t>.<body>", hex, in Stripe\'s header form', () => {
    const expected = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies what it signed, within five minutes either way', () => {
    const header = signWebhookBody(secret, body, t);
    expect(verifyMallbridgeSignature(secret, header, body, sentAt)).toBe(true);
    expect(verifyMallbridgeSignature(secret, header, Buffer.from(body), new Date(sentAt.getTime() + 299_000))).toBe(true);
    expect(verifyMallbridgeSignature(secret, header, body, new Date(sentAt.getTime() - 299_000))).toBe(true);
  });

  it('refuses a tampered body, another secret, an old or future timestamp, a changed t, and junk headers', () => {
    const header = signWebhookBody(secret, body, t);
    expect(verifyMallbridgeSignature(secret, header, body.replace('o1', 'o2'), sentAt)).toBe(false);
    expect(verifyMallbridgeSignature(generateWebhookSecret(), header, body, sentAt)).toBe(false);
    expect(verifyMallbridgeSignature(secret, header, body, new Date(sentAt.getTime() + 301_000))).toBe(false);
    expect(verifyMallbridgeSignature(secret, header, body, new Date(sentAt.getTime() - 301_000))).toBe(false);
    expect(verifyMallbridgeSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, sentAt)).toBe(false);
    for (const junk of [undefined, '', 'v1=abc', `t=${t}`, `t=${t},v1=zz`, `t=${t},v1=${'0'.repeat(63)}`]) {
      expect(verifyMallbridgeSignature(secret, junk, body, sentAt)).toBe(false);
    }
  });

  it('accepts any matching v1 among several (a secret being rolled)', () => {
    const good = signWebhookBody(secret, body, t).split(',')[1];
    expect(verifyMallbridgeSignature(secret, `t=${t},v1=${'0'.repeat(64)},${good}`, body, sentAt)).toBe(true);
  });
});

describe("the README's verification snippet", () => {
  /** The snippet's `verifyMallbridgeSignature`, run as a receiver would paste it (its Express part left out). */
  function readmeVerifier(): (secret: string, header: string | undefined, rawBody: string | Buffer, now?: number) => boolean {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Webhooks'));
    const snippet = /```js\n([\s\S]*?)```/.exec(section)![1];
    const verifier = snippet.slice(0, snippet.indexOf('// Express'));
    return new Function('require', `${verifier}; return verifyMallbridgeSignature;`)(() => crypto) as ReturnType<typeof readmeVerifier>;
  }

  it('accepts what Mallbridge signs and refuses what it would refuse', () => {
    const verify = readmeVerifier();
    const secret = generateWebhookSecret();
    const body = Buffer.from(JSON.stringify({ id: 'e2', type: 'orders.cancelled', data: { orderId: 'o9' } }));
    const now = Date.parse('2026-12-01T10:00:00Z');
    const header = signWebhookBody(secret, body, now / 1000);
    expect(verify(secret, header, body, now)).toBe(true);
    expect(verify(secret, header, body.toString('utf8'), now + 299_000)).toBe(true);
    expect(verify(secret, header, body.toString('utf8').replace('o9', 'o8'), now)).toBe(false);
    expect(verify(secret, header, body, now + 301_000)).toBe(false);
    expect(verify(generateWebhookSecret(), header, body, now)).toBe(false);
    expect(verify(secret, undefined, body, now)).toBe(false);
  });
});
