import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Capability } from '../connections/site-calls';
import { LinkSites } from './link-sites';
import type { StockLink } from './stock-link.entity';

const CHUNK = 5000;

/**
 * Seeds a link's baselines from Smaregi's own stock (legacy `stock_ref` / Platform `GET /pos/stock`), so the first
 * absolute amount Smaregi reports for a product becomes a true delta — at creation, and again on every switch of
 * the store filter or the master (DESIGN §7), so the switch itself sends nothing.
 *
 * The contract's history floor is read BEFORE the stock: a change made between the two reads is then both in the
 * amounts and above the floor, and the legacy history read would count it once more. That window is the few
 * milliseconds between two reads; the other order would lose such a change for good, which is worse.
 */
@Injectable()
export class StockBaselineSeeder {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sites: LinkSites,
  ) {}

  async seed(link: StockLink): Promise<number> {
    const { floor, levels } = await this.sites.smaregi(link, Capability.StockHistorySource, async (smaregi, ctx) => {
      const latest = await smaregi.latestHistoryId(ctx);
      return { floor: latest, levels: await smaregi.readStock(ctx, { storeId: link.storeId }) };
    });
    await this.db.transaction(async (manager) => {
      for (let start = 0; start < levels.length; start += CHUNK) {
        const chunk = levels.slice(start, start + CHUNK);
        await manager.query(
          `INSERT INTO stock_baselines (link_id, store_id, product_id, amount, history_id)
           SELECT $1, s, p, a, $5 FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t(s, p, a)
           ON CONFLICT (link_id, store_id, product_id) DO UPDATE SET amount = EXCLUDED.amount, history_id = EXCLUDED.history_id, updated_at = now()`,
          [link.id, chunk.map((l) => l.storeId), chunk.map((l) => l.productId), chunk.map((l) => l.amount), floor],
        );
      }
      // Baselines Smaregi no longer lists (no stock row in the stores now read) start again from zero at the floor.
      await manager.query(
        `UPDATE stock_baselines SET amount = 0, history_id = $3, updated_at = now()
          WHERE link_id = $1 AND ($2::text IS NULL OR store_id = $2)
            AND NOT (store_id, product_id) IN (SELECT s, p FROM unnest($4::text[], $5::text[]) AS t(s, p))`,
        [link.id, link.storeId, floor, levels.map((l) => l.storeId), levels.map((l) => l.productId)],
      );
      await manager.query(`UPDATE stock_links SET seeded_at = now(), history_floor = $2 WHERE id = $1`, [link.id, floor]);
    });
    return levels.length;
  }
}
