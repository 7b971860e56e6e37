import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `orders.fulfillment_status`: the status of the order's fulfillment order (the live one, else the latest
 * cancelled one; NULL: never instructed), kept by the database in the transaction that changes it.
 *
 * The orders list shows it on every summary. Read through a join it cost an index probe per listed order, and
 * the list's render cache (keyed by the row version, `xmin`) could not see a change of another table. As a
 * column of `orders` it is read with the row and every change of it is a new row version. A trigger, not the
 * Fulfillment code, keeps it: no path that moves a fulfillment order can forget it. Every such path locks the
 * order first (the lock order of `OrderFulfillmentStates`), so the trigger's UPDATE takes no new lock order.
 */
export class OrderFulfillmentStatus1765000003000 implements MigrationInterface {
  name = 'OrderFulfillmentStatus1765000003000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE orders ADD COLUMN fulfillment_status text`);
    await db.query(`
      CREATE FUNCTION orders_follow_fulfillment_status() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        current_status text;
      BEGIN
        SELECT status INTO current_status FROM fulfillment_orders
         WHERE order_id = NEW.order_id ORDER BY status = 'cancelled', created_at DESC, id DESC LIMIT 1;
        UPDATE orders SET fulfillment_status = current_status
         WHERE id = NEW.order_id AND fulfillment_status IS DISTINCT FROM current_status;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER fulfillment_orders_order_status AFTER INSERT OR UPDATE OF status ON fulfillment_orders
                    FOR EACH ROW EXECUTE FUNCTION orders_follow_fulfillment_status()`);
    await db.query(`
      UPDATE orders o SET fulfillment_status = f.status
        FROM (SELECT DISTINCT ON (order_id) order_id, status FROM fulfillment_orders
               ORDER BY order_id, status = 'cancelled', created_at DESC, id DESC) f
       WHERE o.id = f.order_id`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER fulfillment_orders_order_status ON fulfillment_orders`);
    await db.query(`DROP FUNCTION orders_follow_fulfillment_status()`);
    await db.query(`ALTER TABLE orders DROP COLUMN fulfillment_status`);
  }
}
