import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** The tenant's SKUs or mappings changed: lines waiting for a SKU may resolve now. */
export interface CatalogChangedEvent {
  tenantId: string;
}

export interface CatalogEvents {
  'catalog-changed': [CatalogChangedEvent];
}

export type CatalogListener<E extends keyof CatalogEvents> = (...args: CatalogEvents[E]) => void | Promise<void>;

/**
 * Tells higher modules (orders) that the catalog changed, without the catalog depending on them.
 * Emitted after the change is committed. Unlike a bare EventEmitter, one failing listener neither stops
 * the others nor fails the request that made the change (which has already happened): failures,
 * synchronous or async, are logged.
 */
@Injectable()
export class SkuCatalogEvents {
  private readonly logger = new Logger(SkuCatalogEvents.name);
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends keyof CatalogEvents>(event: E, listener: CatalogListener<E>): () => void {
    this.emitter.on(event, listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof CatalogEvents>(event: E, listener: CatalogListener<E>): void {
    this.emitter.off(event, listener);
  }

  emit<E extends keyof CatalogEvents>(event: E, ...args: CatalogEvents[E]): void {
    for (const listener of this.emitter.listeners(event) as CatalogListener<E>[]) {
      try {
        const result = listener(...args);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(event, error));
      } catch (error) {
        this.listenerFailed(event, error);
      }
    }
  }

  private listenerFailed(event: string, error: unknown): void {
    this.logger.error({ err: error, event }, `A ${event} listener failed`);
  }
}
