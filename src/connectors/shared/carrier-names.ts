/**
 * A carrier as Mallbridge knows it (`yamato`, `Japan Post`, `SAGAWA`) reduced to a key: width, case, spaces, hyphens,
 * dots and underscores ignored. The site's own name for it is never reduced: it goes out exactly as written.
 */
export function carrierKey(carrier: string): string {
  return carrier
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_.-]+/g, '');
}

/**
 * The site's name for a carrier: the connection's own mapping (a setting: carrier → site name) first, then the
 * site's built-in names (by {@link carrierKey}); undefined when neither knows it. Our own carrier string is never the
 * answer: a site shows buyers the name it is sent, or refuses one it does not know.
 */
export function siteCarrierName(configured: unknown, builtIn: ReadonlyMap<string, string>, carrier: string): string | undefined {
  const wanted = carrierKey(carrier);
  if (wanted === '') return undefined;
  if (configured !== null && typeof configured === 'object' && !Array.isArray(configured)) {
    for (const [name, siteName] of Object.entries(configured as Record<string, unknown>)) {
      if (carrierKey(name) === wanted && typeof siteName === 'string' && siteName.trim() !== '') return siteName;
    }
  }
  return builtIn.get(wanted);
}
