import { CrossmallSimulator, type CrossmallOrderSeed, recentCrossmallOrder } from '../../simulators/crossmall';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { fulfillmentApi } from '../../support/fulfillment-api';
import { orderChangesApi } from '../../support/order-changes-api';
import { connectCrossmall, stockPushRow } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const TEE = { item: 'CM-TEE', listing: 'CM-TEE', sku: 'WH-TEE' };
/** Sold beside the tee on every order, and not mapped at first: the orders wait for mapping. */
const MUG = { item: 'CM-MUG', listing: 'CM-MUG', sku: 'WH-MUG' };

/**
 * "Stock a site may sell" (DESIGN §6) on an absolute site, CROSS MALL, through the real app, real PostgreSQL and
 * the simulator over HTTP: on hand − reserved − units already sold on a site but not reserved yet. Orders that wait
 * (here for a mapping of their other line) hold their units back from every absolute site before any reservation
 * exists, so the site never sells them a second time; instructing them moves the units from "awaiting" to
 * "reserved" without changing what the site shows; a cancel gives them back.
 */
describe('Stock a site may sell: orders pulled but not reserved are held back from absolute sites', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  const crossmall = new CrossmallSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const changes = orderChangesApi(() => t, auth);
  const ids = { tee: '', mug: '' };
  const orderIds = new Map<number, string>();

  /** Every `upd_stock` CROSS MALL received for the tee, with the quantity it was told. */
  const teeUpdates = () =>
    crossmall.requests
      .filter((r: RecordedRequest) => r.path === '/webapi2/upd_stock' && r.query.item_code === TEE.item)
      .map((r: RecordedRequest) => Number(r.query.stock));

  const order = (orderNumber: number, teeAmount: number): CrossmallOrderSeed =>
    recentCrossmallOrder(orderNumber, [
      { item_code: TEE.item, item_name: 'Tシャツ', amount: teeAmount, unit_price: 1990 },
      { item_code: MUG.item, item_name: 'マグカップ', amount: 1, unit_price: 990 },
    ]);

  /** The tee's push queue row once settled: what was last accepted by CROSS MALL, and how often it was sent. */
  async function teePushSettledAt(quantity: number, afterUpdates: number): Promise<void> {
    await waitFor(
      async () => {
        const row = await stockPushRow(t, connectionId, TEE.listing);
        return row?.state === 'sent' && row.last_sent_quantity === quantity && teeUpdates().length > afterUpdates;
      },
      { what: `CROSS MALL told ${quantity} tees`, timeoutMs: 40_000 },
    );
    expect(crossmall.getStock(TEE.item)).toBe(quantity);
  }

  async function pulled(orderNumber: number): Promise<string> {
    const found = await waitFor(() => orderByNumber(String(orderNumber), connectionId), { what: `order ${orderNumber} pulled`, timeoutMs: 40_000 });
    orderIds.set(orderNumber, found.id);
    return found.id;
  }

  beforeAll(async () => {
    crossmall.seed(undefined);
    await crossmall.start();
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5, siteMinIntervalCapMs: 100 }));
    tenant = await t.createTenant('Sellable stock seller');
    crossmall.addSku({ item_code: TEE.item, stock: 99 });
    crossmall.addSku({ item_code: MUG.item, stock: 99 });
    ids.tee = await createSku(TEE.sku);
    ids.mug = await createSku(MUG.sku);
    await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'crossmall', listingKey: TEE.listing, skuId: ids.tee }).expect(201);
    // 4 tees sold over three orders, each also selling an unmapped mug.
    crossmall.addOrder(order(51001, 2));
    crossmall.addOrder(order(51002, 1));
    crossmall.addOrder(order(51003, 1));
    connectionId = await connectCrossmall(t, crossmall, tenant.apiKey, {
      shopId: 'cm-sellable-shop',
      options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
      settings: { cancelPhaseNames: 'キャンセル' },
    });
    for (const orderNumber of [51001, 51002, 51003]) await pulled(orderNumber);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await crossmall.stop();
  });

  it('10 on hand and 4 sold but waiting for a mapping: CROSS MALL is told 6, never 10', async () => {
    for (const id of orderIds.values())
      expect(await changes.order(id)).toMatchObject({ status: expect.stringMatching(/^(new|confirmed|on_hold)$/), unmappedLineCount: 1 });
    // Before any stock, the demand already says 0 (never below 0).
    await teePushSettledAt(0, 0);
    const sent = teeUpdates().length;
    await adjust(ids.tee, 'receipt', 10);
    await adjust(ids.mug, 'receipt', 10);
    await teePushSettledAt(6, sent);
    expect(await level(ids.tee)).toMatchObject({ onHand: 10, reserved: 0 });
    expect(teeUpdates().slice(sent)).toEqual(teeUpdates().slice(sent).map(() => 6));
    expect(teeUpdates()).not.toContain(10);
  });

  it('a fourth order pulled later lowers it again, and its cancel on the site before any mapping gives the units back', async () => {
    crossmall.addOrder(order(51004, 2));
    await changes.sync(connectionId);
    const id = await pulled(51004);
    let sent = teeUpdates().length;
    await teePushSettledAt(4, sent);

    crossmall.cancel(51004);
    await changes.sync(connectionId);
    await changes.orderWhen(id, (o) => o.status === 'cancelled', 'order 51004 cancelled');
    sent = teeUpdates().length;
    await teePushSettledAt(6, sent - 1);
    // The same cancel read again changes nothing.
    await changes.sync(connectionId);
    expect((await changes.order(id)).status).toBe('cancelled');
    expect(crossmall.getStock(TEE.item)).toBe(6);
  });

  it('mapping the mug instructs the three orders: the 4 tees move from awaiting to reserved and CROSS MALL stays at 6', async () => {
    const sent = teeUpdates().length;
    await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'crossmall', listingKey: MUG.listing, skuId: ids.mug }).expect(201);
    for (const orderNumber of [51001, 51002, 51003])
      await changes.orderWhen(orderIds.get(orderNumber)!, (o) => o.status === 'shipping_instructed', `order ${orderNumber} instructed`);
    expect(await level(ids.tee)).toMatchObject({ onHand: 10, reserved: 4 });
    // The reservation itself schedules a push (its level changed): it still says 6.
    await teePushSettledAt(6, sent);
    expect(teeUpdates().slice(sent).every((quantity) => quantity === 6)).toBe(true);
  });

  it('cancelling one instructed order on the site releases its tee: CROSS MALL is told 7', async () => {
    const sent = teeUpdates().length;
    crossmall.cancel(51003);
    await changes.sync(connectionId);
    await changes.orderWhen(orderIds.get(51003)!, (o) => o.status === 'cancelled', 'order 51003 cancelled');
    await teePushSettledAt(7, sent);
    expect(await level(ids.tee)).toMatchObject({ onHand: 10, reserved: 3 });
  });
});
