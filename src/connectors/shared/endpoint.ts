/**
 * A connection's endpoint is the site's scheme and host (DESIGN §1: overridable for sandboxes and
 * simulators); the connector appends the protocol's fixed root path. An endpoint that already ends
 * with that root (someone pasted the full base URL) is accepted as it is rather than doubled.
 */
export function urlUnderRoot(endpoint: string, root: string, path = ''): string {
  const base = endpoint.replace(/\/+$/, '');
  const normalizedRoot = `/${root.replace(/^\/+|\/+$/g, '')}`;
  const rooted = base.endsWith(normalizedRoot) ? base : `${base}${normalizedRoot}`;
  if (path === '') return rooted;
  return `${rooted}/${path.replace(/^\/+/, '')}`;
}
