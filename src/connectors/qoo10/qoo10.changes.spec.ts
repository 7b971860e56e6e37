import { Logger } from '@nestjs/common';
import nock from 'nock';

import { SiteAuthError, SiteRejectedError } from '../http/site-errors';
import type { SyncCursor } from '../sales-site-connector';
import type { OrderChange, OrderChangeBatch } from '../site-ports';
import { testConnectionContext } from '../testing/test-connection-context';
import { claimDate, readClaimStatus, readChangeCursor } from './qoo10.changes';
import { QAPI_ROOT, Qoo10Client } from './qoo10.client';
import { Qoo10Connector } from './qoo10.connector';
import { QOO10_DESCRIPTOR } from './qoo10.descriptor';

/**
 * The change intake of Qoo10 (`shared/specs/cancellations.md` §2): GetClaimInfo_V3 by request / completion date,
 * GetShippingAndClaimInfoByOrderNo_V2 by orderNo, Claim.SetCancelProcess. Wire payloads as the spec documents them.
 */
const HOST = 'https://api.qoo10.jp';
const NOW = new Date('2025-05-01T03:00:00Z'); // 12:00 JST
const CLAIMS = `${QAPI_ROOT}/ShippingBasic.GetClaimInfo_V3`;
const BY_ORDER = `${QAPI_ROOT}/ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2`;
const CANCEL = `${QAPI_ROOT}/Claim.SetCancelProcess`;
const CLAIM_CALLS_PER_WINDOW = 10;
const form = (body: unknown) => Object.fromEntries(new URLSearchParams(String(body)));
const ok = (resultObject?: unknown) => ({
  ResultCode: 0,
  ResultMsg: 'SUCCESS',
  ...(resultObject === undefined ? {} : { ResultObject: resultObject }),
});

/** A `ClaimInfo_V2` row (§2.1), ids as JSON numbers. */
function claimRow(packNo: number | undefined, orderNo: number, claimStatus: unknown, overrides: Record<string, unknown> = {}) {
  return {
    orderNo,
    ...(packNo === undefined ? {} : { packNo }),
    claimStatus,
    reason: '購入者都合',
    requestDate: '2025-04-30 10:00:00',
    cancelRefundDate: '',
    orderDate: '2025-04-28 09:00:00',
    itemCode: '1234567890',
    sellerItemCode: 'SKU-001',
    itemTitle: 'Tシャツ',
    orderQty: 2,
    ...overrides,
  };
}

/** A GetShippingAndClaimInfoByOrderNo_V2 answer (§2.2): one flattened object. */
function lineRow(packNo: number, orderNo: number, shippingStatus: unknown, claim: Record<string, unknown> = {}) {
  return {
    shippingStatus,
    packNo,
    orderNo,
    orderQty: 1,
    sellerItemCode: 'SKU-001',
    claimStatus: '',
    reason: '',
    requestDate: '',
    cancelRefundDate: '',
    ...claim,
  };
}

type ClaimQuery = { ClaimStat: string; search_Sdate: string; search_Edate: string; search_condition: string };

describe('Qoo10Connector changes after intake', () => {
  const connector = new Qoo10Connector(new Qoo10Client());
  const context = (settings: Record<string, unknown> = {}) =>
    // the pacing of Qoo10's calls is not under test here
    testConnectionContext(
      { ...QOO10_DESCRIPTOR, rateLimit: { maxConcurrent: 1, minTimeMs: 0 } },
      {
        shopId: 'qsm-login',
        credentials: { apiKey: 'API', certificationKey: 'SAK-1' },
        settings,
        now: () => NOW,
      },
    );

  /** Serves GetClaimInfo_V3 from `answer` (by query) for `times` calls and records every query. */
  function claimSite(times: number, answer: (query: ClaimQuery) => unknown = () => ok([])) {
    const queries: ClaimQuery[] = [];
    nock(HOST)
      .post(CLAIMS)
      .times(times)
      .reply(200, (_uri, body) => {
        const query = form(body) as ClaimQuery;
        queries.push(query);
        return answer(query);
      });
    return queries;
  }

  /** Serves the by-order read from `lines` (orderNo → answer object, or an envelope when `ResultCode` is set). */
  function byOrderSite(lines: Record<string, unknown>) {
    const asked: string[] = [];
    nock(HOST)
      .post(BY_ORDER)
      .times(Object.keys(lines).length)
      .reply(200, (_uri, body) => {
        const orderNo = form(body).OrderNo;
        asked.push(orderNo);
        const line = lines[orderNo] as Record<string, unknown> | undefined;
        if (line && 'ResultCode' in line) return line;
        return line === undefined ? { ResultCode: -10002, ResultMsg: 'Not exists order info' } : ok(line);
      });
    return asked;
  }

  async function pull(cursor: SyncCursor | null = null, settings: Record<string, unknown> = {}) {
    const batches: OrderChangeBatch[] = [];
    for await (const batch of connector.pullChanges(context(settings), cursor)) batches.push(batch);
    return { changes: batches.flatMap((batch) => batch.changes), batches, cursor: batches.at(-1)!.nextCursor };
  }

  const kinds = (changes: OrderChange[]) => changes.map((change) => `${change.externalOrderId}:${change.kind}`);
  const pendingCursor = (pending: Array<{ orderNo: string; packNo: string; ref: string; since: string }>, at = NOW.toISOString()) => ({
    value: JSON.stringify({ at, pending }),
  });

  beforeAll(() => {
    nock.disableNetConnect();
    Logger.overrideLogger(false);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  describe('pullChanges', () => {
    it('lists every ClaimStat by request date, 3 also by completion date, and maps each to a change', async () => {
      const queries = claimSite(CLAIM_CALLS_PER_WINDOW, (query) => {
        const key = `${query.ClaimStat}/${query.search_condition}`;
        switch (key) {
          case '1/2':
            return ok([
              claimRow(111, 1002, 'Cancel Request(1)', { requestDate: '2025-04-30 10:05:00', reason: '注文間違い' }),
              claimRow(111, 1001, 1),
            ]);
          case '3/2':
            return ok([claimRow(222, 2001, '3', { cancelRefundDate: '2025-04-30 11:00:00' })]);
          case '3/3':
            return ok([
              claimRow(222, 2001, '3', { cancelRefundDate: '2025-04-30 11:00:00' }), // the same claim, listed again
              claimRow(333, 3001, 3, { requestDate: '2025-02-01 09:00:00', cancelRefundDate: '2025-04-30 12:00:00' }),
            ]);
          case '4/2':
            return ok([claimRow(444, 4001, 4, { reason: '破損' })]);
          case '11/2':
            return ok([claimRow(555, 5001, 11)]);
          default:
            return ok([]);
        }
      });

      const { changes, batches, cursor } = await pull();

      expect(queries.map((query) => `${query.ClaimStat}/${query.search_condition}`)).toEqual([
        '1/2',
        '2/2',
        '3/2',
        '3/3',
        '4/2',
        '5/2',
        '6/2',
        '11/2',
        '12/2',
        '13/2',
      ]);
      expect(queries[0]).toEqual({
        returnType: 'application/json',
        ClaimStat: '1',
        search_Sdate: '20250401120000',
        search_Edate: '20250501120000',
        search_condition: '2',
      });
      expect(batches).toHaveLength(1);
      expect(kinds(changes)).toEqual([
        '111:cancel_requested',
        '222:line_cancelled',
        '333:line_cancelled',
        '444:return_requested',
        '555:exchange_requested',
      ]);
      expect(changes[0]).toMatchObject({
        siteRef: '1001:1:2025-04-30 10:00:00+1002:1:2025-04-30 10:05:00',
        request: { ContrNo: '1001,1002', packNo: '111' },
        occurredAt: new Date('2025-04-30T01:05:00Z'),
        reason: '購入者都合 / 注文間違い',
      });
      expect(changes[1]).toMatchObject({
        siteRef: '2001:3:2025-04-30 10:00:00',
        lines: [{ externalLineId: '2001', liveQuantity: 0 }],
        occurredAt: new Date('2025-04-30T02:00:00Z'),
      });
      expect(changes[2]).toMatchObject({ siteRef: '3001:3:2025-02-01 09:00:00', lines: [{ externalLineId: '3001', liveQuantity: 0 }] });
      expect(changes[3]).toMatchObject({
        siteRef: '4001:4:2025-04-30 10:00:00',
        reason: '破損',
        lines: [{ externalLineId: '4001', liveQuantity: 2 }],
      });
      // the waiting requests are remembered, to learn what becomes of them
      expect(readChangeCursor(cursor)).toEqual({
        at: NOW,
        pending: [
          { orderNo: '1001', packNo: '111', ref: '1001:1:2025-04-30 10:00:00', since: '2025-04-30T01:00:00.000Z' },
          { orderNo: '1002', packNo: '111', ref: '1002:1:2025-04-30 10:05:00', since: '2025-04-30T01:05:00.000Z' },
        ],
      });
    });

    it('walks a first look-back longer than 90 days in windows of at most 89 days', async () => {
      const queries = claimSite(2 * CLAIM_CALLS_PER_WINDOW);

      const { changes, cursor } = await pull(null, { initialLookbackDays: 100, searchWindowDays: 365 });

      expect(changes).toEqual([]);
      expect(cursor).toEqual({ value: NOW.toISOString() });
      const windows = [...new Set(queries.map((query) => `${query.search_Sdate}-${query.search_Edate}`))];
      expect(windows).toEqual(['20250121120000-20250420120000', '20250420120000-20250501120000']);
      expect(queries.filter((query) => query.search_Sdate === '20250121120000')).toHaveLength(CLAIM_CALLS_PER_WINDOW);
    });

    it('starts a later pull at the cursor minus the overlap, and the waiting lists at the oldest request still waiting', async () => {
      const queries = claimSite(CLAIM_CALLS_PER_WINDOW, (query) =>
        query.ClaimStat === '1' ? ok([claimRow(111, 1001, 1, { requestDate: '2025-04-20 09:00:00' })]) : ok([]),
      );
      const cursor = pendingCursor(
        [{ orderNo: '1001', packNo: '111', ref: '1001:1:2025-04-20 09:00:00', since: '2025-04-20T00:00:00.000Z' }],
        '2025-05-01T02:00:00.000Z',
      );

      const { changes, cursor: next } = await pull(cursor, { changeOverlapHours: 2 });

      const range = (stat: string) => queries.filter((query) => query.ClaimStat === stat).map((q) => `${q.search_Sdate}-${q.search_Edate}`);
      expect(range('1')).toEqual(['20250420090000-20250501120000']);
      expect(range('2')).toEqual(['20250420090000-20250501120000']);
      expect(range('3')).toEqual(['20250501090000-20250501120000', '20250501090000-20250501120000']);
      expect(range('4')).toEqual(['20250501090000-20250501120000']);
      expect(kinds(changes)).toEqual(['111:cancel_requested']);
      expect(readChangeCursor(next).pending.map((entry) => entry.orderNo)).toEqual(['1001']);
    });

    it('releases a pack whose request was withdrawn: listed no more, read by orderNo, live again', async () => {
      claimSite(CLAIM_CALLS_PER_WINDOW);
      const asked = byOrderSite({ '1001': lineRow(111, 1001, 'Seller confirm(3)') });
      const cursor = pendingCursor([
        { orderNo: '1001', packNo: '111', ref: '1001:1:2025-04-30 10:00:00', since: '2025-04-30T01:00:00.000Z' },
      ]);

      const { changes, cursor: next } = await pull(cursor);

      expect(asked).toEqual(['1001']);
      expect(changes).toEqual([
        expect.objectContaining({ externalOrderId: '111', kind: 'released', siteRef: 'withdrawn:1001:1:2025-04-30 10:00:00' }),
      ]);
      expect(next).toEqual({ value: NOW.toISOString() });
    });

    it('keeps a pack held while another of its lines still waits, and follows a request completed meanwhile without a read', async () => {
      claimSite(CLAIM_CALLS_PER_WINDOW, (query) => {
        if (query.ClaimStat === '1') return ok([claimRow(111, 1002, 1)]);
        if (query.ClaimStat === '3' && query.search_condition === '3')
          return ok([claimRow(222, 2001, 3, { cancelRefundDate: '2025-05-01 11:00:00' })]);
        return ok([]);
      });
      const asked = byOrderSite({ '1001': lineRow(111, 1001, 'Seller confirm(3)') });
      const cursor = pendingCursor([
        { orderNo: '1001', packNo: '111', ref: '1001:1:2025-04-30 10:00:00', since: '2025-04-30T01:00:00.000Z' },
        { orderNo: '1002', packNo: '111', ref: '1002:1:2025-04-30 10:00:00', since: '2025-04-30T01:00:00.000Z' },
        { orderNo: '2001', packNo: '222', ref: '2001:1:2025-04-29 10:00:00', since: '2025-04-29T01:00:00.000Z' },
      ]);

      const { changes, cursor: next } = await pull(cursor);

      expect(asked).toEqual(['1001']);
      expect(kinds(changes)).toEqual(['111:cancel_requested', '222:line_cancelled']);
      expect(changes[0].request).toEqual({ ContrNo: '1002', packNo: '111' });
      expect(readChangeCursor(next).pending.map((entry) => entry.orderNo)).toEqual(['1002']);
    });

    it('reads a request that stopped being listed and finds it cancelled, still waiting, or unknown', async () => {
      claimSite(CLAIM_CALLS_PER_WINDOW);
      byOrderSite({
        '1001': lineRow(111, 1001, 'Seller confirm(3)', {
          claimStatus: 3,
          requestDate: '2025-04-30 10:00:00',
          cancelRefundDate: '2025-04-30 10:30:00',
        }),
        '2001': lineRow(222, 2001, 'Seller confirm(3)', { claimStatus: 2, requestDate: '2025-04-30 10:00:00' }),
        '3001': { ResultCode: -10002, ResultMsg: 'Not exists order info' },
        '4001': lineRow(444, 4001, 'Seller confirm(3)', { claimStatus: 'Cancel Reqested' }), // unreadable: asked again
      });
      const entry = (orderNo: string, packNo: string) => ({ orderNo, packNo, ref: `${orderNo}:1:x`, since: '2025-04-30T01:00:00.000Z' });
      const cursor = pendingCursor([entry('1001', '111'), entry('2001', '222'), entry('3001', '333'), entry('4001', '444')]);

      const { changes, cursor: next } = await pull(cursor);

      expect(kinds(changes)).toEqual(['111:line_cancelled', '222:cancel_requested']);
      expect(readChangeCursor(next).pending.map((pending) => pending.orderNo)).toEqual(['2001', '4001']);
    });

    it('gives the same changes when the same window is read again', async () => {
      const answer = (query: ClaimQuery) =>
        query.ClaimStat === '1' ? ok([claimRow(111, 1001, 1)]) : query.ClaimStat === '3' ? ok([claimRow(222, 2001, 3)]) : ok([]);
      claimSite(CLAIM_CALLS_PER_WINDOW, answer);
      const first = await pull({ value: '2025-05-01T02:00:00.000Z' });
      claimSite(CLAIM_CALLS_PER_WINDOW, answer);
      const again = await pull({ value: '2025-05-01T02:00:00.000Z' });

      expect(again.changes).toEqual(first.changes);
      expect(again.cursor).toEqual(first.cursor);
    });

    it('stops at an error answer mid-walk and yields nothing, so the cursor does not move', async () => {
      claimSite(3, (query) =>
        query.ClaimStat === '3' ? { ResultCode: -10002, ResultMsg: 'Search Date Error.' } : ok([claimRow(111, 1001, 1)]),
      );
      const batches: OrderChangeBatch[] = [];
      const walk = async () => {
        for await (const batch of connector.pullChanges(context(), { value: '2025-05-01T02:00:00.000Z' })) batches.push(batch);
      };

      await expect(walk()).rejects.toMatchObject({ constructor: SiteRejectedError, siteCode: '-10002', siteMessage: 'Search Date Error.' });
      expect(batches).toEqual([]);
    });

    it('fails on a window-limit answer (-10003) rather than reading it as no claims', async () => {
      claimSite(1, () => ({ ResultCode: -10003, ResultMsg: 'Searching period exceeds to 90 days.' }));

      await expect(pull()).rejects.toMatchObject({ constructor: SiteRejectedError, siteCode: '-10003' });
    });

    it('retries a 5xx answer, and fails as auth when the key expires', async () => {
      nock(HOST).post(CLAIMS).reply(503);
      claimSite(CLAIM_CALLS_PER_WINDOW);
      expect((await pull()).changes).toEqual([]);

      claimSite(1, () => ({ ResultCode: -90004, ResultMsg: 'Seller authorization key is expired. Use a new key.' }));
      await expect(pull()).rejects.toBeInstanceOf(SiteAuthError);
    });

    it('splits many changes into batches; only the last carries the new cursor', async () => {
      const rows = Array.from({ length: 501 }, (_, index) => claimRow(100000 + index, 200000 + index, 4));
      claimSite(CLAIM_CALLS_PER_WINDOW, (query) => (query.ClaimStat === '4' ? ok(rows) : ok([])));
      const incoming = { value: '2025-05-01T02:00:00.000Z' };

      const { batches } = await pull(incoming);

      expect(batches.map((batch) => batch.changes.length)).toEqual([500, 1]);
      expect(batches[0].nextCursor).toBe(incoming);
      expect(batches[1].nextCursor).toEqual({ value: NOW.toISOString() });
    });

    it('reads malformed answers defensively', async () => {
      claimSite(CLAIM_CALLS_PER_WINDOW, (query) => {
        if (query.ClaimStat === '1')
          return ok([
            claimRow(111, 1001, '???', { requestDate: '/Date(1746000000000)/' }), // unreadable status: the list says 1
            { packNo: 999, claimStatus: 1 }, // no orderNo: skipped
            null,
            claimRow(undefined, 6001, 1), // no packNo: found by orderNo
          ]);
        if (query.ClaimStat === '3') return { ResultCode: '0', ResultMsg: 'SUCCESS' }; // no ResultObject, code as text
        if (query.ClaimStat === '4') return ok([claimRow(444, 4001, 4, { requestDate: 'yesterday', orderQty: 'n/a' })]);
        return ok([]);
      });
      byOrderSite({ '6001': lineRow(666, 6001, 'Seller confirm(3)', { claimStatus: 1 }) });

      const { changes } = await pull({ value: '2025-05-01T02:00:00.000Z' });

      expect(kinds(changes)).toEqual(['111:cancel_requested', '666:cancel_requested', '444:return_requested']);
      expect(changes[0]).toMatchObject({ siteRef: '1001:1:/Date(1746000000000)/', occurredAt: new Date(1746000000000) });
      expect(changes[1].request).toEqual({ ContrNo: '6001', packNo: '666' });
      expect(changes[2]).toMatchObject({ siteRef: '4001:4:yesterday', occurredAt: null });
      expect(changes[2].lines).toBeUndefined();
    });

    it('starts over from the look-back when the cursor cannot be read', async () => {
      const queries = claimSite(CLAIM_CALLS_PER_WINDOW);
      await pull({ value: '{not json' });
      expect(queries[0].search_Sdate).toBe('20250401120000');
    });
  });

  describe('recheck', () => {
    it('reads every orderNo of the pack: all cancelled → cancelled', async () => {
      byOrderSite({
        '1001': lineRow(111, 1001, 'Seller confirm(3)', {
          claimStatus: 3,
          requestDate: '2025-04-30 10:00:00',
          cancelRefundDate: '2025-04-30 10:30:00',
        }),
        '1002': lineRow(111, 1002, 'Seller confirm(3)', {
          claimStatus: 3,
          requestDate: '2025-04-30 10:00:00',
          cancelRefundDate: '2025-04-30 10:30:00',
        }),
      });

      const [result] = await connector.recheck(context(), [
        { externalOrderId: '111', refs: { packNo: '111', orderNos: ['1001', '1002'] } },
      ]);

      expect(result).toMatchObject({ externalOrderId: '111', found: true, siteStatus: '3' });
      expect(result.changes).toEqual([
        expect.objectContaining({
          kind: 'cancelled',
          siteRef: '1001:3:2025-04-30 10:00:00+1002:3:2025-04-30 10:00:00',
          occurredAt: new Date('2025-04-30T01:30:00Z'),
        }),
      ]);
    });

    it('one line cancelled, the other live → line_cancelled and released', async () => {
      byOrderSite({
        '1001': lineRow(111, 1001, 'Seller confirm(3)', { claimStatus: 3, requestDate: '2025-04-30 10:00:00' }),
        '1002': lineRow(111, 1002, 'On request(2)'),
      });

      const [result] = await connector.recheck(context(), [
        { externalOrderId: '111', lines: [{ externalLineId: '1001' }, { externalLineId: '1002' }] },
      ]);

      expect(kinds(result.changes)).toEqual(['111:line_cancelled', '111:released']);
      expect(result.changes[0].lines).toEqual([{ externalLineId: '1001', liveQuantity: 0 }]);
      expect(result.siteStatus).toBe('2');
    });

    it('a waiting request → cancel_requested, never released; a shipped open pack → released with its status', async () => {
      byOrderSite({
        '1001': lineRow(111, 1001, 'Seller confirm(3)', { claimStatus: 1, requestDate: '2025-04-30 10:00:00', reason: '注文間違い' }),
        '2001': lineRow(222, 2001, 'On delivery(4)'),
      });

      const [held, shipped] = await connector.recheck(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001'] } },
        { externalOrderId: '222', refs: { orderNos: ['2001'] } },
      ]);

      expect(held.changes).toEqual([
        expect.objectContaining({ kind: 'cancel_requested', request: { ContrNo: '1001', packNo: '111' }, reason: '注文間違い' }),
      ]);
      expect(shipped).toMatchObject({
        found: true,
        siteStatus: '4',
        changes: [expect.objectContaining({ kind: 'released', siteRef: `open@${NOW.toISOString()}` })],
      });
    });

    it('an orderNo Qoo10 does not know → found false, never assumed shipped or cancelled', async () => {
      nock(HOST).post(BY_ORDER).reply(200, { ResultCode: -10002, ResultMsg: 'Not exists order info' }).post(BY_ORDER).reply(200, ok({}));

      const results = await connector.recheck(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001'] } },
        { externalOrderId: '222', refs: { orderNos: ['2001'] } },
        { externalOrderId: '333' },
      ]);

      expect(results).toEqual([
        { externalOrderId: '111', found: false, changes: [] },
        { externalOrderId: '222', found: false, changes: [] },
        { externalOrderId: '333', found: false, changes: [] },
      ]);
    });

    it('a shipping status or claim it cannot read: no release, the raw status shown', async () => {
      byOrderSite({
        '1001': lineRow(111, 1001, '配送準備中'),
        '2001': lineRow(222, 2001, 'Seller confirm(3)', { claimStatus: 'Pending?' }),
      });

      const [unreadable, unknownClaim] = await connector.recheck(context(), [
        { externalOrderId: '111', refs: { orderNos: ['1001'] } },
        { externalOrderId: '222', refs: { orderNos: ['2001'] } },
      ]);

      expect(unreadable).toEqual({ externalOrderId: '111', found: true, changes: [], siteStatus: '配送準備中' });
      expect(unknownClaim).toEqual({ externalOrderId: '222', found: true, changes: [], siteStatus: '3' });
    });

    it('propagates a site failure instead of answering found false', async () => {
      nock(HOST).post(BY_ORDER).reply(200, { ResultCode: -90004, ResultMsg: 'Seller authorization key is expired. Use a new key.' });
      await expect(connector.recheck(context(), [{ externalOrderId: '111', refs: { orderNos: ['1001'] } }])).rejects.toBeInstanceOf(
        SiteAuthError,
      );
    });
  });

  describe('approveCancel', () => {
    function cancelSite(answers: Record<string, unknown>) {
      const sent: Record<string, string>[] = [];
      nock(HOST)
        .post(CANCEL)
        .times(Object.keys(answers).length)
        .reply(200, (_uri, body) => {
          const params = form(body);
          sent.push(params);
          return answers[params.ContrNo];
        });
      return sent;
    }

    it('sends SetCancelProcess for every orderNo of the requests, one result per order', async () => {
      byOrderSite({
        '1001': lineRow(111, 1001, 'Seller confirm(3)', { claimStatus: 1 }),
        '1002': lineRow(111, 1002, 'Seller confirm(3)', { claimStatus: 2 }),
      });
      const sent = cancelSite({ '1001': ok(), '1002': ok() });

      const results = await connector.approveCancel(context(), [
        { externalOrderId: '111', request: { ContrNo: '1001', packNo: '111' } },
        { externalOrderId: '111', request: { ContrNo: '1001, 1002', packNo: '111' } },
      ]);

      expect(results).toEqual([{ key: '111', ok: true }]);
      expect(sent).toEqual([
        { returnType: 'application/json', ContrNo: '1001', CancelReason: '1' },
        { returnType: 'application/json', ContrNo: '1002', CancelReason: '1' },
      ]);
    });

    it('-10004 → not ok, not retryable, with the site message', async () => {
      byOrderSite({ '2001': lineRow(222, 2001, 'Seller confirm(3)', { claimStatus: 1 }) });
      cancelSite({ '2001': { ResultCode: -10004, ResultMsg: '주문상태가 올바르지 않습니다' } });

      const [result] = await connector.approveCancel(context(), [{ externalOrderId: '222', request: { ContrNo: '2001' } }]);

      expect(result).toEqual({
        key: '222',
        ok: false,
        siteCode: '-10004',
        retryable: false,
        message: 'orderNo 2001 of 1: 주문상태가 올바르지 않습니다',
      });
    });

    it('counts a line already cancelled as done, and never cancels a line whose request is gone', async () => {
      byOrderSite({
        '1001': lineRow(111, 1001, 'Seller confirm(3)', { claimStatus: 3 }),
        '2001': lineRow(222, 2001, 'Seller confirm(3)'),
        '3001': lineRow(333, 3001, 'On delivery(4)', { claimStatus: '' }),
      });

      const results = await connector.approveCancel(context(), [
        { externalOrderId: '111', request: { ContrNo: '1001' } },
        { externalOrderId: '222', request: { ContrNo: '2001' } },
        { externalOrderId: '333', request: { ContrNo: '3001' } },
        { externalOrderId: '444', request: {} },
      ]);

      expect(results).toEqual([
        { key: '111', ok: true },
        expect.objectContaining({ key: '222', ok: false, retryable: false, message: expect.stringContaining('No cancel request waits') }),
        expect.objectContaining({ key: '333', ok: false, retryable: false, message: expect.stringContaining('shippingStatus 4') }),
        expect.objectContaining({ key: '444', ok: false, retryable: false, message: expect.stringContaining('names no Qoo10 orderNo') }),
      ]);
    });

    it('reports a 5xx that outlasts the retries (4 attempts) as retryable, and cancels nothing', async () => {
      nock(HOST).post(BY_ORDER).times(4).reply(503);

      const [result] = await connector.approveCancel(context(), [{ externalOrderId: '111', request: { ContrNo: '1001' } }]);

      expect(result).toMatchObject({ key: '111', ok: false, retryable: true, siteCode: '503' });
    });
  });

  describe('value parsing', () => {
    it('reads claimStatus as a number, a numeric string, a "(n)" suffix or a label; empty and 0 are no claim', () => {
      expect(readClaimStatus(3)).toEqual({ kind: 'code', code: 3 });
      expect(readClaimStatus(' 11 ')).toEqual({ kind: 'code', code: 11 });
      expect(readClaimStatus('Cancel Completed(3)')).toEqual({ kind: 'code', code: 3 });
      expect(readClaimStatus('Return Request')).toEqual({ kind: 'code', code: 4 });
      expect(readClaimStatus('취소요청')).toEqual({ kind: 'code', code: 1 });
      expect(readClaimStatus('')).toEqual({ kind: 'none' });
      expect(readClaimStatus(0)).toEqual({ kind: 'none' });
      expect(readClaimStatus(null)).toEqual({ kind: 'none' });
      expect(readClaimStatus('weird')).toEqual({ kind: 'unreadable', raw: 'weird' });
      expect(readClaimStatus(1.5)).toEqual({ kind: 'unreadable', raw: '1.5' });
    });

    it('reads claim dates in the formats seen in the QAPI family', () => {
      expect(claimDate('2025-04-30 10:00:00')).toEqual(new Date('2025-04-30T01:00:00Z'));
      expect(claimDate('20250430100000')).toEqual(new Date('2025-04-30T01:00:00Z'));
      expect(claimDate('2025-04-30T10:00:00+09:00')).toEqual(new Date('2025-04-30T01:00:00Z'));
      expect(claimDate('/Date(1746000000000)/')).toEqual(new Date(1746000000000));
      expect(claimDate('0000-00-00 00:00:00')).toBeUndefined();
      expect(claimDate('soon')).toBeUndefined();
    });
  });
});
