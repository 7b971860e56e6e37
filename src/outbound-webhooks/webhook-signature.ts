import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Mallbridge-Signature';
/** how far a signature's timestamp may be from the receiver's clock before it is refused (replays) */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** A new endpoint's signing secret, shown once at creation. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * `Mallbridge-Signature` for a body sent at `timestamp` (unix seconds): Stripe's scheme,
 * `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 */
export function signWebhookBody(secret: string, rawBody: string | Buffer, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

/**
 * What a receiver does with a delivery (the README's snippet, as code): true only when one of the header's `v1`
 * signatures matches the raw body — compared in constant time — and its timestamp is within five minutes of `now`.
 */
export function verifyMallbridgeSignature(
  secret: string,
  header: string | undefined,
  rawBody: string | Buffer,
  now: Date = new Date(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && /^[0-9a-f]{64}$/.test(value ?? ''))
    .some(([, value]) => timingSafeEqual(Buffer.from(value, 'hex'), expected));
}
