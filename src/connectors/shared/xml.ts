import { XMLParser } from 'fast-xml-parser';
import * as iconv from 'iconv-lite';

export type XmlNode = Record<string, unknown>;

/**
 * Decodes an XML body by the encoding its declaration names, then the Content-Type charset, then
 * `fallbackEncoding` (11st answers EUC-KR on most endpoints and UTF-8 on some).
 */
export function decodeXml(body: Buffer, contentType: string | undefined, fallbackEncoding: string): string {
  // The declaration is ASCII in every encoding we meet, so reading the head as latin1 is safe.
  const head = body.subarray(0, 200).toString('latin1');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1];
  const fromHeader = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  const encoding = [declared, fromHeader, fallbackEncoding].find((candidate) => candidate && iconv.encodingExists(candidate));
  return iconv.decode(body, encoding ?? 'utf8');
}

/**
 * Parses XML keeping every value as a string (codes such as `00034` or `-1000` must survive intact),
 * namespace prefixes dropped (11st mixes `ns2:` and bare roots), attributes under `@_name`.
 * `repeatedElements` always become arrays so one row and many rows read the same.
 */
export function parseXml(text: string, repeatedElements: readonly string[] = [], options: { trimValues?: boolean } = {}): XmlNode {
  const repeated = new Set(repeatedElements);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    // Off where values are exact keys (CROSS MALL attribute names: spacing counts); whitespace between
    // elements then shows up as `#text`, which readers of such documents skip.
    trimValues: options.trimValues ?? true,
    ignoreDeclaration: true,
    isArray: (name) => repeated.has(name),
  });
  return parser.parse(text) as XmlNode;
}

/** The first value stored under `key` anywhere in the tree (sites move result codes between roots). */
export function findFirst(node: unknown, key: string): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findFirst(item, key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = node as XmlNode;
  if (key in record) return record[key];
  for (const value of Object.values(record)) {
    const found = findFirst(value, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Text content of an element that fast-xml-parser may have turned into a string or `{ '#text' }`. */
export function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && '#text' in (value as XmlNode)) return textOf((value as XmlNode)['#text']);
  return undefined;
}
