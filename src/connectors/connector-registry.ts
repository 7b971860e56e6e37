import { Inject, Injectable } from '@nestjs/common';

import { SALES_SITE_CONNECTORS, type SalesSiteConnector, type SiteDescriptor, type SiteId } from './sales-site-connector';

/** Site id → connector, from every connector provided under {@link SALES_SITE_CONNECTORS}. */
@Injectable()
export class ConnectorRegistry {
  private readonly bySite = new Map<SiteId, SalesSiteConnector>();

  constructor(@Inject(SALES_SITE_CONNECTORS) connectors: SalesSiteConnector[]) {
    for (const connector of connectors) {
      const site = connector.descriptor.site;
      if (this.bySite.has(site)) throw new Error(`Two connectors are registered for the sales site "${site}"`);
      this.bySite.set(site, connector);
    }
  }

  get(site: string): SalesSiteConnector {
    const connector = this.bySite.get(site as SiteId);
    if (!connector) {
      throw new Error(`No connector for the sales site "${site}"; known sites: ${[...this.bySite.keys()].join(', ')}`);
    }
    return connector;
  }

  has(site: string): site is SiteId {
    return this.bySite.has(site as SiteId);
  }

  list(): SalesSiteConnector[] {
    return [...this.bySite.values()];
  }

  descriptors(): SiteDescriptor[] {
    return this.list().map((connector) => connector.descriptor);
  }
}
