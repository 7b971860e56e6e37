export const MAX_CODE_LENGTH = 100;
export const MAX_NAME_LENGTH = 255;
export const MAX_LISTING_KEY_LENGTH = 300;
export const JAN_PATTERN = /^(\d{8}|\d{13})$/;

/**
 * A site's code as it takes part in matching. Crossmall keys are exact strings — option values such as
 * `Red, M` versus `red,M` name different items there — so they are kept byte for byte. The other sites'
 * codes are identifiers where surrounding whitespace is noise from CSV exports and copy-paste.
 */
export function siteCode(site: string, value: string): string {
  return site === 'crossmall' ? value : value.trim();
}
