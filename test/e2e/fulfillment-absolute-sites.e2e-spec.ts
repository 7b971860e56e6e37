import { DataSource } from 'typeorm';
import { CROSSMALL_DEFAULT_ACCOUNT, CrossmallSimulator, type CrossmallOrderSeed } from '../simulators/crossmall';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, ElevenStreetSimulator, formatKst, type ElevenStreetOrderSeed } from '../simulators/eleven-street';
import type { RecordedRequest } from '../simulators/site-simulator';
import { type FulfillmentOrderBody, fulfillmentApi } from '../support/fulfillment-api';
import { startTestApp, syncingApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface OrderBody {
  id: string;
  externalOrderId: string;
  status: string;
  holdReason: string | null;
  unmappedLineCount: number;
  confirmation: { state: string; error: string | null };
  refs: Record<string, unknown>;
}

const MINUTE_MS = 60_000;
const JST_OFFSET_MS = 9 * 3_600_000;

/** `yyyy-mm-dd` in JST, as CROSS MALL records a ship date. */
const jstDate = (at: Date) => new Date(at.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);

/**
 * The fulfillment loop on the two sites that take ABSOLUTE stock quantities, 11st and CROSS MALL: the real app
 * with its scheduler and workers, real PostgreSQL, and each site's simulator over HTTP. Orders are pulled
 * (and confirmed on 11st), mapped, released by a stock receipt into fulfillment orders, labelled; the waybill
 * number reaches the site (also through a site outage, exactly once); shipping moves the stock out, and the
 * site is told the available quantity — what the warehouse can still sell — not a change.
 *
 * Time: both simulators and the app's business Clock run on the real clock here (the orders are dated a
 * little before now), so nothing has to be moved together.
 */
describe('Fulfillment on the absolute-stock sites (11st, CROSS MALL)', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const eleven = new ElevenStreetSimulator();
  const crossmall = new CrossmallSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber: listedOrder, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const orderByNumber = (externalOrderId: string, connectionId: string) => listedOrder<OrderBody>(externalOrderId, connectionId);
  const receive = (skuId: string, quantity: number) => adjust(skuId, 'receipt', quantity);

  beforeAll(async () => {
    eleven.seed(undefined);
    crossmall.seed(undefined);
    await eleven.start();
    await crossmall.start();
    // No NextEngine here: its sign-in URL points nowhere.
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5 }));
    tenant = await t.createTenant('Absolute-stock seller');
  });

  afterAll(async () => {
    await t?.close();
    await eleven.stop();
    await crossmall.stop();
  });

  async function orderInStatus(externalOrderId: string, connectionId: string, status: string): Promise<OrderBody> {
    return waitFor(
      async () => {
        const order = await orderByNumber(externalOrderId, connectionId);
        return order?.status === status ? order : null;
      },
      { what: `order ${externalOrderId} ${status}`, timeoutMs: 30_000 },
    );
  }

  /** The app's record of what it last sent for a listing, once nothing is waiting to be sent. */
  async function stockPushSettled(connectionId: string, listingKey: string, quantity: number): Promise<boolean> {
    const [row]: { state: string; last_sent_quantity: number | null }[] = await t.app
      .get(DataSource)
      .query(`SELECT state, last_sent_quantity FROM stock_push_queue WHERE connection_id = $1 AND listing_key = $2`, [
        connectionId,
        listingKey,
      ]);
    return row?.state === 'sent' && row.last_sent_quantity === quantity;
  }

  async function scanAndShip(fo: FulfillmentOrderBody, trackingNumber: string): Promise<FulfillmentOrderBody> {
    const scanned = (
      await t.http.post(`/v1/fulfillment-orders/${fo.id}/inbound-scan`).set(auth()).send({ barcode: trackingNumber }).expect(200)
    ).body;
    expect(scanned.status).toBe('received');
    return (await t.http.post(`/v1/fulfillment-orders/${fo.id}/ship`).set(auth()).expect(200)).body;
  }

  // ---------------------------------------------------------------------------------------------------------
  // 11st
  // ---------------------------------------------------------------------------------------------------------

  describe('11st: pulled → confirmed (reqpackaging) → held → receipt → waybill → reqdelivery → shipped → stockqty', () => {
    const PRD_NO = '9300000001';
    const STOCK_NO = '55100000011'; // 블랙:M, sold on both orders
    const OTHER_STOCK_NO = '55100000012'; // 화이트:M, sold on none
    const LISTING = 'KR-TEE-BK-M'; // sellerStockCd of the option = the SKU code (code equality, no mapping)
    const ORD_A = '20990101000000001';
    const DLV_A = '3100000001';
    const ORD_B = '20990101000000002';
    const DLV_B = '3100000002';
    let connectionId: string;
    let skuId: string;
    let foA: FulfillmentOrderBody;
    let foB: FulfillmentOrderBody;
    let orderA: OrderBody;
    let orderB: OrderBody;

    const reqdeliveryFor = (dlvNo: string) =>
      eleven.requests.filter((r: RecordedRequest) => r.path.startsWith('/rest/ordservices/reqdelivery/') && r.path.endsWith(`/${dlvNo}`));
    const stockqtyPuts = () =>
      eleven.requests.filter((r: RecordedRequest) => r.method === 'PUT' && r.path === `/rest/prodservices/stockqty/${STOCK_NO}`);

    function line(ordNo: string, dlvNo: string, ordQty: number, buyer: string): ElevenStreetOrderSeed {
      const paid = formatKst(new Date(Date.now() - 30 * MINUTE_MS));
      return {
        ordNo,
        ordPrdSeq: 1,
        dlvNo,
        ordDt: paid,
        ordStlEndDt: paid,
        prdNo: PRD_NO,
        prdNm: '남성 라운드 티셔츠',
        prdStckNo: STOCK_NO,
        sellerPrdCd: 'KR-TEE',
        sellerStockCd: LISTING,
        slctPrdOptNm: `색상:블랙/사이즈:M-${ordQty}개`,
        selPrc: 12900,
        ordQty,
        ordNm: buyer,
        rcvrNm: buyer,
        rcvrPrtblNo: '010-1234-5678',
        rcvrMailNo: '06103',
        rcvrBaseAddr: '서울특별시 강남구 논현로 508',
        rcvrDtlsAddr: '103동 1203호',
      };
    }

    beforeAll(async () => {
      eleven.addProduct({
        prdNo: PRD_NO,
        prdNm: '남성 라운드 티셔츠',
        sellerPrdCd: 'KR-TEE',
        stocks: [
          { prdStckNo: STOCK_NO, sellerStockCd: LISTING, mixOptNm: '색상:사이즈', mixDtlOptNm: '블랙:M', stckQty: 40, optWght: 2 },
          {
            prdStckNo: OTHER_STOCK_NO,
            sellerStockCd: 'KR-TEE-WH-M',
            mixOptNm: '색상:사이즈',
            mixDtlOptNm: '화이트:M',
            stckQty: 5,
            optWght: 1,
          },
        ],
      });
      eleven.addOrder(line(ORD_A, DLV_A, 2, '김민준'));
      eleven.addOrder(line(ORD_B, DLV_B, 1, '이서연'));
      skuId = await createSku(LISTING);
      const created = await t.http
        .post('/v1/connections')
        .set(auth())
        .send({
          site: '11st',
          shopId: ELEVEN_STREET_DEFAULT_ACCOUNT.sellerId,
          endpoint: eleven.url,
          credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
          options: {
            autoOrderIntegration: true,
            autoOrderConfirmation: true,
            autoFulfillmentShippingInstruction: true,
            autoStockSync: true,
          },
        })
        .expect(201);
      expect(created.body.status).toBe('active');
      connectionId = created.body.id;
    });

    it('pulls both orders, confirms them on 11st (202 → 301), and holds them for want of stock', async () => {
      orderA = await orderInStatus(ORD_A, connectionId, 'on_hold');
      orderB = await orderInStatus(ORD_B, connectionId, 'on_hold');
      expect(orderA.confirmation.state).toBe('confirmed');
      expect(orderA.refs).toMatchObject({ dlvNos: [DLV_A] });
      expect(orderA.unmappedLineCount).toBe(0);
      expect(orderA.holdReason).toBe(`Not enough stock: ${LISTING} (needs 2, 0 available)`);
      expect(orderB.holdReason).toBe(`Not enough stock: ${LISTING} (needs 1, 0 available)`);
      // Confirmed on the site: 발주확인 per line, nothing shipped yet.
      for (const dlvNo of [DLV_A, DLV_B]) {
        const [siteLine] = eleven.getLines({ dlvNo });
        expect(siteLine).toMatchObject({ ordPrdStat: '301', invcNo: '', sendDt: null });
        expect(siteLine.plcodrCnfDt).not.toBeNull();
      }
      expect(eleven.requests.filter((r) => r.path.startsWith('/rest/ordservices/reqpackaging/'))).toHaveLength(2);
      expect(await fulfillmentOf(orderA.id)).toBeNull();
    });

    it('a receipt releases both into fulfillment orders, and 11st gets the available quantity (received − reserved)', async () => {
      await receive(skuId, 10);
      foA = await waitFor(() => fulfillmentOf(orderA.id), { what: 'fulfillment order for 11st order A' });
      foB = await waitFor(() => fulfillmentOf(orderB.id), { what: 'fulfillment order for 11st order B' });
      expect(foA).toMatchObject({ status: 'instructed', trigger: 'auto', trackingPush: { state: null } });
      expect(foA.lines).toEqual([expect.objectContaining({ skuCode: LISTING, orderedQuantity: 2, quantity: 2 })]);
      expect(foB.lines).toEqual([expect.objectContaining({ skuCode: LISTING, orderedQuantity: 1, quantity: 1 })]);
      expect((await t.http.get(`/v1/orders/${orderA.id}`).set(auth()).expect(200)).body).toMatchObject({
        status: 'shipping_instructed',
        holdReason: null,
      });
      expect(await level(skuId)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });

      // Absolute: the site held 40; it must now show 7 (not 40 + 10, not 10).
      await waitFor(async () => eleven.getStock(STOCK_NO)!.stckQty === 7, { what: '11st stckQty 7', timeoutMs: 30_000 });
      await waitFor(() => stockPushSettled(connectionId, LISTING, 7), { what: '11st stock push settled' });
      expect(eleven.getStock(STOCK_NO)).toMatchObject({ stckQty: 7, optWght: 2, prdStckStatCd: '01' });
      expect(eleven.getStock(STOCK_NO)!.stckQty).toBe((await level(skuId))!.available);
      // The other option of the product is left alone.
      expect(eleven.getStock(OTHER_STOCK_NO)).toMatchObject({ stckQty: 5, optWght: 1 });
    });

    it('issues the waybill; reqdelivery ships the delivery on 11st with the CJ code and the number, once', async () => {
      const before = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
      const issued = (await t.http.post(`/v1/fulfillment-orders/${foA.id}/waybill`).set(auth()).send({ carrier: 'cj' }).expect(200)).body;
      const after = new Date();
      const trackingNumber: string = issued.label.trackingNumber;
      expect(trackingNumber).toMatch(/^\d{12}$/);
      expect(issued.label).toMatchObject({ carrier: 'cj', orderNumber: ORD_A, barcode: { value: trackingNumber } });
      expect(issued.fulfillmentOrder).toMatchObject({ status: 'waybill_issued', trackingPush: { state: 'pending' } });

      const sent = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderA.id);
          return current?.trackingPush.state === 'sent' ? current : null;
        },
        { what: '11st tracking push sent' },
      );
      expect(sent.trackingPush).toMatchObject({ lastError: null, attempts: 1 });
      const [shipped] = eleven.getLines({ dlvNo: DLV_A });
      expect(shipped).toMatchObject({ ordPrdStat: '401', dlvMthdCd: '01', dlvEtprsCd: '00034', invcNo: trackingNumber });
      // sendDt is the issue time, in KST minutes.
      expect(shipped.sendDt! >= formatKst(before) && shipped.sendDt! <= formatKst(after)).toBe(true);
      expect(reqdeliveryFor(DLV_A)).toHaveLength(1);
      // The other delivery is untouched.
      expect(eleven.getLines({ dlvNo: DLV_B })[0]).toMatchObject({ ordPrdStat: '301', invcNo: '' });
      expect(reqdeliveryFor(DLV_B)).toHaveLength(0);
    });

    it('scan and ship take the stock out; 11st is sent the available quantity again, correcting a drift', async () => {
      // Whatever 11st shows now (a seller edited it by hand), the shipment's push must put it back to ours.
      eleven.setStock(STOCK_NO, 99);
      const putsBefore = stockqtyPuts().length;
      const current = (await fulfillmentOf(orderA.id))!;
      const shipped = await scanAndShip(current, current.waybill.trackingNumber!);
      expect(shipped.status).toBe('shipped');
      expect(shipped.timeline.map((entry) => entry.event)).toEqual(['instructed', 'waybill_issued', 'received', 'shipped']);
      expect((await t.http.get(`/v1/orders/${orderA.id}`).set(auth()).expect(200)).body.status).toBe('shipped');
      // Shipped 2 of 10; order B still holds 1: on hand 8, available 7 — 11st must show 7, not 8.
      const after = (await level(skuId))!;
      expect(after).toMatchObject({ onHand: 8, reserved: 1, available: 7 });
      await waitFor(async () => eleven.getStock(STOCK_NO)!.stckQty === after.available, {
        what: '11st stckQty back to the available quantity',
        timeoutMs: 30_000,
      });
      expect(stockqtyPuts().length).toBeGreaterThan(putsBefore);
      const lastPut = stockqtyPuts().at(-1)!;
      expect(lastPut.bodyText).toContain(`<stckQty>${after.available}</stckQty>`);
      expect(lastPut.bodyText).toContain(`<prdNo>${PRD_NO}</prdNo>`);
      expect(eleven.getStock(OTHER_STOCK_NO)!.stckQty).toBe(5);
      // The shipped delivery was pushed once, never again.
      expect(reqdeliveryFor(DLV_A)).toHaveLength(1);
    });

    it("keeps the push pending with 11st's maintenance error (-1000) through an outage, then lands it exactly once", async () => {
      // Six -1000 answers: the first push attempt (4 calls) fails, the second gets through on its third call.
      eleven.faults.add({ kind: 'site-error', siteCode: '-1000', pathIncludes: '/ordservices/reqdelivery/', times: 6 });
      const trackingNumber = '640012345002';
      await t.http.post(`/v1/fulfillment-orders/${foB.id}/waybill`).set(auth()).send({ carrier: 'cj', trackingNumber }).expect(200);

      const failing = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderB.id);
          return current?.trackingPush.state === 'pending' && current.trackingPush.lastError ? current : null;
        },
        { what: 'a pending 11st push showing its error' },
      );
      expect(failing.trackingPush.lastSiteCode).toBe('-1000');
      // The site's code and words, and which delivery they were about.
      expect(failing.trackingPush.lastError).toMatch(/^-1000: /);
      expect(failing.trackingPush.lastError).toContain('서버 점검중입니다');
      expect(failing.trackingPush.lastError).toContain(DLV_B);
      expect(eleven.getLines({ dlvNo: DLV_B })[0]).toMatchObject({ ordPrdStat: '301', invcNo: '' });
      const [pendingOrder] = await t.app
        .get(DataSource)
        .query(`SELECT tracking_push_state, tracking_push_error FROM orders WHERE id = $1`, [orderB.id]);
      expect(pendingOrder.tracking_push_state).toBe('pending');
      expect(pendingOrder.tracking_push_error).toMatch(/-1000/);

      const sent = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderB.id);
          return current?.trackingPush.state === 'sent' ? current : null;
        },
        { what: 'the 11st push sent after the outage', timeoutMs: 30_000 },
      );
      expect(sent.trackingPush.attempts).toBe(2);
      expect(sent.trackingPush).toMatchObject({ lastError: null, lastSiteCode: null });
      expect(eleven.getLines({ dlvNo: DLV_B })[0]).toMatchObject({ ordPrdStat: '401', dlvEtprsCd: '00034', invcNo: trackingNumber });
      // Six calls were answered by the outage, one reached 11st: exactly one shipment, no repeat.
      expect(eleven.faults.list()).toEqual([]);
      expect(reqdeliveryFor(DLV_B)).toHaveLength(7);
      const [order] = await t.app
        .get(DataSource)
        .query(`SELECT tracking_push_state, tracking_push_error FROM orders WHERE id = $1`, [orderB.id]);
      expect(order).toEqual({ tracking_push_state: 'sent', tracking_push_error: null });
      // Order A's push was not repeated by the retries of B's.
      expect(reqdeliveryFor(DLV_A)).toHaveLength(1);
    });
  });

  // ---------------------------------------------------------------------------------------------------------
  // CROSS MALL
  // ---------------------------------------------------------------------------------------------------------

  describe('CROSS MALL: pulled → unmapped → mapped → held → receipt → waybill → upd_order_phase → shipped → upd_stock', () => {
    const ITEM = 'CM-SOCKS';
    const LISTING = 'CM-SOCKS:ネイビー,M'; // CROSS MALL keys: item code + attribute names, exact text
    const SKU_CODE = 'SOCKS-NAVY-M'; // equal to no code on the site: only the mapping can resolve it
    const SHIPPED_PHASE = '発送済み'; // configured, not the connector's default (QXPRESS発送済み)
    const ORDER_A = 30001;
    const ORDER_B = 30002;
    let connectionId: string;
    let skuId: string;
    let orderA: OrderBody;
    let orderB: OrderBody;
    let foA: FulfillmentOrderBody;
    let foB: FulfillmentOrderBody;

    const navyStock = () => crossmall.getStock(ITEM, 'ネイビー', 'M');
    const phaseUpdatesFor = (orderNumber: number) =>
      crossmall.requests.filter(
        (r: RecordedRequest) => r.path === '/webapi2/upd_order_phase' && r.query.order_number === String(orderNumber),
      );
    const stockUpdates = () =>
      crossmall.requests.filter((r: RecordedRequest) => r.path === '/webapi2/upd_stock' && r.query.item_code === ITEM);

    function order(orderNumber: number, amount: number, name: string): CrossmallOrderSeed {
      return {
        order_number: orderNumber,
        order_date: '2099/01/01 10:00:00',
        shop_name: '楽天市場店',
        order_code: `R-${orderNumber}`,
        phase_name: '発送待機',
        client_name: name,
        ship_name: name,
        ship_zip: '100-0001',
        ship_address1: '東京都千代田区千代田1-1',
        delivery_time_name: '午前中',
        lines: [{ item_code: ITEM, item_name: '綿混ソックス', attribute1_name: 'ネイビー', attribute2_name: 'M', amount, unit_price: 990 }],
      };
    }

    beforeAll(async () => {
      crossmall.addSku({ item_code: ITEM, attribute1_name: 'ネイビー', attribute2_name: 'M', stock: 40 });
      crossmall.addSku({ item_code: ITEM, attribute1_name: 'グレー', attribute2_name: 'M', stock: 9 });
      crossmall.addOrder(order(ORDER_A, 2, '田中 優子'));
      crossmall.addOrder(order(ORDER_B, 1, '中村 健太'));
      // An order in another phase is not collected.
      crossmall.addOrder({ ...order(30003, 5, '小林 さくら'), phase_name: '引当待ち' });
      skuId = await createSku(SKU_CODE);
      const created = await t.http
        .post('/v1/connections')
        .set(auth())
        .send({
          site: 'crossmall',
          shopId: 'cm-absolute-shop',
          endpoint: crossmall.url,
          credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
          options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
          settings: { shippedPhaseName: SHIPPED_PHASE, deliveryNames: { yamato: 'ヤマト運輸' } },
        })
        .expect(201);
      expect(created.body.status).toBe('active');
      connectionId = created.body.id;
    });

    it('pulls the orders of the collect phase; with no mapping their listing waits in the unmapped queue', async () => {
      orderA = await orderInStatus(String(ORDER_A), connectionId, 'confirmed');
      orderB = await orderInStatus(String(ORDER_B), connectionId, 'confirmed');
      expect(orderA).toMatchObject({ unmappedLineCount: 1, confirmation: { state: 'not_needed' } });
      expect(await orderByNumber('30003', connectionId)).toBeUndefined();
      const unmapped = (await t.http.get('/v1/sku-mappings/unmapped?site=crossmall').set(auth()).expect(200)).body.data;
      expect(unmapped).toEqual([expect.objectContaining({ listingKey: LISTING, productCode: ITEM, waitingOrders: 2 })]);
      expect(await fulfillmentOf(orderA.id)).toBeNull();
    });

    it('a mapping resolves them; with no stock they are held', async () => {
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'crossmall', listingKey: LISTING, skuId }).expect(201);
      orderA = await orderInStatus(String(ORDER_A), connectionId, 'on_hold');
      orderB = await orderInStatus(String(ORDER_B), connectionId, 'on_hold');
      expect(orderA.unmappedLineCount).toBe(0);
      expect(orderA.holdReason).toBe(`Not enough stock: ${SKU_CODE} (needs 2, 0 available)`);
      expect((await t.http.get('/v1/sku-mappings/unmapped?site=crossmall').set(auth()).expect(200)).body.data).toEqual([]);
    });

    it('a receipt releases both into fulfillment orders, and CROSS MALL gets the available quantity through upd_stock', async () => {
      await receive(skuId, 10);
      foA = await waitFor(() => fulfillmentOf(orderA.id), { what: 'fulfillment order for CROSS MALL order A' });
      foB = await waitFor(() => fulfillmentOf(orderB.id), { what: 'fulfillment order for CROSS MALL order B' });
      expect(foA).toMatchObject({ status: 'instructed', trigger: 'auto' });
      expect(foA.lines).toEqual([expect.objectContaining({ skuCode: SKU_CODE, orderedQuantity: 2, quantity: 2 })]);
      expect(foB.lines).toEqual([expect.objectContaining({ skuCode: SKU_CODE, orderedQuantity: 1, quantity: 1 })]);
      expect(await level(skuId)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });

      // Absolute: the site held 40 and must now show 7.
      await waitFor(async () => navyStock() === 7, { what: 'CROSS MALL stock 7', timeoutMs: 40_000 });
      await waitFor(() => stockPushSettled(connectionId, LISTING, 7), { what: 'CROSS MALL stock push settled', timeoutMs: 30_000 });
      expect(navyStock()).toBe((await level(skuId))!.available);
      expect(stockUpdates().at(-1)!.query).toMatchObject({
        attribute1_name: 'ネイビー',
        attribute2_name: 'M',
        stock: '7',
        update_type: 'u',
      });
      expect(crossmall.getStock(ITEM, 'グレー', 'M')).toBe(9);
    });

    it('issues the waybill; the order moves to the configured shipped phase with the delivery number, once', async () => {
      const before = new Date();
      const issued = (await t.http.post(`/v1/fulfillment-orders/${foA.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200))
        .body;
      const after = new Date();
      const trackingNumber: string = issued.label.trackingNumber;
      expect(issued.label).toMatchObject({ carrier: 'yamato', orderNumber: String(ORDER_A) });
      expect(issued.fulfillmentOrder.trackingPush.state).toBe('pending');

      const sent = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderA.id);
          return current?.trackingPush.state === 'sent' ? current : null;
        },
        { what: 'CROSS MALL tracking push sent', timeoutMs: 30_000 },
      );
      expect(sent.trackingPush).toMatchObject({ lastError: null, attempts: 1 });
      const siteOrder = crossmall.getOrder(ORDER_A)!;
      expect(siteOrder).toMatchObject({ phase_name: SHIPPED_PHASE, delivery_number: trackingNumber, delivery_name: 'ヤマト運輸' });
      expect([jstDate(before), jstDate(after)]).toContain(siteOrder.delivery_date);
      expect(phaseUpdatesFor(ORDER_A)).toHaveLength(1);
      expect(crossmall.getOrder(ORDER_B)).toMatchObject({ phase_name: '発送待機', delivery_number: '' });
    });

    it('scan and ship take the stock out; CROSS MALL is sent the available quantity again, correcting a drift', async () => {
      crossmall.setStock(ITEM, 'ネイビー', 'M', 99);
      const updatesBefore = stockUpdates().length;
      const current = (await fulfillmentOf(orderA.id))!;
      const shipped = await scanAndShip(current, current.waybill.trackingNumber!);
      expect(shipped.status).toBe('shipped');
      expect((await t.http.get(`/v1/orders/${orderA.id}`).set(auth()).expect(200)).body.status).toBe('shipped');
      // Shipped 2 of 10; order B still holds 1: on hand 8, available 7 — CROSS MALL must show 7, not 8.
      const after = (await level(skuId))!;
      expect(after).toMatchObject({ onHand: 8, reserved: 1, available: 7 });
      await waitFor(async () => navyStock() === after.available, {
        what: 'CROSS MALL stock back to the available quantity',
        timeoutMs: 30_000,
      });
      expect(stockUpdates().length).toBeGreaterThan(updatesBefore);
      expect(stockUpdates().at(-1)!.query).toMatchObject({ stock: String(after.available), update_type: 'u' });
      expect(crossmall.getStock(ITEM, 'グレー', 'M')).toBe(9);
      expect(phaseUpdatesFor(ORDER_A)).toHaveLength(1);
    });

    it('keeps the push pending with its error while CROSS MALL answers 503, then lands it exactly once', async () => {
      // Five 503s: the first push attempt (4 calls) fails, the second gets through on its second call.
      crossmall.faults.add({ kind: 'http', status: 503, pathIncludes: '/webapi2/upd_order_phase', times: 5 });
      const trackingNumber = 'YMT-30002';
      await t.http.post(`/v1/fulfillment-orders/${foB.id}/waybill`).set(auth()).send({ carrier: 'yamato', trackingNumber }).expect(200);

      const failing = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderB.id);
          return current?.trackingPush.state === 'pending' && current.trackingPush.lastError ? current : null;
        },
        { what: 'a pending CROSS MALL push showing its error', timeoutMs: 30_000 },
      );
      expect(failing.trackingPush.lastError).toMatch(/503/);
      expect(crossmall.getOrder(ORDER_B)).toMatchObject({ phase_name: '発送待機', delivery_number: '' });

      const sent = await waitFor(
        async () => {
          const current = await fulfillmentOf(orderB.id);
          return current?.trackingPush.state === 'sent' ? current : null;
        },
        { what: 'the CROSS MALL push sent after the outage', timeoutMs: 40_000 },
      );
      expect(sent.trackingPush.attempts).toBe(2);
      expect(sent.trackingPush.lastError).toBeNull();
      expect(crossmall.getOrder(ORDER_B)).toMatchObject({
        phase_name: SHIPPED_PHASE,
        delivery_number: trackingNumber,
        delivery_name: 'ヤマト運輸',
      });
      // Five calls were answered by the outage, one reached CROSS MALL.
      expect(crossmall.faults.list()).toEqual([]);
      expect(phaseUpdatesFor(ORDER_B)).toHaveLength(6);
      expect(phaseUpdatesFor(ORDER_A)).toHaveLength(1);
    });
  });
});
