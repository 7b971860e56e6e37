import { DataSource } from 'typeorm';
import { EventBus } from '../../../src/events/event-bus';
import type { DomainEvents } from '../../../src/events/domain-events';
import {
  CROSSMALL_DEFAULT_ACCOUNT,
  CrossmallSimulator,
  type CrossmallOrderSeed,
  formatJstDash,
  formatJstSlash,
} from '../../simulators/crossmall';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { type FulfillmentOrderBody, fulfillmentApi } from '../../support/fulfillment-api';
import { type ChangedOrder, type SyncRunBody, orderChangesApi, siteChanges, statusPath } from '../../support/order-changes-api';
import { siteShowsSellable } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

const COLLECT_PHASE = '発送待機';
const SHIPPED_PHASE = '発送済み';
const CANCEL_PHASE = 'キャンセル';
const HOLD_PHASE = '保留';

/** The site's SKUs (item code + attribute names), each mapped to a warehouse SKU whose code differs. */
const SOCKS_NAVY = { item: 'CM-SOCKS', attr1: 'ネイビー', attr2: 'M', listing: 'CM-SOCKS:ネイビー,M', sku: 'SOCKS-NAVY-M' };
const SOCKS_GREY = { item: 'CM-SOCKS', attr1: 'グレー', attr2: 'M', listing: 'CM-SOCKS:グレー,M', sku: 'SOCKS-GREY-M' };
const TOWEL = { item: 'CM-TOWEL', attr1: '', attr2: '', listing: 'CM-TOWEL', sku: 'TOWEL-WHITE' };
const CUP = { item: 'CM-CUP', attr1: '', attr2: '', listing: 'CM-CUP', sku: 'CUP-BLUE' };
type SiteSku = typeof SOCKS_NAVY;
/** A set item (セット品): sold as one line, shipped as its components. */
const GIFT_SET = 'CM-GIFT-PAIR';

/** One order (管理番号) per scenario, so that each one's counts and stock stand alone. */
const N = {
  cancelByFlag: 41001,
  cancelByPhase: 41002,
  lateCancel: 41003,
  holdByFlag: 41004,
  holdByPhase: 41005,
  bundleChild: 41006,
  bundleParent: 41007,
  address: 41008,
  recheck: 41009,
} as const;

/**
 * CROSS MALL changes after intake (DESIGN §5a, specs/cancellations.md §4) through the real app: its scheduler and
 * workers, real PostgreSQL, and the CROSS MALL simulator over HTTP. Orders are pulled from the collect phase, mapped,
 * instructed against stock; then the site changes them (the simulator's scenario hooks: `cancel_flag`, phase moves,
 * 同梱, the recipient) and `POST /v1/connections/{id}/sync` runs the order pull and the change pull (`get_order` by
 * `updated_at`). Fulfillment follows in the background; with autoStockSync the site is told the available stock.
 *
 * CROSS MALL has no line cancel: the API cannot change a line's amount and no line-level cancel flag is known
 * (cancellations.md §4). Lines leaving an order happen by 同梱 (the child's lines move to its parent), covered below.
 *
 * Time: the simulator and the app run on the real clock; the orders are dated minutes before now, inside the first
 * change pull's look-back.
 */
describe('CROSS MALL: cancels, holds, 同梱 and address changes after intake reach the warehouse', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  const crossmall = new CrossmallSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const changes = orderChangesApi(() => t, auth);
  const skuIds = new Map<string, string>();
  const orderIds = new Map<number, string>();
  const lateCancels: DomainEvents['orders.cancelled-after-instruction'][] = [];

  const skuId = (sku: SiteSku) => skuIds.get(sku.sku)!;
  const orderId = (orderNumber: number) => orderIds.get(orderNumber)!;
  const siteStock = (sku: SiteSku) => crossmall.getStock(sku.item, sku.attr1, sku.attr2);
  const stockUpdates = (sku: SiteSku) =>
    crossmall.requests.filter(
      (r: RecordedRequest) =>
        r.path === '/webapi2/upd_stock' &&
        r.query.item_code === sku.item &&
        (r.query.attribute1_name ?? '') === sku.attr1 &&
        (r.query.attribute2_name ?? '') === sku.attr2,
    );
  const changeReads = () =>
    crossmall.requests.filter((r: RecordedRequest) => r.path === '/webapi2/get_order' && r.query.updated_at_fr !== undefined);

  function order(orderNumber: number, lines: Array<[SiteSku, number]>, name = '田中 優子'): CrossmallOrderSeed {
    const at = new Date(Date.now() - 10 * 60_000);
    return {
      order_number: orderNumber,
      order_date: formatJstSlash(at),
      updated_at: formatJstDash(at),
      shop_name: '楽天市場店',
      order_code: `R-${orderNumber}`,
      phase_name: COLLECT_PHASE,
      client_name: name,
      ship_name: name,
      ship_zip: '100-0001',
      ship_address1: '東京都千代田区千代田1-1',
      ship_tel: '03-1234-5678',
      lines: lines.map(([sku, amount]) => ({
        item_code: sku.item,
        item_name: `${sku.item} の商品`,
        ...(sku.attr1 ? { attribute1_name: sku.attr1 } : {}),
        ...(sku.attr2 ? { attribute2_name: sku.attr2 } : {}),
        amount,
        unit_price: 990,
      })),
    };
  }

  /** `POST /v1/connections/{id}/sync`; the run succeeded, and its change pull read CROSS MALL by `updated_at`. */
  async function sync(): Promise<SyncRunBody> {
    const readsBefore = changeReads().length;
    const run = await changes.sync(connectionId);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(changeReads().length).toBeGreaterThan(readsBefore);
    expect(run.changesSeen).toBeGreaterThanOrEqual(run.changesApplied);
    return run;
  }

  const orderStatus = (orderNumber: number, status: string) =>
    changes.orderWhen(orderId(orderNumber), (o) => o.status === status, `order ${orderNumber} ${status}`);

  async function fulfillmentStatus(orderNumber: number, status: string): Promise<FulfillmentOrderBody> {
    return waitFor(
      async () => {
        const fo = await fulfillmentOf(orderId(orderNumber));
        return fo?.status === status ? fo : null;
      },
      { what: `fulfillment order of ${orderNumber} ${status}`, timeoutMs: 30_000 },
    );
  }

  /** The stock push has told CROSS MALL the SKU's available quantity (absolute), and the queue is settled. */
  /** The stock push has told the site what the SKU may sell (absolute), and its queue row is settled. */
  const siteShowsAvailable = (sku: SiteSku) =>
    siteShowsSellable(t, tenant.apiKey, {
      connectionId,
      listingKey: sku.listing,
      skuId: skuId(sku),
      siteQuantity: () => siteStock(sku),
      what: `CROSS MALL ${sku.listing}`,
    });

  async function foRecipient(foId: string): Promise<Record<string, string> | null> {
    const [row]: { recipient: Record<string, string> | null }[] = await t.app
      .get(DataSource)
      .query(`SELECT recipient FROM fulfillment_orders WHERE id = $1`, [foId]);
    return row.recipient;
  }

  beforeAll(async () => {
    crossmall.seed(undefined);
    await crossmall.start();
    // No NextEngine here: its sign-in URL points nowhere.
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5, siteMinIntervalCapMs: 100 }));
    tenant = await t.createTenant('CROSS MALL change seller');
    t.app.get(EventBus).subscribe('orders.cancelled-after-instruction', (event) => void lateCancels.push(event));

    for (const sku of [SOCKS_NAVY, SOCKS_GREY, TOWEL, CUP]) {
      crossmall.addSku({ item_code: sku.item, attribute1_name: sku.attr1, attribute2_name: sku.attr2, stock: 500 });
      const id = await createSku(sku.sku);
      skuIds.set(sku.sku, id);
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'crossmall', listingKey: sku.listing, skuId: id }).expect(201);
      await adjust(id, 'receipt', 50);
    }
    crossmall.addOrder(order(N.cancelByFlag, [[SOCKS_NAVY, 2]], '田中 優子'));
    crossmall.addOrder(order(N.cancelByPhase, [[SOCKS_GREY, 3]], '中村 健太'));
    crossmall.addOrder(order(N.lateCancel, [[TOWEL, 1]], '小林 さくら'));
    crossmall.addOrder(order(N.holdByFlag, [[TOWEL, 1]], '佐藤 美咲'));
    crossmall.addOrder(order(N.holdByPhase, [[TOWEL, 1]], '鈴木 一郎'));
    // The child sells a set (component_flag 1): one gift box of two cups, expanded with get_order_component.
    crossmall.addOrder({
      ...order(N.bundleChild, [], '高橋 直子'),
      lines: [
        {
          item_code: GIFT_SET,
          item_name: 'ペアマグ ギフトセット',
          amount: 1,
          unit_price: 2980,
          component_flag: '1',
          components: [{ item_code: CUP.item, item_name: 'マグカップ', component_count: 2 }],
        },
      ],
    });
    crossmall.addOrder(order(N.bundleParent, [[TOWEL, 1]], '高橋 直子'));
    crossmall.addOrder(order(N.address, [[TOWEL, 1]], '伊藤 翔'));
    crossmall.addOrder(order(N.recheck, [[CUP, 1]], '渡辺 真央'));

    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({
        site: 'crossmall',
        shopId: 'cm-change-shop',
        endpoint: crossmall.url,
        credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
        options: { autoOrderIntegration: true, autoFulfillmentShippingInstruction: true, autoStockSync: true },
        settings: {
          shippedPhaseName: SHIPPED_PHASE,
          deliveryNames: { yamato: 'ヤマト運輸' },
          cancelPhaseNames: CANCEL_PHASE,
          holdPhaseNames: `${HOLD_PHASE}, 確認待ち`,
        },
      })
      .expect(201);
    expect(created.body.status).toBe('active');
    connectionId = created.body.id;

    // The first (scheduled) run pulls every order of the collect phase; with stock and mappings each is instructed.
    for (const orderNumber of Object.values(N)) {
      const pulled = await waitFor(
        async () => {
          const found = await orderByNumber(String(orderNumber), connectionId);
          return found?.status === 'shipping_instructed' ? found : null;
        },
        { what: `order ${orderNumber} instructed`, timeoutMs: 40_000 },
      );
      orderIds.set(orderNumber, pulled.id);
    }
    for (const sku of [SOCKS_NAVY, SOCKS_GREY, TOWEL, CUP]) await siteShowsAvailable(sku);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await crossmall.stop();
  });

  it('(a) cancel_flag 2 before the waybill: order and fulfillment cancelled, stock released and CROSS MALL shows it again', async () => {
    const fo = (await fulfillmentOf(orderId(N.cancelByFlag)))!;
    expect(fo).toMatchObject({ status: 'instructed', lines: [expect.objectContaining({ skuCode: SOCKS_NAVY.sku, quantity: 2 })] });
    const before = (await level(skuId(SOCKS_NAVY)))!;
    const shownBefore = siteStock(SOCKS_NAVY)!;
    expect(shownBefore).toBe(before.available);
    const pushesBefore = stockUpdates(SOCKS_NAVY).length;

    expect(crossmall.cancel(N.cancelByFlag)).toMatchObject({ cancel_flag: 2, phase_name: COLLECT_PHASE });
    const run = await sync();
    expect(run.changesApplied).toBe(1);

    const cancelled = await orderStatus(N.cancelByFlag, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({
      state: 'cancelled',
      reason: 'cancel_flag 2 (キャンセル)',
      cancelledAfterInstructionAt: null,
    });
    expect((await t.http.get(`/v1/fulfillment-orders/${fo.id}`).set(auth()).expect(200)).body.status).toBe('cancelled');
    // the order's own summary follows the fulfillment order the site change cancelled (kept by the database)
    expect(cancelled.fulfillmentStatus).toBe('cancelled');
    expect(await level(skuId(SOCKS_NAVY))).toMatchObject({
      onHand: before.onHand,
      reserved: before.reserved - 2,
      available: before.available + 2,
    });

    // Absolute: CROSS MALL is sent the available quantity, 2 more than before.
    expect(await siteShowsAvailable(SOCKS_NAVY)).toBe(shownBefore + 2);
    expect(stockUpdates(SOCKS_NAVY).length).toBeGreaterThan(pushesBefore);
    expect(stockUpdates(SOCKS_NAVY).at(-1)!.query).toMatchObject({
      attribute1_name: SOCKS_NAVY.attr1,
      attribute2_name: SOCKS_NAVY.attr2,
      stock: String(shownBefore + 2),
      update_type: 'u',
    });

    // A re-sync re-reads the order (overlap) and applies nothing twice.
    expect((await sync()).changesApplied).toBe(0);
    const timeline = await changes.timeline(orderId(N.cancelByFlag));
    expect(siteChanges(timeline, 'cancelled')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ reason: 'cancel_flag 2 (キャンセル)' }) }),
    ]);
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'cancelled']);
    expect((await level(skuId(SOCKS_NAVY)))!.reserved).toBe(before.reserved - 2);
  });

  it("(a') a move to the configured cancel phase without the flag cancels the same way", async () => {
    const fo = (await fulfillmentOf(orderId(N.cancelByPhase)))!;
    const before = (await level(skuId(SOCKS_GREY)))!;
    const shownBefore = siteStock(SOCKS_GREY)!;

    expect(crossmall.setPhase(N.cancelByPhase, CANCEL_PHASE)).toMatchObject({ cancel_flag: 0, phase_name: CANCEL_PHASE });
    expect((await sync()).changesApplied).toBe(1);

    const cancelled = await orderStatus(N.cancelByPhase, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', reason: `phase 「${CANCEL_PHASE}」` });
    expect((await t.http.get(`/v1/fulfillment-orders/${fo.id}`).set(auth()).expect(200)).body.status).toBe('cancelled');
    expect(await level(skuId(SOCKS_GREY))).toMatchObject({ onHand: before.onHand, reserved: before.reserved - 3 });
    expect(await siteShowsAvailable(SOCKS_GREY)).toBe(shownBefore + 3);
    expect(stockUpdates(SOCKS_GREY).at(-1)!.query).toMatchObject({ stock: String(shownBefore + 3), update_type: 'u' });

    expect((await sync()).changesApplied).toBe(0);
    const timeline = await changes.timeline(orderId(N.cancelByPhase));
    expect(siteChanges(timeline, 'cancelled')).toHaveLength(1);
    expect(siteChanges(timeline, 'cancelled')[0]).toMatchObject({ followState: 'done' });
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'cancelled']);
  });

  it('(b) a cancel after the waybill undoes nothing: flagged cancelled_after_instruction, listed, evented', async () => {
    const fo = (await fulfillmentOf(orderId(N.lateCancel)))!;
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
    // The waybill reached CROSS MALL (the order moved to the shipped phase) before the buyer cancels.
    await waitFor(async () => crossmall.getOrder(N.lateCancel)?.phase_name === SHIPPED_PHASE, {
      what: 'the tracking push to CROSS MALL',
      timeoutMs: 30_000,
    });
    const before = (await level(skuId(TOWEL)))!;
    const shown = siteStock(TOWEL);

    crossmall.cancel(N.lateCancel);
    expect((await sync()).changesApplied).toBe(1);

    const flagged = await changes.orderWhen(
      orderId(N.lateCancel),
      (o) => o.siteChange.cancelledAfterInstructionAt !== null,
      'the late cancel flagged',
    );
    expect(flagged.status).toBe('shipping_instructed');
    expect(flagged.siteChange.state).toBe('cancelled');
    expect((await t.http.get(`/v1/fulfillment-orders/${fo.id}`).set(auth()).expect(200)).body.status).toBe('waybill_issued');
    // a cancel that came too late leaves the warehouse's state on the order, not "cancelled"
    expect(flagged.fulfillmentStatus).toBe('waybill_issued');
    expect(await level(skuId(TOWEL))).toMatchObject({ onHand: before.onHand, reserved: before.reserved });
    expect(siteStock(TOWEL)).toBe(shown);
    const listed = await changes.listedWithChange('cancelled_after_instruction', connectionId);
    expect(listed).toEqual([orderId(N.lateCancel)]);
    expect(lateCancels.filter((event) => event.orderId === orderId(N.lateCancel))).toEqual([
      expect.objectContaining({ fulfillmentOrderId: fo.id, fulfillmentStatus: 'waybill_issued', externalOrderId: String(N.lateCancel) }),
    ]);

    expect((await sync()).changesApplied).toBe(0);
    const timeline = await changes.timeline(orderId(N.lateCancel));
    expect(siteChanges(timeline, 'cancelled')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.source === 'mallbridge' && entry.kind === 'cancelled_after_instruction')).toHaveLength(1);
    expect(statusPath(timeline)).toEqual(['shipping_instructed']);
    expect(lateCancels.filter((event) => event.orderId === orderId(N.lateCancel))).toHaveLength(1);
  });

  async function holdThenRelease(orderNumber: number, hold: () => void, release: () => void, reason: string): Promise<void> {
    const fo = (await fulfillmentOf(orderId(orderNumber)))!;
    expect(fo.status).toBe('instructed');
    const reserved = (await level(skuId(TOWEL)))!.reserved;

    hold();
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentStatus(orderNumber, 'on_hold');
    const held = await orderStatus(orderNumber, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'on_hold', reason });
    expect(held.holdReason).toBe(`Held by the site: on hold (${reason})`);
    // No waybill while the site holds it; the stock stays reserved for it.
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(409);
    expect((await level(skuId(TOWEL)))!.reserved).toBe(reserved);
    expect((await sync()).changesApplied).toBe(0);

    release();
    expect((await sync()).changesApplied).toBe(1);
    expect((await fulfillmentStatus(orderNumber, 'instructed')).id).toBe(fo.id);
    const released = await orderStatus(orderNumber, 'shipping_instructed');
    expect(released).toMatchObject({ holdReason: null, siteChange: { state: 'open' } });
    expect((await sync()).changesApplied).toBe(0);

    const timeline = await changes.timeline(orderId(orderNumber));
    expect(siteChanges(timeline, 'on_hold')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ reason }) }),
    ]);
    expect(siteChanges(timeline, 'released')).toHaveLength(1);
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'on_hold', 'shipping_instructed']);
    // Resumed where it was: the waybill is issued now.
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
  }

  it('(c) cancel_flag 1 holds the fulfillment order (waybill refused) and cancel_flag 0 resumes it', async () => {
    await holdThenRelease(
      N.holdByFlag,
      () => expect(crossmall.hold(N.holdByFlag)).toMatchObject({ cancel_flag: 1 }),
      () => expect(crossmall.release(N.holdByFlag)).toMatchObject({ cancel_flag: 0 }),
      'cancel_flag 1 (保留)',
    );
  });

  it('(c) a configured hold phase holds it the same way, and the move back to the collect phase resumes it', async () => {
    await holdThenRelease(
      N.holdByPhase,
      () => expect(crossmall.setPhase(N.holdByPhase, HOLD_PHASE)).toMatchObject({ cancel_flag: 0, phase_name: HOLD_PHASE }),
      () => expect(crossmall.setPhase(N.holdByPhase, COLLECT_PHASE)).toMatchObject({ cancel_flag: 0, phase_name: COLLECT_PHASE }),
      `phase 「${HOLD_PHASE}」`,
    );
  });

  it('同梱: a child bundled into its parent after both were pulled is merged; the parent is re-instructed with every line', async () => {
    // CROSS MALL has no line cancel; lines leave an order only by 同梱 — this is scenario (d) for this site.
    const childFo = (await fulfillmentOf(orderId(N.bundleChild)))!;
    const parentFo = (await fulfillmentOf(orderId(N.bundleParent)))!;
    // The set line became its component: two cups.
    expect(childFo.lines).toEqual([expect.objectContaining({ skuCode: CUP.sku, quantity: 2 })]);
    expect(parentFo.lines).toEqual([expect.objectContaining({ skuCode: TOWEL.sku, quantity: 1 })]);
    const cups = (await level(skuId(CUP)))!;
    const towels = (await level(skuId(TOWEL)))!;
    const requestsBefore = crossmall.requests.length;

    const child = crossmall.bundle(N.bundleChild, N.bundleParent);
    expect(child).toMatchObject({ bundle_flag: 1, bundle_ahead_number: N.bundleParent, lines: [] });
    expect(crossmall.getOrder(N.bundleParent)!.lines.map((line) => [line.line_no, line.item_code, line.amount])).toEqual([
      [1, TOWEL.item, 1],
      [2, GIFT_SET, 1],
    ]);
    // The child's merged_into is the one change; the parent's new lines come with the order pull (lines_changed).
    expect((await sync()).changesApplied).toBe(1);

    const merged = await orderStatus(N.bundleChild, 'cancelled');
    expect(merged.siteChange).toMatchObject({ state: 'merged', mergedInto: String(N.bundleParent), cancelledAfterInstructionAt: null });
    await waitFor(
      async () => (await t.http.get(`/v1/fulfillment-orders/${childFo.id}`).set(auth()).expect(200)).body.status === 'cancelled',
      { what: "the child's fulfillment order cancelled" },
    );
    await waitFor(
      async () => (await t.http.get(`/v1/fulfillment-orders/${parentFo.id}`).set(auth()).expect(200)).body.status === 'cancelled',
      { what: "the parent's first fulfillment order cancelled (lines were added)" },
    );
    // The child's own lines were never asked for (CROSS MALL refuses get_order_detail for a bundled child).
    expect(
      crossmall.requests
        .slice(requestsBefore)
        .filter((r) => r.path === '/webapi2/get_order_detail' && r.query.order_number === String(N.bundleChild)),
    ).toEqual([]);
    // The parent now carries the set, read as its components under the parent's line number.
    expect(
      crossmall.requests
        .slice(requestsBefore)
        .filter((r) => r.path === '/webapi2/get_order_component')
        .map((r) => [r.query.order_number, r.query.line_no]),
    ).toContainEqual([String(N.bundleParent), '2']);
    const parentLines = (await changes.order(orderId(N.bundleParent))).lines!;
    expect(parentLines.map((line) => [line.externalLineId, line.quantity, line.cancelledQuantity])).toEqual([
      ['1', 1, 0],
      [`2/${CUP.listing}`, 2, 0],
    ]);

    expect((await sync()).changesApplied).toBe(0);
    const childTimeline = await changes.timeline(orderId(N.bundleChild));
    expect(siteChanges(childTimeline, 'merged_into')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ into: String(N.bundleParent) }) }),
    ]);
    expect(statusPath(childTimeline)).toEqual(['shipping_instructed', 'cancelled']);
    expect(siteChanges(await changes.timeline(orderId(N.bundleParent)), 'lines_changed')).toEqual([
      expect.objectContaining({ followState: 'done' }),
    ]);

    // autoFulfillmentShippingInstruction instructs the parent again, with its own line and the child's.
    const again = await waitFor(
      async () => {
        const fo = await fulfillmentOf(orderId(N.bundleParent));
        return fo && fo.id !== parentFo.id && fo.status === 'instructed' ? fo : null;
      },
      { what: 'the parent instructed again', timeoutMs: 30_000 },
    );
    expect(again.trigger).toBe('auto');
    expect(again.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity])).toEqual([
      [TOWEL.sku, 1, 1],
      [CUP.sku, 2, 2],
    ]);
    const parent = await orderStatus(N.bundleParent, 'shipping_instructed');
    expect(parent.siteChange.state).toBe('open');
    // The cups moved from the child's reservation to the parent's: nothing lost, nothing counted twice.
    expect(await level(skuId(CUP))).toMatchObject({ onHand: cups.onHand, reserved: cups.reserved });
    expect(await level(skuId(TOWEL))).toMatchObject({ onHand: towels.onHand, reserved: towels.reserved });
    expect((await sync()).changesApplied).toBe(0);
    expect((await fulfillmentOf(orderId(N.bundleParent)))!.id).toBe(again.id);
    const parentTimeline = await changes.timeline(orderId(N.bundleParent));
    expect(siteChanges(parentTimeline, 'lines_changed')).toHaveLength(1);
    expect(statusPath(parentTimeline)).toEqual(['shipping_instructed', 'confirmed', 'shipping_instructed']);
  });

  it('an address change before the waybill reaches the fulfillment order and its label', async () => {
    const fo = (await fulfillmentOf(orderId(N.address)))!;
    expect(await foRecipient(fo.id)).toMatchObject({ name: '伊藤 翔', postalCode: '100-0001', line1: '東京都千代田区千代田1-1' });

    crossmall.setAddress(N.address, {
      ship_zip: '530-0001',
      ship_address1: '大阪府大阪市北区梅田1-1',
      ship_address2: 'グランフロント 12F',
    });
    const run = await sync();
    // The order itself shows the new recipient...
    expect(
      (
        await t.http
          .get(`/v1/orders/${orderId(N.address)}`)
          .set(auth())
          .expect(200)
      ).body.recipient,
    ).toMatchObject({
      postalCode: '530-0001',
      line1: '大阪府大阪市北区梅田1-1',
    });
    // ...and so must the fulfillment order the warehouse works from.
    await waitFor(async () => (await foRecipient(fo.id))?.line1 === '大阪府大阪市北区梅田1-1', {
      what: 'the new address on the fulfillment order',
      timeoutMs: 30_000,
    });
    // Stated by the change pull's header (address_changed); whether it is applied there or recorded by the order
    // pull that re-read the order first, it is on the timeline once.
    expect(run.changesSeen).toBeGreaterThan(0);
    expect(run.changesApplied).toBeLessThanOrEqual(1);
    expect(await foRecipient(fo.id)).toMatchObject({
      name: '伊藤 翔',
      postalCode: '530-0001',
      line1: '大阪府大阪市北区梅田1-1',
      line2: 'グランフロント 12F',
    });
    expect((await changes.order(orderId(N.address))).status).toBe('shipping_instructed');
    expect((await fulfillmentOf(orderId(N.address)))!).toMatchObject({ id: fo.id, status: 'instructed' });

    expect((await sync()).changesApplied).toBe(0);
    const timeline = await changes.timeline(orderId(N.address));
    expect(siteChanges(timeline, 'address_changed')).toEqual([expect.objectContaining({ followState: 'done' })]);
    expect(statusPath(timeline)).toEqual(['shipping_instructed']);

    // The warehouse prints the new address.
    const issued = (await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200)).body;
    expect(issued.label.recipient).toMatchObject({
      name: '伊藤 翔',
      postalCode: '530-0001',
      addressLines: ['大阪府大阪市北区梅田1-1', 'グランフロント 12F'],
    });
  });

  it('POST /v1/orders/{id}/recheck applies a cancel the change pull has not seen yet; the next sync applies nothing', async () => {
    const fo = (await fulfillmentOf(orderId(N.recheck)))!;
    const cups = (await level(skuId(CUP)))!;
    crossmall.cancel(N.recheck);
    const reads = crossmall.requests.length;

    const answer = await changes.recheck(orderId(N.recheck));
    expect(answer).toMatchObject({ found: true, siteStatus: COLLECT_PHASE, changesApplied: 1 });
    // Read by its 管理番号 (order_number + condition=0), not by a window (a scheduled change pull may run meanwhile:
    // its window reads and a bundle parent's read by number are not this recheck's).
    expect(
      crossmall.requests
        .slice(reads)
        .filter((r) => r.path === '/webapi2/get_order' && r.query.order_number === String(N.recheck))
        .map((r) => [r.query.order_number, r.query.condition, r.query.updated_at_fr]),
    ).toEqual([[String(N.recheck), '0', undefined]]);

    const cancelled: ChangedOrder = await orderStatus(N.recheck, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', reason: 'cancel_flag 2 (キャンセル)' });
    expect((await t.http.get(`/v1/fulfillment-orders/${fo.id}`).set(auth()).expect(200)).body.status).toBe('cancelled');
    expect(await level(skuId(CUP))).toMatchObject({ onHand: cups.onHand, reserved: cups.reserved - 1 });

    // The change pull now reads the same cancel: already applied.
    expect((await sync()).changesApplied).toBe(0);
    const timeline = await changes.timeline(orderId(N.recheck));
    expect(siteChanges(timeline, 'cancelled')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.source === 'site_call' && entry.kind === 'recheck')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ found: true, applied: 1, changes: expect.arrayContaining(['cancelled']) }),
      }),
    ]);
    expect(statusPath(timeline)).toEqual(['shipping_instructed', 'cancelled']);
  });
});
