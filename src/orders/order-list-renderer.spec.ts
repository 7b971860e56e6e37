import { AppConfig } from '../config/app-config';
import type { PreparedStatements } from '../database/prepared-statements';
import { OrderListRenderer, type RenderedOrder } from './order-list-renderer';

const TENANT = '11111111-1111-4111-8111-111111111111';
const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';

function order(n: number, version: string): RenderedOrder {
  const id = `00000000-0000-4000-8000-00000000000${n}`;
  return { id, version, orderedAt: new Date(Date.UTC(2026, 0, n)), json: Buffer.from(JSON.stringify({ id, version })) };
}

/** `response` reads no database: the page's rows are rendered already. */
const renderer = (orderListCacheMb?: number) =>
  new OrderListRenderer(null as unknown as PreparedStatements, new AppConfig({ orderListCacheMb } as AppConfig));

describe('OrderListRenderer.response', () => {
  const page = { data: [order(2, '900'), order(1, '901')], nextCursor: 'next' };

  it('is the page as JSON, with a weak ETag', () => {
    const response = renderer().response(TENANT, page);
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({
      data: [
        { id: page.data[0].id, version: '900' },
        { id: page.data[1].id, version: '901' },
      ],
      nextCursor: 'next',
    });
    expect(response.etag).toMatch(/^W\/"[\w-]+"$/);
  });

  it('answers the same rows at the same versions with the body built the first time', () => {
    const pages = renderer();
    const first = pages.response(TENANT, page);
    expect(pages.response(TENANT, { data: [order(2, '900'), order(1, '901')], nextCursor: 'next' })).toBe(first);
  });

  it.each([
    ['a row at a new version', { data: [order(2, '900'), order(1, '955')], nextCursor: 'next' }, TENANT],
    ['the rows in another order', { data: [order(1, '901'), order(2, '900')], nextCursor: 'next' }, TENANT],
    ['a row fewer', { data: [order(2, '900')], nextCursor: 'next' }, TENANT],
    ['another next cursor', { data: [order(2, '900'), order(1, '901')], nextCursor: null }, TENANT],
    ['another tenant', { data: [order(2, '900'), order(1, '901')], nextCursor: 'next' }, OTHER_TENANT],
  ])('builds a new body and ETag for %s', (_label, other, tenant) => {
    const pages = renderer();
    const first = pages.response(TENANT, page);
    const second = pages.response(tenant, other);
    expect(second).not.toBe(first);
    expect(second.etag).not.toBe(first.etag);
    expect(JSON.parse(second.body.toString('utf8')).data.map((item: { version: string }) => item.version)).toEqual(
      other.data.map((item) => item.version),
    );
  });

  it('keeps no page with the list cache off (ORDER_LIST_CACHE_MB=0)', () => {
    const pages = renderer(0);
    const first = pages.response(TENANT, page);
    const second = pages.response(TENANT, page);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });
});
