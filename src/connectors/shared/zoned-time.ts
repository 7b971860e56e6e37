/**
 * The sites speak local wall-clock time without an offset (NextEngine, Qoo10, Crossmall: JST; 11st:
 * KST). Both zones are UTC+9 with no daylight saving, so a fixed offset is exact.
 */
export const JST_OFFSET_MINUTES = 9 * 60;
export const KST_OFFSET_MINUTES = 9 * 60;

/** Formats with the tokens yyyy MM dd HH mm ss, e.g. `yyyyMMddHHmm` or `yyyy-MM-dd HH:mm:ss`. */
export function formatInOffset(date: Date, offsetMinutes: number, pattern: string): string {
  const shifted = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const parts: Record<string, string> = {
    yyyy: pad(shifted.getUTCFullYear(), 4),
    MM: pad(shifted.getUTCMonth() + 1),
    dd: pad(shifted.getUTCDate()),
    HH: pad(shifted.getUTCHours()),
    mm: pad(shifted.getUTCMinutes()),
    ss: pad(shifted.getUTCSeconds()),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (token) => parts[token]);
}

/**
 * Reads `YYYY-MM-DD HH:MM:SS` (or `/` separators, or a bare date) as wall-clock time at the offset.
 * Undefined for empty values and placeholders such as `0000-00-00 00:00:00`.
 */
export function parseInOffset(text: string | null | undefined, offsetMinutes: number): Date | undefined {
  const match = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  if (Number(year) === 0) return undefined;
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return new Date(utc - offsetMinutes * 60_000);
}
