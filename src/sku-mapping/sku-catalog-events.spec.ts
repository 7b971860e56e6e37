import { Logger } from '@nestjs/common';
import { SkuCatalogEvents } from './sku-catalog-events';

describe('SkuCatalogEvents', () => {
  afterEach(() => jest.restoreAllMocks());

  it('delivers catalog-changed to every listener until it unsubscribes', () => {
    const events = new SkuCatalogEvents();
    const seen: string[] = [];
    const unsubscribe = events.on('catalog-changed', ({ tenantId }) => {
      seen.push(tenantId);
    });
    events.emit('catalog-changed', { tenantId: 't1' });
    unsubscribe();
    events.emit('catalog-changed', { tenantId: 't2' });
    expect(seen).toEqual(['t1']);
  });

  it('never lets a failing listener fail the emitter or the other listeners, and logs each failure', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const events = new SkuCatalogEvents();
    const seen: string[] = [];
    events.on('catalog-changed', () => {
      throw new Error('sync failure');
    });
    events.on('catalog-changed', async () => {
      throw new Error('async failure');
    });
    events.on('catalog-changed', ({ tenantId }) => {
      seen.push(tenantId);
    });
    expect(() => events.emit('catalog-changed', { tenantId: 't1' })).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['t1']);
    expect(logged).toHaveBeenCalledTimes(2);
  });
});
