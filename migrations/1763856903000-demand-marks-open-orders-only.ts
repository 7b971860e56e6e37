import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A line's change moves the sold-but-unreserved demand only while its order awaits reservation: a line cancelled on
 * an order already instructed (its units reserved) or shipped changes nothing a site may sell, and marking it made an
 * identical stock push. The marks of new and changed lines now look at their order, as the orders trigger does.
 */
export class DemandMarksOpenOrdersOnly1763856903000 implements MigrationInterface {
  name = 'DemandMarksOpenOrdersOnly1763856903000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION mark_demand_of_new_lines() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT n.tenant_id, n.sku_id
            FROM new_rows n JOIN orders o ON o.id = n.order_id
           WHERE n.sku_id IS NOT NULL AND order_awaits_reservation(o.status, o.status_before_hold, o.site_state);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION mark_demand_of_changed_lines() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT n.tenant_id, s.sku_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN orders r ON r.id = n.order_id
            CROSS JOIN LATERAL (VALUES (n.sku_id), (o.sku_id)) AS s(sku_id)
           WHERE s.sku_id IS NOT NULL
             AND order_awaits_reservation(r.status, r.status_before_hold, r.site_state)
             AND (n.sku_id, n.quantity, n.cancelled_quantity, n.quantity_per_unit)
                 IS DISTINCT FROM (o.sku_id, o.quantity, o.cancelled_quantity, o.quantity_per_unit);
        RETURN NULL;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION mark_demand_of_new_lines() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO stock_demand_marks (tenant_id, sku_id)
          SELECT DISTINCT tenant_id, sku_id FROM new_rows WHERE sku_id IS NOT NULL;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION mark_demand_of_changed_lines() RETURNS trigger LANGUAGE plpgsql AS $$
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
  }
}
