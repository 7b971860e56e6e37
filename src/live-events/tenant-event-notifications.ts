import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import { AppConfig } from '../config/app-config';
import { LiveEventsTimings } from './live-events-timings';

/** Sent by the relay after each batch, once per tenant: `<tenantId>:<highest seq numbered>`. */
export const NUMBERED_CHANNEL = 'tenant_events';
/** Sent by the triggers when a transaction recorded events that still need a number. */
export const PENDING_CHANNEL = 'tenant_events_pending';

export interface TenantEventListener {
  /** events up to `seq` of `tenantId` are numbered and committed */
  numbered?(tenantId: string, seq: number): void;
  /** a transaction recorded events the relay has to number */
  pending?(): void;
  /**
   * the LISTEN connection was (re)opened: notifications may have been missed meanwhile, so anything that
   * follows the log should read it again
   */
  resumed?(): void;
}

/**
 * This instance's one LISTEN connection to PostgreSQL (a dedicated `pg` client, outside the pool: a pooled
 * connection would lose its LISTEN when handed back). Events written by any instance reach every instance
 * through it. A dropped connection is opened again; listeners are told, since notifications sent meanwhile
 * are gone.
 */
@Injectable()
export class TenantEventNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TenantEventNotifications.name);
  private readonly listeners = new Set<TenantEventListener>();
  private client?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly timings: LiveEventsTimings,
  ) {}

  /** Subscribes; returns a function that unsubscribes. */
  listen(listener: TenantEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${NUMBERED_CHANNEL}`);
      await client.query(`LISTEN ${PENDING_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    for (const listener of this.listeners) listener.resumed?.();
  }

  private lost(client: Client, error?: unknown): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.logger.warn({ err: error }, 'The LISTEN connection for tenant events was lost; opening it again');
    client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.timings.listenReconnectMs);
  }

  private dispatch(message: Notification): void {
    if (message.channel === PENDING_CHANNEL) {
      for (const listener of this.listeners) listener.pending?.();
      return;
    }
    const [tenantId, seq] = (message.payload ?? '').split(':');
    if (!tenantId || !seq) return;
    for (const listener of this.listeners) listener.numbered?.(tenantId, Number(seq));
  }
}
