import { Injectable } from '@nestjs/common';

import type { ConnectionContext, ConnectionTestResult, ExternalOrderLine, ListingKey, SalesSiteConnector } from '../sales-site-connector';
import { runConnectionTest } from '../shared/connection-test';
import { SmaregiClient } from './smaregi.client';
import { SMAREGI_DESCRIPTOR } from './smaregi.descriptor';

@Injectable()
export class SmaregiConnector implements SalesSiteConnector {
  readonly descriptor = SMAREGI_DESCRIPTOR;

  constructor(private readonly client: SmaregiClient) {}

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
      const answer = (await this.client.legacy(ctx, 'store_ref', { table_name: 'Store', conditions: [], limit: 1, page: 1 }, { maxAttempts: 2 })) as {
        result?: unknown;
      };
      return { mode, storesFound: Array.isArray(answer.result) ? answer.result.length : 0 };
    });
  }

  /** 商品ID (digits, ≤15) or 商品コード (often the JAN), whichever the line carries as its product code. */
  listingKey(line: ExternalOrderLine): ListingKey {
    return { key: line.productCode, productCode: line.productCode };
  }
}
