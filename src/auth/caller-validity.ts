import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuthenticatedTenant } from './authenticated-tenant';

/**
 * Whether a caller authenticated earlier may still act: its API key not revoked, or its session not ended,
 * expired or its person removed. For long-lived answers (an event stream), which outlive the request that
 * checked the credential. It does not extend a session: only requests do.
 */
@Injectable()
export class CallerValidity {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async stillValid(caller: AuthenticatedTenant): Promise<boolean> {
    if (caller.sessionId) {
      const rows = (await this.db.query(
        `SELECT 1 FROM user_sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
          WHERE s.id = $1 AND s.tenant_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL`,
        [caller.sessionId, caller.tenantId],
      )) as unknown[];
      return rows.length > 0;
    }
    if (caller.apiKeyId) {
      const rows = (await this.db.query(`SELECT 1 FROM api_keys WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`, [
        caller.apiKeyId,
        caller.tenantId,
      ])) as unknown[];
      return rows.length > 0;
    }
    return false;
  }
}
