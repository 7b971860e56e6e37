import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface StoredIdempotency {
  requestHash: string;
  state: 'in_progress' | 'completed';
  responseStatus: number | null;
  responseBody: unknown;
}

/** Keys are honoured for a day; older ones are ignored and swept. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** A request "in progress" longer than this died with its process; its key may be used again. */
const STALE_IN_PROGRESS_MINUTES = 5;

@Injectable()
export class IdempotencyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Claim the key ('started'), or return what an earlier request with it left. */
  async begin(tenantId: string, key: string, method: string, path: string, requestHash: string): Promise<'started' | StoredIdempotency> {
    const claimed = await this.db.query(
      `INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash, state)
       VALUES ($1, $2, $3, $4, $5, 'in_progress')
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash,
             state = 'in_progress', response_status = NULL, response_body = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => $6)
            OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.created_at < now() - make_interval(mins => $7))
       RETURNING 1`,
      [tenantId, key, method, path, requestHash, IDEMPOTENCY_TTL_HOURS, STALE_IN_PROGRESS_MINUTES],
    );
    if (claimed.length > 0) return 'started';
    const [row] = await this.db.query(
      `SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key],
    );
    if (!row) return this.begin(tenantId, key, method, path, requestHash);
    return { requestHash: row.request_hash, state: row.state, responseStatus: row.response_status, responseBody: row.response_body };
  }

  async complete(tenantId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_body = $4::jsonb WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key, status, JSON.stringify(body)],
    );
  }

  async abandon(tenantId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND state = 'in_progress'`, [tenantId, key]);
  }

  async sweepExpired(): Promise<number> {
    const result = await this.db.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
      [IDEMPOTENCY_TTL_HOURS],
    );
    return Array.isArray(result) ? (result[1] ?? 0) : 0;
  }
}
