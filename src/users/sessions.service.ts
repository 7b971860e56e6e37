import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedTenant } from '../auth/authenticated-tenant';
import type { Role } from '../auth/roles';
import { AppConfig } from '../config/app-config';
import { generateSessionToken, hashSessionToken } from './session-token';

export const DEFAULT_SESSION_TTL_HOURS = 12;

// Moving the expiry on every request would turn every read into a write; like an API key's last use, it is
// written at most once a minute — or more often for lifetimes so short that a minute would swallow them.
const MAX_SLIDE_RESOLUTION_MS = 60_000;

export interface OpenedSession {
  id: string;
  token: string;
  expiresAt: Date;
}

/** Console sessions: opaque tokens whose lifetime slides forward with use. */
@Injectable()
export class SessionsService {
  private readonly ttlMs: number;
  private readonly slideResolutionMs: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    config: AppConfig,
  ) {
    this.ttlMs = (config.sessionTtlHours ?? DEFAULT_SESSION_TTL_HOURS) * 3_600_000;
    this.slideResolutionMs = Math.min(MAX_SLIDE_RESOLUTION_MS, this.ttlMs / 10);
  }

  async open(tenantId: string, userId: string): Promise<OpenedSession> {
    const { token, hash } = generateSessionToken();
    const [row] = (await this.db.query(
      `INSERT INTO user_sessions (tenant_id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       RETURNING id, expires_at`,
      [tenantId, userId, hash, this.ttlMs],
    )) as { id: string; expires_at: Date }[];
    return { id: row.id, token, expiresAt: row.expires_at };
  }

  /**
   * The caller behind a session token, or null when the session is unknown, revoked, expired or its person
   * deleted. The role is read from the person each time, so a changed role applies to open sessions at once.
   */
  async authenticate(token: string): Promise<AuthenticatedTenant | null> {
    const [row] = (await this.db.query(
      `SELECT s.id, s.tenant_id, s.user_id, u.role, s.last_seen_at < now() - $2 * interval '1 millisecond' AS stale
         FROM user_sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL`,
      [hashSessionToken(token), this.slideResolutionMs],
    )) as { id: string; tenant_id: string; user_id: string; role: Role; stale: boolean }[];
    if (!row) return null;
    if (row.stale) {
      await this.db.query(
        `UPDATE user_sessions SET last_seen_at = now(), expires_at = now() + $3 * interval '1 millisecond'
          WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`,
        [row.id, row.tenant_id, this.ttlMs],
      );
    }
    return { tenantId: row.tenant_id, role: row.role, userId: row.user_id, sessionId: row.id };
  }

  async expiresAt(tenantId: string, sessionId: string): Promise<Date | null> {
    const [row] = (await this.db.query(`SELECT expires_at FROM user_sessions WHERE id = $1 AND tenant_id = $2`, [sessionId, tenantId])) as {
      expires_at: Date;
    }[];
    return row?.expires_at ?? null;
  }

  async revoke(tenantId: string, sessionId: string): Promise<void> {
    await this.db.query(`UPDATE user_sessions SET revoked_at = now() WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`, [
      sessionId,
      tenantId,
    ]);
  }

  /** Ends every open session of a person, except `keepSessionId` (the one making the change, when it is theirs). */
  async revokeAllOf(manager: EntityManager, tenantId: string, userId: string, keepSessionId?: string): Promise<void> {
    await manager.query(
      `UPDATE user_sessions SET revoked_at = now()
        WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL AND id IS DISTINCT FROM $3`,
      [tenantId, userId, keepSessionId ?? null],
    );
  }
}
