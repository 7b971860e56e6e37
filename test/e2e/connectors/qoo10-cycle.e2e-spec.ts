import { Logger } from '@nestjs/common';

import { SiteAuthError } from '../../../src/connectors/http/site-errors';
import { Qoo10Client } from '../../../src/connectors/qoo10/qoo10.client';
import { Qoo10Connector } from '../../../src/connectors/qoo10/qoo10.connector';
import { QOO10_DESCRIPTOR } from '../../../src/connectors/qoo10/qoo10.descriptor';
import type { ExternalOrder, OrderBatch, SyncCursor } from '../../../src/connectors/sales-site-connector';
import { testConnectionContext, type TestConnectionContext } from '../../../src/connectors/testing/test-connection-context';
import { Qoo10Simulator, formatJst, type Qoo10OrderSeed } from '../../simulators/qoo10';

/**
 * The Qoo10 connector over real HTTP against the simulator (no app, no database): orders appear → pulled and
 * grouped by pack → confirmed → waybill pushed for every orderNo → stock pushed, each visible in the simulator.
 */
describe('Qoo10 connector cycle (simulator)', () => {
  const sim = new Qoo10Simulator();
  const connector = new Qoo10Connector(new Qoo10Client());
  const NOW = new Date('2025-05-01T03:00:00Z'); // 12:00 JST
  let ctx: TestConnectionContext;

  const hoursAgo = (hours: number) => formatJst(new Date(sim.clock.now().getTime() - hours * 3_600_000));
  const line = (packNo: number, orderNo: number, overrides: Partial<Qoo10OrderSeed> = {}): Qoo10OrderSeed => ({
    packNo,
    orderNo,
    orderDate: hoursAgo(3),
    buyer: '山田 太郎',
    buyerKana: 'ヤマダ タロウ',
    buyerEmail: 'taro@example.jp',
    itemCode: '1012345678',
    sellerItemCode: 'TOWEL-FT',
    itemTitle: '今治タオル',
    orderPrice: 1980,
    orderQty: 1,
    receiver: '山田 太郎',
    receiverKana: 'ヤマダ タロウ',
    zipCode: '150-0001',
    address1: '東京都渋谷区神宮前1-2-3',
    address2: 'メゾン201',
    receiverMobile: '+81-90-1234-5678',
    ...overrides,
  });
  const tshirt = (packNo: number, orderNo: number, overrides: Partial<Qoo10OrderSeed> = {}) =>
    line(packNo, orderNo, {
      itemCode: '1012345679',
      sellerItemCode: 'TSHIRT',
      itemTitle: 'Tシャツ',
      option: 'カラー:ホワイト / サイズ:M',
      optionCode: 'TSHIRT-WH-M',
      orderPrice: 2980,
      orderQty: 2,
      ...overrides,
    });

  function seed(orders: Qoo10OrderSeed[], settings: Record<string, unknown> = {}): void {
    sim.seed({
      orders,
      items: [
        { itemCode: '1012345678', sellerCode: 'TOWEL-FT', itemTitle: '今治タオル', price: 1980, qty: 120, expireDate: '2026-03-31' },
        {
          itemCode: '1012345679',
          sellerCode: 'TSHIRT',
          itemTitle: 'Tシャツ',
          price: 2980,
          options: [
            { optionName: 'カラー||*サイズ', optionValue: 'ホワイト||*M', optionCode: 'TSHIRT-WH-M', qty: 25 },
            { optionName: 'カラー||*サイズ', optionValue: 'ホワイト||*L', optionCode: 'TSHIRT-WH-L', qty: 18 },
          ],
        },
      ],
    });
    ctx = testConnectionContext(QOO10_DESCRIPTOR, {
      endpoint: sim.url,
      shopId: 'mallbridge-shop',
      credentials: { apiKey: 'qoo10-test-api-key', certificationKey: sim.issueKey() },
      settings: { carrierNames: { yamato: 'ヤマト宅急便' }, ...settings },
      now: () => sim.clock.now(),
    });
  }

  async function pull(cursor: SyncCursor | null = null): Promise<{ orders: ExternalOrder[]; batches: OrderBatch[] }> {
    const batches: OrderBatch[] = [];
    for await (const batch of connector.pullOrders(ctx, cursor)) batches.push(batch);
    return { orders: batches.flatMap((batch) => batch.orders), batches };
  }

  const shippingCalls = () => sim.requests.filter((request) => request.path.endsWith('GetShippingInfo_v3'));

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await sim.start(0);
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    sim.clock.set(NOW);
  });

  it('pulls packs as one order each, confirms them, pushes the waybill to every orderNo, and pushes stock', async () => {
    seed([
      tshirt(5001, 900001),
      line(5001, 900002),
      line(5002, 900010, { status: 3, orderDate: hoursAgo(30), buyer: '佐藤 花子', receiver: '佐藤 花子' }),
      line(5003, 900020, { status: 1 }), // awaiting payment: not collectable
      line(5004, 900030, { status: 4 }), // already on delivery
      line(5005, 900040, { orderDate: hoursAgo(24 * 40) }), // before the first pull's look-back
    ]);

    const { orders, batches } = await pull();

    expect(orders.map((o) => o.externalOrderId).sort()).toEqual(['5001', '5002']);
    const pack = orders.find((o) => o.externalOrderId === '5001')!;
    expect(pack).toMatchObject({
      siteStatus: '2',
      siteStatusName: 'On request(2)',
      orderedAt: new Date('2025-05-01T00:00:00Z'),
      total: { amount: String(2980 * 2 + 1980), currency: 'JPY' },
      buyer: { name: '山田 太郎', email: 'taro@example.jp' },
      recipient: { name: '山田 太郎', postalCode: '150-0001', line1: '東京都渋谷区神宮前1-2-3', line2: 'メゾン201' },
      refs: { packNo: '5001', orderNos: ['900001', '900002'] },
    });
    expect(pack.lines).toEqual([
      expect.objectContaining({
        externalLineId: '900001',
        productCode: 'TSHIRT',
        optionCode: 'TSHIRT-WH-M',
        quantity: 2,
        unitPrice: '2980',
      }),
      expect.objectContaining({ externalLineId: '900002', productCode: 'TOWEL-FT', quantity: 1 }),
    ]);
    expect(pack.lines[0].optionCode).toBe('TSHIRT-WH-M');
    expect(connector.listingKey(pack.lines[0]).key).toBe('TSHIRT-WH-M');
    expect(connector.listingKey(pack.lines[1]).key).toBe('TOWEL-FT');
    expect(batches.at(-1)!.nextCursor).toEqual({ value: NOW.toISOString() });

    const confirmed = await connector.confirmOrders(
      ctx,
      orders.map((o) => ({ externalOrderId: o.externalOrderId, refs: o.refs })),
    );
    expect(confirmed.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: '5001', ok: true },
      { key: '5002', ok: true }, // already confirmed on Qoo10
    ]);
    expect(sim.getOrder(900001)?.status).toBe(3);
    expect(sim.getOrder(900002)?.status).toBe(3);

    const tracked = await connector.pushTracking(ctx, [
      { externalOrderId: '5001', refs: pack.refs, carrier: 'yamato', trackingNumber: '4321-0000-1111', shippedAt: sim.clock.now() },
    ]);
    expect(tracked).toEqual([{ key: '5001', ok: true }]);
    for (const orderNo of [900001, 900002]) {
      expect(sim.getOrder(orderNo)).toMatchObject({ status: 4, deliveryCompany: 'ヤマト宅急便', trackingNo: '4321-0000-1111' });
    }

    const stock = await connector.pushStock(ctx, [
      { listingKey: 'TOWEL-FT', quantity: 77 },
      { listingKey: 'TSHIRT-WH-L', productCode: 'TSHIRT', quantity: 5 },
      { listingKey: 'TSHIRT', quantity: 3 },
      { listingKey: 'NO-SUCH-CODE', quantity: 1 },
    ]);
    expect(stock).toEqual([
      expect.objectContaining({ key: 'TOWEL-FT', ok: true }),
      expect.objectContaining({ key: 'TSHIRT-WH-L', ok: true }),
      expect.objectContaining({ key: 'TSHIRT', ok: false }),
      expect.objectContaining({ key: 'NO-SUCH-CODE', ok: false }),
    ]);
    expect(sim.getItem('1012345678')).toMatchObject({ qty: 77, expireDate: '2026-03-31', price: 1980 });
    expect(sim.getItem('1012345679')?.options.find((o) => o.optionCode === 'TSHIRT-WH-L')?.qty).toBe(5);
    expect(sim.getItem('1012345679')?.options.find((o) => o.optionCode === 'TSHIRT-WH-M')?.qty).toBe(25);
  });

  it('walks the first pull back in windows, and later pulls from the cursor minus the overlap', async () => {
    seed([line(6001, 910001, { orderDate: hoursAgo(24 * 25) })], { searchWindowDays: 10, overlapHours: 2 });

    const first = await pull();
    expect(first.orders.map((o) => o.externalOrderId)).toEqual(['6001']);
    // 30 days in 10-day windows, two statuses each
    expect(shippingCalls()).toHaveLength(6);

    sim.clock.advance(3_600_000);
    sim.addOrder(line(6002, 910002, { orderDate: formatJst(sim.clock.now()) }));
    sim.requests.length = 0;
    const second = await pull(first.batches.at(-1)!.nextCursor);

    expect(second.orders.map((o) => o.externalOrderId)).toEqual(['6002']);
    const params = new URLSearchParams(shippingCalls()[0].bodyText);
    expect(params.get('SearchStartDate')).toBe('20250501100000'); // cursor 12:00 JST − 2 h
    expect(params.get('SearchEndDate')).toBe('20250501130000');
    expect(shippingCalls()).toHaveLength(2);
  });

  it('retries a 5xx answer, and fails as auth when the key expires mid-pull', async () => {
    seed([line(7001, 920001)]);
    sim.faults.add({ kind: 'http', status: 503, pathIncludes: 'GetShippingInfo_v3', times: 1 });

    expect((await pull()).orders.map((o) => o.externalOrderId)).toEqual(['7001']);

    // The key expires after the first window's first call.
    sim.faults.add({ kind: 'site-error', siteCode: '-90004', pathIncludes: 'GetShippingInfo_v3', afterCalls: 1 });
    await expect(pull()).rejects.toBeInstanceOf(SiteAuthError);
  });

  it('reports per pack when one orderNo of it is refused', async () => {
    seed([line(8001, 930001), line(8001, 930002, { status: 1 }), line(8002, 930010)]); // 930002 awaits payment: refused

    const result = await connector.pushTracking(ctx, [
      {
        externalOrderId: '8001',
        refs: { orderNos: ['930001', '930002'] },
        carrier: 'yamato',
        trackingNumber: 'T-1',
        shippedAt: sim.clock.now(),
      },
      {
        externalOrderId: '8002',
        lines: [{ externalLineId: '930010' }],
        carrier: 'ゆうパック',
        trackingNumber: 'T-2',
        shippedAt: sim.clock.now(),
      },
    ]);

    expect(result).toEqual([
      expect.objectContaining({ key: '8001', ok: false, siteCode: '-10103', message: expect.stringContaining('930002') }),
      { key: '8002', ok: true },
    ]);
    expect(sim.getOrder(930001)).toMatchObject({ status: 4, trackingNo: 'T-1' });
    expect(sim.getOrder(930010)).toMatchObject({ status: 4, deliveryCompany: 'ゆうパック' });
  });
});
