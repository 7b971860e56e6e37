import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The link-created mail and the first-change notice (DESIGN §7): what became of each, once per link. */
export class StockLinkNotices1763856902000 implements MigrationInterface {
  name = 'StockLinkNotices1763856902000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE stock_links
        ADD COLUMN setup_mail_status text,
        ADD COLUMN setup_mail_error text,
        ADD COLUMN first_change_notice_at timestamptz(3),
        ADD COLUMN first_change_mail_status text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE stock_links
        DROP COLUMN setup_mail_status, DROP COLUMN setup_mail_error, DROP COLUMN first_change_notice_at, DROP COLUMN first_change_mail_status`);
  }
}
