import { Injectable } from '@nestjs/common';

import type { ConnectionContext, ConnectionTestResult, SiteConnector } from '../sales-site-connector';
import type { ConnectionProbe, SitePorts } from '../site-ports';
import { runConnectionTest } from '../shared/connection-test';
import { SmaregiClient } from './smaregi.client';
import { SMAREGI_DESCRIPTOR } from './smaregi.descriptor';
import { SmaregiShipmentApi } from './smaregi.shipments';
import { SmaregiStockApi } from './smaregi.stock';

@Injectable()
export class SmaregiConnector implements SiteConnector, ConnectionProbe {
  readonly descriptor = SMAREGI_DESCRIPTOR;
  /** A POS, not a shop: it serves the stock bridge (DESIGN §7) with its stock, its history and its shipments. */
  readonly ports: SitePorts;

  constructor(
    private readonly client: SmaregiClient,
    stock: SmaregiStockApi = new SmaregiStockApi(client),
    shipments: SmaregiShipmentApi = new SmaregiShipmentApi(client),
  ) {
    this.ports = { connection: this, stockHistorySource: stock, shipmentRegistrar: shipments };
  }

  /**
   * A store list of one: Platform `GET /pos/stores?limit=1` (after obtaining the app token), or legacy
   * `store_ref`. The reference clients always send `conditions` (spec §A.3); whether the server insists
   * is UNCONFIRMED, so an empty list ("everything") is sent.
   */
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> {
    return runConnectionTest(async () => {
      const mode = this.client.mode(ctx);
      if (mode === 'platform') {
        const stores = await this.client.platform(ctx, 'GET', 'stores', { query: { limit: '1' }, maxAttempts: 2 });
        return { mode, storesFound: Array.isArray(stores) ? stores.length : 0 };
      }
      const answer = (await this.client.legacy(
        ctx,
        'store_ref',
        { table_name: 'Store', conditions: [], limit: 1, page: 1 },
        { maxAttempts: 2 },
      )) as {
        result?: unknown;
      };
      return { mode, storesFound: Array.isArray(answer.result) ? answer.result.length : 0 };
    });
  }
}
