import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RerunningTask } from '../common/rerunning-task';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../jobs/job-queue.service';
import { TenantEventNotifications } from '../live-events/tenant-event-notifications';
import { OutboundWebhookWakeups, WEBHOOKS_DISPATCH, WEBHOOKS_SEND } from './outbound-webhook-wakeups';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookSender } from './webhook-sender';

/**
 * Outbound webhooks' background work: new tenant events become deliveries (dispatch) and due deliveries are sent,
 * on the shared job queue. Where workers run, the relay's notification that events were numbered also dispatches
 * at once, so a delivery leaves within moments of its event rather than at the next tick. Retries are per delivery
 * (their own backoff, in the row), not per job.
 */
@Injectable()
export class OutboundWebhookJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboundWebhookJobs.name);
  private unlisten?: () => void;
  private readonly dispatching = new RerunningTask(
    () => this.dispatch(),
    (error) => this.logger.error({ err: error }, 'Dispatching webhook deliveries failed; the next tick tries again'),
  );

  constructor(
    private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly wakeups: OutboundWebhookWakeups,
    private readonly dispatcher: WebhookDispatcher,
    private readonly sender: WebhookSender,
    private readonly notifications: TenantEventNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const short = { policy: 'short' as const, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 30 * 60 };
    await this.queue.define({ name: WEBHOOKS_DISPATCH, ...short });
    await this.queue.define({ name: WEBHOOKS_SEND, ...short });
    if (!this.config.workersEnabled) return;
    await this.queue.work(WEBHOOKS_DISPATCH, 1, () => this.dispatch());
    await this.queue.work(WEBHOOKS_SEND, 1, async () => void (await this.sender.drain()));
    this.unlisten = this.notifications.listen({ numbered: () => this.dispatchSoon(), resumed: () => this.dispatchSoon() });
  }

  async onApplicationShutdown(): Promise<void> {
    this.unlisten?.();
    await this.dispatching.settled();
  }

  /** Catches what no wake-up announced: new events, due retries, deliveries whose sender died (schedules.ts). */
  async tick(): Promise<void> {
    await this.wakeups.dispatch();
    await this.wakeups.deliver();
  }

  private async dispatch(): Promise<void> {
    if ((await this.dispatcher.dispatch()) > 0) await this.wakeups.deliver();
  }

  /** Dispatches now, or once more right after the run in progress (which may have read the log before the news). */
  private dispatchSoon(): void {
    this.dispatching.wake();
  }
}
