import { Injectable } from '@nestjs/common';
import type { ConnectionContext } from '../connectors/sales-site-connector';
import type { PortOf } from '../connectors/site-ports';
import { type Capability, ConnectionUnavailableError, type SiteConnection, SiteCalls } from '../connections/site-calls';
import type { StockLink } from './stock-link.entity';

/** The link's connection is gone or not usable: the work waits, nothing is lost. */
export class LinkConnectionError extends Error {}

type LinkCall<C extends Capability, T> = (port: PortOf<C>, ctx: ConnectionContext, connection: SiteConnection) => Promise<T>;

/**
 * A link's two sites, called through `siteCalls`: its Smaregi connection (stock, history, products, shipments)
 * and its NextEngine connection (goods, stock uploads, orders). A connection that cannot be called becomes a
 * {@link LinkConnectionError}, which the bridge shows on the link and retries later.
 */
@Injectable()
export class LinkSites {
  constructor(private readonly siteCalls: SiteCalls) {}

  smaregi<C extends 'connection' | 'stockHistorySource' | 'shipmentRegistrar', T>(
    link: StockLink,
    capability: C,
    call: LinkCall<C, T>,
  ): Promise<T> {
    return this.run('Smaregi', link.smaregiConnectionId, capability, call);
  }

  nextEngine<C extends 'connection' | 'orderSource' | 'goodsCatalog' | 'stockDeltaSink' | 'soldOrderFeed', T>(
    link: StockLink,
    capability: C,
    call: LinkCall<C, T>,
  ): Promise<T> {
    return this.run('NextEngine', link.nextengineConnectionId, capability, call);
  }

  /** Both connections can be called now (no site is called to find out). */
  async assertUsable(link: StockLink): Promise<void> {
    for (const [site, connectionId] of [
      ['Smaregi', link.smaregiConnectionId],
      ['NextEngine', link.nextengineConnectionId],
    ] as const) {
      const connection = await this.siteCalls.describe(connectionId);
      if (!connection || connection.status !== 'active') throw unusable(site, connection?.status ?? 'deleted');
    }
  }

  private async run<C extends Capability, T>(site: string, connectionId: string, capability: C, call: LinkCall<C, T>): Promise<T> {
    try {
      return await this.siteCalls.run(connectionId, capability, call);
    } catch (error) {
      if (error instanceof ConnectionUnavailableError) throw unusable(site, error.state);
      throw error;
    }
  }
}

function unusable(site: string, state: string): LinkConnectionError {
  return new LinkConnectionError(
    state === 'deleted' ? `The ${site} connection of this link was deleted` : `The ${site} connection is ${state}`,
  );
}
