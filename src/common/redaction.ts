/**
 * Keeps credentials out of logs, error messages and responses: the one place that decides what is
 * secret, used by the request logger and by the outbound site transport alike. A value is secret when
 * its field name says so; callers add names the pattern cannot guess (NextEngine's one-time `uid`).
 */
export const REDACTED = '***';

// Deliberately broad: over-masking a harmless field costs nothing, leaking a key costs a rotation.
const SECRET_NAME_PATTERN = /secret|token|passw|pwd|key|sncode|signing|signature|authorization|cookie|credential|certification/i;

/** Query parameters that carry one-time codes in OAuth-style callbacks: secret in any URL. */
const ONE_TIME_CODE_PARAMS = new Set(['uid', 'state', 'code', 'mb_state']);

export function isSecretName(name: string, extraSecretNames: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAME_PATTERN.test(name) || extraSecretNames.some((extra) => extra.toLowerCase() === lower);
}

/**
 * A deep copy of `value` with every secret-named field replaced. Buffers become their length and
 * errors their name, message and stack (a log line wants neither raw bytes nor an opaque `{}`);
 * cycles and depth are bounded.
 */
export function redactDeep(value: unknown, extraSecretNames: readonly string[] = []): unknown {
  return redactValue(value, extraSecretNames, 0, new WeakSet());
}

function redactValue(value: unknown, extra: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (depth > 8) return '[…]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((item) => redactValue(item, extra, depth + 1, seen));
  const copy: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
    copy[field] =
      isSecretName(field, extra) && fieldValue !== undefined && fieldValue !== null
        ? REDACTED
        : redactValue(fieldValue, extra, depth + 1, seen);
  }
  return copy;
}

/** The URL with the values of secret-named query parameters replaced; the rest kept byte for byte. */
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
      const secret = isSecretName(name, extraSecretNames) || ONE_TIME_CODE_PARAMS.has(name.toLowerCase());
      return secret ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
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
