import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Orders1763856200000 implements MigrationInterface {
  name = 'Orders1763856200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await db.query(`ALTER TABLE connections ADD COLUMN order_sync_interval_minutes integer NOT NULL DEFAULT 10 CHECK (order_sync_interval_minutes BETWEEN 1 AND 1440)`);
    await db.query(`ALTER TABLE connections ADD COLUMN last_order_sync_queued_at timestamptz`);

    await db.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id),
        site text NOT NULL,
        external_order_id text NOT NULL,
        source text NOT NULL CHECK (source IN ('site', 'manual')),
        status text NOT NULL CHECK (status IN ('new', 'confirmed', 'shipping_instructed', 'shipped', 'cancelled', 'on_hold')),
        hold_reason text,
        site_status text NOT NULL,
        site_status_name text,
        ordered_at timestamptz NOT NULL,
        paid_at timestamptz,
        buyer jsonb,
        recipient jsonb,
        recipient_name text,
        total_amount numeric(14, 2),
        currency text,
        refs jsonb NOT NULL DEFAULT '{}',
        raw jsonb,
        content_hash text,
        line_count integer NOT NULL DEFAULT 0,
        unmapped_line_count integer NOT NULL DEFAULT 0,
        confirmation_state text NOT NULL DEFAULT 'not_needed' CHECK (confirmation_state IN ('not_needed', 'pending', 'confirmed', 'failed')),
        confirmation_error text,
        confirmation_attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (connection_id, external_order_id)
      )`);
    // Keyset pagination newest first, per filter the console uses most.
    await db.query(`CREATE INDEX orders_tenant_ordered ON orders (tenant_id, ordered_at DESC, id DESC)`);
    await db.query(`CREATE INDEX orders_tenant_status_ordered ON orders (tenant_id, status, ordered_at DESC, id DESC)`);
    await db.query(`CREATE INDEX orders_connection_ordered ON orders (connection_id, ordered_at DESC, id DESC)`);
    await db.query(`CREATE INDEX orders_tenant_site_ordered ON orders (tenant_id, site, ordered_at DESC, id DESC)`);
    await db.query(`CREATE INDEX orders_unmapped ON orders (tenant_id, ordered_at DESC, id DESC) WHERE unmapped_line_count > 0`);
    await db.query(`CREATE INDEX orders_pending_confirmation ON orders (connection_id) WHERE confirmation_state IN ('pending', 'failed')`);
    // Free text on order number and recipient name.
    await db.query(`CREATE INDEX orders_external_id_trgm ON orders USING gin (external_order_id gin_trgm_ops)`);
    await db.query(`CREATE INDEX orders_recipient_trgm ON orders USING gin (recipient_name gin_trgm_ops)`);

    await db.query(`
      CREATE TABLE order_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        position integer NOT NULL,
        external_line_id text NOT NULL,
        product_code text NOT NULL,
        option_code text,
        product_name text NOT NULL,
        option_name text,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price numeric(14, 2),
        listing_key text NOT NULL,
        sku_id uuid,
        quantity_per_unit integer,
        resolution text CHECK (resolution IN ('mapping', 'code')),
        raw jsonb,
        UNIQUE (order_id, external_line_id)
      )`);
    await db.query(`CREATE INDEX order_lines_unmapped ON order_lines (tenant_id, listing_key) WHERE sku_id IS NULL`);
    await db.query(`CREATE INDEX order_lines_sku ON order_lines (sku_id) WHERE sku_id IS NOT NULL`);

    await db.query(`
      CREATE TABLE sync_cursors (
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        kind text NOT NULL,
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, kind)
      )`);

    await db.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id),
        kind text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'retrying')),
        attempts integer NOT NULL DEFAULT 0,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        seen integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        error text
      )`);
    await db.query(`CREATE INDEX sync_runs_tenant_queued ON sync_runs (tenant_id, queued_at DESC, id DESC)`);
    await db.query(`CREATE INDEX sync_runs_connection_queued ON sync_runs (connection_id, queued_at DESC, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sync_runs`);
    await db.query(`DROP TABLE sync_cursors`);
    await db.query(`DROP TABLE order_lines`);
    await db.query(`DROP TABLE orders`);
    await db.query(`ALTER TABLE connections DROP COLUMN last_order_sync_queued_at`);
    await db.query(`ALTER TABLE connections DROP COLUMN order_sync_interval_minutes`);
  }
}
