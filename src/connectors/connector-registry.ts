import { Inject, Injectable } from '@nestjs/common';

import { SALES_SITE_CONNECTORS, type SiteConnector, type SiteDescriptor, type SiteId } from './sales-site-connector';
import { type SiteCapabilities, capabilitiesOf } from './site-ports';

/** Site id → connector, from every connector provided under {@link SALES_SITE_CONNECTORS}. */
@Injectable()
export class ConnectorRegistry {
  private readonly bySite = new Map<SiteId, SiteConnector>();

  constructor(@Inject(SALES_SITE_CONNECTORS) connectors: SiteConnector[]) {
    for (const connector of connectors) {
      const site = connector.descriptor.site;
      if (this.bySite.has(site)) throw new Error(`Two connectors are registered for the sales site "${site}"`);
      this.bySite.set(site, connector);
    }
  }

  get(site: string): SiteConnector {
    const connector = this.bySite.get(site as SiteId);
    if (!connector) {
      throw new Error(`No connector for the sales site "${site}"; known sites: ${[...this.bySite.keys()].join(', ')}`);
    }
    return connector;
  }

  has(site: string): site is SiteId {
    return this.bySite.has(site as SiteId);
  }

  list(): SiteConnector[] {
    return [...this.bySite.values()];
  }

  descriptors(): SiteDescriptor[] {
    return this.list().map((connector) => connector.descriptor);
  }

  /** What the site can do, read off the ports its connector provides. */
  capabilities(site: string): SiteCapabilities {
    const connector = this.get(site);
    return capabilitiesOf(connector.ports, connector.descriptor.authorization);
  }
}
