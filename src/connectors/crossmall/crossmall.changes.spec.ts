import { Logger } from '@nestjs/common';
import nock from 'nock';
import { createHash } from 'node:crypto';

import { validateSettings } from '../../connections/connection-input.validator';
import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import type { OrderBatch, SyncCursor } from '../sales-site-connector';
import type { OrderChangeBatch } from '../site-ports';
import { testConnectionContext } from '../testing/test-connection-context';
import { phaseNames, readChangeCursor } from './crossmall.changes';
import { CrossmallClient } from './crossmall.client';
import { CrossmallConnector } from './crossmall.connector';
import { CROSSMALL_DESCRIPTOR } from './crossmall.descriptor';

const HOST = 'https://crossmall.jp';
const KEY = 'mXCTpnoA';
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const FAST = { ...CROSSMALL_DESCRIPTOR, rateLimit: { maxConcurrent: 1, minTimeMs: 0 } };
const NOW = new Date('2026-03-10T03:00:00Z'); // 12:00:00 JST

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
/** A WebAPI2 answer as specs/crossmall.md §3 shows it (rows as `<Result No='n'>`). */
function document(root: string, rows: Record<string, string | number>[], status = 'success', message?: string): string {
  const results = rows
    .map(
      (row, index) =>
        `<Result No='${index + 1}'>${Object.entries(row)
          .map(([name, value]) => `<${name}>${esc(String(value))}</${name}>`)
          .join('')}</Result>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} version="1.0"><ResultSet TotalResult="${rows.length}"><ResultStatus><GetStatus>${status}</GetStatus>` +
    `${message ? `<Message>${esc(message)}</Message>` : ''}</ResultStatus>${results}</ResultSet></${root}>`
  );
}

/** A get_order row with the fields cancellations.md §4.3 lists. */
function header(orderNumber: number, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    order_number: orderNumber,
    order_date: '2026/03/09 10:00:00',
    shop_name: '楽天市場店',
    order_code: `R-${orderNumber}`,
    phase_name: '発送待機',
    cancel_flag: 0,
    client_name: '田中 優子',
    ship_name: '田中 優子',
    ship_zip: '060-0001',
    ship_address1: '北海道札幌市中央区北一条西2-1',
    ship_address2: '',
    ship_tel: '011-222-3333',
    bundle_flag: 0,
    bundle_ahead_number: 0,
    updated_at: '2026-03-10 11:00:00',
    ...extra,
  };
}

const detail = (lines: Record<string, string | number>[]) => document('GetOrderDetail', lines);

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

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const batches: T[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

/** Collects until the pull fails; returns what was yielded and the error. */
async function collectUntilError(iterable: AsyncIterable<OrderChangeBatch>): Promise<{ batches: OrderChangeBatch[]; error: unknown }> {
  const batches: OrderChangeBatch[] = [];
  try {
    for await (const batch of iterable) batches.push(batch);
  } catch (error) {
    return { batches, error };
  }
  return { batches, error: undefined };
}

const summary = (batch: OrderChangeBatch) => batch.changes.map((change) => `${change.externalOrderId} ${change.kind}`);

describe('CrossmallConnector changes after intake (cancellations.md §4)', () => {
  const client = new CrossmallClient();
  let connector: CrossmallConnector;
  const context = (settings: Record<string, unknown> = {}) =>
    testConnectionContext(FAST, {
      connectionId: 'c-cm',
      credentials: { companyCode: 'ill', apiKey: KEY },
      settings: { initialLookbackDays: 30, ...settings },
      now: () => NOW,
    });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    connector = new CrossmallConnector(client);
  });
  afterEach(() => nock.cleanAll());

  it('is offered as the orderChangeSource port, with the cancel and hold phases as text settings', () => {
    expect(connector.ports.orderChangeSource).toBe(connector);
    const fields = CROSSMALL_DESCRIPTOR.settingFields.filter((field) => field.name.endsWith('PhaseNames'));
    expect(fields.map((field) => [field.name, field.type, field.default])).toEqual([
      ['cancelPhaseNames', 'string', 'キャンセル'],
      ['holdPhaseNames', 'string', '保留'],
    ]);
    expect(validateSettings(CROSSMALL_DESCRIPTOR, { cancelPhaseNames: 'キャンセル, 取消', holdPhaseNames: '' })).toEqual([]);
  });

  describe('pullChanges', () => {
    it('first run: one get_order over the look-back window, each order stated as it is now', async () => {
      const calls = crossmall(({ api, params }) => {
        if (api === 'get_order' && params.has('updated_at_fr'))
          return document('GetOrder', [
            header(101),
            header(102, { cancel_flag: 1 }),
            header(103, { cancel_flag: 2 }),
            header(104, { phase_name: 'キャンセル' }),
            header(105, { phase_name: '保留' }),
            header(106, { cancel_flag: 1, phase_name: 'キャンセル' }),
            header(107, { bundle_flag: 1, bundle_ahead_number: 900, ship_name: '別 宛先' }),
          ]);
        if (api === 'get_order') return document('GetOrder', [header(900, { bundle_flag: 1, updated_at: '2026-03-10 11:00:00' })]);
        return detail([
          {
            line_no: 1,
            item_code: 'SOCKS',
            item_name: 'ソックス',
            attribute1_name: 'ブラック',
            attribute2_name: '23-25cm',
            amount: 1,
            unit_price: 990,
          },
          { line_no: 2, item_code: 'TEA', item_name: 'ほうじ茶', attribute1_name: '', attribute2_name: '', amount: 2, unit_price: 1296 },
        ]);
      });

      const [batch, ...rest] = await collect(connector.pullChanges(context(), null));

      expect(rest).toEqual([]);
      expect(calls.map((call) => call.raw)).toEqual([
        'account=ill&updated_at_fr=2026-02-08+12%3A00%3A00&updated_at_to=2026-03-10+12%3A00%3A00',
        'account=ill&order_number=900&condition=0',
        'account=ill&order_number=900',
      ]);
      expect(summary(batch)).toEqual([
        '101 released',
        '101 address_changed',
        '102 on_hold',
        '102 address_changed',
        '103 cancelled',
        '103 address_changed',
        '104 cancelled',
        '104 address_changed',
        '105 on_hold',
        '105 address_changed',
        '106 cancelled',
        '106 address_changed',
        '107 merged_into',
        '900 released',
        '900 address_changed',
      ]);
      const byKey = new Map(batch.changes.map((change) => [`${change.externalOrderId} ${change.kind}`, change]));
      expect(byKey.get('101 released')).toMatchObject({
        siteRef: '101|2026-03-10 11:00:00|released',
        occurredAt: new Date('2026-03-10T02:00:00Z'),
      });
      expect(byKey.get('101 address_changed')!.recipient).toEqual({
        name: '田中 優子',
        postalCode: '060-0001',
        country: 'JP',
        line1: '北海道札幌市中央区北一条西2-1',
        phone: '011-222-3333',
      });
      expect(byKey.get('102 on_hold')!.reason).toBe('cancel_flag 1 (保留)');
      expect(byKey.get('103 cancelled')!.reason).toBe('cancel_flag 2 (キャンセル)');
      expect(byKey.get('104 cancelled')!.reason).toBe('phase 「キャンセル」');
      expect(byKey.get('106 cancelled')!.reason).toBe('phase 「キャンセル」');
      expect(byKey.get('107 merged_into')).toMatchObject({ relatedExternalOrderId: '900', siteRef: '107|2026-03-10 11:00:00|merged_into' });
      // the parent is written with the lines it carries now; the child's lines are never asked for
      expect(batch.orders?.map((order) => [order.externalOrderId, order.lines.map((line) => line.externalLineId)])).toEqual([
        ['900', ['1', '2']],
      ]);
      expect(calls.some((call) => call.api === 'get_order_detail' && call.params.get('order_number') === '107')).toBe(false);
      expect(readChangeCursor(batch.nextCursor)).toEqual({ since: NOW });
    });

    it('looks back initialLookbackDays, and 30 days when it is absent', async () => {
      const calls = crossmall(() => document('GetOrder', []));
      await collect(connector.pullChanges(context({ initialLookbackDays: 7 }), null));
      const ctx = context();
      delete ctx.settings.initialLookbackDays;
      await collect(connector.pullChanges(ctx, null));
      expect(calls.map((call) => call.params.get('updated_at_fr'))).toEqual(['2026-03-03 12:00:00', '2026-02-08 12:00:00']);
    });

    it('next run: from the cursor minus 15 minutes to now', async () => {
      const calls = crossmall(() => document('GetOrder', []));
      const [batch] = await collect(connector.pullChanges(context(), { value: JSON.stringify({ since: '2026-03-10T02:00:00.000Z' }) }));
      expect(calls[0].raw).toBe('account=ill&updated_at_fr=2026-03-10+10%3A45%3A00&updated_at_to=2026-03-10+12%3A00%3A00');
      expect(batch).toEqual({ changes: [], nextCursor: { value: JSON.stringify({ since: NOW.toISOString() }) } });
    });

    it('pages a full window by condition=1&order_number=<last>, the cursor keeping the window until its last page', async () => {
      const changed = Array.from({ length: 150 }, (_, index) => 3000 + index * 3);
      const calls = crossmall(({ params }) => {
        const after = Number(params.get('order_number') ?? 0);
        return document(
          'GetOrder',
          changed
            .filter((n) => n > after)
            .slice(0, 100)
            .map((n) => header(n, { cancel_flag: 1 })),
        );
      });

      const batches = await collect(connector.pullChanges(context(), { value: JSON.stringify({ since: '2026-03-10T02:00:00.000Z' }) }));

      expect(calls.map((call) => call.raw)).toEqual([
        'account=ill&updated_at_fr=2026-03-10+10%3A45%3A00&updated_at_to=2026-03-10+12%3A00%3A00',
        'account=ill&updated_at_fr=2026-03-10+10%3A45%3A00&updated_at_to=2026-03-10+12%3A00%3A00&condition=1&order_number=3297',
      ]);
      expect(batches.map((batch) => batch.changes.filter((change) => change.kind === 'on_hold').length)).toEqual([100, 50]);
      expect(readChangeCursor(batches[0].nextCursor)).toEqual({
        from: new Date('2026-03-10T01:45:00Z'),
        to: NOW,
        after: '3297',
      });
      expect(readChangeCursor(batches[1].nextCursor)).toEqual({ since: NOW });
    });

    it('resumes a walk from its cursor: the same window, after the last committed page', async () => {
      const calls = crossmall(() => document('GetOrder', [header(4001, { cancel_flag: 2 })]));
      const cursor: SyncCursor = {
        value: JSON.stringify({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', after: '4000' }),
      };
      const [batch] = await collect(connector.pullChanges(context(), cursor));
      expect(calls[0].raw).toBe(
        'account=ill&updated_at_fr=2026-03-01+09%3A00%3A00&updated_at_to=2026-03-02+09%3A00%3A00&condition=1&order_number=4000',
      );
      expect(summary(batch)).toEqual(['4001 cancelled', '4001 address_changed']);
      expect(readChangeCursor(batch.nextCursor)).toEqual({ since: new Date('2026-03-02T00:00:00Z') });
    });

    it('an error answer mid-walk stops the pull: nothing after it, the cursor not past the last good page', async () => {
      const full = Array.from({ length: 100 }, (_, index) => header(5000 + index));
      crossmall(({ params }) =>
        params.has('order_number') ? document('GetOrder', [], 'error', 'システムエラーが発生しました。') : document('GetOrder', full),
      );

      const { batches, error } = await collectUntilError(connector.pullChanges(context(), null));

      expect(error).toBeInstanceOf(SiteRejectedError);
      expect((error as SiteRejectedError).siteMessage).toBe('システムエラーが発生しました。');
      expect(batches).toHaveLength(1);
      expect(readChangeCursor(batches[0].nextCursor)).toMatchObject({ after: '5099' });
    });

    it('a refused window yields nothing (the cursor stays where it was)', async () => {
      crossmall(() => document('GetOrder', [], 'error', 'updated_at_frの形式が正しくありません。(yyyy-mm-dd hh:mm:ss)'));
      const { batches, error } = await collectUntilError(connector.pullChanges(context(), null));
      expect(batches).toEqual([]);
      expect(error).toBeInstanceOf(SiteRejectedError);
    });

    it('an authentication refusal is a SiteAuthError', async () => {
      crossmall(() => document('GetOrder', [], 'error', '認証エラー（IP制限）：許可されていないIPアドレスからのアクセスです。'));
      const { error } = await collectUntilError(connector.pullChanges(context(), null));
      expect(error).toBeInstanceOf(SiteAuthError);
    });

    it('a server ignoring condition=1 (the same full page again) fails instead of looping', async () => {
      const full = Array.from({ length: 100 }, (_, index) => header(6000 + index));
      crossmall(() => document('GetOrder', full));
      const { batches, error } = await collectUntilError(connector.pullChanges(context(), null));
      expect(batches).toHaveLength(1);
      expect(error).toBeInstanceOf(SiteRejectedError);
      expect((error as Error).message).toContain('did not advance');
    });

    it('a re-read of the same window states the same changes with the same siteRefs', async () => {
      crossmall(({ api }) =>
        api === 'get_order'
          ? document('GetOrder', [header(7001, { cancel_flag: 1 }), header(7002, { bundle_flag: 1, bundle_ahead_number: 7001 })])
          : detail([{ line_no: 1, item_code: 'A', item_name: 'a', amount: 1, unit_price: 1 }]),
      );
      const first = await collect(connector.pullChanges(context(), null));
      const second = await collect(connector.pullChanges(context(), null));
      expect(second).toEqual(first);
      expect(first[0].changes.map((change) => change.siteRef)).toEqual([
        '7001|2026-03-10 11:00:00|on_hold',
        '7001|2026-03-10 11:00:00|address_changed',
        '7002|2026-03-10 11:00:00|merged_into',
      ]);
      // 7001 is in the page itself: read for its lines, not asked for again
      expect(first[0].orders?.map((order) => order.externalOrderId)).toEqual(['7001']);
    });

    it('handles malformed and undocumented values defensively', async () => {
      crossmall(() =>
        document('GetOrder', [
          header(8001, { cancel_flag: 9 }), // undocumented value: held, raw value shown
          header(8002, { cancel_flag: 'abc', updated_at: '不明' }),
          header(8003, { cancel_flag: '' }), // nothing to go by: no state, only the address
          header(8004, { bundle_ahead_number: '' }),
          header(8005, { ship_name: '' }), // no recipient name: no address change
          { order_number: '', cancel_flag: 2 }, // no 管理番号: ignored
          header(8006, { cancel_flag: '00', phase_name: ' 保留 ' }),
        ]),
      );

      const [batch] = await collect(connector.pullChanges(context(), null));

      expect(summary(batch)).toEqual([
        '8001 on_hold',
        '8001 address_changed',
        '8002 on_hold',
        '8002 address_changed',
        '8003 address_changed',
        '8004 released',
        '8004 address_changed',
        '8005 released',
        '8006 on_hold',
        '8006 address_changed',
      ]);
      expect(batch.changes[0].reason).toBe('cancel_flag 9 (undocumented value: held until checked)');
      expect(batch.changes[2]).toMatchObject({ reason: 'cancel_flag abc (undocumented value: held until checked)', occurredAt: null });
      expect(batch.orders).toBeUndefined();
    });

    it('reads the phase lists from the settings: text with commas or new lines, an array, an object, or empty', async () => {
      crossmall(() =>
        document('GetOrder', [
          header(1, { phase_name: '取消' }),
          header(2, { phase_name: 'キャンセル' }),
          header(3, { phase_name: '確認待ち' }),
        ]),
      );
      const kinds = async (settings: Record<string, unknown>) =>
        (await collect(connector.pullChanges(context(settings), null)))[0].changes
          .filter((change) => change.kind !== 'address_changed')
          .map((change) => change.kind);

      expect(await kinds({})).toEqual(['released', 'cancelled', 'released']);
      expect(await kinds({ cancelPhaseNames: '取消、キャンセル', holdPhaseNames: '確認待ち\n保留' })).toEqual([
        'cancelled',
        'cancelled',
        'on_hold',
      ]);
      expect(await kinds({ cancelPhaseNames: '', holdPhaseNames: '' })).toEqual(['released', 'released', 'released']);
      expect(phaseNames(['取消', ' キャンセル '], 'x')).toEqual(['取消', 'キャンセル']);
      expect(phaseNames({ 取消: true, 保留: false }, 'x')).toEqual(['取消']);
      expect(phaseNames(42, 'キャンセル')).toEqual(['キャンセル']);
    });

    it("reads a merge parent's lines afresh even when its updated_at did not move (UNCONFIRMED whether a merge bumps it)", async () => {
      let merged = false;
      const calls = crossmall(({ api, params }) => {
        if (api === 'get_order' && params.has('updated_at_fr'))
          return document('GetOrder', merged ? [header(9201), header(9202, { bundle_flag: 1, bundle_ahead_number: 9201 })] : []);
        if (api === 'get_order') return document('GetOrder', [header(9201)]);
        const lines = [{ line_no: 1, item_code: 'A', item_name: 'a', amount: 1, unit_price: 1 }];
        if (merged) lines.push({ line_no: 2, item_code: 'B', item_name: 'b', amount: 2, unit_price: 1 });
        return detail(lines);
      });
      const ctx = context();
      await collect<OrderBatch>(connector.pullOrders(ctx, null)); // caches 9201's single line
      merged = true;
      const [batch] = await collect(connector.pullChanges(ctx, null));
      expect(calls.filter((call) => call.api === 'get_order_detail')).toHaveLength(2);
      expect(batch.orders?.[0].lines.map((line) => line.externalLineId)).toEqual(['1', '2']);
      // ...and the order pull then sees the merged lines too
      const [pulled] = await collect<OrderBatch>(connector.pullOrders(ctx, null));
      expect(pulled.orders[0].lines).toHaveLength(2);
    });

    it('does not write a merge parent outside the collect phase (nor read its lines); the merge is still stated', async () => {
      const calls = crossmall(({ params }) =>
        params.has('updated_at_fr')
          ? document('GetOrder', [header(9102, { bundle_flag: 1, bundle_ahead_number: 9101 })])
          : document('GetOrder', [header(9101, { phase_name: '引当待ち' })]),
      );
      const [batch] = await collect(connector.pullChanges(context({ collectPhaseName: '発送待機' }), null));
      expect(calls.map((call) => call.api)).toEqual(['get_order', 'get_order']);
      expect(batch.orders).toBeUndefined();
      expect(summary(batch)).toEqual(['9102 merged_into', '9101 released', '9101 address_changed']);
    });

    it('re-reads a merge parent with its set lines expanded; a refused parent still states the merge', async () => {
      const calls = crossmall(({ api, params }) => {
        const n = params.get('order_number');
        if (api === 'get_order' && params.has('updated_at_fr'))
          return document('GetOrder', [
            header(9002, { bundle_flag: 1, bundle_ahead_number: 9001 }),
            header(9004, { bundle_ahead_number: 9003 }),
          ]);
        if (api === 'get_order') return document('GetOrder', [header(Number(n), { bundle_flag: 1 })]);
        if (api === 'get_order_component')
          return document('GetOrderComponent', [
            {
              order_number: 9001,
              line_no: 2,
              set_item_code: 'GIFT',
              item_code: 'TEA',
              item_name: 'ほうじ茶',
              attribute1_name: '',
              attribute2_name: '',
              component_count: 2,
            },
          ]);
        if (n === '9003') return document('GetOrderDetail', [], 'error', '同梱された子受注は指定できません。');
        return detail([
          { line_no: 1, item_code: 'SOCKS', item_name: 'ソックス', amount: 1, unit_price: 990, component_flag: 0 },
          { line_no: 2, item_code: 'GIFT', item_name: 'ギフト', amount: 3, unit_price: 3000, component_flag: 1 },
        ]);
      });

      const [batch] = await collect(connector.pullChanges(context(), null));

      expect(calls.filter((call) => call.api === 'get_order_component').map((call) => call.raw)).toEqual([
        'account=ill&order_number=9001&line_no=2',
      ]);
      expect(batch.orders?.map((order) => order.lines.map((line) => [line.externalLineId, line.productCode, line.quantity]))).toEqual([
        [
          ['1', 'SOCKS', 1],
          ['2/TEA', 'TEA', 6],
        ],
      ]);
      expect(summary(batch)).toEqual(expect.arrayContaining(['9002 merged_into', '9004 merged_into', '9001 released', '9003 released']));
    });
  });

  describe('recheck', () => {
    it('reads each order by order_number=<n>&condition=0 and states it; found:false when not returned', async () => {
      const calls = crossmall(({ params }) => {
        const n = Number(params.get('order_number'));
        if (n === 2) return document('GetOrder', []);
        if (n === 3) return document('GetOrder', [header(3, { bundle_flag: 1, bundle_ahead_number: 1 })]);
        return document('GetOrder', [header(n, { cancel_flag: 2, phase_name: 'キャンセル' })]);
      });

      const results = await connector.recheck(context(), [
        { externalOrderId: '1', refs: { orderNumber: '1' } },
        { externalOrderId: '2' },
        { externalOrderId: '3' },
        { externalOrderId: 'R-123' },
      ]);

      expect(calls.map((call) => call.raw)).toEqual([
        'account=ill&order_number=1&condition=0',
        'account=ill&order_number=2&condition=0',
        'account=ill&order_number=3&condition=0',
      ]);
      expect(
        results.map((result) => [result.externalOrderId, result.found, result.siteStatus, result.changes.map((change) => change.kind)]),
      ).toEqual([
        ['1', true, 'キャンセル', ['cancelled', 'address_changed']],
        ['2', false, undefined, []],
        ['3', true, '発送待機', ['merged_into']],
        ['R-123', false, undefined, []],
      ]);
      expect(results[0].changes[0]).toMatchObject({
        reason: 'cancel_flag 2 (キャンセル); phase 「キャンセル」',
        siteRef: '1|2026-03-10 11:00:00|cancelled',
      });
      expect(results[2].changes[0].relatedExternalOrderId).toBe('1');
    });

    it('ignores a row for another order (a server ignoring condition=0)', async () => {
      crossmall(() => document('GetOrder', [header(11), header(12)]));
      const [result] = await connector.recheck(context(), [{ externalOrderId: '12' }]);
      expect(result).toMatchObject({ externalOrderId: '12', found: true });
      expect(result.changes.every((change) => change.siteRef.startsWith('12|'))).toBe(true);
    });

    it('lets a site failure through (the caller retries the whole recheck)', async () => {
      crossmall(() => document('GetOrder', [], 'error', 'システムエラーが発生しました。'));
      await expect(connector.recheck(context(), [{ externalOrderId: '1' }])).rejects.toBeInstanceOf(SiteRejectedError);
    });
  });

  describe('pullOrders (sets and bundles)', () => {
    it('expands set lines with get_order_component (units = amount × component_count), ships a flagged parent, never a child', async () => {
      const calls = crossmall(({ api, params }) => {
        const n = params.get('order_number');
        if (api === 'get_order')
          return document('GetOrder', [
            header(1, { bundle_flag: 1 }), // a parent may carry bundle_flag=1 itself
            header(2, { bundle_flag: 1, bundle_ahead_number: 1 }),
            header(3),
          ]);
        if (api === 'get_order_component') {
          if (params.get('line_no') === '3') return document('GetOrderComponent', []);
          return document('GetOrderComponent', [
            {
              order_number: n!,
              line_no: 2,
              set_item_code: 'SET',
              item_code: 'SOCKS',
              item_name: 'ソックス',
              attribute1_name: 'ブラック',
              attribute2_name: '23-25cm',
              component_count: 2,
              jan_cd: '4589859570040',
            },
            {
              order_number: n!,
              line_no: 2,
              set_item_code: 'SET',
              item_code: 'TEA',
              item_name: 'ほうじ茶',
              attribute1_name: '',
              attribute2_name: '',
              component_count: 'x',
            },
            {
              order_number: n!,
              line_no: 2,
              set_item_code: 'SET',
              item_code: 'TEA',
              item_name: 'ほうじ茶',
              attribute1_name: '',
              attribute2_name: '',
              component_count: 1,
            },
          ]);
        }
        if (n === '3') return detail([{ line_no: 1, item_code: 'A', item_name: 'a', amount: 1, unit_price: 1 }]);
        return detail([
          { line_no: 1, item_code: 'PLAIN', item_name: 'p', amount: 1, unit_price: 100, component_flag: 0 },
          { line_no: 2, item_code: 'SET', item_name: 'セット', amount: 3, unit_price: 5000, component_flag: 1 },
          { line_no: 3, item_code: 'SET-B', item_name: 'セットB', amount: 1, unit_price: 2000, component_flag: 1 },
        ]);
      });

      const [batch] = await collect<OrderBatch>(connector.pullOrders(context(), null));

      expect(batch.orders.map((order) => order.externalOrderId)).toEqual(['1', '3']);
      expect(calls.filter((call) => call.api !== 'get_order').map((call) => call.raw)).toEqual([
        'account=ill&order_number=1',
        'account=ill&order_number=1&line_no=2',
        'account=ill&order_number=1&line_no=3',
        'account=ill&order_number=3',
      ]);
      const lines = batch.orders[0].lines;
      expect(lines.map((line) => [line.externalLineId, connector.listingKey(line).key, line.quantity, line.unitPrice])).toEqual([
        ['1', 'PLAIN', 1, '100'],
        ['2/SOCKS:ブラック,23-25cm', 'SOCKS:ブラック,23-25cm', 6, undefined],
        ['2/TEA', 'TEA', 6, undefined], // an unreadable count counts as 1 per set, and the same SKU twice is one line
        ['3', 'SET-B', 1, '2000'], // no components listed: the set line stays itself
      ]);
      expect(lines[1].raw).toMatchObject({ set_item_code: 'SET', component_count: '2', jan_cd: '4589859570040' });
    });

    it('skips, for this pass, a flagged order whose lines the site refuses, and ships the others', async () => {
      crossmall(({ api, params }) => {
        if (api === 'get_order') return document('GetOrder', [header(1, { bundle_flag: 1 }), header(2)]);
        return params.get('order_number') === '1'
          ? document('GetOrderDetail', [], 'error', '同梱された子受注は指定できません。')
          : detail([{ line_no: 1, item_code: 'A', item_name: 'a', amount: 1, unit_price: 1 }]);
      });
      const [batch] = await collect<OrderBatch>(connector.pullOrders(context(), null));
      expect(batch.orders.map((order) => order.externalOrderId)).toEqual(['2']);
    });
  });
});
