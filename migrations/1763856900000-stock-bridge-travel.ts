import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What travels through the Smaregi ↔ NextEngine bridge (DESIGN §7, issue 17):
 * - `stock_links.ne_master_divisions`: with NextEngine as the master, the 在庫区分 codes that travel (取引: sales and
 *   returns); a setting because Smaregi's code table is UNCONFIRMED (default '02', see src/stock-links/stock-delta.ts);
 * - `stock_links.history_floor`: the contract's highest stock-history id when the baselines were last read, so a
 *   legacy push reads only the history that came after (and a re-baseline on a switch moves it forward).
 */
export class StockBridgeTravel1763856900000 implements MigrationInterface {
  name = 'StockBridgeTravel1763856900000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE stock_links ADD COLUMN ne_master_divisions text[] NOT NULL DEFAULT '{02}'`);
    await db.query(`ALTER TABLE stock_links ADD COLUMN history_floor bigint`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE stock_links DROP COLUMN history_floor`);
    await db.query(`ALTER TABLE stock_links DROP COLUMN ne_master_divisions`);
  }
}
