import { DataSource } from 'typeorm';
import { NextEngineSimulator, type NeOrderSeed } from '../simulators/nextengine';
import { QOO10_DEFAULT_ACCOUNT, Qoo10Simulator } from '../simulators/qoo10';
import { type FulfillmentOrderBody, fulfillmentApi } from '../support/fulfillment-api';
import { connectNextEngine } from '../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const PROBLEM_JSON = /^application\/problem\+json/;

/**
 * Fulfillment end to end: the real app with its workers and scheduler, real PostgreSQL, and the
 * NextEngine and Qoo10 simulators over HTTP. Orders are pulled, mapped through the API, instructed
 * automatically, labelled, pushed back to the site, shipped, and the sites' stock follows.
 */
describe('Fulfillment', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const qoo10 = new Qoo10Simulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  let neConnectionId: string;
  let qoo10ConnectionId: string;
  /** TEE-001: sold on NextEngine as NE-TEE, and on Qoo10 too (last describe but one) */
  let teeSkuId: string;
  const { orderByNumber, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 200 });
    qoo10.seed(undefined);
    await ne.start();
    await qoo10.start();
    t = await startTestApp(syncingApp(ne.url, { siteRetryBaseDelayMs: 5 }));
    tenant = await t.createTenant('Fulfillment seller');
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
    await qoo10.stop();
  });

  /** The ledger's movements add up to the level, for on hand and reserved alike. */
  async function expectLedgerMatchesLevel(skuId: string) {
    const db = t.app.get(DataSource);
    const [sums] = await db.query(
      `SELECT coalesce(sum(on_hand_delta), 0)::int AS on_hand, coalesce(sum(reserved_delta), 0)::int AS reserved FROM inventory_movements WHERE sku_id = $1`,
      [skuId],
    );
    const current = await level(skuId);
    expect({ onHand: sums.on_hand, reserved: sums.reserved }).toEqual({ onHand: current!.onHand, reserved: current!.reserved });
  }

  describe('NextEngine: pulled → mapped → held for stock → released → waybill → shipped → stock uploaded', () => {
    let orderId: string;
    let skuId: string;
    let fo: FulfillmentOrderBody;

    beforeAll(async () => {
      ne.addGoods({ goodsId: 'NE-TEE', goodsName: 'Tシャツ', stockQuantity: 0 });
      const order: NeOrderSeed = {
        receiveOrderId: 2001,
        shopId: '1',
        shopCutFormId: 'M-2001',
        statusId: 20,
        printingInMinutes: -60,
        purchaser: { name: '山田 花子', zipCode: '1500001', address1: '東京都渋谷区神宮前1-1-1', tel: '03-1111-1111' },
        rows: [{ goodsId: 'NE-TEE', goodsName: 'Tシャツ', quantity: 2, unitPrice: 1980 }],
      };
      ne.addOrder(order);
      neConnectionId = await connectNextEngine(t, ne, tenant.apiKey, {
        options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
      });
    });

    it('pulls the order, which waits unmapped', async () => {
      const order = await waitFor(() => orderByNumber('2001', neConnectionId), { what: 'NE order 2001 pulled' });
      orderId = order.id;
      expect(order.status).toBe('confirmed');
      expect(await fulfillmentOf(orderId)).toBeNull();
    });

    it('a mapping makes it fully mapped; with no stock it is held, naming the SKU short', async () => {
      skuId = teeSkuId = await createSku('TEE-001');
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'nextengine', listingKey: 'NE-TEE', skuId }).expect(201);
      const held = await waitFor(
        async () => {
          const order = await orderByNumber('2001', neConnectionId);
          return order?.status === 'on_hold' ? order : null;
        },
        { what: 'order 2001 held' },
      );
      expect(held.holdReason).toBe('Not enough stock: TEE-001 (needs 2, 0 available)');
    });

    it('a receipt releases it: the fulfillment order is created at once and the stock reserved', async () => {
      const receipt = await adjust(skuId, 'receipt', 10);
      expect(receipt.level).toMatchObject({ onHand: 10, reserved: 0, available: 10, skuCode: 'TEE-001' });
      expect(receipt.movement).toMatchObject({ reason: 'receipt', onHandDelta: 10, onHandAfter: 10 });
      fo = await waitFor(() => fulfillmentOf(orderId), { what: 'fulfillment order for 2001' });
      expect(fo).toMatchObject({ status: 'instructed', trigger: 'auto', trackingPush: { state: null } });
      expect(fo.lines).toEqual([expect.objectContaining({ skuCode: 'TEE-001', orderedQuantity: 2, quantity: 2 })]);
      expect((await t.http.get(`/v1/orders/${orderId}`).set(auth()).expect(200)).body).toMatchObject({
        status: 'shipping_instructed',
        holdReason: null,
        fulfillmentStatus: 'instructed',
      });
      expect(await orderByNumber('2001', neConnectionId)).toMatchObject({ fulfillmentStatus: 'instructed' });
      expect(await level(skuId)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
      // NextEngine takes changes of on-hand stock: the receipt arrives as +10.
      await waitFor(async () => ne.getStock('NE-TEE')!.stock === 10, { what: 'NE stock 10', timeoutMs: 30_000 });
    });

    it('issues the waybill with a generated number and a printable label; the number reaches NextEngine, which ships the order', async () => {
      const issued = (await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200))
        .body;
      const trackingNumber: string = issued.label.trackingNumber;
      expect(trackingNumber).toMatch(/^\d{12}$/);
      expect(issued.label).toMatchObject({
        carrier: 'yamato',
        barcode: { symbology: 'CODE128', value: trackingNumber },
        orderNumber: '2001',
        recipient: { name: '山田 花子', postalCode: expect.any(String) },
        lines: [{ skuCode: 'TEE-001', productName: 'Tシャツ', optionName: null, quantity: 2 }],
      });
      expect(issued.fulfillmentOrder).toMatchObject({ status: 'waybill_issued', trackingPush: { state: 'pending' } });

      await waitFor(async () => (await fulfillmentOf(orderId))?.trackingPush.state === 'sent', { what: 'tracking push sent' });
      const neOrder = ne.getOrder('2001')!;
      expect(neOrder.receive_order_delivery_cut_form_id).toBe(trackingNumber);
      expect(neOrder.receive_order_order_status_id).toBe('50');
      const db = t.app.get(DataSource);
      const [order] = await db.query(`SELECT tracking_push_state, tracking_push_error FROM orders WHERE id = $1`, [orderId]);
      expect(order).toEqual({ tracking_push_state: 'sent', tracking_push_error: null });

      const again = await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(409);
      expect(again.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(again.body).toMatchObject({ from: 'waybill_issued', to: 'waybill_issued' });
    });

    it('the scan checks the barcode; shipping takes the stock out and NextEngine gets the change', async () => {
      await t.http.post(`/v1/fulfillment-orders/${fo.id}/inbound-scan`).set(auth()).send({ barcode: '000000000000' }).expect(409);
      const current = (await fulfillmentOf(orderId))!;
      const scanned = (
        await t.http
          .post(`/v1/fulfillment-orders/${fo.id}/inbound-scan`)
          .set(auth())
          .send({ barcode: current.waybill.trackingNumber })
          .expect(200)
      ).body;
      expect(scanned.status).toBe('received');
      const shipped = (await t.http.post(`/v1/fulfillment-orders/${fo.id}/ship`).set(auth()).expect(200)).body;
      expect(shipped.status).toBe('shipped');
      expect(shipped.timeline.map((entry: { event: string }) => entry.event)).toEqual([
        'instructed',
        'waybill_issued',
        'received',
        'shipped',
      ]);
      expect((await t.http.get(`/v1/orders/${orderId}`).set(auth()).expect(200)).body).toMatchObject({ status: 'shipped', fulfillmentStatus: 'shipped' });
      // the list's summary follows the fulfillment order (a row the list caches by version)
      const [listed] = (await t.http.get(`/v1/orders?q=2001&connectionId=${neConnectionId}`).set(auth()).expect(200)).body.data;
      expect(listed).toMatchObject({ status: 'shipped', fulfillmentStatus: 'shipped' });
      expect(await level(skuId)).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
      await waitFor(async () => ne.getStock('NE-TEE')!.stock === 8, { what: 'NE stock 8 after the shipment', timeoutMs: 30_000 });
      // One tracking push, never repeated.
      expect(ne.requests.filter((r) => r.path.includes('/api_v1_receiveorder_base/shipped')).length).toBe(1);

      await t.http.post(`/v1/fulfillment-orders/${fo.id}/cancel`).set(auth()).expect(409);
      const movements = (await t.http.get(`/v1/inventory/movements?skuId=${skuId}`).set(auth()).expect(200)).body.data;
      expect(movements.map((m: { reason: string }) => m.reason)).toEqual(['shipment', 'reservation', 'receipt']);
      expect((await t.http.get(`/v1/inventory/movements?skuId=${skuId}&reason=shipment`).set(auth()).expect(200)).body.data).toHaveLength(
        1,
      );
      await expectLedgerMatchesLevel(skuId);
    });

    it('a SKU with stock cannot be deleted', async () => {
      const refused = await t.http.delete(`/v1/skus/${skuId}`).set(auth()).expect(409);
      expect(refused.body.detail).toMatch(/stock on hand 8/);
    });

    it("an NE order's own shipment is left to NextEngine's 出荷確定 (always: it is how NE works); other changes still go up", async () => {
      ne.addOrder({
        receiveOrderId: 2002,
        shopId: '1',
        shopCutFormId: 'M-2002',
        statusId: 20,
        printingInMinutes: -60,
        purchaser: { name: '佐藤 次郎', zipCode: '1500001', address1: '東京都渋谷区神宮前2-2-2', tel: '03-2222-2222' },
        rows: [{ goodsId: 'NE-TEE', goodsName: 'Tシャツ', quantity: 1, unitPrice: 1980 }],
      });
      await t.http.post(`/v1/connections/${neConnectionId}/sync`).set(auth()).expect(202);
      const order = await waitFor(() => orderByNumber('2002', neConnectionId), { what: 'NE order 2002 pulled' });
      const second = await waitFor(() => fulfillmentOf(order.id), { what: 'fulfillment order for 2002' });
      const issued = (await t.http.post(`/v1/fulfillment-orders/${second.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200)).body;
      await waitFor(async () => ne.getOrder('2002')?.receive_order_order_status_id === '50', { what: 'NE order 2002 shipped (出荷確定)' });
      await t.http.post(`/v1/fulfillment-orders/${second.id}/inbound-scan`).set(auth()).send({ barcode: issued.label.trackingNumber }).expect(200);
      await t.http.post(`/v1/fulfillment-orders/${second.id}/ship`).set(auth()).expect(200);
      expect(await level(skuId)).toMatchObject({ onHand: 7, reserved: 0 });

      // Our stock is 7, and NextEngine's is 7 after its own 出荷確定 (the simulator lowers 在庫数 at /shipped, as
      // specs/cancellations.md §1.6 says NextEngine does). A receipt of 3 must reach NextEngine as +3 alone: had the
      // shipment been uploaded too, the simulator would end at 9 instead of 10.
      await adjust(skuId, 'receipt', 3);
      await waitFor(async () => ne.getStock('NE-TEE')!.stock === 10, { what: 'NE stock 7 + 3', timeoutMs: 30_000 });
      const db = t.app.get(DataSource);
      await waitFor(
        async () => (await db.query(`SELECT state FROM stock_push_queue WHERE connection_id = $1 AND listing_key = 'NE-TEE'`, [neConnectionId]))[0]?.state === 'sent',
        { what: 'stock push settled' },
      );
      expect(ne.getStock('NE-TEE')!.stock).toBe(10);
    });
  });

  describe('Qoo10: auto instruction at intake, a tracking push through site outages, absolute stock', () => {
    let skuId: string;
    let foId: string;
    let orderId: string;
    const jst = () => new Date(qoo10.clock.now().getTime() + 9 * 3600_000 - 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const base = () => ({
      orderDate: jst(),
      buyer: '鈴木 一郎',
      receiver: '鈴木 一郎',
      zipCode: '100-0001',
      address1: '東京都千代田区1-1',
      orderPrice: 800,
    });

    beforeAll(async () => {
      skuId = await createSku('SOCKS-001');
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'qoo10-jp', listingKey: 'Q-SOCKS', skuId }).expect(201);
      await adjust(skuId, 'receipt', 5);
      qoo10.addItem({ itemCode: '500', sellerCode: 'Q-SOCKS', itemTitle: '靴下', price: 800, qty: 0 });
      qoo10.addOrder({
        ...base(),
        orderNo: 9101,
        packNo: 8101,
        status: 3,
        itemCode: '500',
        sellerItemCode: 'Q-SOCKS',
        itemTitle: '靴下',
        orderQty: 1,
      });
      qoo10.addOrder({
        ...base(),
        orderNo: 9102,
        packNo: 8102,
        status: 3,
        itemCode: '500',
        sellerItemCode: 'Q-SOCKS',
        itemTitle: '靴下',
        orderQty: 1,
      });
      const created = await t.http
        .post('/v1/connections')
        .set(auth())
        .send({
          site: 'qoo10-jp',
          shopId: QOO10_DEFAULT_ACCOUNT.userId,
          endpoint: qoo10.url,
          credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
          options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
        })
        .expect(201);
      qoo10ConnectionId = created.body.id;
    });

    it('turns the pulled, mapped orders into fulfillment orders and sends Qoo10 the available quantity', async () => {
      const order = await waitFor(
        async () => {
          const found = await orderByNumber('8101', qoo10ConnectionId);
          return found?.status === 'shipping_instructed' ? found : null;
        },
        { what: 'Qoo10 pack 8101 instructed' },
      );
      orderId = order.id;
      foId = (await fulfillmentOf(orderId))!.id;
      await waitFor(async () => (await orderByNumber('8102', qoo10ConnectionId))?.status === 'shipping_instructed', {
        what: 'pack 8102 instructed',
      });
      expect(await level(skuId)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
      await waitFor(async () => qoo10.getItem('500')!.qty === 3, { what: 'Qoo10 quantity 3' });
    });

    it('keeps the push pending with its error while Qoo10 answers 503, then lands it exactly once', async () => {
      qoo10.faults.add({ kind: 'http', status: 503, pathIncludes: 'SetSendingInfo', times: 10 });
      await t.http
        .post(`/v1/fulfillment-orders/${foId}/waybill`)
        .set(auth())
        .send({ carrier: 'Sagawa', trackingNumber: 'SGW-0001' })
        .expect(200);
      const failing = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderId);
          return current?.trackingPush.state === 'pending' && current.trackingPush.lastError ? current : null;
        },
        { what: 'a pending push showing its error' },
      );
      expect(failing.trackingPush.lastError).toMatch(/503/);
      expect(qoo10.getOrder(9101)!.status).toBe(3);

      const sent = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderId);
          return current?.trackingPush.state === 'sent' ? current : null;
        },
        { what: 'the push sent after the outage', timeoutMs: 30_000 },
      );
      expect(sent.trackingPush.attempts).toBeGreaterThanOrEqual(3);
      expect(sent.trackingPush.lastError).toBeNull();
      // "Sagawa" reaches Qoo10 under the name Qoo10 knows (a built-in carrier name).
      expect(qoo10.getOrder(9101)).toMatchObject({ status: 4, trackingNo: 'SGW-0001', deliveryCompany: '佐川急便' });
      // 10 requests were answered by the injected outage; exactly one reached Qoo10 and succeeded.
      expect(qoo10.faults.list()).toEqual([]);
      expect(qoo10.requests.filter((r) => r.path.includes('SetSendingInfo')).length).toBe(11);
    });

    it('an unmapped carrier and a refusal stay failed with their reason until the seller fixes the mapping and retries', async () => {
      const other = (await orderByNumber('8102', qoo10ConnectionId))!;
      const otherFo = (await fulfillmentOf(other.id))!;
      await t.http.post(`/v1/fulfillment-orders/${otherFo.id}/tracking-push/retry`).set(auth()).expect(409);
      await t.http
        .post(`/v1/fulfillment-orders/${otherFo.id}/waybill`)
        .set(auth())
        .send({ carrier: 'Kuroneko', trackingNumber: 'KN-0002' })
        .expect(200);
      const failed = await waitFor(
        async () => {
          const current = await fulfillmentOf(other.id);
          return current?.trackingPush.state === 'failed' ? current : null;
        },
        { what: 'a failed push' },
      );
      // A carrier with no Qoo10 name is our own per-order error: nothing is sent to Qoo10 with our string.
      expect(failed.trackingPush.lastError).toMatch(/carrier "Kuroneko".*carrierNames/);
      const sendingInfoFor9102 = () => qoo10.requests.filter(
          (r) => r.path.includes('SetSendingInfo') && (String(r.query.OrderNo ?? '') === '9102' || /(^|&)OrderNo=9102(&|$)/.test(r.bodyText)),
        );
      expect(sendingInfoFor9102()).toHaveLength(0);
      const [order] = await t.app
        .get(DataSource)
        .query(`SELECT tracking_push_state, tracking_push_error FROM orders WHERE id = $1`, [other.id]);
      expect(order.tracking_push_state).toBe('failed');
      expect(order.tracking_push_error).toMatch(/Kuroneko/);

      // Mapped to a name this seller's Qoo10 does not have: Qoo10's own refusal, in its words.
      await t.http
        .patch(`/v1/connections/${qoo10ConnectionId}`)
        .set(auth())
        .send({ settings: { carrierNames: { Kuroneko: 'クロネコ便' } } })
        .expect(200);
      await t.http.post(`/v1/fulfillment-orders/${otherFo.id}/tracking-push/retry`).set(auth()).expect(200);
      const refused = await waitFor(
        async () => {
          const current = await fulfillmentOf(other.id);
          return current?.trackingPush.state === 'failed' && /クロネコ便/.test(current.trackingPush.lastError ?? '') ? current : null;
        },
        { what: "Qoo10's refusal" },
      );
      expect(refused.trackingPush.lastError).toMatch(/ShippingCorp 'クロネコ便' is not registered/);
      expect(sendingInfoFor9102()).toHaveLength(1);

      await t.http
        .patch(`/v1/connections/${qoo10ConnectionId}`)
        .set(auth())
        .send({ settings: { carrierNames: { Kuroneko: 'ヤマト宅急便' } } })
        .expect(200);
      await t.http.post(`/v1/fulfillment-orders/${otherFo.id}/tracking-push/retry`).set(auth()).expect(200);
      await waitFor(async () => (await fulfillmentOf(other.id))?.trackingPush.state === 'sent', { what: 'the retried push sent' });
      expect(qoo10.getOrder(9102)).toMatchObject({ status: 4, trackingNo: 'KN-0002', deliveryCompany: 'ヤマト宅急便' });
    });

    it('on shipment Qoo10 gets the absolute available quantity again, even after it drifted', async () => {
      qoo10.setStock('500', 99);
      await t.http.post(`/v1/fulfillment-orders/${foId}/ship`).set(auth()).expect(200);
      expect(await level(skuId)).toMatchObject({ onHand: 4, reserved: 1, available: 3 });
      await waitFor(async () => qoo10.getItem('500')!.qty === 3, { what: 'Qoo10 quantity back to 3' });
      await expectLedgerMatchesLevel(skuId);
    });

    it('cancelling releases the reservation, puts the order back to confirmed, and the stock follows', async () => {
      const other = (await orderByNumber('8102', qoo10ConnectionId))!;
      const otherFo = (await fulfillmentOf(other.id))!;
      const cancelledAt = new Date();
      const cancelled = (await t.http.post(`/v1/fulfillment-orders/${otherFo.id}/cancel`).set(auth()).expect(200)).body;
      expect(cancelled.status).toBe('cancelled');
      expect((await t.http.get(`/v1/orders/${other.id}`).set(auth()).expect(200)).body).toMatchObject({
        status: 'confirmed',
        fulfillmentStatus: 'cancelled',
      });
      // Free in the warehouse, but the sales order still stands (confirmed, waiting for a new instruction): its unit is
      // not for sale again, so Qoo10 shows 3.
      expect(await level(skuId)).toMatchObject({ onHand: 4, reserved: 0, available: 4, awaitingReservation: 1, sellable: 3 });
      await waitFor(
        async () => {
          const [row]: { state: string; last_sent_quantity: number; last_sent_at: Date }[] = await t.app
            .get(DataSource)
            .query(`SELECT state, last_sent_quantity, last_sent_at FROM stock_push_queue WHERE connection_id = $1 AND listing_key = 'Q-SOCKS'`, [
              qoo10ConnectionId,
            ]);
          return row?.state === 'sent' && new Date(row.last_sent_at) >= cancelledAt;
        },
        { what: 'the release pushed to Qoo10' },
      );
      expect(qoo10.getItem('500')!.qty).toBe(3);
      // An order whose fulfillment was cancelled is not instructed again automatically.
      expect((await orderByNumber('8102', qoo10ConnectionId))!.status).toBe('confirmed');
      await expectLedgerMatchesLevel(skuId);
    });
  });

  describe("another site's shipment of a SKU NextEngine also sells", () => {
    it('reaches NextEngine exactly once, as an upload (NextEngine never sees that order, so nothing else takes it out)', async () => {
      const neBefore = ne.getStock('NE-TEE')!.stock;
      const before = (await level(teeSkuId))!;
      expect(neBefore).toBe(before.onHand);
      qoo10.addItem({ itemCode: '501', sellerCode: 'Q-TEE', itemTitle: 'Tシャツ', price: 1980, qty: 0 });
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'qoo10-jp', listingKey: 'Q-TEE', skuId: teeSkuId }).expect(201);
      qoo10.addOrder({
        orderDate: new Date(qoo10.clock.now().getTime() + 9 * 3600_000 - 3600_000).toISOString().replace('T', ' ').slice(0, 19),
        buyer: '高橋 三郎',
        receiver: '高橋 三郎',
        zipCode: '100-0001',
        address1: '東京都千代田区1-1',
        orderPrice: 1980,
        orderNo: 9201,
        packNo: 8201,
        status: 3,
        itemCode: '501',
        sellerItemCode: 'Q-TEE',
        itemTitle: 'Tシャツ',
        orderQty: 1,
      });
      await t.http.post(`/v1/connections/${qoo10ConnectionId}/sync`).set(auth()).expect(202);
      const order = await waitFor(
        async () => {
          const found = await orderByNumber('8201', qoo10ConnectionId);
          return found?.status === 'shipping_instructed' ? found : null;
        },
        { what: 'Qoo10 pack 8201 instructed' },
      );
      const fo = (await fulfillmentOf(order.id))!;
      await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'Sagawa', trackingNumber: 'SGW-8201' }).expect(200);
      await t.http.post(`/v1/fulfillment-orders/${fo.id}/inbound-scan`).set(auth()).send({ barcode: 'SGW-8201' }).expect(200);
      await t.http.post(`/v1/fulfillment-orders/${fo.id}/ship`).set(auth()).expect(200);
      expect(await level(teeSkuId)).toMatchObject({ onHand: before.onHand - 1 });

      await waitFor(async () => ne.getStock('NE-TEE')!.stock === neBefore - 1, { what: 'NE stock lowered by the Qoo10 shipment', timeoutMs: 30_000 });
      const db = t.app.get(DataSource);
      await waitFor(
        async () => (await db.query(`SELECT state FROM stock_push_queue WHERE connection_id = $1 AND listing_key = 'NE-TEE'`, [neConnectionId]))[0]?.state === 'sent',
        { what: 'NE stock push settled' },
      );
      // Once: a receipt of 1 afterwards brings NextEngine back to where it started, not one below.
      await adjust(teeSkuId, 'receipt', 1);
      await waitFor(async () => ne.getStock('NE-TEE')!.stock === neBefore, { what: 'NE stock back after a receipt of 1', timeoutMs: 30_000 });
      expect((await level(teeSkuId))!.onHand).toBe(neBefore);
    });
  });

  describe('reservations under concurrency', () => {
    let skuId: string;
    const orderIds: string[] = [];

    beforeAll(async () => {
      // Manual instructions only: automatic ones would race the requests under test.
      await t.http
        .patch(`/v1/connections/${neConnectionId}`)
        .set(auth())
        .send({ options: { autoFulfillmentShippingInstruction: false } })
        .expect(200);
      skuId = await createSku('RACE-1');
      await adjust(skuId, 'receipt', 10);
      for (let n = 0; n < 50; n++) {
        const created = await t.http
          .post('/v1/orders')
          .set(auth())
          .send({
            connectionId: neConnectionId,
            externalOrderId: `R-${n}`,
            orderedAt: '2026-11-01T10:00:00+09:00',
            recipient: { name: `受取人 ${n}` },
            lines: [{ productCode: 'RACE-1', productName: '競争', quantity: 1 }],
          })
          .expect(201);
        orderIds.push(created.body.id);
      }
    });

    it('50 parallel instructions for 10 in stock reserve exactly 10; the rest are held; the ledger adds up', async () => {
      const responses = await Promise.all(orderIds.map((id) => t.http.post(`/v1/orders/${id}/fulfillment`).set(auth())));
      expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      const results = responses.map((r) => r.body.result);
      expect(results.filter((r) => r === 'instructed')).toHaveLength(10);
      expect(results.filter((r) => r === 'held')).toHaveLength(40);
      expect(responses.find((r) => r.body.result === 'held')!.body.holdReason).toBe('Not enough stock: RACE-1 (needs 1, 0 available)');
      expect(await level(skuId)).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
      await expectLedgerMatchesLevel(skuId);
      const reservations = (await t.http.get(`/v1/inventory/movements?skuId=${skuId}&reason=reservation&limit=200`).set(auth()).expect(200))
        .body.data;
      expect(reservations).toHaveLength(10);
    });

    it('parallel instructions of one order create one fulfillment order; the others are conflicts', async () => {
      const extra = await createSku('RACE-2');
      await adjust(extra, 'receipt', 5);
      const created = await t.http
        .post('/v1/orders')
        .set(auth())
        .send({
          connectionId: neConnectionId,
          externalOrderId: 'R-SAME',
          orderedAt: '2026-11-01T10:00:00+09:00',
          recipient: { name: '同時' },
          lines: [{ productCode: 'RACE-2', productName: '同時', quantity: 1 }],
        })
        .expect(201);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => t.http.post(`/v1/orders/${created.body.id}/fulfillment`).set(auth())),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
      expect(await level(extra)).toMatchObject({ reserved: 1 });
      // the nine that lost left nothing on the order: one fulfillment order, instructed
      expect((await t.http.get(`/v1/orders/${created.body.id}`).set(auth()).expect(200)).body.fulfillmentStatus).toBe('instructed');
    });

    it('stock never goes below what is reserved: a loss or a count under it is refused', async () => {
      const loss = await adjust(skuId, 'loss', 1, 409);
      expect(loss.type).toMatch(/stock-reserved$/);
      await adjust(skuId, 'stocktake', 9, 409);
      await adjust(skuId, 'loss', 0, 400);
      expect(await level(skuId)).toMatchObject({ onHand: 10, reserved: 10 });
    });

    it('stock freed by a cancellation goes to a held order at once', async () => {
      const instructed = (await t.http.get(`/v1/fulfillment-orders?status=instructed&limit=200`).set(auth()).expect(200)).body.data.filter(
        (fo: { orderId: string }) => orderIds.includes(fo.orderId),
      );
      await t.http.post(`/v1/fulfillment-orders/${instructed[0].id}/cancel`).set(auth()).expect(200);
      await waitFor(async () => (await level(skuId))!.reserved === 10, { what: 'a held order released' });
      expect((await t.http.get(`/v1/orders/${instructed[0].orderId}`).set(auth()).expect(200)).body.status).toBe('confirmed');
      const live = (await t.http.get(`/v1/fulfillment-orders?status=instructed&limit=200`).set(auth()).expect(200)).body.data.filter(
        (fo: { orderId: string }) => orderIds.includes(fo.orderId),
      );
      expect(live).toHaveLength(10);
      await expectLedgerMatchesLevel(skuId);
    });
  });

  describe('isolation', () => {
    it('another tenant gets 404 on every fulfillment and inventory route with an id, and empty lists', async () => {
      const other = await t.createTenant('Other seller');
      const theirs = { Authorization: `Bearer ${other.apiKey}` };
      const [fo] = (await t.http.get('/v1/fulfillment-orders').set(auth()).expect(200)).body.data;
      const [level] = (await t.http.get('/v1/inventory').set(auth()).expect(200)).body.data;
      expect(fo && level).toBeTruthy();
      await t.http.get(`/v1/fulfillment-orders/${fo.id}`).set(theirs).expect(404);
      for (const action of ['waybill', 'inbound-scan', 'ship', 'cancel', 'tracking-push/retry']) {
        const body =
          action === 'waybill' ? { carrier: 'yamato' } : action === 'inbound-scan' ? { barcode: '123456789012', carrier: 'yamato' } : {};
        const response = await t.http.post(`/v1/fulfillment-orders/${fo.id}/${action}`).set(theirs).send(body);
        expect([action, response.status]).toEqual([action, 404]);
      }
      await t.http.post(`/v1/orders/${fo.orderId}/fulfillment`).set(theirs).expect(404);
      await t.http.post('/v1/inventory/adjustments').set(theirs).send({ skuId: level.skuId, reason: 'receipt', quantity: 1 }).expect(404);
      expect((await t.http.get(`/v1/inventory?skuId=${level.skuId}`).set(theirs).expect(200)).body.data).toEqual([]);
      expect((await t.http.get(`/v1/inventory/movements?skuId=${level.skuId}`).set(theirs).expect(200)).body.data).toEqual([]);
      expect((await t.http.get('/v1/fulfillment-orders').set(theirs).expect(200)).body.data).toEqual([]);
    });
  });
});
