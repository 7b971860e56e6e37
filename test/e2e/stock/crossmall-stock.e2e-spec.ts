import { DataSource } from 'typeorm';
import { CROSSMALL_DEFAULT_ACCOUNT, CrossmallSimulator, recentCrossmallOrder } from '../../simulators/crossmall';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { type FulfillmentOrderBody, fulfillmentApi } from '../../support/fulfillment-api';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const SHIPPED_PHASE = '発送済み';
/** Sold on the orders below; mapped to the SKU. */
const SOCKS = { item: 'CM-SOCKS', attribute1: 'ネイビー', attribute2: 'M', listing: 'CM-SOCKS:ネイビー,M', sku: 'WH-SOCKS-NAVY-M' };
/** Never ordered: only CROSS MALL's get_stock can say where it lives. Its first attribute holds a comma. */
const CAP = { item: 'CM-CAP', attribute1: 'Navy, Blue', attribute2: 'F', listing: 'CM-CAP:Navy, Blue,F', sku: 'WH-CAP' };

/**
 * CROSS MALL stock and waybills through the real app, real PostgreSQL and the simulator over HTTP: a listing no
 * order ever named is found with get_stock, stored in `site_listings` and pushed there; a waybill reaches CROSS
 * MALL only with a 配送便名 the seller's CROSS MALL knows (a built-in one or the connection's `deliveryNames`),
 * and a carrier with none is a visible per-order error, never a call carrying our own carrier string.
 */
describe('CROSS MALL: listings found by get_stock, and waybills only with a known 配送便名', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  const crossmall = new CrossmallSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const skuIds = { socks: '', cap: '' };
  const fulfillmentOrders = new Map<number, FulfillmentOrderBody>();

  const phaseUpdatesFor = (orderNumber: number) =>
    crossmall.requests.filter(
      (r: RecordedRequest) => r.path === '/webapi2/upd_order_phase' && r.query.order_number === String(orderNumber),
    );

  const order = (orderNumber: number) =>
    recentCrossmallOrder(
      orderNumber,
      [
        {
          item_code: SOCKS.item,
          item_name: '綿混ソックス',
          attribute1_name: SOCKS.attribute1,
          attribute2_name: SOCKS.attribute2,
          amount: 1,
          unit_price: 990,
        },
      ],
      { delivery_name: '宅配便（店舗既定）' },
    );

  async function trackingPushOf(orderNumber: number, state: string): Promise<FulfillmentOrderBody> {
    const fo = fulfillmentOrders.get(orderNumber)!;
    return waitFor(
      async () => {
        const current = await fulfillmentOf(fo.orderId);
        return current?.trackingPush.state === state ? current : null;
      },
      { what: `tracking push of order ${orderNumber} ${state}`, timeoutMs: 30_000 },
    );
  }

  const issueWaybill = (orderNumber: number, carrier: string, trackingNumber: string) =>
    t.http
      .post(`/v1/fulfillment-orders/${fulfillmentOrders.get(orderNumber)!.id}/waybill`)
      .set(auth())
      .send({ carrier, trackingNumber })
      .expect(200);

  beforeAll(async () => {
    crossmall.seed(undefined);
    await crossmall.start();
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5, siteMinIntervalCapMs: 100 }));
    tenant = await t.createTenant('CROSS MALL stock seller');
    crossmall.addSku({ item_code: SOCKS.item, attribute1_name: SOCKS.attribute1, attribute2_name: SOCKS.attribute2, stock: 40 });
    crossmall.addSku({ item_code: CAP.item, attribute1_name: CAP.attribute1, attribute2_name: CAP.attribute2, stock: 25 });
    // Another SKU of the cap, whose key differs only in spacing: it must be left alone.
    crossmall.addSku({ item_code: CAP.item, attribute1_name: 'Navy,Blue', attribute2_name: CAP.attribute2, stock: 3 });
    skuIds.socks = await createSku(SOCKS.sku);
    skuIds.cap = await createSku(CAP.sku);
    for (const [listingKey, skuId] of [
      [SOCKS.listing, skuIds.socks],
      [CAP.listing, skuIds.cap],
    ])
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'crossmall', listingKey, skuId }).expect(201);
    for (const orderNumber of [61001, 61002, 61003]) crossmall.addOrder(order(orderNumber));
    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({
        site: 'crossmall',
        shopId: 'cm-stock-shop',
        endpoint: crossmall.url,
        credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
        options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
        settings: { shippedPhaseName: SHIPPED_PHASE },
      })
      .expect(201);
    connectionId = created.body.id;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await crossmall.stop();
  });

  it('pushes a listing never ordered to the address get_stock gives, and stores that address', async () => {
    await adjust(skuIds.cap, 'receipt', 6);
    await adjust(skuIds.socks, 'receipt', 10);

    await waitFor(async () => crossmall.getStock(CAP.item, CAP.attribute1, CAP.attribute2) === 6, {
      what: 'CROSS MALL shows 6 caps',
      timeoutMs: 40_000,
    });
    expect(crossmall.getStock(CAP.item, 'Navy,Blue', CAP.attribute2)).toBe(3);
    const capUpdates = crossmall.requests.filter((r: RecordedRequest) => r.path === '/webapi2/upd_stock' && r.query.item_code === CAP.item);
    expect(capUpdates.at(-1)!.query).toMatchObject({ attribute1_name: CAP.attribute1, attribute2_name: CAP.attribute2, stock: '6' });
    const stored = await waitFor(
      async () => {
        const [row]: { address: Record<string, unknown>; product_code: string | null }[] = await t.app
          .get(DataSource)
          .query(`SELECT address, product_code FROM site_listings WHERE connection_id = $1 AND listing_key = $2`, [
            connectionId,
            CAP.listing,
          ]);
        return row ?? null;
      },
      { what: 'the cap listing stored' },
    );
    expect(stored).toEqual({
      address: { itemCode: CAP.item, attribute1Name: CAP.attribute1, attribute2Name: CAP.attribute2 },
      product_code: CAP.item,
    });
    expect(await level(skuIds.cap)).toMatchObject({ onHand: 6, sellable: 6 });
  });

  it('the three socks orders become fulfillment orders once stock is there', async () => {
    for (const orderNumber of [61001, 61002, 61003]) {
      const pulled = await waitFor(() => orderByNumber(String(orderNumber), connectionId), {
        what: `order ${orderNumber} pulled`,
        timeoutMs: 40_000,
      });
      fulfillmentOrders.set(
        orderNumber,
        await waitFor(() => fulfillmentOf(pulled.id), { what: `fulfillment order ${orderNumber}`, timeoutMs: 30_000 }),
      );
    }
    expect([...fulfillmentOrders.values()].map((fo) => fo.status)).toEqual(['instructed', 'instructed', 'instructed']);
  });

  it('a carrier with no 配送便名 fails its push for good, shown on the fulfillment order, and CROSS MALL is never called', async () => {
    await issueWaybill(61001, 'dhl', 'DHL-0001');

    const failed = await trackingPushOf(61001, 'failed');
    expect(failed.trackingPush.attempts).toBe(1);
    expect(failed.trackingPush.lastError).toContain('carrier "dhl"');
    expect(failed.trackingPush.lastError).toContain('deliveryNames');
    expect(phaseUpdatesFor(61001)).toHaveLength(0);
    // Nothing about this waybill reached CROSS MALL, least of all our own carrier string.
    expect(crossmall.requests.some((r: RecordedRequest) => /DHL-0001|dhl/i.test(JSON.stringify(r.query)))).toBe(false);
    expect(crossmall.getOrder(61001)).toMatchObject({ phase_name: '発送待機', delivery_number: '', delivery_name: '宅配便（店舗既定）' });
  });

  it('a built-in carrier goes out with its 配送便名, whatever the case the warehouse wrote it in', async () => {
    await issueWaybill(61002, 'Sagawa', 'SGW-0002');

    const sent = await trackingPushOf(61002, 'sent');
    expect(sent.trackingPush).toMatchObject({ attempts: 1, lastError: null });
    expect(phaseUpdatesFor(61002)).toHaveLength(1);
    expect(phaseUpdatesFor(61002)[0].query).toMatchObject({ delivery_name: '佐川急便', delivery_number: 'SGW-0002' });
    expect(crossmall.getOrder(61002)).toMatchObject({ phase_name: SHIPPED_PHASE, delivery_number: 'SGW-0002', delivery_name: '佐川急便' });
  });

  it('once the seller maps the carrier, a retry of the failed push arrives with the mapped name, and overrides reach built-in carriers', async () => {
    await t.http
      .patch(`/v1/connections/${connectionId}`)
      .set(auth())
      .send({ settings: { deliveryNames: { DHL: 'DHL国際宅配便', yamato: 'ヤマト宅急便' } } })
      .expect(200);
    await t.http
      .post(`/v1/fulfillment-orders/${fulfillmentOrders.get(61001)!.id}/tracking-push/retry`)
      .set(auth())
      .expect(200);

    const retried = await trackingPushOf(61001, 'sent');
    expect(retried.trackingPush.lastError).toBeNull();
    expect(phaseUpdatesFor(61001)).toHaveLength(1);
    expect(crossmall.getOrder(61001)).toMatchObject({
      phase_name: SHIPPED_PHASE,
      delivery_number: 'DHL-0001',
      delivery_name: 'DHL国際宅配便',
    });

    await issueWaybill(61003, 'yamato', 'YMT-0003');
    await trackingPushOf(61003, 'sent');
    expect(phaseUpdatesFor(61003).map((r) => r.query.delivery_name)).toEqual(['ヤマト宅急便']);
  });
});
