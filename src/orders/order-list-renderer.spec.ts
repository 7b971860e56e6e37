import { gunzipSync } from 'node:zlib';
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
    const again = pages.response(TENANT, { data: [order(2, '900'), order(1, '901')], nextCursor: 'next' });
    expect(again.body).toBe(first.body);
    expect(again.etag).toBe(first.etag);
    expect(again.contentEncoding).toBeUndefined();
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
    expect(second.body).not.toBe(first.body);
    expect(second).toEqual(first);
  });
});

describe('OrderListRenderer.response, gzip', () => {
  const page = () => ({ data: [order(2, '900'), order(1, '901')], nextCursor: 'next' });
  /** 40 orders: a page of some 3 KB, over the size below which a page is sent as it is */
  const bigPage = () => ({ data: Array.from({ length: 40 }, (_, n) => orderOfSize(n, 80)), nextCursor: 'next' });

  function orderOfSize(n: number, nameLength: number): RenderedOrder {
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const json = Buffer.from(JSON.stringify({ id, recipientName: `${'山'.repeat(nameLength / 8)}${n}`, status: 'confirmed' }));
    return { id, version: String(700 + n), orderedAt: new Date(Date.UTC(2026, 0, 1 + n)), json };
  }

  it('sends a page the first time as it is, even to a client that accepts gzip: one compression per page asked for once would be waste', () => {
    const first = renderer().response(TENANT, bigPage(), true);
    expect(first.contentEncoding).toBeUndefined();
    expect(JSON.parse(first.body.toString('utf8')).data).toHaveLength(40);
  });

  it('gzips a page asked for again, with the same ETag, and compresses it only once', () => {
    const pages = renderer();
    const first = pages.response(TENANT, bigPage(), true);
    const second = pages.response(TENANT, bigPage(), true);
    expect(second.contentEncoding).toBe('gzip');
    expect(second.etag).toBe(first.etag);
    expect(gunzipSync(second.body)).toEqual(first.body);
    expect(second.body.length).toBeLessThan(first.body.length / 2);
    expect(pages.response(TENANT, bigPage(), true).body).toBe(second.body);
  });

  it('gives the same ETag on two instances, one answering gzipped and the other not: a 304 holds behind a load balancer', () => {
    const first = renderer();
    const second = renderer();
    first.response(TENANT, bigPage(), true);
    const gzipped = first.response(TENANT, bigPage(), true);
    const plain = second.response(TENANT, bigPage(), true);
    expect(gzipped.contentEncoding).toBe('gzip');
    expect(plain.contentEncoding).toBeUndefined();
    expect(plain.etag).toBe(gzipped.etag);
  });

  it('sends the page as it is to a client that does not accept gzip, also after another was sent it gzipped', () => {
    const pages = renderer();
    const first = pages.response(TENANT, bigPage(), true);
    pages.response(TENANT, bigPage(), true);
    const plain = pages.response(TENANT, bigPage(), false);
    expect(plain.contentEncoding).toBeUndefined();
    expect(plain.body).toBe(first.body);
  });

  it('sends a small page as it is', () => {
    const pages = renderer();
    pages.response(TENANT, page(), true);
    const again = pages.response(TENANT, page(), true);
    expect(again.contentEncoding).toBeUndefined();
    expect(again.body.length).toBeLessThan(1024);
  });

  it('never gzips with the list cache off (ORDER_LIST_CACHE_MB=0): each page would be compressed on every request', () => {
    const pages = renderer(0);
    pages.response(TENANT, bigPage(), true);
    expect(pages.response(TENANT, bigPage(), true).contentEncoding).toBeUndefined();
  });
});
