import { Injectable, Logger } from '@nestjs/common';
import { JobQueue } from '../jobs/job-queue.service';

export const FULFILLMENT_INSTRUCT = 'fulfillment.instruct';
export const TRACKING_PUSH = 'fulfillment.tracking-push';
export const FOLLOW_SITE_CHANGES = 'fulfillment.follow-site-changes';

export interface InstructJob {
  /** null: every tenant */
  tenantId: string | null;
  /** also try held orders again (stock arrived, lines mapped, a reservation was released) */
  recheckHeld: boolean;
}

/**
 * Wakes fulfillment's workers after a committed change, through the shared job queue, so that
 * whichever instance runs workers picks it up. At most one wake-up waits per kind and tenant; the
 * ticks catch anything a lost wake-up missed, so a failure here is only logged. (The stock push's wake-up is
 * Inventory's `InventoryWakeups`.)
 */
@Injectable()
export class FulfillmentWakeups {
  private readonly logger = new Logger(FulfillmentWakeups.name);

  constructor(private readonly queue: JobQueue) {}

  instruct(tenantId: string | null, recheckHeld: boolean): Promise<void> {
    return this.send<InstructJob>(FULFILLMENT_INSTRUCT, { tenantId, recheckHeld }, `${tenantId ?? 'all'}:${recheckHeld ? 'held' : 'new'}`);
  }

  /** Site changes Orders recorded after intake (cancels, holds, line cancels) wait to be followed. */
  followSiteChanges(): Promise<void> {
    return this.send(FOLLOW_SITE_CHANGES, {}, 'follow');
  }

  trackingPush(): Promise<void> {
    return this.send(TRACKING_PUSH, {}, 'drain');
  }

  private async send<T extends object>(queue: string, data: T, singletonKey: string): Promise<void> {
    try {
      await this.queue.send(queue, data, { singletonKey });
    } catch (error) {
      this.logger.warn({ err: error, queue }, 'Could not wake a fulfillment worker; the next tick will do the work');
    }
  }
}
