import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

const EVENTS_PER_BATCH = 500;

/**
 * Turns the tenant event log into webhook deliveries. Per tenant, a cursor remembers the last event (`seq`) whose
 * deliveries exist; a batch of newer events becomes deliveries for the enabled endpoints subscribed to their types,
 * and the cursor moves, in one transaction. The cursor row is locked (SKIP LOCKED) for that transaction, so of two
 * instances dispatching at once only one reads a tenant's batch; the unique (endpoint, event) key is the backstop.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Called in the transaction that creates an endpoint, before its row: starts the tenant's cursor at the log's end
   * if it has none, and holds it until that transaction ends. No batch can then be read between the endpoint's
   * creation time (its filter: it receives only younger events) and the moment dispatchers can see it.
   */
  async holdCursorForNewEndpoint(manager: EntityManager, tenantId: string): Promise<void> {
    await manager.query(
      `INSERT INTO webhook_dispatch_cursors (tenant_id, last_seq)
       SELECT $1, COALESCE(max(seq), 0) FROM tenant_events WHERE tenant_id = $1
       ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId],
    );
    await manager.query(`SELECT 1 FROM webhook_dispatch_cursors WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
  }

  /** Creates the deliveries of every tenant's new events; returns how many deliveries were created. */
  async dispatch(): Promise<number> {
    const behind: { tenant_id: string }[] = await this.db.query(
      `SELECT c.tenant_id FROM webhook_dispatch_cursors c
        WHERE EXISTS (SELECT 1 FROM tenant_events e WHERE e.tenant_id = c.tenant_id AND e.seq > c.last_seq)`,
    );
    let created = 0;
    for (const { tenant_id: tenantId } of behind) {
      for (;;) {
        const batch = await this.dispatchBatch(tenantId);
        created += batch.created;
        if (batch.events < EVENTS_PER_BATCH) break;
      }
    }
    return created;
  }

  private dispatchBatch(tenantId: string): Promise<{ events: number; created: number }> {
    return this.db.transaction(async (manager) => {
      const [cursor]: { last_seq: string }[] = await manager.query(
        `SELECT last_seq FROM webhook_dispatch_cursors WHERE tenant_id = $1 FOR UPDATE SKIP LOCKED`,
        [tenantId],
      );
      // another instance holds this tenant's cursor: its batch is on the way
      if (!cursor) return { events: 0, created: 0 };
      const [result]: { events: number; created: number; last_seq: string | null }[] = await manager.query(
        `WITH batch AS (
           SELECT id, seq, type, created_at FROM tenant_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
         ), created AS (
           INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_seq, event_type)
           SELECT $1, w.id, b.id, b.seq, b.type
             FROM batch b JOIN webhook_endpoints w
               ON w.tenant_id = $1 AND w.enabled AND w.deleted_at IS NULL AND b.type = ANY (w.event_types) AND b.created_at >= w.created_at
           ORDER BY b.seq
           ON CONFLICT (endpoint_id, event_id) DO NOTHING
           RETURNING 1
         )
         SELECT (SELECT count(*)::int FROM batch) AS events, (SELECT count(*)::int FROM created) AS created,
                (SELECT max(seq) FROM batch) AS last_seq`,
        [tenantId, cursor.last_seq, EVENTS_PER_BATCH],
      );
      if (result.last_seq !== null) {
        await manager.query(`UPDATE webhook_dispatch_cursors SET last_seq = $2, updated_at = now() WHERE tenant_id = $1`, [
          tenantId,
          result.last_seq,
        ]);
      }
      return { events: result.events, created: result.created };
    });
  }
}
