import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../jobs/job-queue.service';
import { EventBus } from '../events/event-bus';
import { InventoryWakeups } from '../inventory/inventory-wakeups';
import { FulfillmentOrdersService } from './fulfillment-orders.service';
import { OrderCancelApprovals } from '../orders/order-cancel-approvals';
import { FOLLOW_SITE_CHANGES, FULFILLMENT_INSTRUCT, FulfillmentWakeups, type InstructJob, TRACKING_PUSH } from './fulfillment-wakeups';
import { SiteChangeFollower } from './site-change-follower';
import { TrackingPushService } from './tracking-push.service';

/**
 * Fulfillment's background work on the shared job queue: automatic shipping instructions (woken by
 * order intake and resolved lines, by stock the seller added, and by a tick), re-checks of held orders,
 * and the tracking outbox. Retries of pushes are per row (their own backoff), not per job. The stock
 * push is Inventory's (`InventoryJobs`); instructions only wake it.
 */
@Injectable()
export class FulfillmentJobs implements OnModuleInit, OnModuleDestroy, OnApplicationBootstrap {
  private readonly logger = new Logger(FulfillmentJobs.name);
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly queue: JobQueue,
    private readonly wakeups: FulfillmentWakeups,
    private readonly stockWakeups: InventoryWakeups,
    private readonly events: EventBus,
    private readonly fulfillment: FulfillmentOrdersService,
    private readonly tracking: TrackingPushService,
    private readonly follower: SiteChangeFollower,
    private readonly approvals: OrderCancelApprovals,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.subscribe('orders.changed', ({ tenantId, reason }) => this.wakeups.instruct(tenantId, reason === 'lines-resolved')),
      // Orders held for lack of stock are re-checked when the seller adds stock.
      this.events.subscribe('inventory.stock-added', ({ tenantId }) => this.wakeups.instruct(tenantId, true)),
      this.events.subscribe('orders.site-changed', () => this.wakeups.followSiteChanges()),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  async onApplicationBootstrap(): Promise<void> {
    const short = { policy: 'short' as const, retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: 30 * 60 };
    await this.queue.define({ name: FULFILLMENT_INSTRUCT, ...short });
    await this.queue.define({ name: TRACKING_PUSH, ...short });
    await this.queue.define({ name: FOLLOW_SITE_CHANGES, ...short });
    if (!this.config.workersEnabled) return;
    await this.queue.work<InstructJob>(FULFILLMENT_INSTRUCT, 1, (job) => this.runInstruct(job));
    await this.queue.work(TRACKING_PUSH, 1, async () => void (await this.tracking.drain()));
    await this.queue.work(FOLLOW_SITE_CHANGES, 1, () => this.followSiteChanges());
  }

  /**
   * Brings orders and fulfillment orders in line with what the sites changed after intake, then approves the cancel
   * requests that may be (autoCancelApproval), gives released stock back to the sites and re-instructs orders whose
   * instruction was undone. Approvals left pending by a crash or a failing site go again here too.
   */
  async followSiteChanges(): Promise<void> {
    const followed = await this.follower.followPending();
    await this.approvals.approve(followed.approveCancel);
    await this.approvals.approvePending();
    if (followed.followed > 0) {
      if (followed.released) await this.stockWakeups.stockPushCoalesced();
      await this.wakeups.instruct(null, false);
    }
  }

  /** Catches what no wake-up announced: due retries, orders made eligible by an option change, lost wake-ups (schedules.ts). */
  async tick(): Promise<void> {
    await this.wakeups.instruct(null, false);
    await this.wakeups.trackingPush();
    await this.wakeups.followSiteChanges();
  }

  /** Every tenant's held orders tried again (schedules.ts, every few minutes), for what no event announced. */
  recheckHeld(): Promise<void> {
    return this.wakeups.instruct(null, true);
  }

  private async runInstruct(job: InstructJob): Promise<void> {
    const auto = await this.fulfillment.instructEligible(job.tenantId);
    const held = job.recheckHeld ? await this.fulfillment.recheckHeld(job.tenantId) : { released: 0 };
    if (auto.instructed + auto.held + held.released > 0) {
      this.logger.log({ tenantId: job.tenantId, ...auto, released: held.released }, 'Shipping instructions processed');
      await this.stockWakeups.stockPushCoalesced();
    }
  }
}
