import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People (DESIGN §8): a tenant's staff with a role, their console sessions (opaque tokens, only the hash kept),
 * and the sign-in throttle's counts, kept here so every app instance sees the same ones.
 */
export class People1765000000000 implements MigrationInterface {
  name = 'People1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email)),
        name text,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
        password_hash text NOT NULL,
        password_changed_at timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz(3)
      )`);
    // a deleted person's e-mail may be given to someone new
    await db.query(`CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, lower(email)) WHERE deleted_at IS NULL`);
    await db.query(`CREATE INDEX users_email ON users (lower(email)) WHERE deleted_at IS NULL`);
    await db.query(`CREATE INDEX users_tenant_created ON users (tenant_id, created_at DESC, id DESC)`);
    await db.query(`
      CREATE TABLE user_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        revoked_at timestamptz(3)
      )`);
    await db.query(`CREATE INDEX user_sessions_user ON user_sessions (tenant_id, user_id) WHERE revoked_at IS NULL`);
    // Keyed by e-mail or client address, before any tenant is known: not tenant data.
    await db.query(`
      CREATE TABLE sign_in_attempts (
        key text PRIMARY KEY,
        attempts integer NOT NULL,
        window_ends_at timestamptz(3) NOT NULL
      )`);
    await db.query(`CREATE INDEX sign_in_attempts_window_ends ON sign_in_attempts (window_ends_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sign_in_attempts`);
    await db.query(`DROP TABLE user_sessions`);
    await db.query(`DROP TABLE users`);
  }
}
