import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { TenantEvent, TenantEventType } from './tenant-event-types';

interface EventRow {
  seq: string;
  id: string;
  type: TenantEventType;
  data: TenantEvent['data'];
  created_at: string;
}

/** Reads a tenant's numbered events (the log every reader follows by seq). */
@Injectable()
export class TenantEventLog {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The tenant's events after `afterSeq`, oldest first; only `types` when given. */
  async after(tenantId: string, afterSeq: number, limit: number, types?: readonly TenantEventType[]): Promise<TenantEvent[]> {
    const rows: EventRow[] = await this.db.query(
      `SELECT seq, id, type, data, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
         FROM tenant_events
        WHERE tenant_id = $1 AND seq > $2 AND ($3::text[] IS NULL OR type = ANY($3))
        ORDER BY seq LIMIT $4`,
      [tenantId, afterSeq, types ?? null, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), id: row.id, type: row.type, data: row.data, createdAt: row.created_at }));
  }

  /** The tenant's highest numbered seq (0 before its first event): where a reader that wants only new events starts. */
  async latestSeq(tenantId: string): Promise<number> {
    const [row]: { seq: string | null }[] = await this.db.query(`SELECT max(seq) AS seq FROM tenant_events WHERE tenant_id = $1`, [
      tenantId,
    ]);
    return Number(row?.seq ?? 0);
  }
}
