import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A link's unrecognised posts, counted on every view of the link (GET one, and each of a listed page). With no index
 * for them the count read the whole `stock_events` table of every tenant: ~100 ms a link at 1,000,000 events,
 * growing with every change ever received. Only unrecognised posts get an entry (a handful), so the webhook's
 * inserts of understood changes do not pay for it.
 */
export class StockEventsUnrecognised1765000006000 implements MigrationInterface {
  name = 'StockEventsUnrecognised1765000006000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX stock_events_unrecognised ON stock_events (link_id) WHERE status = 'unrecognised'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX stock_events_unrecognised`);
  }
}
