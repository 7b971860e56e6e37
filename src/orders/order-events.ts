import { Injectable, Logger } from '@nestjs/common';
import { type Listener, Listeners } from '../common/listeners';

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

type OrdersChangedListener = Listener<OrdersChangedEvent>;

/**
 * The Orders module's extension point for modules above it (fulfillment): they subscribe here instead
 * of Orders importing them. A failing listener is logged and never fails the pull or request that
 * emitted the event.
 */
@Injectable()
export class OrderEvents {
  private readonly ordersChanged = new Listeners<OrdersChangedEvent>('orders-changed', new Logger(OrderEvents.name));

  /** Subscribes; returns a function that unsubscribes. */
  onOrdersChanged(listener: OrdersChangedListener): () => void {
    return this.ordersChanged.add(listener);
  }

  emitOrdersChanged(event: OrdersChangedEvent): void {
    this.ordersChanged.emit(event);
  }
}
