import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The orders list filtered by site and status together ("NextEngine orders awaiting shipment", a console's
 * tab per site) in its keyset order. Without it PostgreSQL walks (tenant, status) in date order and reads and
 * drops every other site's row on the way: a page of 51 from a site with a quarter of the orders reads ~200
 * rows (bench:api: 101 over its four sites), one from a site with 2% of them ~2,500. `site` never changes
 * and `status` is indexed already, so the index costs an order's insert one more entry and breaks no HOT update.
 */
export class OrdersSiteStatusOrdered1765000004000 implements MigrationInterface {
  name = 'OrdersSiteStatusOrdered1765000004000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX orders_tenant_site_status_ordered ON orders (tenant_id, site, status, ordered_at DESC, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX orders_tenant_site_status_ordered`);
  }
}
