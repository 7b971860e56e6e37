import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The Smaregi ↔ NextEngine stock bridge (DESIGN §7). */
export class StockLinks1763856500000 implements MigrationInterface {
  name = 'StockLinks1763856500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE stock_links (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        smaregi_connection_id uuid NOT NULL REFERENCES connections(id),
        nextengine_connection_id uuid NOT NULL REFERENCES connections(id),
        stock_master text NOT NULL CHECK (stock_master IN ('smaregi', 'nextengine')),
        id_matching text NOT NULL CHECK (id_matching IN ('csv', 'jan')),
        -- only this Smaregi store's (or warehouse's) changes travel; null: every store, transfers net out
        store_id text CHECK (store_id ~ '^[0-9]{1,15}$'),
        notification_email text,
        -- how long pending deltas wait to be uploaded together
        upload_delay_seconds integer NOT NULL DEFAULT 60 CHECK (upload_delay_seconds BETWEEN 0 AND 86400),
        shipments_enabled boolean NOT NULL DEFAULT false,
        shipment_contract_id text,
        shipment_store_id text,
        -- the Retail Business access token, AES-256-GCM bound to the link id (like connection credentials)
        shipment_token_ciphertext text,
        shipment_token_hint text,
        -- the customer URL's path segment: public, random, unguessable
        link_token text NOT NULL UNIQUE,
        -- sha256 of the secret code (sncode); the code itself is shown once
        secret_hash text NOT NULL,
        seeded_at timestamptz,
        last_upload_at timestamptz,
        last_shipment_import_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await db.query(`CREATE INDEX stock_links_tenant_created ON stock_links (tenant_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    await db.query(`CREATE INDEX stock_links_shipments ON stock_links (id) WHERE shipments_enabled AND deleted_at IS NULL`);

    await db.query(`
      CREATE TABLE stock_link_codes (
        link_id uuid NOT NULL REFERENCES stock_links(id) ON DELETE CASCADE,
        smaregi_product_id text NOT NULL CHECK (smaregi_product_id ~ '^[0-9]{1,15}$'),
        nextengine_code text NOT NULL CHECK (nextengine_code ~ '^[A-Za-z0-9-]{1,30}$'),
        -- 'csv': uploaded by the seller; 'jan': found by JAN and remembered
        source text NOT NULL CHECK (source IN ('csv', 'jan')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (link_id, smaregi_product_id)
      )`);
    await db.query(`CREATE INDEX stock_link_codes_ne ON stock_link_codes (link_id, nextengine_code)`);

    await db.query(`
      CREATE TABLE stock_baselines (
        link_id uuid NOT NULL REFERENCES stock_links(id) ON DELETE CASCADE,
        store_id text NOT NULL,
        product_id text NOT NULL,
        -- the last Smaregi amount the bridge knows
        amount bigint NOT NULL,
        -- the highest Platform stock-history id folded into amount (older records must not move it back)
        history_id bigint,
        -- stock the bridge itself took out (NE orders registered as shipments) that Smaregi has not reported
        -- back yet: absorbed from the next changes so NextEngine is not charged twice
        own_pending bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (link_id, store_id, product_id)
      )`);

    await db.query(`
      CREATE TABLE stock_uploads (
        id uuid PRIMARY KEY,
        link_id uuid NOT NULL REFERENCES stock_links(id) ON DELETE CASCADE,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'flush')),
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
        rows_sent integer NOT NULL DEFAULT 0,
        uploaded integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        netted integer NOT NULL DEFAULT 0,
        error text,
        -- 'sent', 'off' (no SMTP configured), 'no-address', 'failed'
        mail_status text,
        mail_error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await db.query(`CREATE INDEX stock_uploads_link ON stock_uploads (link_id, started_at DESC)`);

    await db.query(`
      CREATE TABLE stock_events (
        id bigserial PRIMARY KEY,
        link_id uuid NOT NULL REFERENCES stock_links(id) ON DELETE CASCADE,
        -- 'platform' (pos:stock history id), 'legacy' (API送信 row), 'unrecognised' (kept raw)
        kind text NOT NULL CHECK (kind IN ('platform', 'legacy', 'unrecognised')),
        -- idempotency key: 'pf:<history id>', or 'lg:<row hash>' when the legacy row carries its own identity
        source_key text,
        content_hash text,
        store_id text,
        product_id text,
        -- legacy: Smaregi's amount after the change; platform: read from the history record
        amount_after bigint,
        delta bigint,
        nextengine_code text,
        status text NOT NULL CHECK (status IN
          ('received', 'pending', 'uploading', 'uploaded', 'netted', 'zero', 'ignored', 'failed', 'unrecognised')),
        reason text,
        attempts integer NOT NULL DEFAULT 0,
        raw jsonb,
        upload_id uuid REFERENCES stock_uploads(id) ON DELETE SET NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz
      )`);
    await db.query(`CREATE UNIQUE INDEX stock_events_source ON stock_events (link_id, source_key) WHERE source_key IS NOT NULL`);
    await db.query(`CREATE INDEX stock_events_work ON stock_events (link_id, status, id) WHERE status IN ('received', 'pending', 'uploading')`);
    await db.query(`CREATE INDEX stock_events_upload ON stock_events (upload_id) WHERE upload_id IS NOT NULL`);
    await db.query(`CREATE INDEX stock_events_unreported ON stock_events (link_id, id) WHERE status = 'failed' AND upload_id IS NULL`);

    await db.query(`
      CREATE TABLE stock_link_shipments (
        link_id uuid NOT NULL REFERENCES stock_links(id) ON DELETE CASCADE,
        nextengine_order_id text NOT NULL,
        -- 'registering' before the Smaregi call: a crash mid-call leaves it visible, never registered twice
        status text NOT NULL CHECK (status IN ('registering', 'registered', 'failed')),
        shipping_id text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (link_id, nextengine_order_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stock_link_shipments`);
    await db.query(`DROP TABLE stock_events`);
    await db.query(`DROP TABLE stock_uploads`);
    await db.query(`DROP TABLE stock_baselines`);
    await db.query(`DROP TABLE stock_link_codes`);
    await db.query(`DROP TABLE stock_links`);
  }
}
