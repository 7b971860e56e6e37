import { IllegalTransitionError } from '../common/domain-errors';
import { assertTransition, canTransition, ORDER_STATUSES } from './order-state';

describe('order state machine', () => {
  it('follows new → confirmed → shipping_instructed → shipped', () => {
    expect(canTransition('new', 'confirmed')).toBe(true);
    expect(canTransition('confirmed', 'shipping_instructed')).toBe(true);
    expect(canTransition('shipping_instructed', 'shipped')).toBe(true);
  });

  it('allows nothing out of shipped or cancelled', () => {
    for (const to of ORDER_STATUSES) {
      expect(canTransition('shipped', to)).toBe(false);
      expect(canTransition('cancelled', to)).toBe(false);
    }
  });

  it('refuses skipping ahead with a domain error naming both states', () => {
    expect(canTransition('new', 'shipped')).toBe(false);
    expect(() => assertTransition('new', 'shipped')).toThrow(
      expect.objectContaining({
        constructor: IllegalTransitionError,
        from: 'new',
        to: 'shipped',
        message: 'An order in status "new" cannot become "shipped".',
      }),
    );
  });
});
