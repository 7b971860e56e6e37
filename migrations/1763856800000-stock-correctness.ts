import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock that never oversells and never counts twice (DESIGN §6):
 * - `site_listings`: where each listing lives on its site (11st prdStckNo, Qoo10 item/option row, Crossmall item +
 *   attributes) and what it showed when last read, so a push after a restart or for a listing never ordered needs
 *   no lookup, and the reconciliation has the site's side;
 * - `stock_demand_marks`: SKUs whose sold-but-unreserved demand moved (an order pulled, resolved, held, cancelled, a
 *   line cancelled, a mapping made). Written by triggers, so no writer of orders or mappings can forget it; drained
 *   by Inventory, which schedules the stock push. An append-only log (no unique key), so concurrent order writers
 *   never wait on each other for it.
 * - `stock_reconciliations`: the last comparison per listing, for the report and the scheduled correction.
 */
export class StockCorrectness1763856800000 implements MigrationInterface {
  name = 'StockCorrectness1763856800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE site_listings (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        listing_key text NOT NULL,
        product_code text,
        -- the connector's own address of the listing (opaque JSON)
        address jsonb NOT NULL,
        -- what the site showed when last read
        site_quantity integer,
        read_at timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, listing_key)
      )`);
    await db.query(`CREATE INDEX site_listings_tenant ON site_listings (tenant_id)`);

    await db.query(`
      CREATE TABLE stock_demand_marks (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL,
        sku_id uuid NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE FUNCTION mark_demand_of_new_lines() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT tenant_id, sku_id FROM new_rows WHERE sku_id IS NOT NULL;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION mark_demand_of_changed_lines() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT n.tenant_id, s.sku_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            CROSS JOIN LATERAL (VALUES (n.sku_id), (o.sku_id)) AS s(sku_id)
           WHERE s.sku_id IS NOT NULL
             AND (n.sku_id, n.quantity, n.cancelled_quantity, n.quantity_per_unit)
                 IS DISTINCT FROM (o.sku_id, o.quantity, o.cancelled_quantity, o.quantity_per_unit);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION mark_demand_of_removed_lines() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT tenant_id, sku_id FROM old_rows WHERE sku_id IS NOT NULL;
        RETURN NULL;
      END $$`);
    // Whether an order's lines count as sold but not reserved: the same rule as SellableStock's AWAITING_RESERVATION.
    await db.query(`
      CREATE FUNCTION order_awaits_reservation(status text, status_before_hold text, site_state text) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$
        SELECT (status IN ('new', 'confirmed') OR (status = 'on_hold' AND COALESCE(status_before_hold, 'new') IN ('new', 'confirmed')))
               AND site_state NOT IN ('cancelled', 'merged')
      $$`);
    // Only an order that starts or stops awaiting reservation moves the demand (a cancel flagged after the waybill,
    // a hold of an instructed order: the units stay reserved, nothing to push).
    await db.query(`
      CREATE FUNCTION mark_demand_of_changed_orders() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT l.tenant_id, l.sku_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN order_lines l ON l.order_id = n.id
           WHERE l.sku_id IS NOT NULL
             AND order_awaits_reservation(n.status, n.status_before_hold, n.site_state)
                 IS DISTINCT FROM order_awaits_reservation(o.status, o.status_before_hold, o.site_state);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION mark_demand_of_mappings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'DELETE' THEN
          INSERT INTO stock_demand_marks (tenant_id, sku_id) SELECT DISTINCT tenant_id, sku_id FROM new_rows;
        END IF;
        IF TG_OP <> 'INSERT' THEN
          INSERT INTO stock_demand_marks (tenant_id, sku_id) SELECT DISTINCT tenant_id, sku_id FROM old_rows;
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER order_lines_demand_insert AFTER INSERT ON order_lines REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_new_lines()`);
    await db.query(`CREATE TRIGGER order_lines_demand_update AFTER UPDATE ON order_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_changed_lines()`);
    await db.query(`CREATE TRIGGER order_lines_demand_delete AFTER DELETE ON order_lines REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_removed_lines()`);
    await db.query(`CREATE TRIGGER orders_demand_update AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_changed_orders()`);
    await db.query(`CREATE TRIGGER sku_mappings_demand_insert AFTER INSERT ON sku_mappings REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_mappings()`);
    await db.query(`CREATE TRIGGER sku_mappings_demand_update AFTER UPDATE ON sku_mappings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_mappings()`);
    await db.query(`CREATE TRIGGER sku_mappings_demand_delete AFTER DELETE ON sku_mappings REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION mark_demand_of_mappings()`);
    // The demand read: open orders only (a small, hot subset of all orders).
    await db.query(`CREATE INDEX orders_awaiting_reservation ON orders (tenant_id) WHERE status IN ('new', 'confirmed', 'on_hold')`);

    await db.query(`
      CREATE TABLE stock_reconciliations (
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        listing_key text NOT NULL,
        sku_id uuid,
        -- what the site showed (null: the site does not have the listing, or it could not be read)
        site_quantity integer,
        -- absolute sites: what we would push; relative sites: the listing units the site should hold
        expected_quantity integer NOT NULL,
        difference integer,
        -- corrected: an absolute listing was pushed again; reported: left to the seller (relative sites)
        action text NOT NULL CHECK (action IN ('none', 'corrected', 'reported', 'unreadable')),
        error text,
        checked_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, listing_key)
      )`);
    // One row per connection: when its reconciliation last ran and what it found (the schedule reads it).
    await db.query(`
      CREATE TABLE stock_reconciliation_runs (
        connection_id uuid PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        started_at timestamptz(3) NOT NULL,
        finished_at timestamptz(3),
        listings integer NOT NULL DEFAULT 0,
        differences integer NOT NULL DEFAULT 0,
        corrected integer NOT NULL DEFAULT 0,
        error text
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stock_reconciliation_runs`);
    await db.query(`DROP TABLE stock_reconciliations`);
    await db.query(`DROP INDEX orders_awaiting_reservation`);
    for (const [trigger, table] of [
      ['order_lines_demand_insert', 'order_lines'],
      ['order_lines_demand_update', 'order_lines'],
      ['order_lines_demand_delete', 'order_lines'],
      ['orders_demand_update', 'orders'],
      ['sku_mappings_demand_insert', 'sku_mappings'],
      ['sku_mappings_demand_update', 'sku_mappings'],
      ['sku_mappings_demand_delete', 'sku_mappings'],
    ])
      await db.query(`DROP TRIGGER ${trigger} ON ${table}`);
    for (const fn of [
      'mark_demand_of_new_lines',
      'mark_demand_of_changed_lines',
      'mark_demand_of_removed_lines',
      'mark_demand_of_changed_orders',
      'mark_demand_of_mappings',
    ])
      await db.query(`DROP FUNCTION ${fn}()`);
    await db.query(`DROP FUNCTION order_awaits_reservation(text, text, text)`);
    await db.query(`DROP TABLE stock_demand_marks`);
    await db.query(`DROP TABLE site_listings`);
  }
}
