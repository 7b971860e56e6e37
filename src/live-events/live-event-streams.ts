import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { EventStream } from './event-stream';
import { LiveEventsTimings } from './live-events-timings';
import { TenantEventLog } from './tenant-event-log';
import { TenantEventNotifications } from './tenant-event-notifications';
import type { TenantEventType } from './tenant-event-types';

/**
 * The live event streams open on this instance, by tenant. A notification that a tenant's events were
 * numbered (by the relay of any instance) wakes that tenant's streams only; a reopened LISTEN connection
 * wakes them all. A stream leaves when its client goes; at shutdown every stream is ended, so the HTTP server
 * can close.
 */
@Injectable()
export class LiveEventStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveEventStreams.name);
  private readonly byTenant = new Map<string, Set<EventStream>>();
  private readonly unlisten: () => void;

  constructor(
    private readonly log: TenantEventLog,
    private readonly timings: LiveEventsTimings,
    notifications: TenantEventNotifications,
  ) {
    this.unlisten = notifications.listen({
      numbered: (tenantId, seq) => this.byTenant.get(tenantId)?.forEach((stream) => stream.wake(seq)),
      resumed: () => this.byTenant.forEach((streams) => streams.forEach((stream) => stream.wake())),
    });
  }

  /** Streams the tenant's events to `response` until the client goes. */
  async open(
    response: Response,
    tenantId: string,
    lastEventId: number | undefined,
    types: readonly TenantEventType[] | undefined,
    stillAuthorized: () => Promise<boolean>,
  ): Promise<void> {
    const streams = this.byTenant.get(tenantId) ?? new Set<EventStream>();
    this.byTenant.set(tenantId, streams);
    const stream: EventStream = new EventStream(
      response,
      this.log,
      this.logger,
      { tenantId, lastEventId, types, heartbeatMs: this.timings.heartbeatMs, clientRetryMs: this.timings.clientRetryMs, stillAuthorized },
      () => this.forget(stream),
    );
    // subscribed before the stream reads where to start, so no notification in between is missed
    streams.add(stream);
    try {
      await stream.open();
    } catch (error) {
      this.forget(stream);
      throw error;
    }
  }

  /** How many streams are open on this instance (for one tenant, when given). */
  openCount(tenantId?: string): number {
    if (tenantId) return this.byTenant.get(tenantId)?.size ?? 0;
    let count = 0;
    this.byTenant.forEach((streams) => (count += streams.size));
    return count;
  }

  beforeApplicationShutdown(): void {
    this.unlisten();
    this.byTenant.forEach((streams) => streams.forEach((stream) => stream.close()));
  }

  private forget(stream: EventStream): void {
    const streams = this.byTenant.get(stream.tenantId);
    streams?.delete(stream);
    if (streams?.size === 0) this.byTenant.delete(stream.tenantId);
  }
}
