import { Logger } from '@nestjs/common';

import { ElevenStreetClient } from '../../../src/connectors/eleven-street/eleven-street.client';
import { ElevenStreetConnector } from '../../../src/connectors/eleven-street/eleven-street.connector';
import { ELEVEN_STREET_DESCRIPTOR } from '../../../src/connectors/eleven-street/eleven-street.descriptor';
import type { ExternalOrder, OrderBatch, SyncCursor } from '../../../src/connectors/sales-site-connector';
import { testConnectionContext } from '../../../src/connectors/testing/test-connection-context';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, ElevenStreetSimulator } from '../../simulators/eleven-street';

/**
 * The 11st connector over real HTTP against the simulator (no app, no database): orders appear, are
 * pulled and normalized, confirmed, shipped with a waybill, and stock is written — each step checked
 * on the simulator's side.
 */
const NOW = new Date('2026-02-25T05:00:00Z'); // 14:00 KST
const FAST = { ...ELEVEN_STREET_DESCRIPTOR, rateLimit: { maxConcurrent: 2, minTimeMs: 0 } };

async function pull(connector: ElevenStreetConnector, ctx: ReturnType<typeof context>, cursor: SyncCursor | null) {
  const batches: OrderBatch[] = [];
  for await (const batch of connector.pullOrders(ctx, cursor)) batches.push(batch);
  const orders = new Map<string, ExternalOrder>();
  for (const batch of batches) for (const order of batch.orders) orders.set(order.externalOrderId, order);
  return { orders, cursor: batches.at(-1)?.nextCursor ?? null };
}

let sim: ElevenStreetSimulator;
const context = (settings: Record<string, unknown> = { courierCodes: { cj: '00034' } }) =>
  testConnectionContext(FAST, {
    connectionId: 'cycle-11st',
    endpoint: sim.url,
    credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
    settings,
    now: () => NOW,
  });

describe('11st connector cycle against the simulator', () => {
  const connector = new ElevenStreetConnector(new ElevenStreetClient());

  beforeAll(async () => {
    Logger.overrideLogger(false);
    sim = new ElevenStreetSimulator();
    await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    sim.clock.set(NOW);
    sim.seed(ElevenStreetSimulator.demoSeed(NOW));
  });

  it('pulls, confirms, ships and writes stock', async () => {
    const ctx = context();

    const first = await pull(connector, ctx, null);
    expect([...first.orders.keys()].sort()).toEqual(['20260224093015777', '20260225044348982', '20260225051122001']);
    const bundle = first.orders.get('20260225044348982')!;
    expect(bundle).toMatchObject({
      siteStatus: '202',
      recipient: { name: '김민준', postalCode: '06103', line1: '서울특별시 강남구 논현로 508', line2: '103동 1203호' },
      refs: { dlvNos: ['2678260704'] },
    });
    expect(bundle.lines.map((line) => [line.externalLineId, line.productName, connector.listingKey(line).key, line.quantity])).toEqual([
      ['1', '남성 기본 라운드 티셔츠', 'TEE-BASIC-BK-M', 2],
      ['2', '제주 감귤 3kg 가정용', 'JEJU-CITRUS-3KG', 1],
    ]);
    expect(first.orders.get('20260224093015777')!.siteStatus).toBe('301');
    expect(first.cursor).toEqual({ value: '2026-02-25T05:00:00.000Z' });

    const toRef = (order: ExternalOrder) => ({
      externalOrderId: order.externalOrderId,
      refs: order.refs,
      lines: order.lines.map((line) => ({ externalLineId: line.externalLineId, raw: line.raw })),
    });
    const confirmed = await connector.confirmOrders(ctx, [...first.orders.values()].map(toRef));
    expect(confirmed.every((result) => result.ok)).toBe(true);
    expect(sim.getLines({ ordNo: '20260225044348982' }).map((line) => line.ordPrdStat)).toEqual(['301', '301']);

    // The next pull re-reads only the overlap before the cursor: it finds an order paid since, not the old ones.
    sim.addOrder({
      ordNo: '20260225140000001',
      ordPrdSeq: 1,
      dlvNo: '2678269999',
      ordDt: '2026-02-25 13:50:00',
      prdNo: '9105055173',
      prdNm: '제주 감귤 3kg 가정용',
      prdStckNo: '44699820216',
      sellerPrdCd: 'JEJU-CITRUS-3KG',
      selPrc: 19800,
      ordQty: 1,
      ordNm: '최지우',
      rcvrNm: '최지우',
      rcvrMailNo: '04524',
      rcvrBaseAddr: '서울특별시 중구 세종대로 110',
    });
    const second = await pull(connector, ctx, first.cursor);
    expect([...second.orders.keys()]).toEqual(['20260225140000001']);
    const relooked = await pull(connector, ctx, null);
    expect(
      [...relooked.orders.values()].filter((order) => order.externalOrderId !== '20260225140000001').map((order) => order.siteStatus),
    ).toEqual(['301', '301', '301']);

    const shipped = await connector.pushTracking(ctx, [
      { ...toRef(bundle), carrier: 'cj', trackingNumber: '640012345678', shippedAt: new Date('2026-02-25T06:10:00Z') },
    ]);
    expect(shipped).toEqual([{ key: '20260225044348982', ok: true }]);
    for (const line of sim.getLines({ dlvNo: '2678260704' })) {
      expect(line).toMatchObject({
        ordPrdStat: '401',
        dlvMthdCd: '01',
        dlvEtprsCd: '00034',
        invcNo: '640012345678',
        sendDt: '2026-02-25 15:10:00',
      });
    }
    const reqdelivery = sim.requests.filter((request) => request.path.includes('/reqdelivery/'));
    expect(reqdelivery).toHaveLength(1);

    const stock = await connector.pushStock(ctx, [
      { listingKey: 'TEE-BASIC-BK-M', quantity: 25 },
      { listingKey: 'JEJU-CITRUS-3KG', quantity: 0 },
      { listingKey: 'NOT-ON-11ST', quantity: 3 },
    ]);
    // Each found listing comes back with its address, for Inventory to keep (site_listings).
    expect(stock).toEqual([
      expect.objectContaining({ key: 'TEE-BASIC-BK-M', ok: true, listing: expect.objectContaining({ address: expect.objectContaining({ prdStckNo: '44699820301' }) }) }),
      expect.objectContaining({ key: 'JEJU-CITRUS-3KG', ok: true, listing: expect.objectContaining({ address: expect.objectContaining({ prdStckNo: '44699820216' }) }) }),
      expect.objectContaining({ key: 'NOT-ON-11ST', ok: false, message: expect.stringContaining('NOT-ON-11ST') }),
    ]);
    expect(sim.getStock('44699820301')).toMatchObject({ stckQty: 25, optWght: 1 });
    expect(sim.getStock('44699820216')).toMatchObject({ stckQty: 0, optWght: 3 });
  });

  it("finds an option never seen on an order through 11st's product search", async () => {
    // TEE-BASIC-WH-M is on no order and comes with no product code: the product search finds its product.
    const results = await connector.pushStock(context(), [
      { listingKey: 'TEE-BASIC', quantity: 1 },
      { listingKey: 'TEE-BASIC-WH-M', quantity: 6 },
    ]);
    expect(results[0]).toMatchObject({ key: 'TEE-BASIC', ok: false });
    expect(results[1]).toMatchObject({ key: 'TEE-BASIC-WH-M', ok: true, listing: { address: { prdStckNo: '44699820303' } } });
    expect(sim.getStock('44699820303')).toMatchObject({ stckQty: 6, prdStckStatCd: '01' });
  });

  it('retries an injected 503 and -1000 maintenance, then succeeds', async () => {
    sim.faults.add({ kind: 'http', status: 503, pathIncludes: '/ordservices/complete/' });
    sim.faults.add({ kind: 'site-error', siteCode: '-1000', pathIncludes: '/ordservices/reqpackaging/' });
    const ctx = context();

    const { orders } = await pull(connector, ctx, null);
    expect(orders.size).toBe(3);
    const order = orders.get('20260225051122001')!;
    const [result] = await connector.confirmOrders(ctx, [
      {
        externalOrderId: order.externalOrderId,
        lines: order.lines.map((line) => ({ externalLineId: line.externalLineId, raw: line.raw })),
      },
    ]);

    expect(result).toEqual({ key: '20260225051122001', ok: true });
    expect(sim.getLines({ ordNo: '20260225051122001' })[0].ordPrdStat).toBe('301');
    expect(sim.requests.filter((request) => request.path.includes('/reqpackaging/'))).toHaveLength(2);
    expect(sim.faults.list()).toEqual([]);
  });

  it('reports a courier with no 11st code per item, and an already-shipped bundle as done', async () => {
    const ctx = context();
    const { orders } = await pull(connector, ctx, null);
    const packed = orders.get('20260224093015777')!;
    const ref = { externalOrderId: packed.externalOrderId, refs: packed.refs, shippedAt: NOW, trackingNumber: '640012345679' };

    const first = await connector.pushTracking(ctx, [
      { ...ref, carrier: 'cj' },
      { ...ref, externalOrderId: 'x', refs: { dlvNos: ['1'] }, carrier: 'pony-express' },
    ]);
    const again = await connector.pushTracking(ctx, [{ ...ref, carrier: 'cj' }]);

    expect(first[0]).toEqual({ key: '20260224093015777', ok: true });
    expect(first[1]).toMatchObject({ key: 'x', ok: false, retryable: false });
    expect(again).toEqual([{ key: '20260224093015777', ok: true }]);
    expect(sim.getLines({ ordNo: '20260224093015777' })[0]).toMatchObject({ ordPrdStat: '401', invcNo: '640012345679' });
  });
});
