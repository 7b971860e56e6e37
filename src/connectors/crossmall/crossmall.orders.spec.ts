import { Logger } from '@nestjs/common';
import nock from 'nock';
import { createHash } from 'node:crypto';

import { SiteAuthError } from '../http/site-errors';
import type { OrderBatch } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { CrossmallClient } from './crossmall.client';
import { CrossmallConnector } from './crossmall.connector';
import { CROSSMALL_DESCRIPTOR } from './crossmall.descriptor';
import { connectionRateLimit } from '../shared/pacing';
import { validateSettings, withSettingDefaults } from '../../connections/connection-input.validator';

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

  describe('pacing setting (callIntervalMs)', () => {
    const field = CROSSMALL_DESCRIPTOR.settingFields.find((f) => f.name === 'callIntervalMs')!;

    it('is refused outside its documented bounds, or when it is not a number', () => {
      expect(validateSettings(CROSSMALL_DESCRIPTOR, { callIntervalMs: 199 })).toEqual([
        { field: 'settings.callIntervalMs', message: 'callIntervalMs must be at least 200' },
      ]);
      expect(validateSettings(CROSSMALL_DESCRIPTOR, { callIntervalMs: 10_001 })).toEqual([
        { field: 'settings.callIntervalMs', message: 'callIntervalMs must be at most 10000' },
      ]);
      expect(validateSettings(CROSSMALL_DESCRIPTOR, { callIntervalMs: '500' })).toEqual([
        { field: 'settings.callIntervalMs', message: 'callIntervalMs must be of type number' },
      ]);
      expect(validateSettings(CROSSMALL_DESCRIPTOR, { callIntervalMs: 500 })).toEqual([]);
    });

    it("defaults to the descriptor's safe pace, replaces its pause when set, and stays within the bounds", () => {
      expect(field).toMatchObject({ type: 'number', required: false, default: 1000, minimum: 200, maximum: 10_000 });
      expect(connectionRateLimit(CROSSMALL_DESCRIPTOR, {})).toEqual({ maxConcurrent: 1, minTimeMs: 1000 });
      expect(connectionRateLimit(CROSSMALL_DESCRIPTOR, withSettingDefaults(CROSSMALL_DESCRIPTOR, {}))).toEqual({ maxConcurrent: 1, minTimeMs: 1000 });
      expect(connectionRateLimit(CROSSMALL_DESCRIPTOR, { callIntervalMs: 500 })).toEqual({ maxConcurrent: 1, minTimeMs: 500 });
      // A value stored before the bounds (or written around the API) cannot push the site harder.
      expect(connectionRateLimit(CROSSMALL_DESCRIPTOR, { callIntervalMs: 0 })).toEqual({ maxConcurrent: 1, minTimeMs: 200 });
      expect(connectionRateLimit(CROSSMALL_DESCRIPTOR, { callIntervalMs: 'fast' })).toEqual({ maxConcurrent: 1, minTimeMs: 1000 });
    });
  });

  describe('pullOrders', () => {
    const all = Array.from({ length: 250 }, (_, index) => 5000 + index * 2);

    it('pages 250 orders of the phase 100 at a time with order_number of the last row and condition=1, yielding them 10 at a time', async () => {
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
      // Each batch's cursor is the 管理番号 of its last order (the 10th, 20th… of a page); a page's last batch keeps
      // the page's cursor (its last row, or 0 at the end of the pass).
      expect(batches.map((batch) => batch.orders.length)).toEqual(Array(25).fill(10));
      const cursors = batches.map((batch) => batch.nextCursor?.value);
      expect(cursors).toEqual(batches.map((batch) => batch.orders.at(-1)!.externalOrderId).map((n, i) => (i === 24 ? '0' : n)));
      expect(cursors.filter((_, i) => i % 10 === 9)).toEqual(['5198', '5398']);
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

    const detailOf = (n: string | null) =>
      document('GetOrderDetail', [{ line_no: 1, item_code: `ITEM-${n}`, item_name: 'ソックス', amount: 1, unit_price: 990 }]);

    it('never cuts a page where its cursor would skip a later row: rows out of order or not numbered keep one batch', async () => {
      // 25 orders whose 12th row is numbered below the rows before it: a cursor at any of the first 11 would
      // skip it on resume (order_number > cursor), so the batch grows past it; a row with a non-numeric number
      // (the 23rd) blocks every cut before it the same way. Past it, the batch is cut again.
      const numbers = Array.from({ length: 25 }, (_, i) => String(8000 + i));
      numbers[11] = '7990';
      numbers[22] = 'X-1';
      crossmall(({ api, params }) =>
        api === 'get_order' ? document('GetOrder', numbers.map((n) => header(0, { order_number: n }))) : detailOf(params.get('order_number')),
      );

      const batches = await collect(connector.pullOrders(context(), null));

      expect(batches.map((batch) => [batch.orders.length, batch.nextCursor?.value])).toEqual([
        [24, '8023'],
        [1, '0'],
      ]);
    });

    it('counts only orders it yields toward a batch, cutting after the 10th with that order as the cursor', async () => {
      // Rows of other phases and merged-away children are covered by the cursor but are no orders.
      const rows = Array.from({ length: 30 }, (_, i) => {
        const n = 9000 + i;
        if (i % 3 === 1) return header(n, { phase_name: '引当待ち' });
        if (i % 3 === 2) return header(n, { bundle_flag: 1, bundle_ahead_number: n - 2 });
        return header(n);
      });
      const calls = crossmall(({ api, params }) => (api === 'get_order' ? document('GetOrder', rows) : detailOf(params.get('order_number'))));

      const batches = await collect(connector.pullOrders(context(), null));

      // The rows after the 10th order are no orders: the pass still ends with its own (empty) batch and cursor 0.
      expect(batches.map((batch) => [batch.orders.map((order) => order.externalOrderId), batch.nextCursor?.value])).toEqual([
        [['9000', '9003', '9006', '9009', '9012', '9015', '9018', '9021', '9024', '9027'], '9027'],
        [[], '0'],
      ]);
      expect(calls.filter((call) => call.api === 'get_order_detail')).toHaveLength(10);

      rows.push(...Array.from({ length: 12 }, (_, i) => header(9100 + i)));
      const next = await collect(connector.pullOrders(context(), null));
      expect(next.map((batch) => [batch.orders.length, batch.nextCursor?.value])).toEqual([
        [10, '9027'],
        [10, '9109'],
        [2, '0'],
      ]);
    });

    it("yields a page's first 10 orders before asking for the 11th order's lines, and resumes right after a batch's cursor", async () => {
      const numbers = Array.from({ length: 60 }, (_, i) => 6000 + i);
      const calls = crossmall(({ api, params }) => {
        if (api !== 'get_order') return detailOf(params.get('order_number'));
        const after = Number(params.get('order_number') ?? 0);
        return document(
          'GetOrder',
          numbers.filter((n) => n > after).map((n) => header(n)),
        );
      });

      const iterator = connector.pullOrders(context(), null)[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      expect((first.value as OrderBatch).orders.map((order) => order.externalOrderId)).toEqual(numbers.slice(0, 10).map(String));
      expect((first.value as OrderBatch).nextCursor).toEqual({ value: '6009' });
      expect(calls.map((call) => call.api)).toEqual(['get_order', ...Array(10).fill('get_order_detail')]);
      const second = await iterator.next();
      expect((second.value as OrderBatch).nextCursor).toEqual({ value: '6019' });
      // The pull stops here (the process died after committing the second batch): the next one starts after it.
      await iterator.return?.(undefined);

      calls.length = 0;
      const resumed = await collect(connector.pullOrders(context(), { value: '6019' }));
      expect(calls[0].raw).toBe(`account=ill&phase_name=${encodeURIComponent('発送待機')}&order_number=6019&condition=1`);
      expect(resumed.flatMap((batch) => batch.orders.map((order) => Number(order.externalOrderId)))).toEqual(numbers.slice(20));
      expect(resumed.map((batch) => batch.nextCursor?.value)).toEqual(['6029', '6039', '6049', '0']);
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
    const shippedPhase =
      (phase = 'QXPRESS発送済み') =>
      (call: Call) =>
        call.api === 'upd_order_phase'
          ? document('UpdOrderPhase', [{ order_number: call.params.get('order_number')!, phase_name: phase }])
          : document('GetOrder', [header(Number(call.params.get('order_number')), { delivery_number: 'T-1' })]);

    it('fails an order whose carrier has no 配送便名 without calling CROSS MALL for it, naming the carrier and the setting', async () => {
      const calls = crossmall(shippedPhase());

      const results = await connector.pushTracking(context({ deliveryNames: { seino: '西濃運輸' } }), [
        { externalOrderId: '8001', carrier: 'dhl', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8002', carrier: 'yamato', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8003', carrier: '  ', trackingNumber: 'T-1', shippedAt },
      ]);

      expect(results[0]).toMatchObject({ key: '8001', ok: false, retryable: false });
      expect(results[0].message).toContain('carrier "dhl"');
      expect(results[0].message).toContain('deliveryNames');
      expect(results[1]).toEqual({ key: '8002', ok: true });
      expect(results[2]).toMatchObject({ key: '8003', ok: false, retryable: false });
      // Only the mapped order reached CROSS MALL; our own carrier string never did.
      const phaseCalls = calls.filter((call) => call.api === 'upd_order_phase');
      expect(phaseCalls.map((call) => call.params.get('order_number'))).toEqual(['8002']);
      expect(calls.some((call) => call.raw.includes('dhl'))).toBe(false);
    });

    it('sends the built-in 配送便名 for Qxpress, Yamato, Sagawa and Japan Post, matching the carrier whatever its case', async () => {
      const calls = crossmall(shippedPhase());

      const results = await connector.pushTracking(context(), [
        { externalOrderId: '8001', carrier: 'QXPRESS', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8002', carrier: 'Yamato', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8003', carrier: 'sagawa', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8004', carrier: 'Japan Post', trackingNumber: 'T-1', shippedAt },
      ]);

      expect(results.every((result) => result.ok)).toBe(true);
      const sent = calls.filter((call) => call.api === 'upd_order_phase').map((call) => call.params.get('delivery_name'));
      expect(sent).toEqual(['Qxpress', 'ヤマト運輸', '佐川急便', '日本郵便']);
    });

    it("lets the connection's deliveryNames override a built-in name and add carriers, exact text kept", async () => {
      const calls = crossmall(shippedPhase());

      await connector.pushTracking(context({ deliveryNames: { YAMATO: 'ヤマト 宅急便', seino: '西濃運輸', sagawa: ' ' } }), [
        { externalOrderId: '8001', carrier: 'yamato', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8002', carrier: 'Seino', trackingNumber: 'T-1', shippedAt },
        { externalOrderId: '8003', carrier: 'sagawa', trackingNumber: 'T-1', shippedAt },
      ]);

      const sent = calls.filter((call) => call.api === 'upd_order_phase').map((call) => call.params.get('delivery_name'));
      // A blank mapping is no mapping: the built-in name stands.
      expect(sent).toEqual(['ヤマト 宅急便', '西濃運輸', '佐川急便']);
    });

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
        `account=ill&order_number=8001&after_phase_name=${encodeURIComponent('QXPRESS発送済み')}&delivery_date=2026-03-11&delivery_date_update=1&delivery_no=503012345678&delivery_number=503012345678&delivery_name=Qxpress&delivery_time_convert_error=1`,
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

  /**
   * A CROSS MALL stock table behind get_stock (by item code, rows in the §4.5 shape) and upd_stock (keyed by item
   * code + exact attribute names, answering the simulator-style error for an unknown SKU).
   */
  function stockSite(rows: Array<[itemCode: string, attribute1: string, attribute2: string, stock: number]>, refuse = new Set<string>()) {
    const stock = new Map(rows.map(([code, a1, a2, value]) => [`${code}|${a1}|${a2}`, value]));
    const calls = crossmall(({ api, params }) => {
      const item = params.get('item_code')!;
      if (api === 'get_stock') {
        const found = [...stock.entries()]
          .map(([key, value]) => [key.split('|'), value] as const)
          .filter(([[code]]) => code === item)
          .map(([[code, a1, a2], value]) => ({ item_cd: code, attribute1_name: a1, attribute2_name: a2, stock: value }));
        return document('GetStock', found);
      }
      const key = `${item}|${params.get('attribute1_name') ?? ''}|${params.get('attribute2_name') ?? ''}`;
      if (refuse.has(key)) return document('UpdStock', [], 'error', '在庫の更新に失敗しました。');
      if (!stock.has(key)) return document('UpdStock', [], 'error', `商品コード ${item} の在庫が存在しません。`);
      stock.set(key, Number(params.get('stock')));
      return document('UpdStock', [{ item_code: item, stock: params.get('stock')! }]);
    });
    return { stock, calls, apis: () => calls.map((call) => call.api) };
  }

  const listing = (listingKey: string, itemCode: string, attribute1Name: string, attribute2Name: string) => ({
    listingKey,
    productCode: itemCode,
    address: { itemCode, attribute1Name, attribute2Name },
    quantity: 5,
  });

  describe('readListings', () => {
    it('leaves out keys CROSS MALL does not list: another case, another spacing, an unknown item code', async () => {
      const site = stockSite([
        ['T-SHIRT', 'Red ', 'M', 3],
        ['T-SHIRT', 'Blue', 'M', 4],
      ]);

      const found = await connector.readListings(context(), [
        { listingKey: 'T-SHIRT:red ,M', productCode: 'T-SHIRT' },
        { listingKey: 'T-SHIRT:Red,M', productCode: null },
        { listingKey: 'T-SHIRT', productCode: null },
        { listingKey: 'GHOST:Red ,M', productCode: null },
      ]);

      expect([...found.keys()]).toEqual([]);
      expect(site.calls.map((call) => call.raw)).toEqual(['account=ill&item_code=T-SHIRT', 'account=ill&item_code=GHOST']);
    });

    it('takes an item CROSS MALL refuses in its own words as absent, and still reads the others', async () => {
      const calls = crossmall(({ params }) =>
        params.get('item_code') === 'OLD'
          ? document('GetStock', [], 'error', '商品コードが存在しません。')
          : document('GetStock', [{ item_cd: 'TEA', attribute1_name: '', attribute2_name: '', stock: 10 }]),
      );

      const found = await connector.readListings(context(), [{ listingKey: 'OLD' }, { listingKey: 'TEA' }]);

      expect([...found.keys()]).toEqual(['TEA']);
      expect(calls).toHaveLength(2);
    });

    it('throws when CROSS MALL cannot be asked (credentials refused)', async () => {
      crossmall(() => document('GetStock', [], 'error', '認証エラー（IP/契約制限）'));

      await expect(connector.readListings(context(), [{ listingKey: 'TEA' }])).rejects.toBeInstanceOf(SiteAuthError);
    });

    it('finds each listing by the key its row makes, one get_stock per item code, with its address and stock', async () => {
      const site = stockSite([
        ['T-SHIRT', 'Red ', 'M', 3],
        ['T-SHIRT', 'Blue', 'M', 4],
        ['BAG', 'Navy,Blue', 'L', 2],
        ['TEA', '', '', 10],
      ]);

      const found = await connector.readListings(context(), [
        { listingKey: 'T-SHIRT:Red ,M', productCode: 'T-SHIRT' },
        { listingKey: 'T-SHIRT:Blue,M', productCode: 'T-SHIRT' },
        { listingKey: 'BAG:Navy,Blue,L', productCode: null },
        { listingKey: 'TEA', productCode: null },
      ]);

      expect(found.get('T-SHIRT:Red ,M')).toEqual({
        listingKey: 'T-SHIRT:Red ,M',
        productCode: 'T-SHIRT',
        address: { itemCode: 'T-SHIRT', attribute1Name: 'Red ', attribute2Name: 'M' },
        quantity: 3,
      });
      expect(found.get('T-SHIRT:Blue,M')?.quantity).toBe(4);
      // An attribute name holding a comma is found by its row, never by splitting the key.
      expect(found.get('BAG:Navy,Blue,L')?.address).toEqual({ itemCode: 'BAG', attribute1Name: 'Navy,Blue', attribute2Name: 'L' });
      expect(found.get('TEA')).toMatchObject({ address: { itemCode: 'TEA', attribute1Name: '', attribute2Name: '' }, quantity: 10 });
      expect(site.apis()).toEqual(['get_stock', 'get_stock', 'get_stock']);
    });
  });

  describe('pushStock', () => {
    it('forgets a stored address CROSS MALL no longer lists: listing null, retryable, and no lookup by key', async () => {
      const site = stockSite([['T-SHIRT', 'Blue', 'M', 4]]);

      const [result] = await connector.pushStock(context(), [
        { listingKey: 'T-SHIRT:Red,M', quantity: 2, listing: listing('T-SHIRT:Red,M', 'T-SHIRT', 'Red', 'M') },
      ]);

      expect(result).toMatchObject({ key: 'T-SHIRT:Red,M', ok: false, retryable: true, listing: null });
      expect(result.message).toContain('no longer has SKU "T-SHIRT:Red,M"');
      expect(result.message).toContain('在庫が存在しません');
      expect(site.apis()).toEqual(['upd_stock', 'get_stock']);
    });

    it('keeps the refusal of a stored address CROSS MALL still lists as it is', async () => {
      const site = stockSite([['T-SHIRT', 'Red', 'M', 4]], new Set(['T-SHIRT|Red|M']));

      const [result] = await connector.pushStock(context(), [
        { listingKey: 'T-SHIRT:Red,M', quantity: 2, listing: listing('T-SHIRT:Red,M', 'T-SHIRT', 'Red', 'M') },
      ]);

      expect(result).toEqual({
        key: 'T-SHIRT:Red,M',
        ok: false,
        siteCode: 'error',
        message: '在庫の更新に失敗しました。',
        retryable: false,
      });
      expect(site.stock.get('T-SHIRT|Red|M')).toBe(4);
    });

    it('writes to the stored address without looking the listing up, and reads it back', async () => {
      // The stored address is the site's own text; the key alone would not find it (another spacing).
      const site = stockSite([['T-SHIRT', 'Red ', 'M', 4]]);

      const results = await connector.pushStock(context(), [
        { listingKey: 'T-SHIRT:Red,M', quantity: 9, listing: listing('T-SHIRT:Red,M', 'T-SHIRT', 'Red ', 'M') },
      ]);

      expect(results).toEqual([{ key: 'T-SHIRT:Red,M', ok: true }]);
      expect(site.calls.map((call) => call.raw)).toEqual([
        'account=ill&item_code=T-SHIRT&attribute1_name=Red+&attribute2_name=M&stock=9&update_type=u',
        'account=ill&item_code=T-SHIRT',
      ]);
      expect(site.stock.get('T-SHIRT|Red |M')).toBe(9);
    });

    it('looks up a listing sent without an address, overwrites it, and returns the address found for storing', async () => {
      const site = stockSite(
        [
          ['T-SHIRT', 'Red ', 'M', 3],
          ['T-SHIRT', 'Blue', 'M', 4],
          ['TEA', '', '', 10],
        ],
        new Set(['T-SHIRT|Blue|M']),
      );

      const results = await connector.pushStock(context(), [
        { listingKey: 'T-SHIRT:Red ,M', quantity: 8 },
        { listingKey: 'T-SHIRT:Blue,M', quantity: 1 },
        { listingKey: 'T-SHIRT:red ,M', quantity: 1 },
        { listingKey: 'TEA', quantity: 0 },
        { listingKey: 'TEA', quantity: -1 },
      ]);

      const address = (itemCode: string, attribute1Name: string, attribute2Name: string) => ({ itemCode, attribute1Name, attribute2Name });
      expect(results).toEqual([
        {
          key: 'T-SHIRT:Red ,M',
          ok: true,
          listing: { listingKey: 'T-SHIRT:Red ,M', productCode: 'T-SHIRT', address: address('T-SHIRT', 'Red ', 'M'), quantity: 8 },
        },
        {
          key: 'T-SHIRT:Blue,M',
          ok: false,
          siteCode: 'error',
          message: '在庫の更新に失敗しました。',
          retryable: false,
          listing: { listingKey: 'T-SHIRT:Blue,M', productCode: 'T-SHIRT', address: address('T-SHIRT', 'Blue', 'M'), quantity: 4 },
        },
        { key: 'T-SHIRT:red ,M', ok: false, message: expect.stringContaining('no SKU "T-SHIRT:red ,M"'), retryable: false },
        { key: 'TEA', ok: true, listing: { listingKey: 'TEA', productCode: 'TEA', address: address('TEA', '', ''), quantity: 0 } },
        { key: 'TEA', ok: false, message: expect.stringContaining('whole number ≥ 0'), retryable: false },
      ]);
      expect(site.calls.filter((call) => call.api === 'upd_stock').map((call) => call.raw)).toEqual([
        'account=ill&item_code=T-SHIRT&attribute1_name=Red+&attribute2_name=M&stock=8&update_type=u',
        'account=ill&item_code=T-SHIRT&attribute1_name=Blue&attribute2_name=M&stock=1&update_type=u',
        'account=ill&item_code=TEA&stock=0&update_type=u',
      ]);
      // One lookup and one read-back per item code.
      expect(site.calls.filter((call) => call.api === 'get_stock').map((call) => call.params.get('item_code'))).toEqual([
        'T-SHIRT',
        'TEA',
        'T-SHIRT',
        'TEA',
      ]);
      expect(site.stock.get('T-SHIRT|Red |M')).toBe(8);
      expect(site.stock.get('TEA||')).toBe(0);
    });

    it('returns a found listing with no quantity when the read-back after the write failed (the site said success)', async () => {
      let stockReads = 0;
      crossmall(({ api }) => {
        if (api === 'upd_stock') return document('UpdStock', [{ item_code: 'TEA' }]);
        stockReads += 1;
        return stockReads === 1
          ? document('GetStock', [{ item_cd: 'TEA', attribute1_name: '', attribute2_name: '', stock: 10 }])
          : document('GetStock', [], 'error', 'システムエラーが発生しました。');
      });

      const [result] = await connector.pushStock(context(), [{ listingKey: 'TEA', quantity: 4 }]);

      expect(result).toMatchObject({ key: 'TEA', ok: true, listing: { address: { itemCode: 'TEA' }, quantity: null } });
      expect(stockReads).toBe(2);
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
      expect(result.message).toContain('(qty, update_type)');
    });
  });
});
