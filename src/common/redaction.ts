/** Field names whose values never reach a log line or a response. */
export const SECRET_FIELD_PATTERN = /(secret|token|password|passwd|authorization|api[-_]?key|^key$|_key$|Key$|sncode|signing|cookie|credential)/i;

export const REDACTED = '[REDACTED]';

/** A deep copy of `value` with every secret-looking field replaced; cycles and depth are bounded. */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_FIELD_PATTERN.test(key) && item !== undefined && item !== null ? REDACTED : redactDeep(item, depth + 1, seen);
  }
  return out;
}

/** Query parameters that carry one-time codes in OAuth-style callbacks and webhook URLs. */
const SECRET_QUERY_PARAMS = new Set(['uid', 'state', 'code', 'mb_state', 'sncode']);

/** A URL (or path with query) fit for a log line: secret-looking query values replaced. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const key of [...params.keys()]) {
    if (SECRET_QUERY_PARAMS.has(key.toLowerCase()) || SECRET_FIELD_PATTERN.test(key)) params.set(key, REDACTED);
  }
  return `${url.slice(0, queryStart)}?${params.toString()}`;
}
