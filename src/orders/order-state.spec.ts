import { ProblemException } from '../common/problem';
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

  it('refuses skipping ahead with a 409 problem naming both states', () => {
    expect(canTransition('new', 'shipped')).toBe(false);
    try {
      assertTransition('new', 'shipped');
      throw new Error('expected a problem');
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemException);
      expect((error as ProblemException).getStatus()).toBe(409);
      expect((error as ProblemException).extensions).toMatchObject({ from: 'new', to: 'shipped' });
    }
  });
});
