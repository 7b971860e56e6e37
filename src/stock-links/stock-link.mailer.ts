import { Injectable, Logger } from '@nestjs/common';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { AppConfig } from '../config/app-config';

/** The part of a nodemailer transporter the bridge uses; tests plug in nodemailer's `jsonTransport`. */
export interface MailTransport {
  sendMail(message: SendMailOptions): Promise<unknown>;
}

export type MailOutcome = { status: 'sent' } | { status: 'off' } | { status: 'no-address' } | { status: 'failed'; error: string };

/**
 * Result notices for stock-link uploads, over `SMTP_URL`. Without SMTP configured, mail is off and each
 * upload records that, so a seller can see why no mail came.
 */
@Injectable()
export class StockLinkMailer {
  private readonly logger = new Logger(StockLinkMailer.name);
  private transport: MailTransport | null;
  private from: string;

  constructor(config: AppConfig) {
    this.transport = config.smtpUrl ? createTransport(config.smtpUrl) : null;
    this.from = config.mailFrom ?? 'mallbridge@localhost';
  }

  /** Replace the transport (another mail service, or a test's `jsonTransport`). */
  useTransport(transport: MailTransport | null, from?: string): void {
    this.transport = transport;
    if (from) this.from = from;
  }

  async send(to: string | null, subject: string, text: string): Promise<MailOutcome> {
    if (!to) return { status: 'no-address' };
    if (!this.transport) return { status: 'off' };
    try {
      await this.transport.sendMail({ from: this.from, to, subject, text });
      return { status: 'sent' };
    } catch (error) {
      this.logger.warn({ err: error }, 'Stock-link result mail failed');
      return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  }
}
