import { Logger } from '@nestjs/common';
import nock from 'nock';

import { AppConfig } from '../../config/app-config';
import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import type { ExternalOrder, SyncCursor } from '../sales-site-connector';
import type { OrderChange, OrderChangeBatch } from '../site-ports';
import { testConnectionContext } from '../testing/test-connection-context';
import { NE_CHANGE_ORDER_FIELDS, NE_CHANGE_ROW_FIELDS, NextEngineChangeSource } from './nextengine.changes';
import { NextEngineClient } from './nextengine.client';
import { NextEngineConnector } from './nextengine.connector';
import { NEXTENGINE_DESCRIPTOR } from './nextengine.descriptor';
import { NE_ORDER_FIELDS, NE_ROW_FIELDS } from './nextengine.mapper';

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

type Row = Record<string, string | null>;
type Params = Record<string, string>;

/** Recorded envelopes (nextengine.md §4): every scalar a string, count a string, tokens on every answer. */
const tokens = {
  access_token: 'AT1',
  access_token_end_date: '2025-01-11 10:00:00',
  refresh_token: 'RT1',
  refresh_token_end_date: '2025-01-13 10:00:00',
};
const success = (data: Row[]) => ({ result: 'success', count: String(data.length), data, ...tokens });
const neError = (code: string, message: string) => ({ result: 'error', code, message, request_id: '', ...tokens });

/** The official cancel-type sample (cancellations.md §1.3a), with a company's own name for type 5. */
const CANCEL_TYPES = success([
  { cancel_type_id: '0', cancel_type_name: '有効な受注です。', cancel_type_deleted_flag: '0' },
  { cancel_type_id: '1', cancel_type_name: '顧客依頼によりキャンセル', cancel_type_deleted_flag: '0' },
  { cancel_type_id: '3', cancel_type_name: '他の伝票への統合の為キャンセル', cancel_type_deleted_flag: '0' },
  { cancel_type_id: '5', cancel_type_name: '社内都合キャンセル', cancel_type_deleted_flag: '0' },
  { cancel_type_id: '12', cancel_type_name: '伝票を確認後、有効にして下さい。', cancel_type_deleted_flag: '0' },
]);

function base(id: string, overrides: Row = {}): Row {
  const row: Row = {};
  for (const field of NE_CHANGE_ORDER_FIELDS) row[field] = null;
  return {
    ...row,
    receive_order_id: id,
    receive_order_shop_id: '1',
    receive_order_shop_cut_form_id: `R-${id}`,
    receive_order_date: '2025-01-09 21:15:00',
    receive_order_order_status_id: '20',
    receive_order_order_status_name: '納品書印刷待ち',
    receive_order_cancel_type_id: '0',
    receive_order_deleted_flag: '0',
    receive_order_confirm_check_id: '0',
    receive_order_statement_delivery_instruct_printing_date: '2025-01-10 09:00:00',
    receive_order_total_amount: '3480',
    receive_order_purchaser_name: '田中 花子',
    receive_order_purchaser_zip_code: '150-0001',
    receive_order_purchaser_address1: '東京都渋谷区神宮前1-2-3',
    receive_order_consignee_name: '鈴木 一郎',
    receive_order_consignee_zip_code: '530-0001',
    receive_order_consignee_address1: '大阪府大阪市北区梅田2-4-9',
    receive_order_consignee_tel: '06-9876-5432',
    receive_order_last_modified_date: '2025-01-10 09:40:00',
    receive_order_last_modified_null_safe_date: '2025-01-10 09:40:00',
    ...overrides,
  };
}

function row(orderId: string, no: string, overrides: Row = {}): Row {
  const out: Row = {};
  for (const field of NE_CHANGE_ROW_FIELDS) out[field] = null;
  return {
    ...out,
    receive_order_row_receive_order_id: orderId,
    receive_order_row_no: no,
    receive_order_row_shop_row_no: no,
    receive_order_row_goods_id: 'TEST-504893',
    receive_order_row_goods_name: 'テスト商品2',
    receive_order_row_quantity: '3',
    receive_order_row_unit_price: '1000.00',
    receive_order_row_cancel_flag: '0',
    receive_order_row_deleted_flag: '0',
    receive_order_row_last_modified_newest_date: '2025-01-10 09:40:00',
    ...overrides,
  };
}

const form = (body: unknown): Params => Object.fromEntries(new URLSearchParams(String(body)));

function only(fields: readonly string[], data: Row[]): Row[] {
  return data.map((item) => Object.fromEntries(fields.map((field) => [field, item[field] ?? null])));
}

/** An offset/limit page of `data`, with only the requested `fields` (nextengine.md §3). */
function page(params: Params, data: Row[]): Row[] {
  const offset = Number(params.offset ?? 0);
  const limit = Number(params.limit ?? 10000);
  return only(params.fields.split(','), data.slice(offset, offset + limit));
}

interface Call {
  path: string;
  params: Params;
}

/**
 * A NextEngine that answers searches from the given slips and rows, as the spec documents them: base search by
 * `receive_order_last_modified_null_safe_date-gte` or `receive_order_id-in`, row search by
 * `receive_order_row_receive_order_id-in` or `receive_order_row_last_modified_newest_date-gte`, the cancel-type master.
 * `override` answers a call first when it returns something.
 */
function fakeNextEngine(slips: Row[], rows: Row[], override: (call: Call, index: number) => object | undefined = () => undefined): Call[] {
  const calls: Call[] = [];
  nock(API)
    .persist()
    .post(/.*/)
    .reply(200, (uri, body) => {
      const call = { path: uri, params: form(body) };
      calls.push(call);
      const special = override(call, calls.length - 1);
      if (special) return special;
      const params = call.params;
      if (uri === '/api_v1_system_canceltype/info') return CANCEL_TYPES;
      if (uri === '/api_v1_receiveorder_base/search') {
        const ids = params['receive_order_id-in']?.split(',');
        const since = params['receive_order_last_modified_null_safe_date-gte'];
        const hits = slips.filter(
          (slip) =>
            (!ids || ids.includes(slip.receive_order_id ?? '')) &&
            (!since || (slip.receive_order_last_modified_null_safe_date ?? '') >= since) &&
            (!params['receive_order_order_status_id-eq'] ||
              slip.receive_order_order_status_id === params['receive_order_order_status_id-eq']),
        );
        return success(page(params, hits));
      }
      if (uri === '/api_v1_receiveorder_row/search') {
        const ids = params['receive_order_row_receive_order_id-in']?.split(',');
        const since = params['receive_order_row_last_modified_newest_date-gte'];
        const hits = rows.filter(
          (item) =>
            (!ids || ids.includes(item.receive_order_row_receive_order_id ?? '')) &&
            (!since || (item.receive_order_row_last_modified_newest_date ?? '') >= since),
        );
        return success(page(params, hits));
      }
      return neError('000001', '存在しないパスです');
    });
  return calls;
}

describe('NextEngine change source (cancellations.md §1)', () => {
  const client = new NextEngineClient();
  const source = new NextEngineChangeSource(client);
  const connector = new NextEngineConnector(client, config, undefined, undefined, source);
  const context = (settings: Record<string, unknown> = {}, now: () => Date = () => NOW) =>
    testConnectionContext(NEXTENGINE_DESCRIPTOR, { credentials: { accessToken: 'AT1', refreshToken: 'RT1' }, settings, now });

  async function pull(cursor: SyncCursor | null = null, ctx = context()): Promise<OrderChangeBatch[]> {
    const batches: OrderChangeBatch[] = [];
    for await (const batch of source.pullChanges(ctx, cursor)) batches.push(batch);
    return batches;
  }
  const changesOf = (batches: OrderChangeBatch[]) => batches.flatMap((batch) => batch.changes);
  const byKind = (changes: OrderChange[], id: string) =>
    Object.fromEntries(changes.filter((change) => change.externalOrderId === id).map((change) => [change.kind, change]));
  const cursorOf = (batch: OrderChangeBatch) => JSON.parse(batch.nextCursor!.value) as { lastModified: string };
  const paths = (calls: Call[]) => calls.map((call) => call.path.replace('/api_v1_', ''));

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('is the connector’s orderChangeSource port', () => {
    expect(connector.ports.orderChangeSource).toBe(source);
  });

  describe('pullChanges', () => {
    it('first run: reads slips changed in the look-back, their rows by -in, the cancel-type master once, and states each slip', async () => {
      const slips = [
        base('11'),
        base('12', { receive_order_cancel_type_id: '1', receive_order_cancel_date: '2025-01-10 09:35:00' }),
        base('13', { receive_order_cancel_type_id: '3', receive_order_include_to_order_id: '11' }),
        base('14', { receive_order_cancel_type_id: '12' }),
        base('15', { receive_order_confirm_check_id: '1' }),
        base('16', { receive_order_cancel_type_id: '5', receive_order_last_modified_null_safe_date: '2025-01-10 09:50:00' }),
        base('17', { receive_order_deleted_flag: '1' }),
      ];
      const rows = [
        row('11', '1'),
        row('11', '2', { receive_order_row_cancel_flag: '1' }),
        row('11', '3', { receive_order_row_deleted_flag: '1' }),
        row('12', '1', { receive_order_row_cancel_flag: '1' }),
        row('14', '1'),
      ];
      const calls = fakeNextEngine(slips, rows);

      const batches = await pull(null, context({ initialLookbackDays: 7 }));

      expect(paths(calls)).toEqual([
        'receiveorder_base/search',
        'receiveorder_row/search',
        'system_canceltype/info',
        'receiveorder_row/search',
      ]);
      expect(calls[0].params).toEqual({
        access_token: 'AT1',
        refresh_token: 'RT1',
        fields: NE_CHANGE_ORDER_FIELDS.join(','),
        'receive_order_last_modified_null_safe_date-gte': '2025-01-03 10:00:00',
        offset: '0',
        limit: '1000',
      });
      for (const field of [
        'receive_order_cancel_type_id',
        'receive_order_include_to_order_id',
        'receive_order_divide_from_order_id',
        'receive_order_confirm_check_id',
      ]) {
        expect(calls[0].params.fields.split(',')).toContain(field);
      }
      expect(calls[1].params).toMatchObject({
        'receive_order_row_receive_order_id-in': '11,12,13,14,15,16,17',
        offset: '0',
        limit: '1000',
      });
      expect(calls[1].params.fields.split(',')).toEqual(
        expect.arrayContaining(['receive_order_row_cancel_flag', 'receive_order_include_from_order_id']),
      );
      expect(calls[2].params).toEqual({ access_token: 'AT1', refresh_token: 'RT1' });
      expect(calls[3].params).toMatchObject({
        fields: 'receive_order_row_receive_order_id,receive_order_row_last_modified_newest_date',
        'receive_order_row_last_modified_newest_date-gte': '2025-01-03 10:00:00',
      });

      expect(batches).toHaveLength(1);
      const changes = changesOf(batches);
      const eleven = byKind(changes, '11');
      expect(Object.keys(eleven)).toEqual(['released', 'line_cancelled', 'address_changed']);
      expect(eleven.released).toMatchObject({ siteRef: '11@2025-01-10 09:40:00', occurredAt: new Date('2025-01-10T00:40:00Z') });
      expect(eleven.line_cancelled.lines).toEqual([
        { externalLineId: '11-1', liveQuantity: 3 },
        { externalLineId: '11-2', liveQuantity: 0 },
        { externalLineId: '11-3', liveQuantity: 0 },
      ]);
      expect(eleven.address_changed.recipient).toEqual({
        name: '鈴木 一郎',
        postalCode: '530-0001',
        country: 'JP',
        line1: '大阪府大阪市北区梅田2-4-9',
        phone: '06-9876-5432',
      });
      expect(byKind(changes, '12')).toEqual({
        cancelled: expect.objectContaining({ reason: '顧客依頼によりキャンセル', occurredAt: new Date('2025-01-10T00:35:00Z') }),
      });
      expect(byKind(changes, '13')).toEqual({
        merged_into: expect.objectContaining({ relatedExternalOrderId: '11', reason: '他の伝票への統合の為キャンセル' }),
      });
      expect(Object.keys(byKind(changes, '14'))).toEqual(['on_hold', 'address_changed']);
      expect(byKind(changes, '14').on_hold.reason).toBe('伝票を確認後、有効にして下さい。');
      expect(byKind(changes, '15').on_hold.reason).toBe('確認必要 (receive_order_confirm_check_id=1)');
      expect(byKind(changes, '16').cancelled.reason).toBe('社内都合キャンセル');
      expect(byKind(changes, '17')).toEqual({ cancelled: expect.objectContaining({ reason: '伝票削除 (receive_order_deleted_flag=1)' }) });
      expect(batches[0].orders).toBeUndefined();
      // the newest stamp seen (16's), as NextEngine wrote it
      expect(cursorOf(batches[0])).toEqual({ lastModified: '2025-01-10 09:50:00' });
    });

    it('a split: the new -bk slip is written first, mapped exactly as the order pull maps it; the source shrinks', async () => {
      const source20 = base('20');
      const child = base('21', { receive_order_shop_cut_form_id: 'R-20-bk-1', receive_order_divide_from_order_id: '20' });
      const rows = [
        row('20', '1', { receive_order_row_quantity: '1' }),
        row('20', '2', { receive_order_row_goods_id: 'TEST-2', receive_order_row_quantity: '2' }),
        row('21', '1', { receive_order_row_quantity: '2', receive_order_row_divide_from_row_no: '1' }),
      ];
      fakeNextEngine([source20, child], rows);

      const [batch] = await pull({ value: JSON.stringify({ lastModified: '2025-01-10 09:30:00' }) });

      expect(byKind(batch.changes, '20').line_cancelled.lines).toEqual([
        { externalLineId: '20-1', liveQuantity: 1 },
        { externalLineId: '20-2', liveQuantity: 2 },
      ]);
      expect(byKind(batch.changes, '21').split_from).toMatchObject({ relatedExternalOrderId: '20', siteRef: '21@divide_from:20' });
      expect(batch.orders).toHaveLength(1);

      nock.cleanAll();
      fakeNextEngine([child], rows);
      const pulled: ExternalOrder[] = [];
      for await (const orders of connector.pullOrders(context(), null)) pulled.push(...orders.orders);
      expect(pulled).toHaveLength(1);
      expect(batch.orders![0]).toEqual(pulled[0]);
      expect(Object.keys((batch.orders![0].raw as { base: Row }).base)).toEqual([...NE_ORDER_FIELDS]);
      expect(Object.keys((batch.orders![0].raw as { rows: Row[] }).rows[0])).toEqual([...NE_ROW_FIELDS]);
    });

    it('a merge parent holding rows merged in is written first; a held or unprinted one is not', async () => {
      const slips = [
        base('30'),
        base('31', { receive_order_cancel_type_id: '3', receive_order_include_to_order_id: '30' }),
        base('32', { receive_order_cancel_type_id: '12' }),
        base('33', { receive_order_statement_delivery_instruct_printing_date: '2025-01-11 09:00:00' }),
        base('34', { receive_order_order_status_id: '40' }),
      ];
      const rows = [
        row('30', '1'),
        row('30', '2', { receive_order_include_from_order_id: '31', receive_order_include_from_row_no: '1' }),
        row('31', '1', { receive_order_row_cancel_flag: '1' }),
        row('32', '1', { receive_order_include_from_order_id: '9' }),
        row('33', '1', { receive_order_include_from_order_id: '9' }),
        row('34', '1', { receive_order_include_from_order_id: '9' }),
      ];
      fakeNextEngine(slips, rows);

      const [batch] = await pull();

      expect(batch.orders!.map((order) => order.externalOrderId)).toEqual(['30', '34']);
      expect(batch.orders![0].lines.map((line) => line.externalLineId)).toEqual(['30-1', '30-2']);
      expect(byKind(batch.changes, '31').merged_into.relatedExternalOrderId).toBe('30');
    });

    it('starts at the cursor minus 10 minutes; with nothing changed it costs two calls and keeps the cursor', async () => {
      const calls = fakeNextEngine([], []);
      const cursor = { value: JSON.stringify({ lastModified: '2025-01-10 09:30:00' }) };

      const batches = await pull(cursor);

      expect(paths(calls)).toEqual(['receiveorder_base/search', 'receiveorder_row/search']);
      expect(calls[0].params['receive_order_last_modified_null_safe_date-gte']).toBe('2025-01-10 09:20:00');
      expect(calls[1].params['receive_order_row_last_modified_newest_date-gte']).toBe('2025-01-10 09:20:00');
      expect(batches).toEqual([{ changes: [], nextCursor: cursor }]);
    });

    it('finds a slip whose rows changed without its own date through the row sweep, and reads it by id', async () => {
      const slips = [base('40'), base('41', { receive_order_last_modified_null_safe_date: '2025-01-08 12:00:00' })];
      const rows = [
        row('40', '1'),
        row('41', '1', { receive_order_row_cancel_flag: '1', receive_order_row_last_modified_newest_date: '2025-01-10 09:45:00' }),
      ];
      const calls = fakeNextEngine(slips, rows);

      const batches = await pull({ value: JSON.stringify({ lastModified: '2025-01-10 09:30:00' }) });

      expect(paths(calls)).toEqual([
        'receiveorder_base/search',
        'receiveorder_row/search',
        'receiveorder_row/search',
        'receiveorder_base/search',
        'receiveorder_row/search',
      ]);
      expect(calls[3].params['receive_order_id-in']).toBe('41');
      expect(batches).toHaveLength(2);
      // every batch but the last keeps the cursor the pull started from
      expect(cursorOf(batches[0])).toEqual({ lastModified: '2025-01-10 09:30:00' });
      expect(byKind(batches[1].changes, '41').line_cancelled.lines).toEqual([{ externalLineId: '41-1', liveQuantity: 0 }]);
      expect(cursorOf(batches[1])).toEqual({ lastModified: '2025-01-10 09:45:00' });
    });

    it('pages by offset; only the last batch advances the cursor, by the newest stamp less the walk’s time', async () => {
      const slips = Array.from({ length: 1001 }, (_, index) =>
        base(String(index + 1), {
          receive_order_last_modified_null_safe_date: index === 0 ? '2025-01-10 09:58:00' : '2025-01-10 09:40:00',
        }),
      );
      const calls = fakeNextEngine(slips, []);
      let clock = NOW.getTime();
      // the walk takes 3 minutes by our clock
      const ctx = context({}, () => new Date((clock += 30_000)));

      const batches = await pull({ value: JSON.stringify({ lastModified: '2025-01-10 09:30:00' }) }, ctx);

      expect(calls.filter((call) => call.path === '/api_v1_receiveorder_base/search').map((call) => call.params.offset)).toEqual([
        '0',
        '1000',
      ]);
      expect(calls.filter((call) => call.path === '/api_v1_receiveorder_row/search')).toHaveLength(3);
      expect(batches.map((batch) => batch.changes.filter((change) => change.kind === 'released').length)).toEqual([1000, 1]);
      expect(cursorOf(batches[0])).toEqual({ lastModified: '2025-01-10 09:30:00' });
      const walked = (clock - NOW.getTime() - 30_000) / 1000;
      const expected = new Date(Date.parse('2025-01-10T09:58:00+09:00') - walked * 1000);
      expect(cursorOf(batches[1]).lastModified).toBe(
        new Date(expected.getTime() + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' '),
      );
    });

    it('an error answer mid-walk fails the pull after the batches before it, none of which moved the cursor', async () => {
      const slips = Array.from({ length: 1500 }, (_, index) =>
        base(String(index + 1), { receive_order_last_modified_null_safe_date: '2025-01-10 09:59:00' }),
      );
      fakeNextEngine(slips, [], ({ path, params }) =>
        path === '/api_v1_receiveorder_base/search' && params.offset === '1000'
          ? neError('004001', '検索条件[receive_order_id-in]の値は1000件以下で指定して下さい')
          : undefined,
      );
      const cursor = { value: JSON.stringify({ lastModified: '2025-01-10 09:30:00' }) };
      const batches: OrderChangeBatch[] = [];

      await expect(
        (async () => {
          for await (const batch of source.pullChanges(context(), cursor)) batches.push(batch);
        })(),
      ).rejects.toMatchObject({ constructor: SiteRejectedError, siteCode: '004001' });
      expect(batches).toHaveLength(0);

      // a batch already yielded before the failure keeps the old cursor
      nock.cleanAll();
      const more = Array.from({ length: 2500 }, (_, index) => base(String(index + 1)));
      fakeNextEngine(more, [], ({ path, params }) =>
        path === '/api_v1_receiveorder_base/search' && params.offset === '2000' ? neError('004001', 'limit') : undefined,
      );
      const partial: OrderChangeBatch[] = [];
      await expect(
        (async () => {
          for await (const batch of source.pullChanges(context(), cursor)) partial.push(batch);
        })(),
      ).rejects.toBeInstanceOf(SiteRejectedError);
      expect(partial).toHaveLength(1);
      expect(partial[0].nextCursor).toEqual(cursor);
    });

    it('fails as auth when the refresh token lapses mid-walk', async () => {
      fakeNextEngine([base('1')], [], ({ path }) =>
        path === '/api_v1_receiveorder_row/search'
          ? { result: 'error', code: '002004', message: 'access_tokenの有効期限が切れています' }
          : undefined,
      );

      await expect(pull()).rejects.toMatchObject({ constructor: SiteAuthError, siteCode: '002004' });
    });

    it('a re-read of the same window states the same changes under the same keys', async () => {
      const slips = [base('11'), base('12', { receive_order_cancel_type_id: '1' }), base('13', { receive_order_cancel_type_id: '12' })];
      const rows = [row('11', '1'), row('12', '1', { receive_order_row_cancel_flag: '1' })];
      fakeNextEngine(slips, rows);
      const cursor = { value: JSON.stringify({ lastModified: '2025-01-10 09:30:00' }) };

      const first = await pull(cursor);
      const second = await pull(cursor);

      expect(second).toEqual(first);
      expect(changesOf(first).map((change) => `${change.externalOrderId}/${change.kind}/${change.siteRef}`)).toEqual([
        '11/released/11@2025-01-10 09:40:00',
        '11/line_cancelled/11@2025-01-10 09:40:00',
        '11/address_changed/11@2025-01-10 09:40:00',
        '12/cancelled/12@2025-01-10 09:40:00',
        '13/on_hold/13@2025-01-10 09:40:00',
        '13/address_changed/13@2025-01-10 09:40:00',
      ]);
    });

    it('reads malformed values defensively', async () => {
      const slips = [
        base('50', { receive_order_cancel_type_id: null, receive_order_consignee_name: null, receive_order_purchaser_name: '  ' }),
        base('', {}),
        base('51', { receive_order_last_modified_null_safe_date: '2099-12-31 00:00:00' }),
        base('52', { receive_order_last_modified_null_safe_date: 'garbage', receive_order_last_modified_date: '0000-00-00 00:00:00' }),
        base('53', { receive_order_order_status_id: '2' }),
      ];
      const rows = [
        row('50', '1', { receive_order_row_quantity: 'abc' }),
        row('50', '2', { receive_order_row_quantity: '-1' }),
        row('50', '3', { receive_order_row_quantity: ' 2 ' }),
        row('50', '', {}),
      ];
      fakeNextEngine(slips, rows);

      const [batch] = await pull({ value: 'not json' });

      const fifty = byKind(batch.changes, '50');
      // no cancel type reads as valid; unreadable quantities are not stated (0 would cancel a live line)
      expect(Object.keys(fifty)).toEqual(['released', 'line_cancelled']);
      expect(fifty.line_cancelled.lines).toEqual([{ externalLineId: '50-3', liveQuantity: 2 }]);
      expect(batch.changes.some((change) => change.externalOrderId === '')).toBe(false);
      expect(byKind(batch.changes, '52').released.siteRef).toBe('52@garbage');
      expect(byKind(batch.changes, '53').on_hold.reason).toBe('受注状態 2 起票済(CSV/手入力)');
      // neither the far-future stamp nor the garbage one becomes the cursor
      expect(cursorOf(batch)).toEqual({ lastModified: '2025-01-10 09:40:00' });
    });

    it('falls back to the cancel type id when the master cannot be read, but not on an auth failure', async () => {
      fakeNextEngine([base('60', { receive_order_cancel_type_id: '4' })], [], ({ path }) =>
        path === '/api_v1_system_canceltype/info' ? neError('999999', 'システムエラー') : undefined,
      );
      expect(byKind(changesOf(await pull()), '60').cancelled.reason).toBe('受注キャンセル区分 4');

      nock.cleanAll();
      fakeNextEngine([base('60', { receive_order_cancel_type_id: '4' })], [], ({ path }) =>
        path === '/api_v1_system_canceltype/info' ? { result: 'error', code: '002004', message: 'expired' } : undefined,
      );
      await expect(pull()).rejects.toBeInstanceOf(SiteAuthError);
    });
  });

  describe('recheck', () => {
    it('reads the slips by id in chunks of 1000, states them like the pull, and says found:false for the rest', async () => {
      const slips = Array.from({ length: 1001 }, (_, index) => base(String(index + 1)));
      slips[1000] = base('1001', { receive_order_cancel_type_id: '1', receive_order_order_status_id: '50' });
      const calls = fakeNextEngine(slips, [row('1', '1', { receive_order_row_quantity: '2' })]);
      const refs = [
        ...Array.from({ length: 1001 }, (_, index) => ({ externalOrderId: String(index + 1) })),
        { externalOrderId: '5000' },
        { externalOrderId: 'R-123' },
      ];

      const results = await source.recheck(context(), refs);

      const baseCalls = calls.filter((call) => call.path === '/api_v1_receiveorder_base/search');
      expect(baseCalls.map((call) => call.params['receive_order_id-in'].split(',').length)).toEqual([1000, 2]);
      expect(baseCalls[1].params['receive_order_id-in']).toBe('1001,5000');
      expect(results).toHaveLength(1003);
      expect(results[0]).toMatchObject({ externalOrderId: '1', found: true, siteStatus: '20' });
      expect(results[0].changes.map((change) => change.kind)).toEqual(['released', 'line_cancelled', 'address_changed']);
      expect(results[0].changes[1].lines).toEqual([{ externalLineId: '1-1', liveQuantity: 2 }]);
      expect(results[1000]).toMatchObject({ externalOrderId: '1001', found: true, siteStatus: '50' });
      expect(results[1000].changes).toEqual([expect.objectContaining({ kind: 'cancelled', reason: '顧客依頼によりキャンセル' })]);
      expect(results.slice(1001)).toEqual([
        { externalOrderId: '5000', found: false, changes: [] },
        { externalOrderId: 'R-123', found: false, changes: [] },
      ]);
      expect(calls.filter((call) => call.path === '/api_v1_system_canceltype/info')).toHaveLength(1);
    });

    it('asks nothing for ids that cannot be NextEngine slips', async () => {
      const calls = fakeNextEngine([], []);
      expect(await source.recheck(context(), [{ externalOrderId: 'x,1' }])).toEqual([
        { externalOrderId: 'x,1', found: false, changes: [] },
      ]);
      expect(calls).toEqual([]);
    });
  });
});
