import { DataSource } from 'typeorm';
import type { ExternalOrder } from '../../src/connectors/sales-site-connector';
import type { OrderChange } from '../../src/connectors/site-ports';
import { SiteCalls, type SiteConnection } from '../../src/connections/site-calls';
import { EventBus } from '../../src/events/event-bus';
import type { DomainEvents } from '../../src/events/domain-events';
import { OrderChangeIntakeService } from '../../src/orders/order-change-intake.service';
import { CROSSMALL_DEFAULT_ACCOUNT, CrossmallSimulator } from '../simulators/crossmall';
import { fulfillmentApi } from '../support/fulfillment-api';
import { orderChangesApi, siteChanges, statusPath } from '../support/order-changes-api';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * What Mallbridge does with a change a site reported after intake (DESIGN §5a), site-independent: the real app and
 * database, with changes handed to the change intake exactly as a connector's `pullChanges` batch brings them (the
 * per-site specs walk the same paths from each simulator's wire protocol). Fulfillment follows in the background.
 */
describe('Changes after intake: orders and fulfillment follow the site', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connection: SiteConnection;
  const crossmall = new CrossmallSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const changesApi = orderChangesApi(() => t, auth);
  const lateCancels: DomainEvents['orders.cancelled-after-instruction'][] = [];
  let skuA: string;
  let skuB: string;
  let sequence = 0;

  beforeAll(async () => {
    crossmall.seed(undefined);
    await crossmall.start();
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5 }));
    tenant = await t.createTenant('Change seller');
    skuA = await createSku('CHG-A');
    skuB = await createSku('CHG-B');
    await adjust(skuA, 'receipt', 100);
    await adjust(skuB, 'receipt', 100);
    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({
        site: 'crossmall',
        shopId: 'cm-change-shop',
        endpoint: crossmall.url,
        credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
        // no scheduled pull: every change here comes from the test
        options: { autoOrderIntegration: false },
      })
      .expect(201);
    connection = (await t.app.get(SiteCalls).describe(created.body.id))!;
    t.app.get(EventBus).subscribe('orders.cancelled-after-instruction', (event) => void lateCancels.push(event));
  });

  afterAll(async () => {
    await t?.close();
    await crossmall.stop();
  });

  const apply = (changes: OrderChange[], orders: ExternalOrder[] = []) =>
    t.app.get(OrderChangeIntakeService).applyBatch(connection, { changes, orders, nextCursor: null }, null);

  function siteOrder(lines: Array<[string, number]>): ExternalOrder {
    sequence += 1;
    return {
      externalOrderId: `CHG-${sequence}`,
      siteStatus: '発送待機',
      orderedAt: new Date(Date.now() - 60_000),
      recipient: { name: '山田 太郎', line1: '東京都渋谷区1-1' },
      lines: lines.map(([code, quantity], index) => ({ externalLineId: String(index + 1), productCode: code, productName: code, quantity })),
    };
  }

  /** A pulled order, instructed: its fulfillment order holds the stock. */
  async function instructedOrder(lines: Array<[string, number]>): Promise<{ id: string; externalOrderId: string; foId: string }> {
    const order = siteOrder(lines);
    await apply([], [order]);
    const [{ id }] = await t.app
      .get(DataSource)
      .query(`SELECT id FROM orders WHERE connection_id = $1 AND external_order_id = $2`, [connection.id, order.externalOrderId]);
    const instructed = (await t.http.post(`/v1/orders/${id}/fulfillment`).set(auth()).expect(200)).body;
    expect(instructed.result).toBe('instructed');
    return { id, externalOrderId: order.externalOrderId, foId: instructed.fulfillmentOrder.id };
  }

  const change = (externalOrderId: string, kind: OrderChange['kind'], extra: Partial<OrderChange> = {}): OrderChange => ({
    externalOrderId,
    kind,
    siteRef: `${kind}-${externalOrderId}`,
    ...extra,
  });

  const fulfillmentStatus = async (orderId: string, status: string) =>
    waitFor(
      async () => {
        const fo = await fulfillmentOf(orderId);
        return fo?.status === status ? fo : null;
      },
      { what: `fulfillment order ${status}` },
    );

  it('a cancel before the waybill cancels the fulfillment order and gives its stock back, once', async () => {
    const before = (await level(skuA))!;
    const order = await instructedOrder([['CHG-A', 3]]);
    expect((await level(skuA))!.reserved).toBe(before.reserved + 3);

    expect(await apply([change(order.externalOrderId, 'cancelled', { reason: '顧客都合' })])).toBe(1);
    const cancelled = await changesApi.orderWhen(order.id, (o) => o.status === 'cancelled', 'order cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', reason: '顧客都合', cancelledAfterInstructionAt: null });
    expect((await fulfillmentOf(order.id))!.status).toBe('cancelled');
    expect((await level(skuA))!.reserved).toBe(before.reserved);
    expect((await level(skuA))!.onHand).toBe(before.onHand);

    // The same change again (a re-read window, a retried batch) and a restatement of it change nothing.
    expect(await apply([change(order.externalOrderId, 'cancelled', { reason: '顧客都合' })])).toBe(0);
    expect(await apply([change(order.externalOrderId, 'cancelled', { siteRef: 'later-stamp' })])).toBe(0);
    const timeline = await changesApi.timeline(order.id);
    expect(siteChanges(timeline, 'cancelled')).toHaveLength(1);
    expect(siteChanges(timeline, 'cancelled')[0]).toMatchObject({ followState: 'done', detail: { reason: '顧客都合' } });
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'cancelled']);
    expect((await level(skuA))!.reserved).toBe(before.reserved);
  });

  it('a cancel after the waybill undoes nothing: flagged, listed, evented', async () => {
    const order = await instructedOrder([['CHG-A', 2]]);
    await t.http.post(`/v1/fulfillment-orders/${order.foId}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
    const reserved = (await level(skuA))!.reserved;

    await apply([change(order.externalOrderId, 'cancelled')]);
    const flagged = await changesApi.orderWhen(order.id, (o) => o.siteChange.cancelledAfterInstructionAt !== null, 'late cancel flagged');
    expect(flagged.status).toBe('shipping_instructed');
    expect(flagged.siteChange.state).toBe('cancelled');
    expect((await fulfillmentOf(order.id))!.status).toBe('waybill_issued');
    expect((await level(skuA))!.reserved).toBe(reserved);
    expect(await changesApi.listedWithChange('cancelled_after_instruction', connection.id)).toContain(order.id);
    expect(lateCancels.filter((event) => event.orderId === order.id)).toEqual([
      expect.objectContaining({ fulfillmentOrderId: order.foId, fulfillmentStatus: 'waybill_issued', externalOrderId: order.externalOrderId }),
    ]);
    const timeline = await changesApi.timeline(order.id);
    expect(timeline.filter((entry) => entry.source === 'mallbridge' && entry.kind === 'cancelled_after_instruction')).toHaveLength(1);

    // the warehouse can still ship it (the parcel may be gone already); the flag stays
    await t.http.post(`/v1/fulfillment-orders/${order.foId}/inbound-scan`).set(auth()).send({ barcode: flagged.id }).expect(409);
  });

  it('a hold holds the fulfillment order (no waybill meanwhile), and the release resumes it where it was', async () => {
    const order = await instructedOrder([['CHG-B', 1]]);
    await apply([change(order.externalOrderId, 'on_hold', { reason: '保留' })]);
    await fulfillmentStatus(order.id, 'on_hold');
    const held = await changesApi.order(order.id);
    expect(held).toMatchObject({ status: 'on_hold', siteChange: { state: 'on_hold', reason: '保留' } });
    expect(held.holdReason).toMatch(/Held by the site/);
    const refused = await t.http.post(`/v1/fulfillment-orders/${order.foId}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(409);
    expect(refused.body.detail ?? refused.body.title).toBeTruthy();
    // nothing instructs it again while the site holds it
    await t.http.post(`/v1/orders/${order.id}/fulfillment`).set(auth()).expect(409);

    await apply([change(order.externalOrderId, 'released', { siteRef: 'release-1' })]);
    await fulfillmentStatus(order.id, 'instructed');
    const released = await changesApi.orderWhen(order.id, (o) => o.status === 'shipping_instructed', 'order resumed');
    expect(released.siteChange.state).toBe('open');
    expect(statusPath(await changesApi.timeline(order.id))).toEqual(['shipping_instructed', 'on_hold', 'shipping_instructed']);
    await t.http.post(`/v1/fulfillment-orders/${order.foId}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
  });

  it('a line cancel shrinks the fulfillment order before the waybill and releases the difference', async () => {
    const order = await instructedOrder([
      ['CHG-A', 4],
      ['CHG-B', 2],
    ]);
    const reservedA = (await level(skuA))!.reserved;
    const reservedB = (await level(skuB))!.reserved;

    await apply([change(order.externalOrderId, 'line_cancelled', { lines: [{ externalLineId: '1', liveQuantity: 1 }] })]);
    const shrunk = await waitFor(
      async () => {
        const fo = await fulfillmentOf(order.id);
        return fo?.lines.find((line) => line.skuCode === 'CHG-A')?.quantity === 1 ? fo : null;
      },
      { what: 'the fulfillment order to shrink' },
    );
    expect(shrunk.status).toBe('instructed');
    expect(shrunk.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity])).toEqual([
      ['CHG-A', 1, 1],
      ['CHG-B', 2, 2],
    ]);
    expect((await level(skuA))!.reserved).toBe(reservedA - 3);
    expect((await level(skuB))!.reserved).toBe(reservedB);
    const detail = await changesApi.order(order.id);
    expect(detail.status).toBe('shipping_instructed');
    expect(detail.lines?.find((line) => line.externalLineId === '1')).toMatchObject({ quantity: 4, cancelledQuantity: 3 });

    // every remaining line cancelled: the order is cancelled and the rest released
    await apply([
      change(order.externalOrderId, 'line_cancelled', {
        siteRef: 'all-lines',
        lines: [
          { externalLineId: '1', liveQuantity: 0 },
          { externalLineId: '2', liveQuantity: 0 },
        ],
      }),
    ]);
    await changesApi.orderWhen(order.id, (o) => o.status === 'cancelled', 'order cancelled by its lines');
    expect((await level(skuA))!.reserved).toBe(reservedA - 4);
    expect((await level(skuB))!.reserved).toBe(reservedB - 2);
  });

  it('lines added to an instructed order (a merge) undo the instruction, to be made again with every line', async () => {
    const order = await instructedOrder([['CHG-A', 1]]);
    const reservedA = (await level(skuA))!.reserved;
    const merged: ExternalOrder = {
      ...siteOrder([]),
      externalOrderId: order.externalOrderId,
      lines: [
        { externalLineId: '1', productCode: 'CHG-A', productName: 'CHG-A', quantity: 1 },
        { externalLineId: '9', productCode: 'CHG-B', productName: 'CHG-B', quantity: 2 },
      ],
    };
    await apply([], [merged]);
    await changesApi.orderWhen(order.id, (o) => o.status === 'confirmed', 'the instruction undone');
    expect((await t.http.get(`/v1/fulfillment-orders/${order.foId}`).set(auth()).expect(200)).body.status).toBe('cancelled');
    expect((await level(skuA))!.reserved).toBe(reservedA - 1);
    expect(siteChanges(await changesApi.timeline(order.id), 'lines_changed')).toHaveLength(1);

    const again = (await t.http.post(`/v1/orders/${order.id}/fulfillment`).set(auth()).expect(200)).body;
    expect(again.fulfillmentOrder.lines.map((line: { skuCode: string; quantity: number }) => [line.skuCode, line.quantity])).toEqual([
      ['CHG-A', 1],
      ['CHG-B', 2],
    ]);
  });

  it('the same change applied by two workers at once is applied once', async () => {
    const order = await instructedOrder([['CHG-B', 1]]);
    const cancel = change(order.externalOrderId, 'cancelled');
    const applied = await Promise.all([apply([cancel]), apply([cancel]), apply([cancel])]);
    expect(applied.reduce((sum, n) => sum + n, 0)).toBe(1);
    await changesApi.orderWhen(order.id, (o) => o.status === 'cancelled', 'order cancelled');
    expect(siteChanges(await changesApi.timeline(order.id), 'cancelled')).toHaveLength(1);
  });

  it('an address change before the waybill reaches the fulfillment order', async () => {
    const order = await instructedOrder([['CHG-B', 1]]);
    await apply([change(order.externalOrderId, 'address_changed', { recipient: { name: '山田 太郎', line1: '大阪府大阪市1-1' } })]);
    await waitFor(
      async () => {
        const [fo] = await t.app.get(DataSource).query(`SELECT recipient FROM fulfillment_orders WHERE id = $1`, [order.foId]);
        return fo.recipient?.line1 === '大阪府大阪市1-1' ? fo : null;
      },
      { what: 'the new address on the fulfillment order' },
    );
    expect((await changesApi.order(order.id)).status).toBe('shipping_instructed');
  });

  it('changes about orders we never pulled are ignored; a change about a cancelled order does not revive it', async () => {
    expect(await apply([change('NEVER-PULLED', 'cancelled')])).toBe(0);
    const order = await instructedOrder([['CHG-B', 1]]);
    await apply([change(order.externalOrderId, 'cancelled')]);
    await changesApi.orderWhen(order.id, (o) => o.status === 'cancelled', 'cancelled');
    expect(await apply([change(order.externalOrderId, 'released', { siteRef: 'revived' }), change(order.externalOrderId, 'on_hold')])).toBe(0);
    expect((await changesApi.order(order.id)).status).toBe('cancelled');
  });
});
