import { IllegalTransitionError } from '../common/domain-errors';
import { canTransition } from '../orders/order-state';
import { assertFulfillmentTransition, canFulfillmentTransition, FULFILLMENT_STATUSES, ORDER_STATUS_FOR } from './fulfillment-state';

describe('fulfillment order states', () => {
  it('walks the warehouse path: instructed → waybill → scanned in → shipped', () => {
    expect(canFulfillmentTransition('instructed', 'waybill_issued')).toBe(true);
    expect(canFulfillmentTransition('waybill_issued', 'received')).toBe(true);
    expect(canFulfillmentTransition('received', 'shipped')).toBe(true);
    expect(canFulfillmentTransition('waybill_issued', 'shipped')).toBe(true);
  });

  it('lets a parcel labelled elsewhere be scanned in before any waybill, but never ships without a number', () => {
    expect(canFulfillmentTransition('instructed', 'received')).toBe(true);
    expect(canFulfillmentTransition('instructed', 'shipped')).toBe(false);
  });

  it('ends at shipped and cancelled, and never issues a second waybill', () => {
    for (const to of FULFILLMENT_STATUSES) {
      expect(canFulfillmentTransition('shipped', to)).toBe(false);
      expect(canFulfillmentTransition('cancelled', to)).toBe(false);
    }
    expect(canFulfillmentTransition('waybill_issued', 'waybill_issued')).toBe(false);
    expect(canFulfillmentTransition('received', 'waybill_issued')).toBe(false);
  });

  it('refuses an illegal transition with a domain error naming both states', () => {
    expect(() => assertFulfillmentTransition('shipped', 'cancelled')).toThrow(
      expect.objectContaining({ constructor: IllegalTransitionError, from: 'shipped', to: 'cancelled', allowed: [] }),
    );
    expect(() => assertFulfillmentTransition('instructed', 'cancelled')).not.toThrow();
  });

  it('moves the sales order only along transitions the Orders table allows', () => {
    for (const from of FULFILLMENT_STATUSES) {
      for (const to of FULFILLMENT_STATUSES) {
        if (!canFulfillmentTransition(from, to)) continue;
        const orderFrom = ORDER_STATUS_FOR[from];
        const orderTo = ORDER_STATUS_FOR[to];
        expect([orderFrom === orderTo || canTransition(orderFrom, orderTo), `${from}→${to}`]).toEqual([true, `${from}→${to}`]);
      }
    }
    expect(canTransition('confirmed', ORDER_STATUS_FOR.instructed)).toBe(true);
    expect(canTransition('on_hold', ORDER_STATUS_FOR.instructed)).toBe(true);
  });
});
