import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Connections1763856100000 implements MigrationInterface {
  name = 'Connections1763856100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        site text NOT NULL,
        shop_id text NOT NULL,
        endpoint text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending_authorization', 'active', 'auth_expired', 'error', 'disabled')),
        options jsonb NOT NULL DEFAULT '{}',
        settings jsonb NOT NULL DEFAULT '{}',
        -- AES-256-GCM of the credentials JSON, bound to the row id (see CredentialCipher)
        credentials_ciphertext text NOT NULL,
        -- masked values (last four characters) of what is stored, so lists never decrypt
        credential_hints jsonb NOT NULL DEFAULT '{}',
        token_expires_at timestamptz,
        last_test jsonb,
        last_error text,
        -- hash of the pending browser-authorization state, and when it stops being accepted
        authorization_state_hash text,
        authorization_state_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await db.query(`CREATE UNIQUE INDEX connections_live_shop ON connections (tenant_id, site, shop_id) WHERE deleted_at IS NULL`);
    await db.query(`CREATE INDEX connections_tenant_created ON connections (tenant_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    await db.query(`CREATE UNIQUE INDEX connections_authorization_state ON connections (authorization_state_hash) WHERE authorization_state_hash IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE connections`);
  }
}
