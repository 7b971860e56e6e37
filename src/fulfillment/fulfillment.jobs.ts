import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../jobs/job-queue.service';
import { EventBus } from '../events/event-bus';
import { FulfillmentOrdersService } from './fulfillment-orders.service';
import { FulfillmentTimings } from './fulfillment-timings';
import {
  FULFILLMENT_INSTRUCT,
  FulfillmentWakeups,
  type InstructJob,
  STOCK_PUSH,
  STOCK_RECONCILE,
  TRACKING_PUSH,
} from './fulfillment-wakeups';
import { StockPushService } from './stock-push.service';
import { TrackingPushService } from './tracking-push.service';

/**
 * Fulfillment's background work on the shared job queue: automatic shipping instructions (woken by
 * order intake and resolved lines, and by a tick), re-checks of held orders, the tracking outbox and
 * the stock push queue. Retries of pushes are per row (their own backoff), not per job.
 */
@Injectable()
export class FulfillmentJobs implements OnModuleInit, OnModuleDestroy, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FulfillmentJobs.name);
  private unsubscribe: (() => void) | null = null;
  private ticking: Promise<void> | null = null;
  private lastReconcile = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly timings: FulfillmentTimings,
    private readonly queue: JobQueue,
    private readonly wakeups: FulfillmentWakeups,
    private readonly events: EventBus,
    private readonly fulfillment: FulfillmentOrdersService,
    private readonly tracking: TrackingPushService,
    private readonly stock: StockPushService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe('orders.changed', ({ tenantId, reason }) =>
      this.wakeups.instruct(tenantId, reason === 'lines-resolved'),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  async onApplicationBootstrap(): Promise<void> {
    const short = { policy: 'short' as const, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 30 * 60 };
    await this.queue.define({ name: FULFILLMENT_INSTRUCT, ...short });
    await this.queue.define({ name: TRACKING_PUSH, ...short });
    await this.queue.define({ name: STOCK_PUSH, ...short });
    await this.queue.define({ name: STOCK_RECONCILE, ...short });
    if (!this.config.workersEnabled) return;
    await this.queue.work<InstructJob>(FULFILLMENT_INSTRUCT, 1, (job) => this.runInstruct(job));
    await this.queue.work(TRACKING_PUSH, 1, async () => void (await this.tracking.drain()));
    await this.queue.work(STOCK_PUSH, 1, async () => void (await this.stock.drain()));
    await this.queue.work(STOCK_RECONCILE, 1, async () => {
      await this.stock.reconcile();
      await this.wakeups.stockPush();
    });
    this.lastReconcile = Date.now();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ticking;
  }

  /** Catches what no wake-up announced: due retries, orders made eligible by an option change, lost wake-ups. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        const reconcile = Date.now() - this.lastReconcile >= this.timings.reconcileEveryMs;
        await this.wakeups.instruct(null, reconcile);
        await this.wakeups.trackingPush();
        await this.wakeups.stockPush();
        if (reconcile) {
          this.lastReconcile = Date.now();
          await this.queue.send(STOCK_RECONCILE, {}, { singletonKey: 'reconcile' });
        }
      } catch (error) {
        this.logger.error({ err: error }, 'Fulfillment tick failed');
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  private async runInstruct(job: InstructJob): Promise<void> {
    const auto = await this.fulfillment.instructEligible(job.tenantId);
    const held = job.recheckHeld ? await this.fulfillment.recheckHeld(job.tenantId) : { released: 0 };
    if (auto.instructed + auto.held + held.released > 0) {
      this.logger.log({ tenantId: job.tenantId, ...auto, released: held.released }, 'Shipping instructions processed');
      await this.wakeups.stockPush(this.timings.stockCoalesceMs / 1000);
    }
  }
}
