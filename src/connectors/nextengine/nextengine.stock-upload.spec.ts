import { Logger } from '@nestjs/common';
import nock from 'nock';

import { testConnectionContext } from '../testing/test-connection-context';
import { NextEngineClient } from './nextengine.client';
import { NEXTENGINE_DESCRIPTOR } from './nextengine.descriptor';
import { NextEngineStockUploader } from './nextengine.stock-upload';

const API = 'https://api.next-engine.org';
const NOW = new Date('2025-01-10T01:00:00Z'); // 10:00:00 JST
/** Our upload started at 10:00:00 JST; the queue is searched from two minutes before, on NextEngine's clock. */
const WINDOW_START = '2025-01-10 09:58:00';

/** Recorded envelopes (spec §4, §6.6, §6.7, §6.8): every scalar a string, count a string, tokens on every answer. */
const tokens = {
  access_token: 'AT1',
  access_token_end_date: '2025-01-11 10:00:00',
  refresh_token: 'RT1',
  refresh_token_end_date: '2025-01-13 10:00:00',
};
const success = (data: Record<string, string | null>[]) => ({ result: 'success', count: String(data.length), data, ...tokens });
const stockRow = (code: string, stock: number, free = stock) => ({
  stock_goods_id: code,
  stock_quantity: String(stock),
  stock_free_quantity: String(free),
});
const queueRow = (queId: string, status: string, message = '') => ({
  que_id: queId,
  que_method_name: 'SYOHIN_KIHON_CSV',
  que_status_id: status,
  que_message: message,
  que_creation_date: '2025-01-10 10:00:01',
});
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));

/**
 * `master_goods/upload` whose answer is lost (spec §6.7: relative `zaiko_su`, queued): the upload is never sent a
 * second time; the upload queue (§6.8) and the stock read before and after decide applied / not applied / unknown.
 */
describe('NextEngineStockUploader: a lost upload answer is never a resend', () => {
  const sleeps: number[] = [];
  /**
   * Two uploaders: a timeout only where a test means one. A 50 ms timeout on every test raced the dropped
   * connection's error on a loaded CI machine and turned a NETWORK outcome into a TIMEOUT one.
   */
  const uploaderTimingOutAfter = (uploadTimeoutMs: number) =>
    new NextEngineStockUploader(new NextEngineClient(), {
      firstPollDelayMs: 1_000,
      maxPollDelayMs: 4_000,
      maxWaitMs: 10_000,
      uploadTimeoutMs,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  const uploader = uploaderTimingOutAfter(30_000);
  /** Gives up on the upload's answer after 50 ms; `timedOut` answers only after a second. */
  const impatientUploader = uploaderTimingOutAfter(50);
  const context = () =>
    testConnectionContext(NEXTENGINE_DESCRIPTOR, { credentials: { accessToken: 'AT1', refreshToken: 'RT1' }, now: () => NOW });

  /** Every call NextEngine received, by path, with its form. */
  let calls: Array<{ path: string; form: Record<string, string> }>;
  const uploads = () => calls.filter((call) => call.path === '/api_v1_master_goods/upload');
  const queueSearches = () => calls.filter((call) => call.path === '/api_v1_system_que/search');

  /** NextEngine answering stock reads from `stock` (read one after another), and the queue from `queue` (likewise, the last one repeating). */
  function site(options: { stock: Array<Record<string, number>>; queue?: Array<Record<string, string>[]> }) {
    let stockReads = 0;
    let queueReads = 0;
    nock(API)
      .post('/api_v1_master_stock/search')
      .times(options.stock.length)
      .reply(200, (_uri, body) => {
        calls.push({ path: '/api_v1_master_stock/search', form: form(body) });
        const levels = options.stock[stockReads++];
        return success(Object.entries(levels).map(([code, stock]) => stockRow(code, stock)));
      })
      .post('/api_v1_system_que/search')
      .times(50)
      .optionally()
      .reply(200, (_uri, body) => {
        calls.push({ path: '/api_v1_system_que/search', form: form(body) });
        const pages = options.queue ?? [[]];
        return success(pages[Math.min(queueReads++, pages.length - 1)]);
      });
  }

  /** The upload call reaches NextEngine (it is recorded), and then `answer` happens to its reply. */
  function upload(answer: (scope: nock.Interceptor) => nock.Scope) {
    return answer(
      nock(API).post('/api_v1_master_goods/upload', (body) => {
        calls.push({ path: '/api_v1_master_goods/upload', form: form(new URLSearchParams(body as Record<string, string>)) });
        return true;
      }),
    );
  }
  const dropped = (scope: nock.Interceptor) => scope.replyWithError('socket hang up');
  const timedOut = (scope: nock.Interceptor) => scope.delay(1_000).reply(200, { result: 'success', que_id: '41', ...tokens });
  const badGateway = (scope: nock.Interceptor) =>
    scope.reply(502, '<html><body>502 Bad Gateway</body></html>', { 'Content-Type': 'text/html' });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    calls = [];
    sleeps.length = 0;
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });

  it('connection reset, stock unchanged and no queue job: not applied, so retryable — and not re-sent here', async () => {
    site({ stock: [{ 'ABC-001': 10 }, { 'ABC-001': 10 }], queue: [[]] });
    upload(dropped);

    const results = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: -2 }]);

    expect(results).toEqual([
      {
        key: 'ABC-001',
        ok: false,
        retryable: true,
        siteCode: 'NETWORK',
        message: expect.stringContaining('NextEngine shows no change to ABC-001 and no upload job that could still apply it'),
      },
    ]);
    expect(uploads()).toHaveLength(1);
  });

  it('connection reset, stock moved by something else: outcome unknown, not retryable', async () => {
    // 10 → 9 for a change of -2: one of NextEngine's own shipments, or ours minus a receipt? It cannot be told.
    site({ stock: [{ 'ABC-001': 10 }, { 'ABC-001': 9 }], queue: [[queueRow('41', '2')]] });
    upload(dropped);

    const [result] = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: -2 }]);

    expect(result).toEqual({ key: 'ABC-001', ok: false, retryable: false, siteCode: 'NETWORK', message: expect.any(String) });
    expect(result.message).toMatch(/^Outcome unknown: .*socket hang up.*-2 to ABC-001.*在庫数 10 → 9.*Not sent again/);
    expect(uploads()).toHaveLength(1);
  });

  it('timeout, a queue job still running when the wait ends, stock unchanged: unknown, not retryable', async () => {
    site({ stock: [{ 'ABC-001': 10 }, { 'ABC-001': 10 }], queue: [[queueRow('41', '1')]] });
    upload(timedOut);

    const [result] = await impatientUploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: 3 }]);

    expect(result).toMatchObject({ key: 'ABC-001', ok: false, retryable: false, siteCode: 'TIMEOUT' });
    expect(result.message).toContain('queue jobs 41 still waiting or running');
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
    expect(uploads()).toHaveLength(1);
  });

  it('a failed read after the lost answer is reported as unknown, never thrown (a thrown error reads as "send again")', async () => {
    nock(API)
      .post('/api_v1_master_stock/search')
      .reply(200, success([stockRow('ABC-001', 10)]))
      .post('/api_v1_system_que/search')
      .reply(200, { result: 'error', code: '002004', message: 'access_tokenの有効期限が切れています', request_id: '' });
    upload(dropped);

    const [result] = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: 1 }]);

    expect(result).toMatchObject({ key: 'ABC-001', ok: false, retryable: false });
    expect(result.message).toContain('NextEngine could not be read afterwards');
    expect(uploads()).toHaveLength(1);
  });

  it('timeout: the queue search finds the job, waits for it to finish, and the stock shows the change: applied', async () => {
    site({
      stock: [
        { 'ABC-001': 10, 'ABC-002': 5 },
        { 'ABC-001': 13, 'ABC-002': 4 },
      ],
      queue: [[queueRow('41', '0')], [queueRow('41', '1')], [queueRow('41', '2')]],
    });
    upload(timedOut);

    const results = await impatientUploader.uploadDeltas(context(), [
      { goodsCode: 'ABC-001', delta: 3 },
      { goodsCode: 'ABC-002', delta: -1 },
    ]);

    expect(results).toEqual([
      { key: 'ABC-001', ok: true },
      { key: 'ABC-002', ok: true },
    ]);
    expect(uploads()).toHaveLength(1);
    expect(queueSearches()).toHaveLength(3);
    expect(queueSearches()[0].form).toMatchObject({
      'que_creation_date-gte': WINDOW_START,
      fields: 'que_id,que_method_name,que_status_id,que_message,que_creation_date',
    });
    expect(sleeps).toEqual([1_000, 2_000, 4_000]);
  });

  it('connection reset after NextEngine queued the file: the stock shows the change, applied, no second upload', async () => {
    site({ stock: [{ 'ABC-001': 10 }, { 'ABC-001': 8 }], queue: [[queueRow('41', '2')]] });
    upload(dropped);

    const results = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: -2 }]);

    expect(results).toEqual([{ key: 'ABC-001', ok: true }]);
    expect(uploads()).toHaveLength(1);
  });

  it('a 5xx without NextEngine envelope after queuing: reconciled the same way, not refused as an outage', async () => {
    site({ stock: [{ 'ABC-001': 10 }, { 'ABC-001': 12 }], queue: [[queueRow('41', '0')], [queueRow('41', '2')]] });
    upload(badGateway);

    const results = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: 2 }]);

    expect(results).toEqual([{ key: 'ABC-001', ok: true }]);
    expect(uploads()).toHaveLength(1);
    expect(queueSearches()).toHaveLength(2);
  });

  it('a success without que_id is reconciled too, per code', async () => {
    site({
      stock: [
        { 'ABC-001': 10, 'ABC-002': 10 },
        { 'ABC-001': 11, 'ABC-002': 10 },
      ],
      queue: [[]],
    });
    upload((scope) => scope.reply(200, { result: 'success', ...tokens }));

    const results = await uploader.uploadDeltas(context(), [
      { goodsCode: 'ABC-001', delta: 1 },
      { goodsCode: 'ABC-002', delta: 1 },
    ]);

    expect(results).toEqual([
      { key: 'ABC-001', ok: true },
      expect.objectContaining({ key: 'ABC-002', ok: false, retryable: true, message: expect.stringContaining('without a que_id') }),
    ]);
  });

  it("NextEngine's own refusal (overload envelope) is no lost answer: retryable at once, no queue search", async () => {
    site({ stock: [{ 'ABC-001': 10 }] });
    upload((scope) => scope.reply(200, { result: 'error', code: '003002', message: 'メイン機能が過負荷です', request_id: '', ...tokens }));

    const [result] = await uploader.uploadDeltas(context(), [{ goodsCode: 'ABC-001', delta: 1 }]);

    expect(result).toMatchObject({ key: 'ABC-001', ok: false, retryable: true, siteCode: '003002' });
    expect(queueSearches()).toHaveLength(0);
    expect(uploads()).toHaveLength(1);
  });
});
