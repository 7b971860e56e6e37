import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every timestamp to millisecond precision, the precision of the API's times and of list cursors.
 *
 * Rows written in one transaction (a SKU import, a mapping import) share `now()` to the microsecond; a
 * cursor written in milliseconds then sorts before all of them, and following `nextCursor` stopped after
 * the first page. Storing only what the API can say makes a cursor's value equal to the row's.
 */
export class MillisecondTimestamps1763856600000 implements MigrationInterface {
  name = 'MillisecondTimestamps1763856600000';

  async up(db: QueryRunner): Promise<void> {
    await this.setPrecision(db, 6, 3);
  }

  async down(db: QueryRunner): Promise<void> {
    await this.setPrecision(db, 3, 6);
  }

  /** One ALTER TABLE per table, so each table is rewritten once. */
  private async setPrecision(db: QueryRunner, from: number, to: number): Promise<void> {
    const columns: { table_name: string; columns: string[] }[] = await db.query(
      `SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position) AS columns
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
          AND c.data_type = 'timestamp with time zone' AND c.datetime_precision = $1
        GROUP BY c.table_name ORDER BY c.table_name`,
      [from],
    );
    for (const table of columns) {
      const alterations = table.columns.map((column) => `ALTER COLUMN "${column}" TYPE timestamptz(${to})`).join(', ');
      await db.query(`ALTER TABLE "${table.table_name}" ${alterations}`);
    }
  }
}
