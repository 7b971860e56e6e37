import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Fulfillment1763856400000 implements MigrationInterface {
  name = 'Fulfillment1763856400000';

  async up(db: QueryRunner): Promise<void> {
    // DESIGN §3: the order shows its tracking push; Fulfillment keeps these two columns current.
    await db.query(`ALTER TABLE orders ADD COLUMN tracking_push_state text CHECK (tracking_push_state IN ('pending', 'sent', 'failed', 'cancelled'))`);
    await db.query(`ALTER TABLE orders ADD COLUMN tracking_push_error text`);

    // One row per SKU. The CHECKs are the last line of defence; services guard with row locks and
    // conditional UPDATEs so a request that would break them is refused with a clear 409 first.
    await db.query(`
      CREATE TABLE inventory_levels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        sku_id uuid NOT NULL,
        on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
        reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (reserved <= on_hand),
        UNIQUE (tenant_id, sku_id),
        FOREIGN KEY (tenant_id, sku_id) REFERENCES skus (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX inventory_levels_tenant_created ON inventory_levels (tenant_id, created_at DESC, id DESC)`);

    // Append-only: every change of a level, with why and what caused it. Sums per SKU equal the level.
    await db.query(`
      CREATE TABLE inventory_movements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        sku_id uuid NOT NULL,
        reason text NOT NULL CHECK (reason IN ('receipt', 'loss', 'adjustment', 'stocktake', 'reservation', 'release', 'shipment')),
        on_hand_delta integer NOT NULL,
        reserved_delta integer NOT NULL,
        on_hand_after integer NOT NULL,
        reserved_after integer NOT NULL,
        reference_type text,
        reference_id text,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, sku_id) REFERENCES skus (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX inventory_movements_tenant_created ON inventory_movements (tenant_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX inventory_movements_sku_created ON inventory_movements (sku_id, created_at DESC, id DESC)`);
    // Direct UPDATE/DELETE are refused; a tenant's cascade delete (trigger depth > 1) still goes through.
    await db.query(`
      CREATE FUNCTION inventory_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' OR pg_trigger_depth() < 2 THEN
          RAISE EXCEPTION 'inventory_movements is append-only';
        END IF;
        RETURN OLD;
      END $$`);
    await db.query(`
      CREATE TRIGGER inventory_movements_append_only BEFORE UPDATE OR DELETE ON inventory_movements
        FOR EACH ROW EXECUTE FUNCTION inventory_movements_append_only()`);

    await db.query(`
      CREATE TABLE fulfillment_orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        order_id uuid NOT NULL REFERENCES orders(id),
        connection_id uuid NOT NULL,
        site text NOT NULL,
        external_order_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('instructed', 'waybill_issued', 'received', 'shipped', 'cancelled')),
        trigger text NOT NULL CHECK (trigger IN ('auto', 'manual')),
        recipient jsonb,
        carrier text,
        tracking_number text,
        waybill_issued_at timestamptz,
        received_at timestamptz,
        shipped_at timestamptz,
        cancelled_at timestamptz,
        tracking_push_state text CHECK (tracking_push_state IN ('pending', 'sent', 'failed', 'cancelled')),
        tracking_push_error text,
        timeline jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One live fulfillment order per order, whatever the number of concurrent instructions.
    await db.query(`CREATE UNIQUE INDEX fulfillment_orders_live_order ON fulfillment_orders (order_id) WHERE status <> 'cancelled'`);
    await db.query(`CREATE INDEX fulfillment_orders_order ON fulfillment_orders (order_id)`);
    await db.query(`
      CREATE UNIQUE INDEX fulfillment_orders_tracking ON fulfillment_orders (tenant_id, carrier, tracking_number)
        WHERE tracking_number IS NOT NULL AND status <> 'cancelled'`);
    await db.query(`CREATE INDEX fulfillment_orders_tenant_created ON fulfillment_orders (tenant_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX fulfillment_orders_tenant_status_created ON fulfillment_orders (tenant_id, status, created_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE fulfillment_order_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        fulfillment_order_id uuid NOT NULL REFERENCES fulfillment_orders(id) ON DELETE CASCADE,
        order_line_id uuid NOT NULL,
        position integer NOT NULL,
        sku_id uuid NOT NULL,
        sku_code text NOT NULL,
        product_name text NOT NULL,
        option_name text,
        -- units sold on the site, and SKU units they take from stock (× quantity per unit)
        ordered_quantity integer NOT NULL CHECK (ordered_quantity > 0),
        quantity integer NOT NULL CHECK (quantity > 0)
      )`);
    await db.query(`CREATE INDEX fulfillment_order_lines_fo ON fulfillment_order_lines (fulfillment_order_id, position)`);

    // Orders held out of fulfillment by us (stock short, lines unmapped), re-checked when that may change.
    await db.query(`
      CREATE TABLE fulfillment_holds (
        order_id uuid PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        reason text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('auto', 'manual')),
        held_at timestamptz NOT NULL DEFAULT now(),
        checked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX fulfillment_holds_tenant ON fulfillment_holds (tenant_id, checked_at)`);

    // The tracking outbox: written in the transaction that issues the waybill or records the scan.
    await db.query(`
      CREATE TABLE tracking_pushes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        fulfillment_order_id uuid NOT NULL REFERENCES fulfillment_orders(id) ON DELETE CASCADE,
        order_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        carrier text NOT NULL,
        tracking_number text NOT NULL,
        shipped_at timestamptz NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        -- when a worker may take it next; a claimed push is pushed out by the lease, so a crashed worker's push comes back
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        last_site_code text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (fulfillment_order_id, tracking_number)
      )`);
    await db.query(`CREATE INDEX tracking_pushes_due ON tracking_pushes (next_attempt_at) WHERE state = 'pending'`);

    // Stock to send, one row per (connection, listing): bursts of changes coalesce into one send of the latest level.
    await db.query(`
      CREATE TABLE stock_push_queue (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        listing_key text NOT NULL,
        product_code text,
        sku_id uuid NOT NULL,
        quantity_per_unit integer NOT NULL DEFAULT 1 CHECK (quantity_per_unit >= 1),
        state text NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
        -- bumped by every change, so a send that raced a newer change leaves the row pending
        version integer NOT NULL DEFAULT 1,
        due_at timestamptz NOT NULL DEFAULT now(),
        -- a worker sending this row holds it until then; never two sends of one listing at once
        claimed_until timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        retryable boolean NOT NULL DEFAULT true,
        last_error text,
        last_site_code text,
        -- absolute sites: the quantity last accepted; relative sites: the listing units the site is known to hold
        last_sent_quantity integer,
        baseline integer,
        last_sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (connection_id, listing_key)
      )`);
    await db.query(`CREATE INDEX stock_push_queue_due ON stock_push_queue (due_at) WHERE state = 'pending'`);
    await db.query(`CREATE INDEX stock_push_queue_sku ON stock_push_queue (sku_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stock_push_queue`);
    await db.query(`DROP TABLE tracking_pushes`);
    await db.query(`DROP TABLE fulfillment_holds`);
    await db.query(`DROP TABLE fulfillment_order_lines`);
    await db.query(`DROP TABLE fulfillment_orders`);
    await db.query(`DROP TABLE inventory_movements`);
    await db.query(`DROP FUNCTION inventory_movements_append_only`);
    await db.query(`DROP TABLE inventory_levels`);
    await db.query(`ALTER TABLE orders DROP COLUMN tracking_push_error`);
    await db.query(`ALTER TABLE orders DROP COLUMN tracking_push_state`);
  }
}
