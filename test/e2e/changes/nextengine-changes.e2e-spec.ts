import { DataSource } from 'typeorm';
import type { DomainEvents } from '../../../src/events/domain-events';
import { EventBus } from '../../../src/events/event-bus';
import { NextEngineSimulator, type NeOrderSeed } from '../../simulators/nextengine';
import { type FulfillmentOrderBody, fulfillmentApi } from '../../support/fulfillment-api';
import {
  type ChangedOrder,
  type SyncRunBody,
  type TimelineEntry,
  orderChangesApi,
  siteChanges,
  statusPath,
} from '../../support/order-changes-api';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/** NextEngine goods codes, equal to the SKU codes (code equality: no mapping). */
const GOODS_A = 'NE-CHG-A';
const GOODS_B = 'NE-CHG-B';
/** A goods code no SKU has: its orders wait unmapped, open, never instructed. */
const GOODS_UNMAPPED = 'NE-CHG-NOSKU';
const RECEIPT = 100;
const JST_OFFSET_MS = 9 * 3_600_000;

/** NextEngine's datetime text (JST) for an instant. */
const neDatetime = (at: number) => new Date(at + JST_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);

/**
 * What NextEngine changes after intake reaches the warehouse (DESIGN §5a, specs/cancellations.md §1): the real app
 * with its scheduler and workers, real PostgreSQL and the NextEngine simulator over HTTP. Slips are pulled and
 * instructed automatically; the simulator's scenario hooks then cancel, hold, release, cancel a line, merge and
 * split them as NextEngine's UI would, and `POST /v1/connections/{id}/sync` runs the order pull and the change pull.
 * Each scenario checks the order, its fulfillment order, the stock, the run's counts and the order's timeline, and
 * that a further run applies nothing again.
 *
 * The simulator runs on the real clock (the change pull's first look-back and its cursor come from it).
 */
describe('NextEngine changes after intake, end to end', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const ne = new NextEngineSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const changes = orderChangesApi(() => t, auth);
  const lateCancels: DomainEvents['orders.cancelled-after-instruction'][] = [];
  let connectionId: string;
  let skuA: string;
  let skuB: string;
  let mallOrderNo = 0;

  /** A slip for `ne.addOrder`, which numbers it (伝票番号) as NextEngine does: a split's new slip takes the next number too. */
  function slip(rows: Array<[string, number]>, overrides: Partial<NeOrderSeed> = {}): NeOrderSeed {
    mallOrderNo += 1;
    return {
      shopId: '1',
      shopCutFormId: `MALL-${mallOrderNo}`,
      statusId: 20,
      printingInMinutes: -60,
      purchaser: { name: '山田 花子', zipCode: '1500001', address1: '東京都渋谷区神宮前1-1-1', tel: '03-1111-1111' },
      rows: rows.map(([goodsId, quantity]) => ({ goodsId, goodsName: `${goodsId} 商品`, quantity, unitPrice: 1500 })),
      ...overrides,
    };
  }

  /** `POST /v1/connections/{id}/sync`, which must succeed. */
  async function sync(): Promise<SyncRunBody> {
    const run = await changes.sync(connectionId);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    return run;
  }

  async function pulled(receiveOrderId: string): Promise<ChangedOrder> {
    const listed = await waitFor(() => orderByNumber(receiveOrderId, connectionId), { what: `NE slip ${receiveOrderId} pulled` });
    return changes.order(listed.id);
  }

  async function fulfillmentIn(orderId: string, status: string, what = `fulfillment order ${status}`): Promise<FulfillmentOrderBody> {
    return waitFor(
      async () => {
        const fo = await fulfillmentOf(orderId);
        return fo?.status === status ? fo : null;
      },
      { what, timeoutMs: 30_000 },
    );
  }

  const fulfillmentById = async (id: string): Promise<FulfillmentOrderBody> =>
    (await t.http.get(`/v1/fulfillment-orders/${id}`).set(auth()).expect(200)).body;

  const lineQuantities = (fo: FulfillmentOrderBody) => fo.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity]);

  /** A slip added on NextEngine, pulled by a sync and instructed at once (the stock is there). */
  async function instructedSlip(rows: Array<[string, number]>): Promise<{ slipId: string; orderId: string; foId: string }> {
    const slipId = ne.addOrder(slip(rows));
    await sync();
    const order = await pulled(slipId);
    const fo = await fulfillmentIn(order.id, 'instructed', `slip ${slipId} instructed`);
    expect((await changes.order(order.id)).status).toBe('shipping_instructed');
    return { slipId, orderId: order.id, foId: fo.id };
  }

  const reserved = async (skuId: string) => (await level(skuId))!.reserved;

  /** A further run re-reads the same slips (the cursor's overlap) and applies nothing: the timelines stay as they are. */
  async function resyncAppliesNothing(orderIds: string[]): Promise<SyncRunBody> {
    const before = await Promise.all(orderIds.map(async (id) => (await changes.timeline(id)).map((entry) => entry.id)));
    const run = await sync();
    expect(run.changesApplied).toBe(0);
    expect(run.changesSeen).toBeGreaterThan(0);
    const after = await Promise.all(orderIds.map(async (id) => (await changes.timeline(id)).map((entry) => entry.id)));
    expect(after).toEqual(before);
    return run;
  }

  const siteEntries = (timeline: TimelineEntry[]) => timeline.filter((entry) => entry.source === 'site').reverse();

  const uploads = () => ne.requests.filter((request) => request.path === '/api_v1_master_goods/upload').length;

  /** The app's stock push row of a NextEngine goods code. */
  async function pushRow(listingKey: string): Promise<{ state: string; version: number; baseline: number | null } | undefined> {
    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT state, version, baseline FROM stock_push_queue WHERE connection_id = $1 AND listing_key = $2`, [
        connectionId,
        listingKey,
      ]);
    return row;
  }

  beforeAll(async () => {
    ne.seed({ queueDelayMs: 200 });
    await ne.start();
    t = await startTestApp(syncingApp(ne.url, { siteRetryBaseDelayMs: 5 }));
    tenant = await t.createTenant('NextEngine change seller');
    t.app.get(EventBus).subscribe('orders.cancelled-after-instruction', (event) => void lateCancels.push(event));

    ne.addGoods({ goodsId: GOODS_A, goodsName: `${GOODS_A} 商品`, stockQuantity: 0 });
    ne.addGoods({ goodsId: GOODS_B, goodsName: `${GOODS_B} 商品`, stockQuantity: 0 });
    skuA = await createSku(GOODS_A);
    skuB = await createSku(GOODS_B);
    // A first slip selling both goods: pulled with no stock, it is held; its lines make both goods listings of the
    // connection (code equality), so the receipts below are uploaded to NextEngine.
    // (numbered 7001: the simulator numbers the later slips, splits included, from there)
    const first = ne.addOrder(
      slip(
        [
          [GOODS_A, 1],
          [GOODS_B, 1],
        ],
        { receiveOrderId: 7001 },
      ),
    );
    connectionId = await connectNextEngine(t, ne, tenant.apiKey, {
      options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
      // the schedule pulls once, at once; every later run here is started by the test
      orderSyncIntervalMinutes: 1440,
    });
    const held = await waitFor(
      async () => {
        const order = await orderByNumber(first, connectionId);
        return order?.status === 'on_hold' ? order : null;
      },
      { what: 'the first slip held for stock', timeoutMs: 30_000 },
    );
    await adjust(skuA, 'receipt', RECEIPT);
    await adjust(skuB, 'receipt', RECEIPT);
    await fulfillmentIn(held.id, 'instructed', 'the first slip instructed by the receipt');
    // NextEngine takes changes of 在庫数 (relative): the receipts arrive as +100 each.
    await waitFor(async () => ne.getStock(GOODS_A)!.stock === RECEIPT && ne.getStock(GOODS_B)!.stock === RECEIPT, {
      what: 'the receipts uploaded to NextEngine',
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    await t?.close();
    await ne.stop();
  });

  it('(a) a cancel before the waybill cancels the order and its fulfillment order and frees the reservation; NextEngine keeps its 在庫数', async () => {
    const { slipId, orderId, foId } = await instructedSlip([[GOODS_A, 3]]);
    const before = (await level(skuA))!;
    await waitFor(async () => (await pushRow(GOODS_A))?.state === 'sent', { what: 'stock push settled' });
    const pushBefore = (await pushRow(GOODS_A))!;
    const uploadsBefore = uploads();
    const neBefore = ne.getStock(GOODS_A)!.stock;
    expect(neBefore).toBe(before.onHand);

    ne.cancel(slipId); // 1 顧客依頼によりキャンセル
    const run = await sync();
    expect(run.changesApplied).toBe(1);
    expect(run.changesSeen).toBeGreaterThanOrEqual(1);

    const cancelled = await changes.orderWhen(orderId, (o) => o.status === 'cancelled', 'order cancelled');
    expect(cancelled.siteChange).toMatchObject({
      state: 'cancelled',
      reason: '顧客依頼によりキャンセル',
      cancelledAfterInstructionAt: null,
    });
    expect((await fulfillmentById(foId)).status).toBe('cancelled');
    expect(await level(skuA)).toMatchObject({ onHand: before.onHand, reserved: before.reserved - 3 });

    // NextEngine is a relative site that allocates its own orders: freeing our reservation changes nothing on hand, so
    // nothing is uploaded for it (an upload of +3 would double the units NextEngine frees itself with the cancel).
    // The release is written in the same transaction as the cancel: had it queued a push, the row would show it now.
    expect(await pushRow(GOODS_A)).toEqual(pushBefore);
    expect(uploads()).toBe(uploadsBefore);
    expect(ne.getStock(GOODS_A)!.stock).toBe(neBefore);
    // ...and the next change of on-hand stock reaches NextEngine exactly: neither lost nor doubled by the cancel.
    await adjust(skuA, 'receipt', 1);
    await waitFor(async () => ne.getStock(GOODS_A)!.stock === before.onHand + 1, { what: 'NE 在庫数 = on hand + 1', timeoutMs: 30_000 });
    await waitFor(async () => (await pushRow(GOODS_A))?.state === 'sent', { what: 'stock push settled' });
    expect(ne.getStock(GOODS_A)!.stock).toBe((await level(skuA))!.onHand);

    const timeline = await changes.timeline(orderId);
    expect(siteChanges(timeline, 'cancelled')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ reason: '顧客依頼によりキャンセル' }) }),
    ]);
    expect(siteEntries(timeline).map((entry) => entry.kind)).toEqual(['cancelled']);
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'cancelled']);

    await resyncAppliesNothing([orderId]);
    expect(await reserved(skuA)).toBe(before.reserved - 3);
    expect((await changes.order(orderId)).status).toBe('cancelled');
  });

  it('(b) a cancel after the waybill undoes nothing: flagged, listed, evented', async () => {
    const { slipId, orderId, foId } = await instructedSlip([[GOODS_B, 2]]);
    const issued = (await t.http.post(`/v1/fulfillment-orders/${foId}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200)).body;
    // the waybill number reaches NextEngine (出荷確定: status 50) before the buyer's cancel
    await waitFor(async () => (await fulfillmentById(foId)).trackingPush.state === 'sent', { what: 'tracking push sent' });
    expect(ne.getOrder(slipId)!.receive_order_order_status_id).toBe('50');
    const reservedB = await reserved(skuB);
    const onHandB = (await level(skuB))!.onHand;

    ne.cancel(slipId, 6); // 不良返品によるキャンセル: the slip stays at status 50
    const run = await sync();
    expect(run.changesApplied).toBe(1);

    const flagged = await changes.orderWhen(orderId, (o) => o.siteChange.cancelledAfterInstructionAt !== null, 'late cancel flagged');
    expect(flagged.status).toBe('shipping_instructed');
    expect(flagged.siteChange).toMatchObject({ state: 'cancelled', reason: '不良返品によるキャンセル' });
    expect(await changes.listedWithChange('cancelled_after_instruction', connectionId)).toEqual([orderId]);
    const fo = await fulfillmentById(foId);
    expect(fo.status).toBe('waybill_issued');
    expect(fo.waybill.trackingNumber).toBe(issued.label.trackingNumber);
    expect(await level(skuB)).toMatchObject({ onHand: onHandB, reserved: reservedB });
    expect(lateCancels.filter((event) => event.orderId === orderId)).toEqual([
      expect.objectContaining({ fulfillmentOrderId: foId, fulfillmentStatus: 'waybill_issued', externalOrderId: slipId, connectionId }),
    ]);

    const timeline = await changes.timeline(orderId);
    expect(siteEntries(timeline).map((entry) => entry.kind)).toEqual(['cancelled']);
    expect(timeline.filter((entry) => entry.source === 'mallbridge' && entry.kind === 'cancelled_after_instruction')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.source === 'site_call' && entry.kind === 'tracking')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ ok: true }) }),
    ]);
    expect(statusPath(timeline)).toEqual(['shipping_instructed']);

    await resyncAppliesNothing([orderId]);
    expect(lateCancels.filter((event) => event.orderId === orderId)).toHaveLength(1);
    // the warehouse can still finish it (the parcel may be gone already); the flag stays
    await t.http.post(`/v1/fulfillment-orders/${foId}/inbound-scan`).set(auth()).send({ barcode: issued.label.trackingNumber }).expect(200);
    expect((await changes.order(orderId)).siteChange.cancelledAfterInstructionAt).toBe(flagged.siteChange.cancelledAfterInstructionAt);
  });

  it('(c) a hold (cancel type 12) holds the fulfillment order, no waybill meanwhile; the release resumes it', async () => {
    const { slipId, orderId, foId } = await instructedSlip([[GOODS_A, 1]]);
    const reservedA = await reserved(skuA);

    ne.hold(slipId);
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentIn(orderId, 'on_hold');
    const held = await changes.orderWhen(orderId, (o) => o.status === 'on_hold', 'order held');
    expect(held.siteChange).toMatchObject({ state: 'on_hold', reason: '伝票を確認後、有効にして下さい。' });
    expect(held.holdReason).toMatch(/Held by the site/);
    await t.http.post(`/v1/fulfillment-orders/${foId}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(409);
    await t.http.post(`/v1/orders/${orderId}/fulfillment`).set(auth()).expect(409);
    expect(await reserved(skuA)).toBe(reservedA);
    await resyncAppliesNothing([orderId]);

    ne.release(slipId);
    expect((await sync()).changesApplied).toBe(1);
    const resumed = await fulfillmentIn(orderId, 'instructed', 'fulfillment order resumed');
    expect(resumed.id).toBe(foId);
    const released = await changes.orderWhen(orderId, (o) => o.status === 'shipping_instructed', 'order resumed');
    expect(released.siteChange).toMatchObject({ state: 'open', reason: null });
    expect(await reserved(skuA)).toBe(reservedA);

    const timeline = await changes.timeline(orderId);
    expect(siteEntries(timeline).map((entry) => entry.kind)).toEqual(['on_hold', 'released']);
    expect(siteChanges(timeline, 'released')[0].detail).toMatchObject({ from: 'on_hold' });
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'on_hold', 'shipping_instructed']);
    await resyncAppliesNothing([orderId]);

    await t.http.post(`/v1/fulfillment-orders/${foId}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
  });

  it('(d) one line cancelled shrinks the fulfillment order and releases the difference', async () => {
    const { slipId, orderId, foId } = await instructedSlip([
      [GOODS_A, 2],
      [GOODS_B, 1],
    ]);
    const reservedA = await reserved(skuA);
    const reservedB = await reserved(skuB);

    ne.cancelLine(slipId, 2);
    const run = await sync();
    const shrunk = await waitFor(
      async () => {
        const fo = await fulfillmentById(foId);
        return (fo.lines.find((line) => line.skuCode === GOODS_B)?.quantity ?? 0) === 0 ? fo : null;
      },
      { what: 'the fulfillment order to shrink', timeoutMs: 30_000 },
    );
    expect(shrunk.status).toBe('instructed');
    // what the warehouse still ships: line A whole; line B gone (or kept at 0, as a record)
    expect(lineQuantities(shrunk).filter(([, ordered]) => ordered !== 0)).toEqual([[GOODS_A, 2, 2]]);
    expect(shrunk.lines.filter((line) => line.skuCode === GOODS_B).map((line) => line.quantity)).not.toContain(1);
    expect(await reserved(skuA)).toBe(reservedA);
    expect(await reserved(skuB)).toBe(reservedB - 1);
    const order = await changes.order(orderId);
    expect(order.status).toBe('shipping_instructed');
    expect(order.siteChange.state).toBe('open');
    expect(order.lines).toEqual([
      expect.objectContaining({ externalLineId: `${slipId}-1`, quantity: 2, cancelledQuantity: 0 }),
      expect.objectContaining({ externalLineId: `${slipId}-2`, quantity: 1, cancelledQuantity: 1 }),
    ]);

    // The slip is still 印刷待ち, so the order pull (which reads that whole set each run) sees the line go first and
    // records it; the change pull then states the same line live 0, already true: one site entry, nothing twice.
    const timeline = await changes.timeline(orderId);
    const lineEntries = siteEntries(timeline).filter((entry) => ['line_cancelled', 'lines_changed'].includes(entry.kind));
    expect(lineEntries).toHaveLength(1);
    expect(lineEntries[0].followState).toBe('done');
    expect(siteEntries(timeline)).toHaveLength(1);
    expect(run.changesApplied).toBe(lineEntries[0].kind === 'line_cancelled' ? 1 : 0);
    expect(statusPath(timeline)).toEqual(['shipping_instructed']);

    await resyncAppliesNothing([orderId]);
    expect(await reserved(skuB)).toBe(reservedB - 1);
  });

  it('merge: the child slip is merged away (its fulfillment cancelled); the parent gains its lines and is instructed again with all of them', async () => {
    const parent = await instructedSlip([[GOODS_A, 1]]);
    const child = await instructedSlip([[GOODS_B, 2]]);
    const reservedA = await reserved(skuA);
    const reservedB = await reserved(skuB);

    ne.merge(parent.slipId, child.slipId);
    const run = await sync();
    // the child's merged_into; the parent's new lines come with the order pull (its timeline's lines_changed)
    expect(run.changesApplied).toBe(1);

    const merged = await changes.orderWhen(child.orderId, (o) => o.status === 'cancelled', 'the child cancelled');
    expect(merged.siteChange).toMatchObject({ state: 'merged', mergedInto: parent.slipId, reason: '他の伝票への統合の為キャンセル' });
    expect((await fulfillmentById(child.foId)).status).toBe('cancelled');

    const again = await waitFor(
      async () => {
        const fo = await fulfillmentOf(parent.orderId);
        return fo && fo.id !== parent.foId && fo.status === 'instructed' ? fo : null;
      },
      { what: 'the parent instructed again', timeoutMs: 30_000 },
    );
    expect(lineQuantities(again)).toEqual([
      [GOODS_A, 1, 1],
      [GOODS_B, 2, 2],
    ]);
    expect((await fulfillmentById(parent.foId)).status).toBe('cancelled');
    const parentOrder = await changes.orderWhen(parent.orderId, (o) => o.status === 'shipping_instructed', 'the parent instructed');
    expect(parentOrder.siteChange.state).toBe('open');
    expect(parentOrder.lines?.map((line) => [line.externalLineId, line.quantity, line.cancelledQuantity])).toEqual([
      [`${parent.slipId}-1`, 1, 0],
      [`${parent.slipId}-2`, 2, 0],
    ]);
    // the child's units moved to the parent's instruction: reserved once, not twice, none lost
    expect(await reserved(skuA)).toBe(reservedA);
    expect(await reserved(skuB)).toBe(reservedB);

    const childTimeline = await changes.timeline(child.orderId);
    expect(siteChanges(childTimeline, 'merged_into')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ into: parent.slipId }) }),
    ]);
    expect(siteEntries(childTimeline)).toHaveLength(1);
    expect(statusPath(childTimeline)).toEqual(['shipping_instructed', 'cancelled']);
    const parentTimeline = await changes.timeline(parent.orderId);
    expect(siteEntries(parentTimeline).map((entry) => entry.kind)).toEqual(['lines_changed']);
    expect(statusPath(parentTimeline)).toEqual(['shipping_instructed', 'confirmed', 'shipping_instructed']);

    await resyncAppliesNothing([parent.orderId, child.orderId]);
    expect(await reserved(skuB)).toBe(reservedB);
  });

  it('split: the new -bk-1 slip is pulled with split_from on its timeline, and the source fulfillment order shrinks', async () => {
    const source = await instructedSlip([
      [GOODS_A, 3],
      [GOODS_B, 1],
    ]);
    const sourceCutFormId = ne.getOrder(source.slipId)!.receive_order_shop_cut_form_id;
    const reservedA = await reserved(skuA);
    const reservedB = await reserved(skuB);

    const bk = ne.split(source.slipId, 1, 1);
    const run = await sync();
    // the change pull runs first: the new slip's split_from, and the source's smaller row (its line_cancelled)
    expect(run.changesApplied).toBe(2);

    const split = await pulled(bk);
    expect(split).toMatchObject({ externalOrderId: bk, siteChange: { state: 'open' } });
    expect((split as ChangedOrder & { refs: Record<string, unknown> }).refs).toMatchObject({ shopCutFormId: `${sourceCutFormId}-bk-1` });
    expect(split.lines).toEqual([expect.objectContaining({ externalLineId: `${bk}-1`, quantity: 1, cancelledQuantity: 0 })]);
    const splitFo = await fulfillmentIn(split.id, 'instructed', 'the split slip instructed');
    expect(lineQuantities(splitFo)).toEqual([[GOODS_A, 1, 1]]);

    const shrunk = await waitFor(
      async () => {
        const fo = await fulfillmentById(source.foId);
        return fo.lines.find((line) => line.skuCode === GOODS_A)?.quantity === 2 ? fo : null;
      },
      { what: 'the source fulfillment order to shrink', timeoutMs: 30_000 },
    );
    expect(shrunk.status).toBe('instructed');
    expect(lineQuantities(shrunk)).toEqual([
      [GOODS_A, 2, 2],
      [GOODS_B, 1, 1],
    ]);
    // the unit moved from one instruction to the other
    expect(await reserved(skuA)).toBe(reservedA);
    expect(await reserved(skuB)).toBe(reservedB);
    expect((await changes.order(source.orderId)).status).toBe('shipping_instructed');

    const splitTimeline = await changes.timeline(split.id);
    expect(siteChanges(splitTimeline, 'split_from')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ related: source.slipId }) }),
    ]);
    expect(siteEntries(splitTimeline)).toHaveLength(1);
    const sourceTimeline = await changes.timeline(source.orderId);
    expect(siteEntries(sourceTimeline).map((entry) => entry.kind)).toEqual(['line_cancelled']);
    expect(statusPath(sourceTimeline)).toEqual(['shipping_instructed']);

    await resyncAppliesNothing([source.orderId, split.id]);
  });

  it('POST /v1/orders/{id}/recheck asks NextEngine now: a slip cancelled there is cancelled here', async () => {
    const { slipId, orderId, foId } = await instructedSlip([[GOODS_B, 1]]);
    const reservedB = await reserved(skuB);

    ne.cancel(slipId, 4); // カード否決によりキャンセル
    const answer = await changes.recheck(orderId);
    expect(answer).toMatchObject({ found: true, siteStatus: '20' });
    expect(answer.changesApplied).toBeGreaterThanOrEqual(1);
    expect(answer.order.siteChange).toMatchObject({ state: 'cancelled', reason: 'カード否決によりキャンセル' });

    await changes.orderWhen(orderId, (o) => o.status === 'cancelled', 'order cancelled');
    expect((await fulfillmentById(foId)).status).toBe('cancelled');
    expect(await reserved(skuB)).toBe(reservedB - 1);
    const timeline = await changes.timeline(orderId);
    expect(timeline.filter((entry) => entry.source === 'site_call' && entry.kind === 'recheck')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          ok: true,
          found: true,
          siteStatus: '20',
          changes: ['cancelled'],
          applied: answer.changesApplied,
        }),
      }),
    ]);
    expect(siteEntries(timeline).map((entry) => entry.kind)).toEqual(['cancelled']);

    // the change pull reads the same cancel again: already applied
    await resyncAppliesNothing([orderId]);
    expect(await reserved(skuB)).toBe(reservedB - 1);
  });

  it('an open order that leaves the 印刷待ち set is rechecked by id; a cancel NextEngine did not stamp is found that way', async () => {
    // Stamped two hours ago, long before the change cursor's overlap: the change pull does not read it again.
    const stamp = neDatetime(Date.now() - 2 * 3_600_000);
    const slipId = ne.addOrder(slip([[GOODS_UNMAPPED, 1]], { date: stamp, lastModifiedDate: stamp }));
    const first = await sync();
    expect(first.changesApplied).toBe(0);
    const open = await pulled(slipId);
    expect(open.status).toBe('confirmed'); // unmapped: open, never instructed
    expect(await fulfillmentOf(open.id)).toBeNull();
    // the change cursor rests on the newer slips of this suite: its 10-minute overlap starts after the slip's stamp
    const [cursor]: { value: string }[] = await t.app
      .get(DataSource)
      .query(`SELECT value FROM sync_cursors WHERE connection_id = $1 AND kind = 'order-changes'`, [connectionId]);
    expect(JSON.parse(cursor.value).lastModified > neDatetime(Date.now() - 2 * 3_600_000 + 15 * 60_000)).toBe(true);

    // Cancelled on NextEngine without its last-modified date moving (that a cancel bumps it is UNCONFIRMED,
    // specs/cancellations.md §1.3b): only the order pull, which lists the whole 印刷待ち set, sees it go.
    ne.patchOrder(slipId, {
      receive_order_cancel_type_id: '5',
      receive_order_cancel_type_name: '都合によりキャンセル',
      receive_order_cancel_date: neDatetime(Date.now()),
      receive_order_last_modified_date: stamp,
      receive_order_last_modified_null_safe_date: stamp,
    });
    ne.requests.length = 0;
    const run = await sync();
    expect(run.changesApplied).toBe(1);
    const rechecks = ne.requests.filter(
      (request) =>
        request.path === '/api_v1_receiveorder_base/search' && new URLSearchParams(request.bodyText).get('receive_order_id-in') !== null,
    );
    expect(rechecks.map((request) => new URLSearchParams(request.bodyText).get('receive_order_id-in'))).toEqual([slipId]);

    const cancelled = await changes.orderWhen(open.id, (o) => o.status === 'cancelled', 'the vanished order cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', reason: '都合によりキャンセル' });
    const timeline = await changes.timeline(open.id);
    expect(timeline.filter((entry) => entry.source === 'site_call' && entry.kind === 'recheck')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          ok: true,
          why: 'the order left the collectable set',
          found: true,
          siteStatus: '20',
          changes: ['cancelled'],
        }),
      }),
    ]);
    expect(siteEntries(timeline).map((entry) => entry.kind)).toEqual(['cancelled']);
    expect(statusPath(timeline)).toEqual(['cancelled']);

    // cancelled now: not rechecked again
    await resyncAppliesNothing([open.id]);
  });
});
