import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Capability } from '../connections/site-calls';
import { LinkSites } from './link-sites';
import type { StockLink } from './stock-link.entity';

const CHUNK = 5000;

/**
 * Seeds a link's baselines from Smaregi's own stock (legacy `stock_ref` / Platform `GET /pos/stock`), so
 * the first absolute amount Smaregi reports for a product becomes a true delta.
 */
@Injectable()
export class StockBaselineSeeder {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sites: LinkSites,
  ) {}

  async seed(link: StockLink): Promise<number> {
    const levels = await this.sites.smaregi(link, Capability.StockHistorySource, (smaregi, ctx) =>
      smaregi.readStock(ctx, { storeId: link.storeId }),
    );
    await this.db.transaction(async (manager) => {
      for (let start = 0; start < levels.length; start += CHUNK) {
        const chunk = levels.slice(start, start + CHUNK);
        await manager.query(
          `INSERT INTO stock_baselines (link_id, store_id, product_id, amount)
           SELECT $1, s, p, a FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t(s, p, a)
           ON CONFLICT (link_id, store_id, product_id) DO UPDATE SET amount = EXCLUDED.amount, history_id = NULL, updated_at = now()`,
          [link.id, chunk.map((l) => l.storeId), chunk.map((l) => l.productId), chunk.map((l) => l.amount)],
        );
      }
      await manager.query(`UPDATE stock_links SET seeded_at = now() WHERE id = $1`, [link.id]);
    });
    return levels.length;
  }
}
