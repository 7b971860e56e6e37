import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * NextEngine orders → Smaregi shipments, each once (DESIGN §7, issue 17):
 * - `stock_links.shipments_enabled_at`: when the import was switched on; only orders received from then on are
 *   imported (「以降の注文分から」);
 * - `stock_links.shipment_cursor`: the import's own NextEngine last-modified cursor (orders changed since);
 * - `stock_link_shipments` keeps each order's lines (so a failed registration is retried without reading NextEngine
 *   again), the reference put on the Smaregi shipment (read back to settle a lost answer), and a cancel seen in
 *   NextEngine that the shipment's reversal still has to follow.
 */
export class StockLinkShipments1763856901000 implements MigrationInterface {
  name = 'StockLinkShipments1763856901000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE stock_links ADD COLUMN shipments_enabled_at timestamptz(3), ADD COLUMN shipment_cursor text`);
    await db.query(`UPDATE stock_links SET shipments_enabled_at = now() WHERE shipments_enabled`);
    await db.query(`ALTER TABLE stock_link_shipments DROP CONSTRAINT stock_link_shipments_status_check`);
    await db.query(`
      ALTER TABLE stock_link_shipments
        -- pending: to register; registering / reversing: a call is (or was) under way, its outcome is settled by
        -- reading the reference back; skipped: cancelled before it was ever registered
        ADD CONSTRAINT stock_link_shipments_status_check
          CHECK (status IN ('pending', 'registering', 'registered', 'failed', 'reversing', 'reversed', 'skipped')),
        -- the order's live lines as read from NextEngine: [{"goodsCode","quantity"}]
        ADD COLUMN lines jsonb NOT NULL DEFAULT '[]',
        -- the Smaregi product quantities actually registered: [{"productId","quantity"}]
        ADD COLUMN details jsonb,
        ADD COLUMN store_id text,
        ADD COLUMN reference text,
        ADD COLUMN received_at timestamptz(3),
        ADD COLUMN cancel_seen boolean NOT NULL DEFAULT false,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0`);
    await db.query(
      `CREATE INDEX stock_link_shipments_work ON stock_link_shipments (link_id, updated_at)
         WHERE status IN ('pending', 'registering', 'failed', 'reversing') OR (cancel_seen AND status = 'registered')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX stock_link_shipments_work`);
    await db.query(`DELETE FROM stock_link_shipments WHERE status NOT IN ('registering', 'registered', 'failed')`);
    await db.query(`
      ALTER TABLE stock_link_shipments DROP CONSTRAINT stock_link_shipments_status_check,
        DROP COLUMN lines, DROP COLUMN details, DROP COLUMN store_id, DROP COLUMN reference, DROP COLUMN received_at,
        DROP COLUMN cancel_seen, DROP COLUMN attempts`);
    await db.query(
      `ALTER TABLE stock_link_shipments ADD CONSTRAINT stock_link_shipments_status_check CHECK (status IN ('registering', 'registered', 'failed'))`,
    );
    await db.query(`ALTER TABLE stock_links DROP COLUMN shipments_enabled_at, DROP COLUMN shipment_cursor`);
  }
}
