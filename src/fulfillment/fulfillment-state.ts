import { IllegalTransitionError } from '../common/domain-errors';
import type { OrderStatus } from '../orders/order-state';

export const FULFILLMENT_STATUSES = ['instructed', 'on_hold', 'waybill_issued', 'received', 'shipped', 'cancelled'] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/**
 * A fulfillment order's life at the warehouse. `received` is the labelled parcel scanned in; it may come
 * before any waybill was issued here (the label was printed elsewhere), so `instructed → received` is legal.
 * Shipping needs a tracking number, so never straight from `instructed`. `on_hold` is the site holding the order
 * (DESIGN §5a): nothing is labelled, scanned or shipped until it is released back to the status it left
 * (`held_from`), or cancelled.
 */
const TRANSITIONS: Record<FulfillmentStatus, readonly FulfillmentStatus[]> = {
  instructed: ['waybill_issued', 'received', 'cancelled', 'on_hold'],
  // only the site's release resumes it (to `held_from`, by the follower); by hand it can only be cancelled
  on_hold: ['cancelled'],
  waybill_issued: ['received', 'shipped', 'cancelled', 'on_hold'],
  received: ['shipped', 'cancelled', 'on_hold'],
  shipped: [],
  cancelled: [],
};

/** What the sales order's own status becomes when its fulfillment order enters a status. */
export const ORDER_STATUS_FOR: Record<FulfillmentStatus, OrderStatus> = {
  instructed: 'shipping_instructed',
  on_hold: 'on_hold',
  waybill_issued: 'shipping_instructed',
  received: 'shipping_instructed',
  shipped: 'shipped',
  cancelled: 'confirmed',
};

export function canFulfillmentTransition(from: FulfillmentStatus, to: FulfillmentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertFulfillmentTransition(from: FulfillmentStatus, to: FulfillmentStatus): void {
  if (!canFulfillmentTransition(from, to)) {
    throw new IllegalTransitionError('A fulfillment order', from, to, TRANSITIONS[from]);
  }
}
