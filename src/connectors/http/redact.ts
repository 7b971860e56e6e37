/**
 * Keeps credentials out of logs and error messages. A value is secret when its field name says so;
 * callers add names the pattern cannot guess (NextEngine's one-time `uid`/`state`, Qoo10's `pwd`).
 */
export const REDACTED = '***';

// Deliberately broad: over-masking a harmless field costs nothing, leaking a key costs a rotation.
const SECRET_NAME_PATTERN = /secret|token|passw|pwd|key|sncode|signing|signature|authorization|cookie|credential|certification/i;

export function isSecretName(name: string, extraSecretNames: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAME_PATTERN.test(name) || extraSecretNames.some((extra) => extra.toLowerCase() === lower);
}

/** A deep copy of `value` with every secret-named field replaced by `***`. */
export function redact<T>(value: T, extraSecretNames: readonly string[] = []): T {
  return redactValue(value, extraSecretNames, new WeakSet()) as T;
}

function redactValue(value: unknown, extra: readonly string[], seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, extra, seen));
  const copy: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    copy[field] = isSecretName(field, extra) ? REDACTED : redactValue(fieldValue, extra, seen);
  }
  return copy;
}

/** The URL with the values of secret-named query parameters replaced by `***`; the rest kept byte for byte. */
export function redactUrl(url: string, extraSecretNames: readonly string[] = []): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const hashStart = url.indexOf('#', queryStart);
  const query = url.slice(queryStart + 1, hashStart < 0 ? undefined : hashStart);
  // Split by hand rather than through URLSearchParams so the logged URL shows the exact bytes sent
  // (Crossmall signs the raw query string; a re-encoded copy would mislead whoever debugs a signature).
  const redactedQuery = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      const name = safeDecode(pair.slice(0, equals));
      return isSecretName(name, extraSecretNames) ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${redactedQuery}${hashStart < 0 ? '' : url.slice(hashStart)}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
