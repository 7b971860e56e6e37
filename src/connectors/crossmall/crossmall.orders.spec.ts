import { Logger } from '@nestjs/common';
import nock from 'nock';
import { createHash } from 'node:crypto';

import type { OrderBatch } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { CrossmallClient } from './crossmall.client';
import { CrossmallConnector } from './crossmall.connector';
import { CROSSMALL_DESCRIPTOR } from './crossmall.descriptor';

const HOST = 'https://crossmall.jp';
const KEY = 'mXCTpnoA';
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
/** The descriptor's pace (one call a second) is for production; these tests answer instantly. */
const FAST = { ...CROSSMALL_DESCRIPTOR, rateLimit: { maxConcurrent: 1, minTimeMs: 0 } };

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
function document(root: string, rows: Record<string, string | number>[], status = 'success', message?: string): string {
  const tag = root.startsWith('Upd') ? 'UpdStatus' : 'GetStatus';
  const results = rows
    .map(
      (row, index) =>
        `<Result No='${index + 1}'>${Object.entries(row)
          .map(([name, value]) => `<${name}>${esc(String(value))}</${name}>`)
          .join('')}</Result>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} version="1.0"><ResultSet TotalResult="${rows.length}"><ResultStatus><${tag}>${status}</${tag}>` +
    `${message ? `<Message>${esc(message)}</Message>` : ''}</ResultStatus>${results}</ResultSet></${root}>`
  );
}

function header(orderNumber: number, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    order_number: orderNumber,
    order_date: '2026/03/09 10:00:00',
    shop_name: '楽天市場店',
    order_code: `R-${orderNumber}`,
    phase_name: '発送待機',
    cancel_flag: 0,
    client_name: '田中 優子',
    client_tel: '011-222-3333',
    client_mail: 'yuko@example.jp',
    ship_name: '田中 優子',
    ship_zip: '060-0001',
    ship_address1: '北海道札幌市中央区北一条西2-1',
    ship_address2: '',
    ship_tel: '011-222-3333',
    delivery_number: '',
    total_price: 2276,
    bundle_flag: 0,
    bundle_ahead_number: 0,
    updated_at: '2026-03-09 10:00:00',
    ...extra,
  };
}

interface Call {
  api: string;
  params: URLSearchParams;
  raw: string;
}

/** A nock CROSS MALL that checks every signature and answers through `answer`. */
function crossmall(answer: (call: Call) => string): Call[] {
  const calls: Call[] = [];
  nock(HOST)
    .get(/^\/webapi2\/\w+\?/)
    .times(10_000)
    .reply((uri) => {
      const api = uri.slice('/webapi2/'.length, uri.indexOf('?'));
      const query = uri.slice(uri.indexOf('?') + 1);
      const unsigned = query.slice(0, query.lastIndexOf('&signing='));
      const signing = query.slice(query.lastIndexOf('&signing=') + '&signing='.length);
      if (signing !== md5(unsigned + KEY)) return [200, document('GetOrder', [], 'error', '認証エラー：signingが正しくありません。')];
      const call = { api, params: new URLSearchParams(unsigned), raw: unsigned };
      calls.push(call);
      return [200, answer(call), { 'Content-Type': 'text/xml; charset=UTF-8' }];
    });
  return calls;
}

async function collect(iterable: AsyncIterable<OrderBatch>): Promise<OrderBatch[]> {
  const batches: OrderBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

describe('CrossmallConnector orders, waybills and stock', () => {
  const client = new CrossmallClient();
  let connector: CrossmallConnector;
  const context = (settings: Record<string, unknown> = {}) =>
    testConnectionContext(FAST, { connectionId: 'c-cm', credentials: { companyCode: 'ill', apiKey: KEY }, settings });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    connector = new CrossmallConnector(client);
  });
  afterEach(() => nock.cleanAll());

  it('paces itself to at most one call a second, one at a time', () => {
    expect(CROSSMALL_DESCRIPTOR.rateLimit).toEqual({ maxConcurrent: 1, minTimeMs: 1000 });
  });

  describe('pullOrders', () => {
    const all = Array.from({ length: 250 }, (_, index) => 5000 + index * 2);

    it('pages 250 orders of the phase 100 at a time with order_number of the last row and condition=1', async () => {
      const calls = crossmall(({ api, params }) => {
        if (api === 'get_order') {
          const after = Number(params.get('order_number') ?? 0);
          const rows = all.filter((n) => n > after).slice(0, 100);
          return document(
            'GetOrder',
            rows.map((n) => header(n)),
          );
        }
        const n = params.get('order_number');
        return document('GetOrderDetail', [
          {
            line_no: 1,
            item_code: `ITEM-${n}`,
            item_name: 'ソックス',
            attribute1_name: 'ブラック',
            attribute2_name: '23-25cm',
            amount: 2,
            unit_price: 990,
          },
        ]);
      });

      const batches = await collect(connector.pullOrders(context(), null));

      const pages = calls.filter((call) => call.api === 'get_order').map((call) => call.raw);
      const phase = encodeURIComponent('発送待機');
      expect(pages).toEqual([
        `account=ill&phase_name=${phase}`,
        `account=ill&phase_name=${phase}&order_number=5198&condition=1`,
        `account=ill&phase_name=${phase}&order_number=5398&condition=1`,
      ]);
      expect(batches.map((batch) => batch.orders.length)).toEqual([100, 100, 50]);
      expect(batches.map((batch) => batch.nextCursor?.value)).toEqual(['5198', '5398', '0']);
      expect(batches.flatMap((batch) => batch.orders.map((order) => Number(order.externalOrderId)))).toEqual(all);
      expect(calls.filter((call) => call.api === 'get_order_detail')).toHaveLength(250);
    });

    it('resumes a pass after the cursor, and normalizes header and lines', async () => {
      const calls = crossmall(({ api }) =>
        api === 'get_order'
          ? document('GetOrder', [
              header(7001),
              header(7002, { phase_name: '引当待ち' }),
              header(7003, { bundle_flag: 1, bundle_ahead_number: 7001 }),
            ])
          : document('GetOrderDetail', [
              {
                line_no: 1,
                item_code: 'KUTSUSHITA-01',
                item_name: '綿混ショートソックス',
                attribute1_name: 'ブラック',
                attribute2_name: '23-25cm',
                amount: 2,
                unit_price: 990,
                jan_cd: '4589859570040',
              },
              {
                line_no: 2,
                item_code: 'HOUJICHA-200',
                item_name: '加賀棒ほうじ茶 200g',
                attribute1_name: '',
                attribute2_name: '',
                amount: 1,
                unit_price: 1296,
              },
            ]),
      );

      const [batch] = await collect(connector.pullOrders(context(), { value: '7000' }));

      expect(calls.map((call) => `${call.api} ${call.params.get('order_number')} ${call.params.get('condition')}`)).toEqual([
        'get_order 7000 1',
        'get_order_detail 7001 null',
      ]);
      // 7002 is in another phase (a server ignoring phase_name), 7003 a bundled child served under 7001.
      expect(batch.orders).toHaveLength(1);
      const order = batch.orders[0];
      expect(order).toMatchObject({
        externalOrderId: '7001',
        siteStatus: '発送待機',
        orderedAt: new Date('2026-03-09T01:00:00Z'),
        buyer: { name: '田中 優子', phone: '011-222-3333', email: 'yuko@example.jp' },
        recipient: { name: '田中 優子', postalCode: '060-0001', line1: '北海道札幌市中央区北一条西2-1', country: 'JP' },
        total: { amount: '2276', currency: 'JPY' },
        refs: { orderNumber: '7001', orderCode: 'R-7001', shopName: '楽天市場店', cancelFlag: '0' },
      });
      expect(order.recipient).not.toHaveProperty('line2');
      expect(order.lines).toEqual([
        {
          externalLineId: '1',
          productCode: 'KUTSUSHITA-01',
          optionCode: 'ブラック,23-25cm',
          productName: '綿混ショートソックス',
          optionName: 'ブラック / 23-25cm',
          quantity: 2,
          unitPrice: '990',
          raw: {
            line_no: '1',
            item_code: 'KUTSUSHITA-01',
            attribute1_name: 'ブラック',
            attribute2_name: '23-25cm',
            jan_cd: '4589859570040',
          },
        },
        {
          externalLineId: '2',
          productCode: 'HOUJICHA-200',
          productName: '加賀棒ほうじ茶 200g',
          quantity: 1,
          unitPrice: '1296',
          raw: { line_no: '2', item_code: 'HOUJICHA-200', attribute1_name: '', attribute2_name: '' },
        },
      ]);
      expect(order.lines.map((line) => connector.listingKey(line).key)).toEqual(['KUTSUSHITA-01:ブラック,23-25cm', 'HOUJICHA-200']);
      expect(batch.nextCursor).toEqual({ value: '0' });
    });

    it('signs the Japanese phase name URL-encoded, exactly as sent, and skips details of unchanged orders', async () => {
      const calls = crossmall(({ api }) =>
        api === 'get_order'
          ? document('GetOrder', [header(1, { phase_name: '出荷 待ち' })])
          : document('GetOrderDetail', [{ line_no: 1, item_code: 'A', item_name: 'a', amount: 1, unit_price: 1 }]),
      );

      await collect(connector.pullOrders(context({ collectPhaseName: '出荷 待ち' }), null));
      await collect(connector.pullOrders(context({ collectPhaseName: '出荷 待ち' }), null));

      expect(calls.map((call) => call.raw)).toEqual([
        'account=ill&phase_name=%E5%87%BA%E8%8D%B7+%E5%BE%85%E3%81%A1',
        'account=ill&order_number=1',
        'account=ill&phase_name=%E5%87%BA%E8%8D%B7+%E5%BE%85%E3%81%A1',
      ]);
    });
  });

  describe('pushTracking', () => {
    const shippedAt = new Date('2026-03-10T16:30:00Z'); // 2026-03-11 01:30 JST

    it('moves the order to the shipped phase with date and number, and reads the number back', async () => {
      const calls = crossmall(({ api, params }) => {
        if (api === 'upd_order_phase')
          return document('UpdOrderPhase', [{ order_number: params.get('order_number')!, phase_name: 'QXPRESS発送済み' }]);
        const n = params.get('order_number')!;
        return document('GetOrder', [header(Number(n), { delivery_number: n === '8002' ? '' : '503012345678' })]);
      });

      const results = await connector.pushTracking(context(), [
        { externalOrderId: '8001', refs: { orderNumber: '8001' }, carrier: 'qxpress', trackingNumber: '503012345678', shippedAt },
        { externalOrderId: '8002', carrier: 'qxpress', trackingNumber: '503012345679', shippedAt },
      ]);

      expect(calls[0].raw).toBe(
        `account=ill&order_number=8001&after_phase_name=${encodeURIComponent('QXPRESS発送済み')}&delivery_date=2026-03-11&delivery_date_update=1&delivery_no=503012345678&delivery_number=503012345678`,
      );
      expect(calls[1].raw).toBe('account=ill&order_number=8001&condition=0');
      expect(results).toEqual([
        { key: '8001', ok: true },
        { key: '8002', ok: false, message: expect.stringContaining('recorded delivery number ""'), retryable: false },
      ]);
    });

    it('reports an unknown shipped phase per item, telling the seller to spell it exactly, without retrying', async () => {
      const message = '受注ステータス「QXPRESS発送済」は存在しません。';
      const calls = crossmall(({ api }) =>
        api === 'get_phase'
          ? document('GetPhase', [{ phase_name: '発送待機' }, { phase_name: 'QXPRESS発送済み' }])
          : document('UpdOrderPhase', [], 'error', message),
      );

      const results = await connector.pushTracking(context({ shippedPhaseName: 'QXPRESS発送済' }), [
        { externalOrderId: '8001', carrier: 'qxpress', trackingNumber: '1', shippedAt },
        { externalOrderId: '8002', carrier: 'qxpress', trackingNumber: '2', shippedAt },
      ]);

      expect(calls.map((call) => call.api)).toEqual(['upd_order_phase', 'get_phase']);
      for (const [index, result] of results.entries()) {
        expect(result).toMatchObject({ key: `800${index + 1}`, ok: false, siteCode: 'error', retryable: false });
        expect(result.message).toContain(message);
        expect(result.message).toContain('"QXPRESS発送済" does not exist in CROSS MALL');
        expect(result.message).toContain('spelled exactly');
      }
    });

    it('reports other refusals with the site message, and sends the mapped delivery name', async () => {
      const calls = crossmall(({ api }) =>
        api === 'get_phase'
          ? document('GetPhase', [{ phase_name: 'QXPRESS発送済み' }])
          : document('UpdOrderPhase', [], 'error', '管理番号 9 の受注が存在しません。'),
      );

      const [result] = await connector.pushTracking(context({ deliveryNames: { yamato: 'ヤマト運輸' } }), [
        { externalOrderId: '9', carrier: 'yamato', trackingNumber: '1234', shippedAt },
      ]);

      expect(calls[0].params.get('delivery_name')).toBe('ヤマト運輸');
      expect(result).toEqual({ key: '9', ok: false, siteCode: 'error', message: '管理番号 9 の受注が存在しません。', retryable: false });
    });
  });

  describe('pushStock', () => {
    it('overwrites stock by item code and exact attribute names, reads it back, and reports failed UpdStatus per item', async () => {
      const stock = new Map<string, number>([
        ['T-SHIRT|Red |M', 3],
        ['T-SHIRT|Blue|M', 4],
        ['TEA||', 10],
      ]);
      const calls = crossmall(({ api, params }) => {
        const item = params.get('item_code')!;
        if (api === 'get_stock') {
          const rows = [...stock.entries()]
            .map(([key, value]) => [key.split('|'), value] as const)
            .filter(([[code]]) => code === item)
            .map(([[code, a1, a2], value]) => ({ item_code: code, attribute1_name: a1, attribute2_name: a2, stock: value }));
          return document('GetStock', rows);
        }
        const key = `${item}|${params.get('attribute1_name') ?? ''}|${params.get('attribute2_name') ?? ''}`;
        if (key === 'T-SHIRT|Blue|M') return document('UpdStock', [], 'error', '在庫の更新に失敗しました。');
        stock.set(key, Number(params.get('stock')));
        return document('UpdStock', [{ item_code: item, stock: params.get('stock')! }]);
      });

      const results = await connector.pushStock(context(), [
        { listingKey: 'T-SHIRT:Red ,M', quantity: 8 },
        { listingKey: 'T-SHIRT:Blue,M', quantity: 1 },
        { listingKey: 'T-SHIRT:red ,M', quantity: 1 },
        { listingKey: 'TEA', quantity: 0 },
      ]);

      expect(results).toEqual([
        { key: 'T-SHIRT:Red ,M', ok: true },
        { key: 'T-SHIRT:Blue,M', ok: false, siteCode: 'error', message: '在庫の更新に失敗しました。', retryable: false },
        { key: 'T-SHIRT:red ,M', ok: false, message: expect.stringContaining('no SKU "T-SHIRT:red ,M"'), retryable: false },
        { key: 'TEA', ok: true },
      ]);
      expect(calls.filter((call) => call.api === 'upd_stock').map((call) => call.raw)).toEqual([
        'account=ill&item_code=T-SHIRT&attribute1_name=Red+&attribute2_name=M&stock=8&update_type=u',
        'account=ill&item_code=T-SHIRT&attribute1_name=Blue&attribute2_name=M&stock=1&update_type=u',
        'account=ill&item_code=TEA&stock=0&update_type=u',
      ]);
      expect(stock.get('T-SHIRT|Red |M')).toBe(8);
      expect(stock.get('TEA||')).toBe(0);
    });

    it('reports an update the site accepted but did not apply (parameter names unconfirmed)', async () => {
      crossmall(({ api }) =>
        api === 'get_stock'
          ? document('GetStock', [{ item_code: 'TEA', attribute1_name: '', attribute2_name: '', stock: 10 }])
          : document('UpdStock', [{ item_code: 'TEA' }]),
      );

      const [result] = await connector.pushStock(context({ stockQuantityParam: 'qty' }), [{ listingKey: 'TEA', quantity: 4 }]);

      expect(result).toMatchObject({ key: 'TEA', ok: false, retryable: false });
      expect(result.message).toContain('reads 10 instead of 4');
    });
  });
});
