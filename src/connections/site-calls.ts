import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ConnectorRegistry } from '../connectors/connector-registry';
import { SiteAuthError, SiteError } from '../connectors/http/site-errors';
import type { ConnectionContext, ExternalOrderLine, ItemResult, ListingKey, SiteId } from '../connectors/sales-site-connector';
import { BULK_CAPABILITIES, type Capability, type PortOf, type SiteCapabilities } from '../connectors/site-ports';
import { Connection, type ConnectionOptions, type ConnectionStatus } from './connection.entity';
import { ConnectionContextFactory } from './connection-context.factory';

export { Capability } from '../connectors/site-ports';
export { SiteAuthError, SiteError, SiteRejectedError, SiteRetryableError } from '../connectors/http/site-errors';

/** The connection a site call runs for, as business modules may see it: no credentials. */
export interface SiteConnection {
  id: string;
  tenantId: string;
  site: SiteId;
  shopId: string;
  displayName: string;
  status: ConnectionStatus;
  options: ConnectionOptions;
  settings: Record<string, unknown>;
}

/** The connection cannot be called now: it was deleted, or it is not active (the seller must act first). */
export class ConnectionUnavailableError extends Error {
  constructor(
    readonly connectionId: string,
    /** `deleted`, or the connection's status */
    readonly state: ConnectionStatus | 'deleted',
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionUnavailableError';
  }

  /** A deleted connection never comes back; an inactive one may, once the seller signs in or enables it. */
  get permanent(): boolean {
    return this.state === 'deleted';
  }
}

/** The site has no such port (Smaregi takes no orders, NextEngine confirms none). */
export class CapabilityMissingError extends Error {
  constructor(
    readonly site: string,
    readonly capability: Capability,
  ) {
    super(`${site} does not provide ${capability}`);
    this.name = 'CapabilityMissingError';
  }
}

export interface SiteCallOptions {
  /**
   * Call a connection that is not active too (a connection test, a renewal). By default only active
   * connections are called: an expired or disabled one is never sent a request.
   */
  anyStatus?: boolean;
}

type SiteCall<C extends Capability, T> = (port: PortOf<C>, ctx: ConnectionContext, connection: SiteConnection) => Promise<T>;

/** What the site answers when it says nothing about an item it was sent. */
const NOT_REPORTED = 'The site did not report on this item.';

/**
 * The one way a business module calls a site (DESIGN §2): `siteCalls.run(connectionId, Capability.X, (port, ctx) => …)`.
 * It owns what every call needs, so no module repeats it: the connection is live and active; the context
 * (decrypted credentials, the shared transport, token persistence, cross-instance serialization where tokens
 * rotate) is built here and never kept by the caller; a refusal of the credentials marks the connection
 * `auth_expired` once, with the site's own words; and for bulk ports, a failed call becomes one result per item.
 */
@Injectable()
export class SiteCalls {
  private readonly logger = new Logger(SiteCalls.name);

  constructor(
    @InjectRepository(Connection) private readonly connections: Repository<Connection>,
    private readonly connectors: ConnectorRegistry,
    private readonly contexts: ConnectionContextFactory,
  ) {}

  async run<C extends Capability, T>(connectionId: string, capability: C, call: SiteCall<C, T>, options: SiteCallOptions = {}): Promise<T> {
    const { connection, port, ctx } = await this.prepare(connectionId, capability, options);
    try {
      return await call(port, ctx, connection);
    } catch (error) {
      if (error instanceof SiteAuthError) {
        // The site's refusal is what the caller must see, even if recording it fails.
        await this.markAuthExpired(connection, error).catch((failure: unknown) =>
          this.logger.error({ err: failure, connectionId: connection.id }, 'Could not mark the connection auth_expired'),
        );
      }
      throw error;
    }
  }

  /**
   * A bulk call (confirm, tracking, stock): one result per item, in the order of `items`. A call that fails as a
   * whole becomes a failed result for each item, carrying the site's code and message; an item the site did not
   * report on is a retryable failure. A connection that cannot be called throws {@link ConnectionUnavailableError}.
   */
  async runBulk<C extends Capability, I>(
    connectionId: string,
    capability: C,
    items: readonly I[],
    keyOf: (item: I) => string,
    call: SiteCall<C, ItemResult[]>,
    options: SiteCallOptions = {},
  ): Promise<ItemResult[]> {
    if (!BULK_CAPABILITIES.has(capability)) throw new Error(`${capability} is not a bulk port`);
    let results: ItemResult[];
    try {
      results = await this.run(connectionId, capability, call, options);
    } catch (error) {
      if (!(error instanceof SiteError)) throw error;
      // Every whole-call failure is worth another try later: a refused credential waits for the seller's sign-in
      // (the connection is auth_expired now, so nothing is sent meanwhile), an outage for the site.
      const failure = {
        ok: false,
        ...(error.siteCode !== undefined ? { siteCode: error.siteCode } : {}),
        message: error.siteMessage ?? error.message,
        retryable: true,
      };
      return items.map((item) => ({ key: keyOf(item), ...failure }));
    }
    const byKey = new Map(results.map((result) => [result.key, result]));
    return items.map((item) => byKey.get(keyOf(item)) ?? { key: keyOf(item), ok: false, message: NOT_REPORTED, retryable: true });
  }

  /** What a site can do, from the ports its connector provides. */
  capabilities(site: string): SiteCapabilities {
    return this.connectors.capabilities(site);
  }

  /** How a site takes stock; null for a site that takes none, or one this build does not know. */
  stockMode(site: string): 'absolute' | 'relative' | null {
    return this.connectors.has(site) ? this.capabilities(site).stock || null : null;
  }

  /**
   * The key SKU mappings know an order line by on this site (no call is made: the order source's own rule), for
   * orders entered by hand. Sites without an order source key a line by its option code, else its product code.
   */
  listingKey(site: string, line: ExternalOrderLine): ListingKey {
    return this.connectors.get(site).ports.orderSource?.listingKey(line) ?? { key: line.optionCode || line.productCode };
  }

  /** The sites whose capabilities pass `test` (every site without one). */
  sites(test: (capabilities: SiteCapabilities) => boolean = () => true): SiteId[] {
    return this.connectors
      .descriptors()
      .map((descriptor) => descriptor.site)
      .filter((site) => test(this.capabilities(site)));
  }

  /** Whether the site provides a port (a stock push asks the site for listing addresses only where it can). */
  provides(site: string, capability: Capability): boolean {
    return this.connectors.has(site) && !!this.connectors.get(site).ports[capability];
  }

  /** The site takes its own orders' shipments out of its stock (`StockSink.ownShipmentsLowerStock`, NextEngine). */
  ownShipmentsLowerStock(site: string): boolean {
    return this.connectors.has(site) && !!this.connectors.get(site).ports.stockSink?.ownShipmentsLowerStock;
  }

  /** The site's order lists leave out lines under a claim (`OrderSource.hidesLinesUnderClaim`). */
  hidesLinesUnderClaim(site: string): boolean {
    return !!this.connectors.get(site).ports.orderSource?.hidesLinesUnderClaim;
  }

  /** The codes of the site's collectable statuses. */
  collectableStatuses(site: string): readonly string[] {
    return this.connectors.get(site).descriptor.collectableStatuses.map((status) => status.code);
  }

  unconfirmedStatuses(site: string): readonly string[] {
    return this.connectors.get(site).descriptor.unconfirmedStatuses ?? [];
  }

  /** The site's name as sellers know it. */
  displayName(site: string): string {
    return this.connectors.get(site).descriptor.displayName;
  }

  /** The connection as a site call would see it, whatever its state; null once deleted. */
  async describe(connectionId: string): Promise<SiteConnection | null> {
    const row = await this.connections.findOne({ where: { id: connectionId, deletedAt: IsNull() } });
    return row ? this.toSiteConnection(row) : null;
  }

  private async prepare<C extends Capability>(
    connectionId: string,
    capability: C,
    options: SiteCallOptions,
  ): Promise<{ connection: SiteConnection; port: PortOf<C>; ctx: ConnectionContext }> {
    const row = await this.connections.findOne({ where: { id: connectionId, deletedAt: IsNull() } });
    if (!row) throw new ConnectionUnavailableError(connectionId, 'deleted', 'The connection was deleted.');
    if (!options.anyStatus && row.status !== 'active') {
      throw new ConnectionUnavailableError(
        connectionId,
        row.status,
        `The connection is ${row.status}; sites are called only for active connections.${row.lastError ? ` Last error: ${row.lastError}` : ''}`,
      );
    }
    const connector = this.connectors.get(row.site);
    const port = connector.ports[capability];
    if (!port) throw new CapabilityMissingError(connector.descriptor.displayName, capability);
    return { connection: this.toSiteConnection(row), port: port as PortOf<C>, ctx: this.contexts.create(row) };
  }

  /** Once: only an active connection moves to auth_expired, so concurrent failures write one change. */
  private async markAuthExpired(connection: SiteConnection, error: SiteAuthError): Promise<void> {
    const message = error.siteMessage ?? error.message;
    const moved = await this.connections.update({ id: connection.id, status: 'active' }, { status: 'auth_expired', lastError: message });
    if (moved.affected)
      this.logger.warn(
        { connectionId: connection.id, site: connection.site, siteCode: error.siteCode },
        'The site refused the credentials',
      );
  }

  private toSiteConnection(row: Connection): SiteConnection {
    return {
      id: row.id,
      tenantId: row.tenantId,
      site: row.site,
      shopId: row.shopId,
      displayName: this.displayName(row.site),
      status: row.status,
      options: row.options,
      settings: { ...row.settings },
    };
  }
}
