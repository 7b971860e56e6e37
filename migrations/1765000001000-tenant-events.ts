import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tenant event log (issue 18, live events and outbound webhooks). Triggers record an event inside the
 * transaction that causes it, so no writer has to remember and no event is lost in a crash; they leave `seq`
 * NULL. One relay at a time (LiveEventsRelay, under an advisory lock) numbers committed events from
 * `tenant_events_seq`, so seq order is commit order: a reader that has seen seq N never later finds a new event
 * with a smaller seq.
 *
 * No foreign key to tenants: the row is written on the intake path, and old rows are pruned anyway.
 */
export class TenantEvents1765000001000 implements MigrationInterface {
  name = 'TenantEvents1765000001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SEQUENCE tenant_events_seq AS bigint`);
    // the order events were recorded in, which the relay keeps when it numbers them
    await db.query(`CREATE SEQUENCE tenant_events_recorded AS bigint`);
    await db.query(`
      CREATE TABLE tenant_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint,
        recorded bigint NOT NULL DEFAULT nextval('tenant_events_recorded'),
        tenant_id uuid NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await db.query(`CREATE UNIQUE INDEX tenant_events_tenant_seq ON tenant_events (tenant_id, seq)`);
    await db.query(`CREATE INDEX tenant_events_unnumbered ON tenant_events (recorded) WHERE seq IS NULL`);
    await db.query(`CREATE INDEX tenant_events_created ON tenant_events (created_at)`);

    // Wakes the relay of every listening instance once the recording transaction commits (NOTIFY waits for it).
    await db.query(`
      CREATE FUNCTION tenant_events_wake_relay() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
          PERFORM pg_notify('tenant_events_pending', '');
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER tenant_events_wake_relay AFTER INSERT ON tenant_events REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tenant_events_wake_relay()`);

    // Orders arrive and change in bulk (intake): statement-level, one INSERT … SELECT per statement.
    await db.query(`
      CREATE FUNCTION tenant_events_of_new_orders() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_events (tenant_id, type, data)
          SELECT tenant_id, 'orders.arrived',
                 jsonb_build_object('orderId', id, 'connectionId', connection_id, 'site', site, 'externalOrderId', external_order_id)
            FROM new_rows;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE FUNCTION tenant_events_of_changed_orders() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_events (tenant_id, type, data)
          SELECT n.tenant_id, e.type, e.data
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            CROSS JOIN LATERAL (VALUES
              (1, 'orders.changed',
               CASE WHEN (n.status, n.site_state) IS DISTINCT FROM (o.status, o.site_state) THEN
                 jsonb_build_object('orderId', n.id, 'connectionId', n.connection_id, 'status', n.status, 'siteState', n.site_state)
               END),
              (2, 'orders.cancelled',
               CASE WHEN n.status = 'cancelled' AND o.status <> 'cancelled' THEN
                 jsonb_build_object('orderId', n.id, 'connectionId', n.connection_id, 'externalOrderId', n.external_order_id)
               END),
              (3, 'orders.cancelled-after-instruction',
               CASE WHEN o.cancelled_after_instruction_at IS NULL AND n.cancelled_after_instruction_at IS NOT NULL THEN
                 (SELECT jsonb_build_object('orderId', n.id, 'connectionId', n.connection_id, 'externalOrderId', n.external_order_id,
                                            'fulfillmentOrderId', f.id, 'fulfillmentStatus', COALESCE(f.held_from, f.status))
                    FROM (SELECT NULL) AS one
                    LEFT JOIN LATERAL (
                      -- the fulfillment order the warehouse has: the live one (a late cancel leaves it live)
                      SELECT id, held_from, status FROM fulfillment_orders
                       WHERE order_id = n.id ORDER BY status <> 'cancelled' DESC, created_at DESC LIMIT 1
                    ) AS f ON true)
               END)
            ) AS e(position, type, data)
           WHERE e.data IS NOT NULL
           ORDER BY n.id, e.position;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER orders_tenant_events_insert AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tenant_events_of_new_orders()`);
    await db.query(`CREATE TRIGGER orders_tenant_events_update AFTER UPDATE ON orders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION tenant_events_of_changed_orders()`);

    // The rest change one row at a time; a row-level trigger's WHEN is checked without calling the function.
    await db.query(`
      CREATE FUNCTION tenant_events_of_fulfillment_status() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_events (tenant_id, type, data)
        VALUES (NEW.tenant_id, 'fulfillment.status-changed',
                jsonb_build_object('fulfillmentOrderId', NEW.id, 'orderId', NEW.order_id, 'status', NEW.status, 'previousStatus', OLD.status));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER fulfillment_orders_tenant_events AFTER UPDATE OF status ON fulfillment_orders
                    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION tenant_events_of_fulfillment_status()`);

    // A push gave up (retries exhausted or refused for good): the seller must act.
    await db.query(`
      CREATE FUNCTION tenant_events_of_failed_tracking_push() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_events (tenant_id, type, data)
        VALUES (NEW.tenant_id, 'tracking.push-failed',
                jsonb_build_object('fulfillmentOrderId', NEW.fulfillment_order_id, 'orderId', NEW.order_id,
                                   'connectionId', NEW.connection_id, 'error', COALESCE(NEW.last_error, '')));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER tracking_pushes_tenant_events AFTER UPDATE OF state ON tracking_pushes
                    FOR EACH ROW WHEN (NEW.state = 'failed' AND OLD.state IS DISTINCT FROM 'failed')
                    EXECUTE FUNCTION tenant_events_of_failed_tracking_push()`);
    await db.query(`
      CREATE FUNCTION tenant_events_of_failed_stock_push() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_events (tenant_id, type, data)
        VALUES (NEW.tenant_id, 'stock.push-failed',
                jsonb_build_object('connectionId', NEW.connection_id, 'skuId', NEW.sku_id, 'listingKey', NEW.listing_key,
                                   'error', COALESCE(NEW.last_error, '')));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER stock_push_queue_tenant_events AFTER UPDATE OF state ON stock_push_queue
                    FOR EACH ROW WHEN (NEW.state = 'failed' AND OLD.state IS DISTINCT FROM 'failed')
                    EXECUTE FUNCTION tenant_events_of_failed_stock_push()`);

    await db.query(`
      CREATE FUNCTION tenant_events_of_connection_sign_in() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO tenant_events (tenant_id, type, data)
        VALUES (NEW.tenant_id, 'connections.needs-sign-in', jsonb_build_object('connectionId', NEW.id, 'site', NEW.site, 'status', NEW.status));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER connections_tenant_events AFTER UPDATE OF status ON connections
                    FOR EACH ROW WHEN (NEW.status IN ('auth_expired', 'pending_authorization') AND OLD.status IS DISTINCT FROM NEW.status)
                    EXECUTE FUNCTION tenant_events_of_connection_sign_in()`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const [trigger, table] of [
      ['connections_tenant_events', 'connections'],
      ['stock_push_queue_tenant_events', 'stock_push_queue'],
      ['tracking_pushes_tenant_events', 'tracking_pushes'],
      ['fulfillment_orders_tenant_events', 'fulfillment_orders'],
      ['orders_tenant_events_update', 'orders'],
      ['orders_tenant_events_insert', 'orders'],
    ])
      await db.query(`DROP TRIGGER ${trigger} ON ${table}`);
    for (const fn of [
      'tenant_events_of_connection_sign_in',
      'tenant_events_of_failed_stock_push',
      'tenant_events_of_failed_tracking_push',
      'tenant_events_of_fulfillment_status',
      'tenant_events_of_changed_orders',
      'tenant_events_of_new_orders',
    ])
      await db.query(`DROP FUNCTION ${fn}()`);
    await db.query(`DROP TABLE tenant_events`);
    await db.query(`DROP FUNCTION tenant_events_wake_relay()`);
    await db.query(`DROP SEQUENCE tenant_events_recorded`);
    await db.query(`DROP SEQUENCE tenant_events_seq`);
  }
}
