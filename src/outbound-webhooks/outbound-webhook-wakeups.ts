import { Injectable, Logger } from '@nestjs/common';
import { JobQueue } from '../jobs/job-queue.service';

export const WEBHOOKS_DISPATCH = 'webhooks.dispatch';
export const WEBHOOKS_SEND = 'webhooks.send';

/**
 * Wakes the webhook workers of whichever instance runs them, through the shared job queue. At most one wake-up
 * waits per kind; the tick catches whatever a lost wake-up missed, so a failure here is only logged.
 */
@Injectable()
export class OutboundWebhookWakeups {
  private readonly logger = new Logger(OutboundWebhookWakeups.name);

  constructor(private readonly queue: JobQueue) {}

  /** New tenant events may be waiting for their deliveries. */
  dispatch(): Promise<void> {
    return this.send(WEBHOOKS_DISPATCH);
  }

  /** Deliveries may be due. */
  deliver(): Promise<void> {
    return this.send(WEBHOOKS_SEND);
  }

  private async send(queue: string): Promise<void> {
    try {
      await this.queue.send(queue, {}, { singletonKey: queue });
    } catch (error) {
      this.logger.warn({ err: error, queue }, 'Could not wake a webhook worker; the next tick will do the work');
    }
  }
}
