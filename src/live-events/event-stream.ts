import type { Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { TenantEventLog } from './tenant-event-log';
import type { TenantEvent, TenantEventType } from './tenant-event-types';

const PAGE = 500;

export interface EventStreamOptions {
  tenantId: string;
  /** send the events after this seq; undefined: only events numbered from now on */
  lastEventId?: number;
  types?: readonly TenantEventType[];
  heartbeatMs: number;
  clientRetryMs: number;
  /**
   * Whether the credential that opened the stream still holds (checked at every heartbeat): a revoked key, an
   * ended or expired session or a removed person ends the stream, as it would refuse their next request.
   */
  stillAuthorized: () => Promise<boolean>;
}

/**
 * One open Server-Sent Events response. Replay and live delivery are the same loop: whenever woken (opened, a
 * notification, a heartbeat) it reads the log after the last seq it sent and writes what it finds, so nothing
 * is skipped between replay and live and nothing is sent twice. Wakes during a read make it read once more.
 */
export class EventStream {
  private lastSent = 0;
  private ready = false;
  private reading = false;
  private readAgain = false;
  private closed = false;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly response: Response,
    private readonly log: TenantEventLog,
    private readonly logger: Logger,
    readonly options: EventStreamOptions,
    private readonly onClose: () => void,
  ) {}

  get tenantId(): string {
    return this.options.tenantId;
  }

  /**
   * Finds where to start, sends the headers and starts reading. The caller subscribes this stream to notifications
   * first; a failure here has written nothing yet, so the caller can still answer with a problem.
   */
  async open(): Promise<void> {
    this.lastSent = this.options.lastEventId ?? (await this.log.latestSeq(this.tenantId));
    const response = this.response;
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // no proxy may cache, transform (compress) or buffer the stream
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('X-Accel-Buffering', 'no');
    response.setHeader('Connection', 'keep-alive');
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    response.on('close', () => this.close());
    // a client that left while the start was being read has already closed: no 'close' event will come
    if (response.destroyed || !response.socket || response.socket.destroyed) {
      this.close();
      return;
    }
    response.write(`retry: ${this.options.clientRetryMs}\n\n`);
    this.heartbeat = setInterval(() => this.ping(), this.options.heartbeatMs);
    this.ready = true;
    this.wake();
  }

  /** New events may be in the log (up to `seq`, when the notification says). */
  wake(seq?: number): void {
    if (!this.ready || this.closed) return;
    if (seq !== undefined && seq <= this.lastSent) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    void this.readLog();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.response.writableEnded) this.response.end();
    this.onClose();
  }

  private async readLog(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        let page: TenantEvent[];
        do {
          page = await this.log.after(this.tenantId, this.lastSent, PAGE, this.options.types);
          for (const event of page) {
            if (this.closed) return;
            await this.send(event);
          }
        } while (page.length === PAGE);
      } while (this.readAgain && !this.closed);
    } catch (error) {
      // the next wake (a notification or the heartbeat) reads again from the same place
      this.logger.warn({ err: error, tenantId: this.tenantId }, 'Reading the tenant event log for a live stream failed');
    } finally {
      this.reading = false;
    }
  }

  private async send(event: TenantEvent): Promise<void> {
    const payload = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
    this.lastSent = event.seq;
    if (!this.response.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${payload}\n\n`)) await this.drained();
  }

  /** A slow client: wait until it has taken what was written (or is gone). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  private ping(): void {
    if (this.closed) return;
    void this.options.stillAuthorized().then(
      (authorized) => {
        if (!authorized) return this.close();
        if (this.closed) return;
        this.response.write(': ping\n\n');
        // also a safety net for a notification this instance missed
        this.wake();
      },
      // the database did not answer: keep the stream; the next heartbeat asks again
      (error: unknown) => this.logger.warn({ err: error, tenantId: this.tenantId }, 'Could not recheck a live stream credential'),
    );
  }
}
