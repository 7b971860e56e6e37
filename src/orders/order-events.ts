import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * Orders of a tenant may have become ready for fulfillment: a pull wrote new or changed orders, or a
 * catalog change resolved waiting lines. Emitted after the change is committed.
 */
export interface OrdersChangedEvent {
  tenantId: string;
  /** set when the change came from one connection's pull */
  connectionId?: string;
  reason: 'intake' | 'lines-resolved';
}

type OrdersChangedListener = (event: OrdersChangedEvent) => void | Promise<void>;

/**
 * The Orders module's extension point for modules above it (fulfillment): they subscribe here instead
 * of Orders importing them. A failing listener is logged and never fails the pull or request that
 * emitted the event.
 */
@Injectable()
export class OrderEvents {
  private readonly logger = new Logger(OrderEvents.name);
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Subscribes; returns a function that unsubscribes. */
  onOrdersChanged(listener: OrdersChangedListener): () => void {
    this.emitter.on('orders-changed', listener);
    return () => this.emitter.off('orders-changed', listener);
  }

  emitOrdersChanged(event: OrdersChangedEvent): void {
    for (const listener of this.emitter.listeners('orders-changed') as OrdersChangedListener[]) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(error));
      } catch (error) {
        this.listenerFailed(error);
      }
    }
  }

  private listenerFailed(error: unknown): void {
    this.logger.error({ err: error }, 'An orders-changed listener failed');
  }
}
