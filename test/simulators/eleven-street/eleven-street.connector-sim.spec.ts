import { Logger } from '@nestjs/common';

import { ElevenStreetClient } from '../../../src/connectors/eleven-street/eleven-street.client';
import { ElevenStreetConnector } from '../../../src/connectors/eleven-street/eleven-street.connector';
import { ELEVEN_STREET_DESCRIPTOR } from '../../../src/connectors/eleven-street/eleven-street.descriptor';
import type { ExternalOrder } from '../../../src/connectors/sales-site-connector';
import type { OrderChange, OrderChangeBatch } from '../../../src/connectors/site-ports';
import { testConnectionContext } from '../../../src/connectors/testing/test-connection-context';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, ElevenStreetSimulator, type ElevenStreetOrderSeed } from './eleven-street.simulator';

/**
 * The 11st connector's change intake against the simulator (both written from cancellations.md §3): what a
 * scenario hook does on the "site" arrives as the change the core expects, with the ids the order pull gives.
 */

const NOW = new Date('2026-03-10T03:00:00.000Z'); // 12:00 KST
const A = '20260310000000001'; // two lines at 202
const B = '20260310000000002'; // one line, confirmed (301), qty 3
const C = '20260310000000003'; // one line at 202, its own dlvNo

function line(
  partial: Partial<ElevenStreetOrderSeed> & Pick<ElevenStreetOrderSeed, 'ordNo' | 'ordPrdSeq' | 'dlvNo'>,
): ElevenStreetOrderSeed {
  return {
    ordDt: '2026-03-10 09:30:00',
    prdNo: '9105055173',
    prdNm: '제주 감귤 3kg',
    prdStckNo: '44699820216',
    sellerPrdCd: 'CITRUS-3KG',
    sellerStockCd: 'CITRUS-3KG',
    selPrc: 19800,
    ordQty: 1,
    ordNm: '김민준',
    rcvrNm: '김민준',
    rcvrPrtblNo: '010-1234-5678',
    rcvrMailNo: '06103',
    rcvrBaseAddr: '서울특별시 강남구 논현로 508',
    rcvrDtlsAddr: '103동 1203호',
    ...partial,
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('11st connector × simulator: changes after intake', () => {
  const sim = new ElevenStreetSimulator();
  const connector = new ElevenStreetConnector(new ElevenStreetClient());
  let now = NOW;
  const context = () =>
    testConnectionContext(
      { ...ELEVEN_STREET_DESCRIPTOR, rateLimit: { maxConcurrent: 4, minTimeMs: 0 } },
      {
        connectionId: 'c-11st-sim',
        endpoint: sim.url,
        credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
        settings: { initialLookbackDays: 2 },
        now: () => now,
      },
    );
  const advance = (minutes: number) => {
    now = new Date(now.getTime() + minutes * 60_000);
    sim.clock.set(now);
  };
  const changesSince = async (cursor: string | null): Promise<{ changes: OrderChange[]; cursor: string | null }> => {
    const batches: OrderChangeBatch[] = await collect(connector.pullChanges(context(), cursor ? { value: cursor } : null));
    return { changes: batches.flatMap((batch) => batch.changes), cursor: batches.at(-1)?.nextCursor?.value ?? cursor };
  };
  const summary = (changes: OrderChange[]) =>
    changes.map((change) => [change.externalOrderId, change.kind, ...(change.lines ? [change.lines] : [])]);

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await sim.start(0);
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    now = NOW;
    sim.reset();
    sim.clock.set(NOW);
    sim.seed({
      orders: [
        line({ ordNo: A, ordPrdSeq: 1, dlvNo: '3000000001', ordQty: 2 }),
        line({ ordNo: A, ordPrdSeq: 2, dlvNo: '3000000001', prdNo: '9105055200', prdNm: '라운드 티셔츠' }),
        line({ ordNo: B, ordPrdSeq: 1, dlvNo: '3000000002', ordQty: 3, ordPrdStat: '301', plcodrCnfDt: '2026-03-10 10:00:00' }),
        line({ ordNo: C, ordPrdSeq: 1, dlvNo: '3000000003' }),
      ],
    });
  });

  it('keys changes like the order pull: ordNo and ordPrdSeq', async () => {
    const batches = await collect(connector.pullOrders(context(), null));
    const orders = new Map(
      batches.flatMap((batch) => batch.orders).map((order) => [order.externalOrderId, order] as [string, ExternalOrder]),
    );
    expect([...orders.keys()].sort()).toEqual([A, B, C]);
    expect(orders.get(A)!.lines.map((l) => l.externalLineId)).toEqual(['1', '2']);

    advance(1);
    sim.buyerCancel(A, 2);
    const { changes } = await changesSince(null);
    expect(summary(changes)).toEqual([
      [A, 'line_cancelled', [{ externalLineId: '2', liveQuantity: 0 }]],
      [A, 'released'],
    ]);
  });

  it('a buyer cancel at 202 (whole order, part of a line), a request at 301 approved through approveCancel, then the recheck', async () => {
    let { cursor } = await changesSince(null);

    advance(5);
    sim.buyerCancel(C);
    sim.buyerCancel(A, 1, 1);
    sim.requestCancel(B, 1, 2);
    advance(1);
    const start = cursor;
    const first = await changesSince(start);
    cursor = first.cursor;
    // All in the same minute: the request first, then the completed cancels as 11st lists them.
    expect(summary(first.changes)).toEqual([
      [B, 'cancel_requested'],
      [A, 'line_cancelled', [{ externalLineId: '1', liveQuantity: 1 }]],
      [A, 'released'],
      [C, 'cancelled'],
    ]);
    const request = first.changes.find((change) => change.kind === 'cancel_requested')!;
    expect(request.request).toEqual({ ordPrdCnSeq: expect.stringMatching(/^\d+$/), ordNo: B, ordPrdSeq: '1' });

    // A re-read of the same window states the same changes, with the same identities.
    const reread = await changesSince(start);
    expect(reread.changes.map((change) => `${change.kind} ${change.siteRef}`)).toEqual(
      first.changes.map((change) => `${change.kind} ${change.siteRef}`),
    );

    advance(2);
    const approved = await connector.approveCancel(context(), [{ externalOrderId: B, request: request.request! }]);
    expect(approved).toEqual([{ key: B, ok: true, siteCode: '0', message: '전체 1건이 정상적으로 취소처리가 되었습니다.' }]);
    expect(sim.getLines({ ordNo: B })[0]).toMatchObject({ ordPrdStat: '301', ordCnQty: 2 });

    advance(1);
    const second = await changesSince(cursor);
    expect(summary(second.changes.filter((change) => change.externalOrderId === B))).toEqual([
      [B, 'line_cancelled', [{ externalLineId: '1', liveQuantity: 1 }]],
      [B, 'released'],
    ]);

    const rechecked = await connector.recheck(context(), [
      { externalOrderId: A },
      { externalOrderId: B },
      { externalOrderId: C },
      { externalOrderId: '1' },
    ]);
    expect(
      rechecked.map((result) => [result.externalOrderId, result.found, result.siteStatus, result.changes.map((change) => change.kind)]),
    ).toEqual([
      [A, true, '202', ['line_cancelled', 'address_changed', 'released']],
      [B, true, '301', ['line_cancelled', 'address_changed', 'released']],
      [C, true, 'B01', ['cancelled']],
      ['1', false, undefined, []],
    ]);
    expect(rechecked[0].changes[0].lines).toEqual([{ externalLineId: '1', liveQuantity: 1 }]);
    expect(rechecked[0].changes[1].recipient).toEqual({
      name: '김민준',
      postalCode: '06103',
      country: 'KR',
      line1: '서울특별시 강남구 논현로 508',
      line2: '103동 1203호',
      phone: '010-1234-5678',
    });
  });

  it('a request withdrawn is released; one still open is found by the recheck with its claim number', async () => {
    let { cursor } = await changesSince(null);
    advance(5);
    sim.requestCancel(B, 1);
    const [open] = sim.requestCancel(A, 1);
    advance(1);
    ({ cursor } = await changesSince(cursor));

    advance(5);
    sim.withdrawCancel(B);
    advance(1);
    const { changes } = await changesSince(cursor);
    // The overlap re-reads A's request, still open (the core already has it: same siteRef, nothing new).
    expect(summary(changes)).toEqual([
      [A, 'cancel_requested'],
      [B, 'released'],
    ]);

    const [recheckA] = await connector.recheck(context(), [{ externalOrderId: A }]);
    expect(recheckA.changes.find((change) => change.kind === 'cancel_requested')).toMatchObject({
      siteRef: `${open.ordPrdCnSeq}:01`,
      request: { ordPrdCnSeq: open.ordPrdCnSeq, ordNo: A, ordPrdSeq: '1' },
    });
    expect(recheckA.changes.map((change) => change.kind)).toEqual(['cancel_requested', 'address_changed']);

    // approveCancel with the request as the recheck gave it, and once more: the repeat counts as done.
    const request = recheckA.changes[0].request!;
    expect((await connector.approveCancel(context(), [{ externalOrderId: A, request }]))[0]).toMatchObject({ ok: true, siteCode: '0' });
    expect((await connector.approveCancel(context(), [{ externalOrderId: A, request }]))[0]).toMatchObject({
      ok: true,
      siteCode: '-22002',
      message: '이미 취소 완료된 신청건 입니다.',
    });
    expect(sim.getLines({ ordNo: A })[0]).toMatchObject({ ordPrdStat: 'B01', ordCnQty: 2 });
  });

  it('returns and exchanges after shipment are recorded', async () => {
    const { cursor } = await changesSince(null);
    const [packed] = await connector.confirmOrders(context(), [
      {
        externalOrderId: C,
        lines: [{ externalLineId: '1', raw: { ordNo: C, ordPrdSeq: '1', addPrdYn: 'N', addPrdNo: '', dlvNo: '3000000003' } }],
      },
    ]);
    expect(packed.ok).toBe(true);
    await connector.pushTracking(context(), [
      { externalOrderId: C, refs: { dlvNos: ['3000000003'] }, carrier: 'cj', trackingNumber: '640012345678', shippedAt: now },
    ]);
    advance(5);
    const [claim] = sim.requestReturn(C, 1);
    advance(1);
    const { changes } = await changesSince(cursor);
    expect(changes).toEqual([
      expect.objectContaining({
        externalOrderId: C,
        kind: 'return_requested',
        siteRef: `${claim.clmReqSeq}:105`,
        reason: expect.stringContaining('반품신청'),
      }),
    ]);
  });

  it('ships two orders sharing a dlvNo with one reqdelivery, reported for both', async () => {
    sim.shareDlvNo([B, C]);
    sim.setOrderStatus(C, 1, '301');
    sim.requests.length = 0;

    const results = await connector.pushTracking(context(), [
      { externalOrderId: B, refs: { dlvNos: ['3000000002'] }, carrier: 'cj', trackingNumber: '640012345678', shippedAt: now },
      { externalOrderId: C, refs: { dlvNos: ['3000000002'] }, carrier: 'cj', trackingNumber: '640012345679', shippedAt: now },
    ]);

    expect(sim.requests.map((request) => request.path)).toEqual([
      '/rest/ordservices/reqdelivery/202603101200/01/00034/640012345678/3000000002',
    ]);
    expect(results).toEqual([
      { key: B, ok: true },
      { key: C, ok: true, message: expect.stringContaining(`shipped with order ${B}`) },
    ]);
    expect([...sim.getLines({ ordNo: B }), ...sim.getLines({ ordNo: C })].map((l) => [l.ordPrdStat, l.invcNo])).toEqual([
      ['401', '640012345678'],
      ['401', '640012345678'],
    ]);
  });

  it('a request open on the bundle blocks the waybill (-3310)', async () => {
    sim.requestCancel(B, 1, 1);
    const [result] = await connector.pushTracking(context(), [
      { externalOrderId: B, refs: { dlvNos: ['3000000002'] }, carrier: 'cj', trackingNumber: '640012345678', shippedAt: now },
    ]);
    expect(result).toMatchObject({ ok: false, siteCode: '-3310' });
  });
});
