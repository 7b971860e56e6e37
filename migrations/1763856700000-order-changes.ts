import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Changes after intake (DESIGN §5a): what the site now says of an order beside our own status, each line's
 * cancelled quantity, the per-order timeline (`order_events`, also the outbox Fulfillment follows), a held
 * fulfillment order, and the change counts of a sync run.
 */
export class OrderChanges1763856700000 implements MigrationInterface {
  name = 'OrderChanges1763856700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE orders
        ADD COLUMN site_state text NOT NULL DEFAULT 'open'
          CHECK (site_state IN ('open', 'on_hold', 'cancel_requested', 'cancelled', 'merged')),
        ADD COLUMN site_state_reason text,
        ADD COLUMN cancel_request jsonb,
        ADD COLUMN merged_into text,
        ADD COLUMN status_before_hold text,
        ADD COLUMN cancelled_after_instruction_at timestamptz(3),
        ADD COLUMN cancel_approval_state text CHECK (cancel_approval_state IN ('pending', 'approved', 'failed'))`);
    await db.query(`CREATE INDEX orders_cancelled_after_instruction ON orders (tenant_id, cancelled_after_instruction_at DESC, id DESC)
                    WHERE cancelled_after_instruction_at IS NOT NULL`);
    await db.query(`CREATE INDEX orders_cancel_approval_pending ON orders (connection_id) WHERE cancel_approval_state = 'pending'`);
    await db.query(`ALTER TABLE order_lines ADD COLUMN cancelled_quantity integer NOT NULL DEFAULT 0 CHECK (cancelled_quantity >= 0)`);

    await db.query(`
      CREATE TABLE order_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        -- site: a change the site reported; status: our own state moved; site_call: a call we made for the order
        source text NOT NULL CHECK (source IN ('site', 'status', 'site_call', 'mallbridge')),
        kind text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        -- the change's idempotency key (the site's own id, or a hash of what it says)
        dedupe_key text,
        -- site changes Fulfillment still has to follow (an outbox); null when there is nothing to follow
        follow_state text CHECK (follow_state IN ('pending', 'done')),
        occurred_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await db.query(`CREATE UNIQUE INDEX order_events_dedupe ON order_events (order_id, dedupe_key) WHERE dedupe_key IS NOT NULL`);
    await db.query(`CREATE INDEX order_events_timeline ON order_events (order_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX order_events_to_follow ON order_events (created_at) WHERE follow_state = 'pending'`);

    // Every change of an order's status reaches its timeline, whichever code path made it.
    await db.query(`
      CREATE FUNCTION order_status_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO order_events (tenant_id, order_id, source, kind, detail)
        VALUES (NEW.tenant_id, NEW.id, 'status', NEW.status,
                jsonb_strip_nulls(jsonb_build_object('from', OLD.status, 'to', NEW.status, 'holdReason', NEW.hold_reason)));
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER orders_status_event AFTER UPDATE OF status ON orders
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION order_status_event()`);

    await db.query(`ALTER TABLE fulfillment_orders ADD COLUMN held_from text`);
    // a push the seller sent again by hand goes out even while the site holds the order (the seller's decision)
    await db.query(`ALTER TABLE tracking_pushes ADD COLUMN seller_retry boolean NOT NULL DEFAULT false`);
    // who cancelled it: the seller (by hand) or the site's change (then the order may be instructed anew)
    await db.query(`ALTER TABLE fulfillment_orders ADD COLUMN cancelled_by text CHECK (cancelled_by IN ('seller', 'site'))`);
    await db.query(`ALTER TABLE fulfillment_orders DROP CONSTRAINT fulfillment_orders_status_check`);
    await db.query(`ALTER TABLE fulfillment_orders ADD CONSTRAINT fulfillment_orders_status_check
                      CHECK (status IN ('instructed', 'on_hold', 'waybill_issued', 'received', 'shipped', 'cancelled'))`);

    await db.query(`
      ALTER TABLE sync_runs
        ADD COLUMN changes_seen integer NOT NULL DEFAULT 0,
        ADD COLUMN changes_applied integer NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sync_runs DROP COLUMN changes_seen, DROP COLUMN changes_applied`);
    await db.query(`ALTER TABLE tracking_pushes DROP COLUMN seller_retry`);
    await db.query(`ALTER TABLE fulfillment_orders DROP COLUMN held_from, DROP COLUMN cancelled_by`);
    await db.query(`DROP TRIGGER orders_status_event ON orders`);
    await db.query(`DROP FUNCTION order_status_event()`);
    await db.query(`DROP TABLE order_events`);
    await db.query(`ALTER TABLE order_lines DROP COLUMN cancelled_quantity`);
    await db.query(`
      ALTER TABLE orders DROP COLUMN site_state, DROP COLUMN site_state_reason, DROP COLUMN cancel_request, DROP COLUMN merged_into,
        DROP COLUMN status_before_hold, DROP COLUMN cancelled_after_instruction_at, DROP COLUMN cancel_approval_state`);
  }
}
