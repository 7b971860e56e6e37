import { Logger } from '@nestjs/common';
import nock from 'nock';

import { AppConfig } from '../../config/app-config';
import { SiteAuthError } from '../http/site-errors';
import type { ExternalOrder, OrderBatch } from '../sales-site-connector';
import { testConnectionContext } from '../testing/test-connection-context';
import { NextEngineClient, orderBulkUpdateXml } from './nextengine.client';
import { NextEngineConnector } from './nextengine.connector';
import { NEXTENGINE_DESCRIPTOR } from './nextengine.descriptor';
import { NE_ORDER_FIELDS } from './nextengine.mapper';
import { NextEngineStockUploader } from './nextengine.stock-upload';

const API = 'https://api.next-engine.org';
const NOW = new Date('2025-01-10T01:00:00Z'); // 10:00 JST

const config = new AppConfig({
  port: 3000,
  dataDir: '.data',
  credentialsKey: Buffer.alloc(32),
  publicBaseUrl: 'https://mallbridge.test',
  connectReturnUrl: 'https://mallbridge.test/docs',
  nextEngine: { clientId: 'id', clientSecret: 'secret', signInUrl: 'https://base.next-engine.org' },
  egressIps: [],
  logLevel: 'silent',
  workersEnabled: false,
  syncTickSeconds: 60,
  jobPollingSeconds: 2,
  initialLookbackDays: 30,
});

/** Recorded envelopes (spec §4, §6.1, §6.2): every scalar a string, count a string. */
const tokens = (access = 'AT1', refresh = 'RT1') => ({
  access_token: access,
  access_token_end_date: '2025-01-11 10:00:00',
  refresh_token: refresh,
  refresh_token_end_date: '2025-01-13 10:00:00',
});
const success = (data: Record<string, string | null>[], access?: string, refresh?: string) => ({
  result: 'success',
  count: String(data.length),
  data,
  ...tokens(access, refresh),
});
const neError = (code: string, message: string | unknown[]) => ({ result: 'error', code, message, request_id: '', ...tokens() });

function base(id: string, overrides: Record<string, string | null> = {}): Record<string, string | null> {
  return {
    receive_order_id: id,
    receive_order_shop_id: '1',
    receive_order_shop_cut_form_id: `R-${id}`,
    receive_order_date: '2025-01-09 21:15:00',
    receive_order_order_status_id: '20',
    receive_order_order_status_name: '納品書印刷待ち',
    receive_order_cancel_type_id: '0',
    receive_order_deleted_flag: '0',
    receive_order_statement_delivery_instruct_printing_date: '2025-01-10 09:00:00',
    receive_order_delivery_id: null,
    receive_order_delivery_name: null,
    receive_order_delivery_cut_form_id: null,
    receive_order_send_plan_date: null,
    receive_order_payment_method_name: 'クレジットカード',
    receive_order_total_amount: '3480',
    receive_order_purchaser_name: '田中 花子',
    receive_order_purchaser_kana: 'タナカ ハナコ',
    receive_order_purchaser_zip_code: '150-0001',
    receive_order_purchaser_address1: '東京都渋谷区神宮前1-2-3',
    receive_order_purchaser_address2: '',
    receive_order_purchaser_tel: '03-1234-5678',
    receive_order_purchaser_mail_address: 'hanako@example.jp',
    receive_order_consignee_name: '鈴木 一郎',
    receive_order_consignee_kana: null,
    receive_order_consignee_zip_code: '530-0001',
    receive_order_consignee_address1: '大阪府大阪市北区梅田2-4-9',
    receive_order_consignee_address2: null,
    receive_order_consignee_tel: '06-9876-5432',
    receive_order_last_modified_date: '2025-01-09 22:00:00',
    ...overrides,
  };
}

function row(orderId: string, no: string, overrides: Record<string, string | null> = {}): Record<string, string | null> {
  return {
    receive_order_row_receive_order_id: orderId,
    receive_order_row_no: no,
    receive_order_row_shop_row_no: '93816145',
    receive_order_row_goods_id: 'TEST-504893',
    receive_order_row_goods_name: 'テスト商品2',
    receive_order_row_goods_option: null,
    receive_order_row_quantity: '3',
    receive_order_row_unit_price: '1000.00',
    receive_order_row_cancel_flag: '0',
    receive_order_row_deleted_flag: '0',
    receive_order_include_from_order_id: null,
    ...overrides,
  };
}

const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

describe('NextEngineConnector orders, waybills and stock', () => {
  const client = new NextEngineClient();
  const sleeps: number[] = [];
  const uploader = new NextEngineStockUploader(client, {
    firstPollDelayMs: 1_000,
    maxPollDelayMs: 4_000,
    maxWaitMs: 10_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const connector = new NextEngineConnector(client, config, uploader);
  const context = (settings: Record<string, unknown> = {}) =>
    testConnectionContext(NEXTENGINE_DESCRIPTOR, { credentials: { accessToken: 'AT1', refreshToken: 'RT1' }, settings, now: () => NOW });

  async function pull(ctx = context()): Promise<{ orders: ExternalOrder[]; batches: OrderBatch[] }> {
    const batches: OrderBatch[] = [];
    for await (const batch of connector.pullOrders(ctx, null)) batches.push(batch);
    return { orders: batches.flatMap((batch) => batch.orders), batches };
  }

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    sleeps.length = 0;
  });
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  describe('pullOrders', () => {
    it('searches the status-20 work queue with explicit fields and reads the rows with -in', async () => {
      const received: Record<string, string>[] = [];
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(200, (_uri, body) => {
          received.push(form(body));
          return success([base('11'), base('12', { receive_order_statement_delivery_instruct_printing_date: '0000-00-00 00:00:00' })]);
        })
        .post('/api_v1_receiveorder_row/search')
        .reply(200, (_uri, body) => {
          received.push(form(body));
          return success([
            row('11', '1', { receive_order_row_goods_option: 'カラー:赤' }),
            row('11', '2', { receive_order_row_cancel_flag: '1' }),
            row('11', '3', {
              receive_order_row_goods_id: 'TEST-2',
              receive_order_row_quantity: '1',
              receive_order_row_unit_price: '480.00',
            }),
            row('12', '1', { receive_order_row_deleted_flag: '1' }),
            row('12', '2'),
          ]);
        });

      const { orders, batches } = await pull();

      expect(received[0]).toEqual({
        access_token: 'AT1',
        refresh_token: 'RT1',
        fields: NE_ORDER_FIELDS.join(','),
        'receive_order_order_status_id-eq': '20',
        'receive_order_cancel_type_id-eq': '0',
        'receive_order_deleted_flag-neq': '1',
        offset: '0',
        limit: '1000',
      });
      expect(received[1]).toMatchObject({ 'receive_order_row_receive_order_id-in': '11,12', offset: '0', limit: '1000' });
      expect(received[1].fields.split(',')).toContain('receive_order_row_cancel_flag');

      expect(orders).toHaveLength(2);
      expect(orders[0]).toMatchObject({
        externalOrderId: '11',
        siteStatus: '20',
        siteStatusName: '納品書印刷待ち',
        orderedAt: new Date('2025-01-09T12:15:00Z'),
        total: { amount: '3480', currency: 'JPY' },
        buyer: { name: '田中 花子', nameKana: 'タナカ ハナコ', email: 'hanako@example.jp', country: 'JP' },
        recipient: { name: '鈴木 一郎', postalCode: '530-0001', line1: '大阪府大阪市北区梅田2-4-9', phone: '06-9876-5432' },
        refs: { receiveOrderId: '11', shopId: '1', shopCutFormId: 'R-11', lastModifiedDate: '2025-01-09 22:00:00' },
      });
      expect(orders[0].lines).toEqual([
        {
          externalLineId: '11-1',
          productCode: 'TEST-504893',
          productName: 'テスト商品2',
          optionName: 'カラー:赤',
          quantity: 3,
          unitPrice: '1000.00',
          raw: { receiveOrderRowNo: '1', shopRowNo: '93816145', includeFromOrderId: undefined },
        },
        expect.objectContaining({ externalLineId: '11-3', productCode: 'TEST-2', quantity: 1, unitPrice: '480.00' }),
      ]);
      expect(orders[1].lines.map((line) => line.externalLineId)).toEqual(['12-2']);
      expect(JSON.parse(batches[0].nextCursor!.value)).toEqual({ pulledAt: NOW.toISOString(), lastModified: '2025-01-09 22:00:00' });
    });

    it('leaves out orders whose print date is still ahead, and orders whose rows are all cancelled', async () => {
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(
          200,
          success([
            base('1', { receive_order_statement_delivery_instruct_printing_date: '2025-01-10 10:00:01' }),
            base('2', { receive_order_statement_delivery_instruct_printing_date: '2025-01-10 10:00:00' }),
            base('3', { receive_order_statement_delivery_instruct_printing_date: null }),
            base('4'),
          ]),
        )
        .post('/api_v1_receiveorder_row/search')
        .reply(200, (_uri, body) => {
          expect(form(body)['receive_order_row_receive_order_id-in']).toBe('2,3,4');
          return success([row('2', '1'), row('3', '1'), row('4', '1', { receive_order_row_cancel_flag: '1' })]);
        });

      const { orders } = await pull();

      expect(orders.map((order) => order.externalOrderId)).toEqual(['2', '3']);
    });

    it('answers one empty batch with a cursor when nothing is collectable', async () => {
      nock(API).post('/api_v1_receiveorder_base/search').reply(200, success([]));

      const { batches } = await pull();

      expect(batches).toEqual([{ orders: [], nextCursor: { value: JSON.stringify({ pulledAt: NOW.toISOString() }) } }]);
    });

    it('pages with offset and saves tokens rotated in the middle of paging', async () => {
      const firstPage = Array.from({ length: 1000 }, (_, index) => base(String(index + 1)));
      const offsets: string[] = [];
      const tokensSent: string[] = [];
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .times(2)
        .reply(200, (_uri, body) => {
          const params = form(body);
          offsets.push(params.offset);
          tokensSent.push(params.access_token);
          // the access token expired before the second page: NextEngine answers it with a new pair
          return params.offset === '0' ? success(firstPage) : success([base('1001')], 'AT2', 'RT2');
        })
        .post('/api_v1_receiveorder_row/search')
        .times(3)
        .reply(200, (_uri, body) => {
          const params = form(body);
          tokensSent.push(params.access_token);
          // 1000 rows fill a page, so the row search asks for the next one (empty)
          // a valid token is echoed back unchanged
          if (params.offset !== '0') return success([], params.access_token, params.refresh_token);
          const rows = params['receive_order_row_receive_order_id-in'].split(',').map((id) => row(id, '1'));
          return success(rows, params.access_token, params.refresh_token);
        });
      const ctx = context();

      const { orders, batches } = await pull(ctx);

      expect(offsets).toEqual(['0', '1000']);
      expect(batches.map((batch) => batch.orders.length)).toEqual([1000, 1]);
      expect(orders).toHaveLength(1001);
      expect(tokensSent).toEqual(['AT1', 'AT1', 'AT1', 'AT1', 'AT2']);
      expect(ctx.store).toMatchObject({ accessToken: 'AT2', refreshToken: 'RT2' });
    });

    it('fails as auth when the refresh token lapses in the middle of paging', async () => {
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(200, success(Array.from({ length: 1000 }, (_, index) => base(String(index + 1)))))
        .post('/api_v1_receiveorder_row/search')
        .reply(200, success([]))
        .post('/api_v1_receiveorder_base/search')
        .reply(200, { result: 'error', code: '002004', message: 'access_tokenの有効期限が切れています' });

      await expect(pull()).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '002004' });
    });
  });

  describe('pushTracking', () => {
    const lock = (id: string, overrides: Record<string, string | null> = {}) => ({
      receive_order_id: id,
      receive_order_order_status_id: '20',
      receive_order_cancel_type_id: '0',
      receive_order_deleted_flag: '0',
      receive_order_delivery_id: null,
      receive_order_delivery_cut_form_id: null,
      receive_order_last_modified_date: '2025-01-10 09:00:00',
      ...overrides,
    });
    const shipment = (id: string, trackingNumber = `TN-${id}`) => ({
      externalOrderId: id,
      carrier: 'yamato',
      trackingNumber,
      shippedAt: NOW,
    });

    it('updates one order with the guarded XML, re-reads it, then confirms the shipment with the new lock', async () => {
      const updates: Record<string, string>[] = [];
      const shipped: Record<string, string>[] = [];
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(200, (_uri, body) => {
          expect(form(body)).toMatchObject({ 'receive_order_id-in': '11' });
          return success([lock('11')]);
        })
        .post('/api_v1_receiveorder_base/update')
        .reply(200, (_uri, body) => {
          updates.push(form(body));
          return { result: 'success', ...tokens() };
        })
        .post('/api_v1_receiveorder_base/search')
        .reply(
          200,
          success([
            lock('11', {
              receive_order_delivery_cut_form_id: 'A&B<1>',
              receive_order_delivery_id: '2',
              receive_order_last_modified_date: '2025-01-10 10:00:05',
            }),
          ]),
        )
        .post('/api_v1_receiveorder_base/shipped')
        .reply(200, (_uri, body) => {
          shipped.push(form(body));
          return { result: 'success', ...tokens() };
        });

      const results = await connector.pushTracking(context({ deliveryMethodIds: { yamato: '2' } }), [shipment('11', 'A&B<1>')]);

      expect(results).toEqual([{ key: '11', ok: true }]);
      expect(updates[0]).toMatchObject({ receive_order_id: '11', receive_order_last_modified_date: '2025-01-10 09:00:00' });
      expect(updates[0].data).toBe(
        '<?xml version="1.0" encoding="utf-8"?><root><receiveorder_base>' +
          '<receive_order_delivery_cut_form_id>A&amp;B&lt;1&gt;</receive_order_delivery_cut_form_id>' +
          '<receive_order_delivery_id>2</receive_order_delivery_id></receiveorder_base></root>',
      );
      expect(shipped[0]).toMatchObject({ receive_order_id: '11', receive_order_last_modified_date: '2025-01-10 10:00:05' });
    });

    it('on 020006 re-reads the order and writes again with the fresh lock', async () => {
      const locksSent: string[] = [];
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(200, success([lock('11')]))
        .post('/api_v1_receiveorder_base/update')
        .reply(200, (_uri, body) => {
          locksSent.push(form(body).receive_order_last_modified_date);
          return neError('020006', '最終更新日が更新されています');
        })
        .post('/api_v1_receiveorder_base/search')
        .reply(200, success([lock('11', { receive_order_last_modified_date: '2025-01-10 09:30:00' })]))
        .post('/api_v1_receiveorder_base/update')
        .reply(200, (_uri, body) => {
          locksSent.push(form(body).receive_order_last_modified_date);
          return { result: 'success', ...tokens() };
        })
        .post('/api_v1_receiveorder_base/search')
        .reply(
          200,
          success([lock('11', { receive_order_delivery_cut_form_id: 'TN-11', receive_order_last_modified_date: '2025-01-10 09:31:00' })]),
        )
        .post('/api_v1_receiveorder_base/shipped')
        .reply(200, { result: 'success', ...tokens() });

      expect(await connector.pushTracking(context(), [shipment('11')])).toEqual([{ key: '11', ok: true }]);
      expect(locksSent).toEqual(['2025-01-10 09:00:00', '2025-01-10 09:30:00']);
    });

    it('gives up on an order that keeps conflicting, as retryable', async () => {
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .times(4)
        .reply(200, success([lock('11')]))
        .post('/api_v1_receiveorder_base/update')
        .times(3)
        .reply(200, neError('020006', '最終更新日が更新されています'));

      expect(await connector.pushTracking(context(), [shipment('11')])).toEqual([
        expect.objectContaining({ key: '11', ok: false, siteCode: '020006', retryable: true }),
      ]);
    });

    it('writes several orders in one bulkupdate and reports the 020500 rows per order', async () => {
      let bulk: Record<string, string> = {};
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(200, success([lock('1'), lock('2'), lock('3')]))
        .post('/api_v1_receiveorder_base/bulkupdate')
        .reply(200, (_uri, body) => {
          bulk = form(body);
          return neError('020500', [
            { receive_order_id: 2, code: '020009', message: '受注メール取込済の伝票はキャンセルと作業用欄のみ更新できます' },
            { receive_order_id: 3, code: '020006', message: '最終更新日が更新されています' },
          ]);
        })
        .post('/api_v1_receiveorder_base/search')
        .reply(200, (_uri, body) => {
          expect(form(body)['receive_order_id-in']).toBe('1,3');
          return success([
            lock('1', { receive_order_delivery_cut_form_id: 'TN-1', receive_order_last_modified_date: '2025-01-10 10:00:01' }),
            lock('3', { receive_order_last_modified_date: '2025-01-10 10:00:02' }),
          ]);
        })
        // order 3 conflicted: written again, alone
        .post('/api_v1_receiveorder_base/update')
        .reply(200, (_uri, body) => {
          expect(form(body)).toMatchObject({ receive_order_id: '3', receive_order_last_modified_date: '2025-01-10 10:00:02' });
          return { result: 'success', ...tokens() };
        })
        .post('/api_v1_receiveorder_base/search')
        .reply(
          200,
          success([lock('3', { receive_order_delivery_cut_form_id: 'TN-3', receive_order_last_modified_date: '2025-01-10 10:00:03' })]),
        )
        .post('/api_v1_receiveorder_base/shipped')
        .times(2)
        .reply(200, { result: 'success', ...tokens() });

      const results = await connector.pushTracking(context(), [shipment('1'), shipment('2'), shipment('3')]);

      expect(results).toEqual([
        { key: '1', ok: true },
        {
          key: '2',
          ok: false,
          siteCode: '020009',
          message: '受注メール取込済の伝票はキャンセルと作業用欄のみ更新できます',
          retryable: false,
        },
        { key: '3', ok: true },
      ]);
      expect(bulk.data_type).toBe('xml');
      expect(bulk.data).toBe(
        orderBulkUpdateXml(
          ['1', '2', '3'].map((id) => ({
            receiveOrderId: id,
            lastModifiedDate: '2025-01-10 09:00:00',
            fields: { receive_order_delivery_cut_form_id: `TN-${id}` },
          })),
        ),
      );
      expect(bulk.data).toContain('<receiveorder receive_order_id="1" receive_order_last_modified_date="2025-01-10 09:00:00">');
    });

    it('treats an order already shipped with this number as done, and reports unknown and cancelled orders', async () => {
      nock(API)
        .post('/api_v1_receiveorder_base/search')
        .reply(
          200,
          success([
            lock('1', { receive_order_order_status_id: '50', receive_order_delivery_cut_form_id: 'TN-1' }),
            lock('2', { receive_order_cancel_type_id: '1' }),
            lock('4', { receive_order_order_status_id: '50', receive_order_delivery_cut_form_id: 'OTHER' }),
          ]),
        );

      const results = await connector.pushTracking(context(), [shipment('1'), shipment('2'), shipment('3'), shipment('4'), shipment('x')]);

      expect(results.map(({ key, ok }) => ({ key, ok }))).toEqual([
        { key: '1', ok: true },
        { key: '2', ok: false },
        { key: '3', ok: false },
        { key: '4', ok: false },
        { key: 'x', ok: false },
      ]);
    });
  });

  describe('pushStock', () => {
    const stockRow = (code: string, stock: string, free = stock) => ({
      stock_goods_id: code,
      stock_quantity: stock,
      stock_free_quantity: free,
    });

    it('turns targets into deltas, uploads one CSV and polls the queue with backoff until it succeeds', async () => {
      let upload: Record<string, string> = {};
      const polls: Record<string, string>[] = [];
      nock(API)
        .post('/api_v1_master_stock/search')
        .reply(200, (_uri, body) => {
          expect(form(body)).toMatchObject({ 'stock_goods_id-in': 'ABC-001,ABC-002,ABC-003' });
          return success([stockRow('ABC-001', '10'), stockRow('ABC-002', '7', '4'), stockRow('ABC-003', '5')]);
        })
        .post('/api_v1_master_goods/upload')
        .reply(200, (_uri, body) => {
          upload = form(body);
          return { result: 'success', que_id: '123', ...tokens() };
        })
        .post('/api_v1_system_que/search')
        .times(3)
        .reply(200, (_uri, body) => {
          polls.push(form(body));
          return success([{ que_id: '123', que_status_id: polls.length < 3 ? String(polls.length - 1) : '2', que_message: '' }]);
        });

      const results = await connector.pushStock(context(), [
        { listingKey: 'ABC-001', quantity: 15 },
        { listingKey: 'ABC-002', delta: -3 },
        { listingKey: 'ABC-003', quantity: 5 },
      ]);

      expect(results).toEqual([
        { key: 'ABC-001', ok: true },
        { key: 'ABC-002', ok: true },
        { key: 'ABC-003', ok: true },
      ]);
      expect(upload).toMatchObject({ data_type: 'csv', wait_flag: '1' });
      expect(upload.data).toBe('syohin_code,zaiko_su\nABC-002,-3\nABC-001,5\n');
      expect(polls[0]).toMatchObject({ 'que_id-eq': '123', fields: 'que_id,que_status_id,que_message' });
      expect(sleeps).toEqual([1_000, 2_000, 4_000]);
    });

    it('after a failed file, reports each row by whether its change took effect', async () => {
      nock(API)
        .post('/api_v1_master_stock/search')
        .reply(200, success([stockRow('ABC-001', '10'), stockRow('ABC-002', '10')]))
        .post('/api_v1_master_goods/upload')
        .reply(200, { result: 'success', que_id: '7', ...tokens() })
        .post('/api_v1_system_que/search')
        .reply(200, success([{ que_id: '7', que_status_id: '-1', que_message: '2行目: 商品コード[ABC-002]の在庫数が不正です' }]))
        .post('/api_v1_master_stock/search')
        .reply(200, success([stockRow('ABC-001', '12'), stockRow('ABC-002', '10')]));

      const results = await uploader.uploadDeltas(context(), [
        { goodsCode: 'ABC-001', delta: 2 },
        { goodsCode: 'ABC-002', delta: 1 },
      ]);

      expect(results).toEqual([
        { key: 'ABC-001', ok: true },
        { key: 'ABC-002', ok: false, siteCode: '-1', message: '2行目: 商品コード[ABC-002]の在庫数が不正です', retryable: false },
      ]);
    });

    it('stops polling after its budget and does not call a queued file retryable', async () => {
      nock(API)
        .post('/api_v1_master_stock/search')
        .reply(200, success([stockRow('ABC-001', '10')]))
        .post('/api_v1_master_goods/upload')
        .reply(200, { result: 'success', que_id: '8', ...tokens() })
        .post('/api_v1_system_que/search')
        .times(4)
        .reply(200, success([{ que_id: '8', que_status_id: '1', que_message: '' }]));

      const [result] = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: 1 }]);

      expect(result).toMatchObject({ key: 'ABC-001', ok: false, siteCode: 'que_status_id=1' });
      expect(result.retryable).toBeFalsy();
      expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
    });

    it('uploads nothing when no row needs a change', async () => {
      nock(API)
        .post('/api_v1_master_stock/search')
        .reply(200, success([stockRow('ABC-001', '10')]));

      const results = await connector.pushStock(context(), [
        { listingKey: 'ABC-001', quantity: 10 },
        { listingKey: 'ABC-404', quantity: 1 },
      ]);

      expect(results).toEqual([{ key: 'ABC-001', ok: true }, expect.objectContaining({ key: 'ABC-404', ok: false })]);
    });
  });
});
