import { Injectable, Logger } from '@nestjs/common';
import { type Listener, Listeners } from '../common/listeners';

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
  private readonly listeners: { [E in keyof CatalogEvents]: Listeners<CatalogEvents[E][0]> } = {
    'catalog-changed': new Listeners('catalog-changed', new Logger(SkuCatalogEvents.name)),
  };

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends keyof CatalogEvents>(event: E, listener: CatalogListener<E>): () => void {
    return this.listeners[event].add(listener as Listener<CatalogEvents[E][0]>);
  }

  off<E extends keyof CatalogEvents>(event: E, listener: CatalogListener<E>): void {
    this.listeners[event].remove(listener as Listener<CatalogEvents[E][0]>);
  }

  emit<E extends keyof CatalogEvents>(event: E, ...args: CatalogEvents[E]): void {
    this.listeners[event].emit(args[0]);
  }
}
