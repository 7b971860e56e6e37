import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (DESIGN §4 "events", §8): a tenant's endpoints with the event types they want, one delivery
 * per (endpoint, event) — the outbox their sender drains with its own backoff — and, per tenant, how far the
 * dispatcher has read the tenant event log (`tenant_events.seq`).
 */
export class OutboundWebhooks1765000002000 implements MigrationInterface {
  name = 'OutboundWebhooks1765000002000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL,
        -- the signing secret, encrypted with the credentials key (bound to the endpoint's id)
        secret_ciphertext text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz(3)
      )`);
    await db.query(
      `CREATE INDEX webhook_endpoints_list ON webhook_endpoints (tenant_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );

    await db.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_seq bigint NOT NULL,
        event_type text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        -- pending: when the next attempt is due; delivering: when the sender's lease runs out
        next_attempt_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        last_attempt_at timestamptz(3),
        last_status_code integer,
        last_error text,
        last_response_excerpt text,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        delivered_at timestamptz(3),
        -- one event reaches one endpoint as one delivery, however many dispatchers run
        CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id)
      )`);
    await db.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering')`);

    await db.query(`
      CREATE TABLE webhook_dispatch_cursors (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        -- every event of the tenant up to this seq has its deliveries
        last_seq bigint NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE webhook_dispatch_cursors`);
    await db.query(`DROP TABLE webhook_deliveries`);
    await db.query(`DROP TABLE webhook_endpoints`);
  }
}
