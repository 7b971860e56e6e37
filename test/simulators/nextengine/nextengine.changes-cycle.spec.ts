import { Logger } from '@nestjs/common';

import { AppConfig } from '../../../src/config/app-config';
import { NextEngineClient } from '../../../src/connectors/nextengine/nextengine.client';
import { NextEngineConnector } from '../../../src/connectors/nextengine/nextengine.connector';
import { NEXTENGINE_DESCRIPTOR } from '../../../src/connectors/nextengine/nextengine.descriptor';
import type { SyncCursor } from '../../../src/connectors/sales-site-connector';
import type { OrderChange, OrderChangeBatch } from '../../../src/connectors/site-ports';
import { testConnectionContext, type TestConnectionContext } from '../../../src/connectors/testing/test-connection-context';
import { NextEngineSimulator, type NeOrderSeed } from './nextengine.simulator';

/**
 * The NextEngine change source over real HTTP against the simulator (no app, no database): the scenario hooks change
 * slips, and one change pull states each change as the core expects it, with the calls growing with the changes.
 */
describe('NextEngine change source against the simulator (cancellations.md §1)', () => {
  const sim = new NextEngineSimulator();
  const config = new AppConfig({
    port: 3000,
    dataDir: '.data',
    credentialsKey: Buffer.alloc(32),
    publicBaseUrl: 'https://mallbridge.test',
    connectReturnUrl: 'https://mallbridge.test/docs',
    nextEngine: { clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret', signInUrl: 'http://127.0.0.1' },
    egressIps: [],
    logLevel: 'silent',
    workersEnabled: false,
    syncTickSeconds: 60,
    jobPollingSeconds: 2,
    initialLookbackDays: 30,
  });
  const connector = new NextEngineConnector(new NextEngineClient(), config);
  const changes = connector.ports.orderChangeSource!;
  let ctx: TestConnectionContext;

  const order = (id: number, overrides: Partial<NeOrderSeed> = {}): NeOrderSeed => ({
    receiveOrderId: id,
    shopId: '1',
    shopCutFormId: `MALL-${id}`,
    date: '2025-01-10 09:30:00',
    printingDate: '2025-01-10 09:00:00',
    purchaser: { name: '田中 花子', zipCode: '150-0001', address1: '東京都渋谷区神宮前1-2-3', tel: '03-1234-5678' },
    rows: [
      { goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', quantity: 2, unitPrice: 2980 },
      { goodsId: 'TOTE-NATURAL', goodsName: 'トート', quantity: 1, unitPrice: 1980 },
    ],
    ...overrides,
  });

  async function pull(cursor: SyncCursor | null): Promise<OrderChangeBatch[]> {
    const batches: OrderChangeBatch[] = [];
    for await (const batch of changes.pullChanges(ctx, cursor)) batches.push(batch);
    return batches;
  }
  const kinds = (list: OrderChange[]) => list.map((change) => `${change.externalOrderId}:${change.kind}`);
  const apiCalls = () => sim.requests.filter((request) => request.path.startsWith('/api_')).map((request) => request.path);

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await sim.start(0);
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.clock.set('2025-01-10T01:00:00Z'); // 10:00 JST
    sim.seed({
      companies: [
        {
          companyId: '1',
          companyNeId: 'NE100001',
          companyName: 'テスト株式会社',
          companyKana: 'テストカブシキガイシャ',
          users: [{ uid: 'u1', picId: '1', picNeId: 'P1', picName: '担当', picKana: 'タントウ', picMailAddress: 'a@example.jp' }],
          goods: [
            { goodsId: 'TSHIRT-RED-M', goodsName: 'Tシャツ 赤 M', stockQuantity: 50 },
            { goodsId: 'TOTE-NATURAL', goodsName: 'トート', stockQuantity: 50 },
          ],
          orders: [order(1), order(2), order(3), order(4), order(6)],
        },
      ],
      tokens: [{ uid: 'u1', accessToken: 'AT', refreshToken: 'RT' }],
    });
    ctx = testConnectionContext(NEXTENGINE_DESCRIPTOR, {
      endpoint: sim.url,
      credentials: { accessToken: 'AT', refreshToken: 'RT' },
      now: () => sim.clock.now(),
    });
  });

  it('states cancels, holds, line cancels, splits and merges made by the hooks; nothing changed costs two calls', async () => {
    const first = await pull(null);
    const cursor = first[first.length - 1].nextCursor;
    expect(JSON.parse(cursor!.value)).toEqual({ lastModified: '2025-01-10 10:00:00' });

    sim.clock.advance(60_000);
    sim.cancel(1);
    sim.hold(2);
    sim.cancelLine(3, 2);
    const bk = sim.split(4, 1, 1);
    sim.merge(3, 6);
    sim.requests.length = 0;

    const batches = await pull(cursor);

    expect(apiCalls()).toEqual([
      '/api_v1_receiveorder_base/search',
      '/api_v1_receiveorder_row/search',
      '/api_v1_system_canceltype/info',
      '/api_v1_receiveorder_row/search',
    ]);
    const stated = batches.flatMap((batch) => batch.changes);
    expect(kinds(stated)).toEqual([
      '1:cancelled',
      '2:on_hold',
      '2:address_changed',
      '3:released',
      '3:line_cancelled',
      '3:address_changed',
      '4:released',
      '4:line_cancelled',
      '4:address_changed',
      '6:merged_into',
      `${bk}:released`,
      `${bk}:line_cancelled`,
      `${bk}:address_changed`,
      `${bk}:split_from`,
    ]);
    const of = (id: string, kind: string) => stated.find((change) => change.externalOrderId === id && change.kind === kind)!;
    expect(of('1', 'cancelled').reason).toBe('顧客依頼によりキャンセル');
    expect(of('2', 'on_hold').reason).toBe('伝票を確認後、有効にして下さい。');
    expect(of('3', 'line_cancelled').lines).toEqual([
      { externalLineId: '3-1', liveQuantity: 2 },
      { externalLineId: '3-2', liveQuantity: 0 },
      { externalLineId: '3-3', liveQuantity: 2 },
      { externalLineId: '3-4', liveQuantity: 1 },
    ]);
    expect(of('4', 'line_cancelled').lines).toEqual([
      { externalLineId: '4-1', liveQuantity: 1 },
      { externalLineId: '4-2', liveQuantity: 1 },
    ]);
    expect(of('6', 'merged_into').relatedExternalOrderId).toBe('3');
    expect(of(bk, 'split_from').relatedExternalOrderId).toBe('4');
    const written = batches.flatMap((batch) => batch.orders ?? []);
    expect(written.map((o) => o.externalOrderId)).toEqual(['3', bk]);
    expect(written[1]).toMatchObject({ refs: { shopCutFormId: 'MALL-4-bk-1' }, lines: [{ externalLineId: `${bk}-1`, quantity: 1 }] });
    const next = batches[batches.length - 1].nextCursor!;
    // slip 3 changed twice within the second: the simulator moved it one second on (spec §9)
    expect(JSON.parse(next.value)).toEqual({ lastModified: '2025-01-10 10:01:01' });

    sim.release(2);
    sim.requests.length = 0;
    const released = (await pull(next)).flatMap((batch) => batch.changes);
    expect(kinds(released).filter((k) => k.startsWith('2:'))).toEqual(['2:released', '2:line_cancelled', '2:address_changed']);

    // The cursor rests on NextEngine's newest stamp: until something newer changes, each pull re-reads the slips
    // stamped within the overlap before it, and states the same changes under the same keys.
    sim.clock.advance(30 * 60_000);
    const again = await pull(next);
    const restated = again.flatMap((batch) => batch.changes).filter((change) => change.externalOrderId === '1');
    expect(restated).toEqual(stated.filter((change) => change.externalOrderId === '1'));

    // nothing stamped since the cursor's overlap: one base search and one row sweep, the cursor stays
    const quietFrom = { value: JSON.stringify({ lastModified: '2025-01-10 10:30:00' }) };
    sim.requests.length = 0;
    const quiet = await pull(quietFrom);
    expect(apiCalls()).toEqual(['/api_v1_receiveorder_base/search', '/api_v1_receiveorder_row/search']);
    expect(quiet).toEqual([{ changes: [], nextCursor: quietFrom }]);
  });

  it('rechecks slips by id; one NextEngine does not know is found:false', async () => {
    sim.cancel(1, 20);

    const results = await changes.recheck(ctx, [{ externalOrderId: '1' }, { externalOrderId: '2' }, { externalOrderId: '999' }]);

    expect(results.map(({ externalOrderId, found, siteStatus }) => ({ externalOrderId, found, siteStatus }))).toEqual([
      { externalOrderId: '1', found: true, siteStatus: '20' },
      { externalOrderId: '2', found: true, siteStatus: '20' },
      { externalOrderId: '999', found: false, siteStatus: undefined },
    ]);
    expect(results[0].changes).toEqual([expect.objectContaining({ kind: 'cancelled', reason: '未入金によりキャンセル' })]);
    expect(kinds(results[1].changes)).toEqual(['2:released', '2:line_cancelled', '2:address_changed']);
  });
});
