import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../common/problem';

export const ORDER_STATUSES = ['new', 'confirmed', 'shipping_instructed', 'shipped', 'cancelled', 'on_hold'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order's life in Mallbridge; the site's own status is kept beside it. Every change goes
 * through {@link assertTransition}, so an illegal one is a 409 with both states named.
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
    throw new ProblemException(HttpStatus.CONFLICT, 'illegal-transition', 'Illegal transition', `An order in status "${from}" cannot become "${to}".`, {
      from,
      to,
      allowed: TRANSITIONS[from],
    });
  }
}
