import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { returnedRows } from '../common/sql';
import type { StockLink } from './stock-link.entity';
import { StockLinkMailer } from './stock-link.mailer';

/**
 * The two notices the stock-bridge guide promises the link's notification address (DESIGN §7): the customer URL and
 * code right after the link is made (what the seller types into Smaregi's API送信設定), and a notice when the first
 * change has reached NextEngine (the setup works). Each is sent once; what became of it is kept on the link.
 */
@Injectable()
export class StockLinkNotices {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mailer: StockLinkMailer,
  ) {}

  /** After the link is created: where Smaregi must post, and the code it must carry. */
  async linkCreated(link: StockLink, customerUrl: string, secretCode: string): Promise<void> {
    const subject = '[Mallbridge] Smaregi → NextEngine stock link: your customer URL and code';
    const text = [
      `Stock link ${link.id} is ready (stock master: ${link.stockMaster === 'smaregi' ? 'Smaregi' : 'NextEngine'}${link.storeId ? `, store ${link.storeId} only` : ''}).`,
      '',
      "In Smaregi's 管理画面 → 設定 → システム連携 → スマレジAPI設定 → API送信設定, turn on 在庫情報送信 and enter:",
      `  送信URL:      ${customerUrl}`,
      `  ヘッダ情報:   sncode = ${secretCode}`,
      '',
      'Keep this code secret: anyone who has it can post stock changes to this link. Replace it by creating a new link.',
      'You will get another notice when the first stock change has reached NextEngine.',
    ].join('\n');
    const outcome = await this.mailer.send(link.notificationEmail, subject, text);
    await this.db.query(`UPDATE stock_links SET setup_mail_status = $2, setup_mail_error = $3 WHERE id = $1`, [
      link.id,
      outcome.status,
      outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null,
    ]);
  }

  /**
   * After an upload that applied changes: the first time only (the claim is one conditional UPDATE, so two
   * instances never both send it). A mail that fails is recorded, not retried: the upload results keep coming.
   */
  async changeApplied(link: StockLink, upload: { id: string; uploaded: number }): Promise<void> {
    if (upload.uploaded <= 0) return;
    const claimed = returnedRows(
      await this.db.query(
        `UPDATE stock_links SET first_change_notice_at = now() WHERE id = $1 AND first_change_notice_at IS NULL RETURNING id`,
        [link.id],
      ),
    );
    if (!claimed.length) return;
    const subject = '[Mallbridge] Smaregi → NextEngine stock link: the first change has reached NextEngine';
    const text = [
      `Stock link ${link.id}: Smaregi's stock changes now reach NextEngine.`,
      `The first upload (${upload.id}) applied ${upload.uploaded} change${upload.uploaded === 1 ? '' : 's'}; each later upload is reported as it runs.`,
    ].join('\n');
    const outcome = await this.mailer.send(link.notificationEmail, subject, text);
    await this.db.query(`UPDATE stock_links SET first_change_mail_status = $2 WHERE id = $1`, [link.id, outcome.status]);
  }
}
