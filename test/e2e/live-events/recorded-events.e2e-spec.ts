import { DataSource } from 'typeorm';
import { Qoo10Simulator } from '../../simulators/qoo10';
import { fulfillmentApi } from '../../support/fulfillment-api';
import { connectQoo10 } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';
import { type ReceivedEvent, SseClient } from './sse-client';

/**
 * Every event type is recorded by the database, inside the transaction that makes the change, whichever code
 * path writes it: fulfillment steps and a tracking push that gives up through the real app and the Qoo10
 * simulator; the states other suites reach through long site scenarios (a connection whose sign-in lapsed, a
 * stock push given up, a late cancel) by writing the column the app writes.
 */
describe('Recorded tenant events', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  let events: SseClient;
  const qoo10 = new Qoo10Simulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { createSku, adjust, fulfillmentOf } = fulfillmentApi(() => t, auth);
  const sql = (query: string, parameters: unknown[]) => t.app.get(DataSource).query(query, parameters);
  let order: { id: string; externalOrderId: string };
  let fulfillmentOrderId: string;

  async function nextOf(type: string, what = type): Promise<ReceivedEvent> {
    return waitFor(async () => events.events.find((event) => event.type === type), { what, timeoutMs: 30_000 });
  }

  beforeAll(async () => {
    await qoo10.start();
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5, siteMinIntervalCapMs: 100 }));
    tenant = await t.createTenant('Recorded events seller');
    connectionId = await connectQoo10(t, qoo10, tenant.apiKey);
    await adjust(await createSku('TOWEL'), 'receipt', 5);
    events = await SseClient.open(t.url, tenant.apiKey);
  }, 120_000);

  afterAll(async () => {
    await events?.drop();
    await t?.close();
    await qoo10.stop();
  });

  it('a fulfillment step: fulfillment.status-changed with the status it left', async () => {
    const created = await t.http
      .post('/v1/orders')
      .set(auth())
      .send({
        connectionId,
        externalOrderId: 'EV-1',
        orderedAt: new Date().toISOString(),
        recipient: { name: '受取 太郎', postalCode: '1000001', region: '東京都', line1: '千代田区千代田1-1' },
        lines: [{ productCode: 'TOWEL', productName: 'タオル', quantity: 1 }],
      })
      .expect(201);
    order = created.body;
    await t.http.post(`/v1/orders/${order.id}/fulfillment`).set(auth()).expect(200);
    fulfillmentOrderId = (await fulfillmentOf(order.id))!.id;
    await t.http
      .post(`/v1/fulfillment-orders/${fulfillmentOrderId}/waybill`)
      .set(auth())
      .send({ carrier: 'Kuroneko', trackingNumber: 'KN-EV-1' })
      .expect(200);

    const changed = await nextOf('fulfillment.status-changed');
    expect(changed.data).toEqual({ fulfillmentOrderId, orderId: order.id, status: 'waybill_issued', previousStatus: 'instructed' });
    const orderMoved = events.events.find((event) => event.type === 'orders.changed');
    expect(orderMoved?.data).toMatchObject({ orderId: order.id, status: 'shipping_instructed' });
  });

  it('a tracking push that gives up (a carrier Qoo10 does not know): tracking.push-failed with its reason', async () => {
    const failed = await nextOf('tracking.push-failed');
    const shown = await fulfillmentOf(order.id);
    expect(shown?.trackingPush.state).toBe('failed');
    expect(failed.data).toEqual({ fulfillmentOrderId, orderId: order.id, connectionId, error: shown?.trackingPush.lastError });
    expect(failed.data.error).toBeTruthy();
  });

  it('a late cancel flagged on an instructed order: orders.cancelled-after-instruction naming the fulfillment order', async () => {
    await sql(`UPDATE orders SET cancelled_after_instruction_at = now() WHERE id = $1`, [order.id]);
    const flagged = await nextOf('orders.cancelled-after-instruction');
    expect(flagged.data).toEqual({
      orderId: order.id,
      connectionId,
      externalOrderId: 'EV-1',
      fulfillmentOrderId,
      fulfillmentStatus: 'waybill_issued',
    });
    // flagged once: touching the order again records nothing new of that kind
    await sql(`UPDATE orders SET cancelled_after_instruction_at = now(), updated_at = now() WHERE id = $1`, [order.id]);
    await sql(`UPDATE connections SET status = 'auth_expired' WHERE id = $1`, [connectionId]);
    await nextOf('connections.needs-sign-in');
    expect(events.events.filter((event) => event.type === 'orders.cancelled-after-instruction')).toHaveLength(1);
  });

  it('a connection whose sign-in lapsed: connections.needs-sign-in, once per change of status', async () => {
    const needsSignIn = await nextOf('connections.needs-sign-in');
    expect(needsSignIn.data).toEqual({ connectionId, site: 'qoo10-jp', status: 'auth_expired' });
    await sql(`UPDATE connections SET status = 'auth_expired', updated_at = now() WHERE id = $1`, [connectionId]);
    await sql(`UPDATE connections SET status = 'active' WHERE id = $1`, [connectionId]);
    await sql(`UPDATE connections SET status = 'pending_authorization' WHERE id = $1`, [connectionId]);
    await waitFor(async () => events.events.filter((event) => event.type === 'connections.needs-sign-in').length === 2, {
      what: 'the second lapse',
    });
    expect(events.events.filter((event) => event.type === 'connections.needs-sign-in').map((event) => event.data.status)).toEqual([
      'auth_expired',
      'pending_authorization',
    ]);
  });

  it('a stock push given up: stock.push-failed with the listing and the reason', async () => {
    const [{ id: skuId }]: { id: string }[] = await sql(`SELECT id FROM skus WHERE tenant_id = $1 AND code = 'TOWEL'`, [tenant.tenantId]);
    await sql(
      `INSERT INTO stock_push_queue (tenant_id, connection_id, listing_key, sku_id, state, due_at)
       VALUES ($1, $2, 'Q-TOWEL-EV', $3, 'pending', now() + interval '1 day')`,
      [tenant.tenantId, connectionId, skuId],
    );
    await sql(`UPDATE stock_push_queue SET state = 'failed', last_error = 'item not found' WHERE listing_key = 'Q-TOWEL-EV'`, []);
    const failed = await nextOf('stock.push-failed');
    expect(failed.data).toEqual({ connectionId, skuId, listingKey: 'Q-TOWEL-EV', error: 'item not found' });
  });
});
