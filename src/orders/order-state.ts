import { IllegalTransitionError } from '../common/domain-errors';

export const ORDER_STATUSES = ['new', 'confirmed', 'shipping_instructed', 'shipped', 'cancelled', 'on_hold'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order's life in Mallbridge; the site's own status is kept beside it. Every change goes
 * through {@link assertTransition}, so an illegal one is refused naming both states (a 409 at the HTTP edge).
 */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  new: ['confirmed', 'cancelled', 'on_hold'],
  confirmed: ['shipping_instructed', 'cancelled', 'on_hold'],
  on_hold: ['new', 'confirmed', 'shipping_instructed', 'cancelled'],
  shipping_instructed: ['shipped', 'confirmed', 'on_hold', 'cancelled'],
  shipped: [],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new IllegalTransitionError('An order', from, to, TRANSITIONS[from]);
  }
}
