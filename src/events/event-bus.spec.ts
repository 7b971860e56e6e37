import { Logger } from '@nestjs/common';
import { EventBus } from './event-bus';

describe('EventBus', () => {
  afterEach(() => jest.restoreAllMocks());

  it('delivers an event to every listener of its name until it unsubscribes', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe('catalog.changed', ({ tenantId }) => {
      seen.push(tenantId);
    });
    bus.subscribe('orders.changed', ({ tenantId }) => {
      seen.push(`orders:${tenantId}`);
    });
    bus.publish('catalog.changed', { tenantId: 't1' });
    unsubscribe();
    bus.publish('catalog.changed', { tenantId: 't2' });
    bus.publish('orders.changed', { tenantId: 't3', reason: 'intake' });
    expect(seen).toEqual(['t1', 'orders:t3']);
  });

  it('never lets a failing listener fail the publisher or the other listeners, and logs each failure', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe('catalog.changed', () => {
      throw new Error('sync failure');
    });
    bus.subscribe('catalog.changed', async () => {
      throw new Error('async failure');
    });
    bus.subscribe('catalog.changed', ({ tenantId }) => {
      seen.push(tenantId);
    });
    expect(() => bus.publish('catalog.changed', { tenantId: 't1' })).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['t1']);
    expect(logged).toHaveBeenCalledTimes(2);
  });
});
