import { SiteHttpClientFactory } from '../http/site-http-client.factory';
import type { ConnectionContext, Credentials, SiteDescriptor } from '../sales-site-connector';

export interface SavedCredentials {
  patch: Record<string, string | null>;
  meta?: { tokenExpiresAt?: Date | null };
}

export interface TestConnectionContext extends ConnectionContext {
  /** what the connections module would have written, in order */
  saved: SavedCredentials[];
  /** the credential store behind the context (what another worker would see) */
  store: Credentials;
}

/**
 * A ConnectionContext over an in-memory credential store, with the real transport (fast retries,
 * no waiting) so that connector tests exercise the same code path as production against nock.
 */
export function testConnectionContext(
  descriptor: SiteDescriptor,
  overrides: Partial<Pick<ConnectionContext, 'connectionId' | 'shopId' | 'endpoint' | 'settings' | 'now'>> & {
    credentials?: Credentials;
  } = {},
): TestConnectionContext {
  const connectionId = overrides.connectionId ?? `test-${descriptor.site}-${Math.random().toString(36).slice(2)}`;
  const factory = new SiteHttpClientFactory({ retryBaseDelayMs: 1, sleep: async () => undefined });
  const store: Credentials = { ...overrides.credentials };
  const saved: SavedCredentials[] = [];
  const context: TestConnectionContext = {
    connectionId,
    tenantId: 'tenant-1',
    site: descriptor.site,
    shopId: overrides.shopId ?? 'shop-1',
    endpoint: overrides.endpoint ?? descriptor.defaultEndpoint,
    credentials: { ...store },
    settings: overrides.settings ?? {},
    http: factory.forConnection(connectionId, descriptor.rateLimit),
    saved,
    store,
    now: overrides.now ?? (() => new Date()),
    async saveCredentials(patch, meta) {
      saved.push(meta === undefined ? { patch: { ...patch } } : { patch: { ...patch }, meta });
      for (const [field, value] of Object.entries(patch)) {
        if (value === null) {
          delete store[field];
          delete context.credentials[field];
        } else {
          store[field] = value;
          context.credentials[field] = value;
        }
      }
    },
    async reloadCredentials() {
      return { ...store };
    },
    // One process, one store: a call that reads the newest tokens first is all serializing means here.
    async serialized(call) {
      Object.assign(context.credentials, store);
      return call();
    },
  };
  return context;
}
