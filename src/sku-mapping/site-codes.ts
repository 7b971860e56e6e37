import type { SiteId } from '../connectors/sales-site-connector';

export const MAX_CODE_LENGTH = 100;
export const MAX_NAME_LENGTH = 255;
export const MAX_LISTING_KEY_LENGTH = 300;
export const JAN_PATTERN = /^(\d{8}|\d{13})$/;

/**
 * What identifies a listing on each site, for the API documentation and error messages. Crossmall's key is
 * built by its connector from the item code and the option values (`itemCode:attr1,attr2`).
 */
export const LISTING_KEY_DESCRIPTIONS: Record<SiteId, string> = {
  nextengine: '商品コード (goods id)',
  'qoo10-jp': '販売者オプションコード for option items, else 販売者商品コード',
  '11st': 'セラー在庫コード for option items, else 販売者商品コード',
  crossmall: 'item code, or `itemCode:attr1,attr2` for option items — exact text, spacing and case kept',
  smaregi: '商品ID (product id)',
};

/**
 * A site's code as it takes part in matching. Crossmall keys are exact strings — option values such as
 * `Red, M` versus `red,M` name different items there — so they are kept byte for byte. The other sites'
 * codes are identifiers where surrounding whitespace is noise from CSV exports and copy-paste.
 */
export function siteCode(site: string, value: string): string {
  return site === 'crossmall' ? value : value.trim();
}
