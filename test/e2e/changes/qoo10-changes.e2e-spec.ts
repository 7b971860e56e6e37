import request from 'supertest';
import type { DomainEvents } from '../../../src/events/domain-events';
import { EventBus } from '../../../src/events/event-bus';
import { QOO10_DEFAULT_ACCOUNT, Qoo10Simulator, formatJst } from '../../simulators/qoo10';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { type FulfillmentOrderBody, fulfillmentApi } from '../../support/fulfillment-api';
import { type SyncRunBody, type TimelineEntry, orderChangesApi, siteChanges, statusPath } from '../../support/order-changes-api';
import { siteShowsSellable } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/** Qoo10 items without options: the listing key is the 販売者商品コード, mapped to a warehouse SKU whose code differs. */
const TOWEL = { item: '7100001', listing: 'Q-TOWEL', sku: 'TOWEL-WHITE', title: '今治タオル フェイスタオル' };
const SOCKS = { item: '7100002', listing: 'Q-SOCKS', sku: 'SOCKS-NAVY', title: '靴下 ネイビー' };
const CUP = { item: '7100003', listing: 'Q-CUP', sku: 'CUP-BLUE', title: '波佐見焼 マグカップ' };
type Item = typeof TOWEL;
const ITEMS = [TOWEL, SOCKS, CUP];
const RECEIPT = 50;

/** One pack (the order: externalOrderId = packNo) per scenario, its orderNos (the lines) with what they sell. */
interface Pack {
  packNo: number;
  lines: Array<[orderNo: number, item: Item, qty: number]>;
}
const PACKS = {
  cancel: { packNo: 51001, lines: [[61001, TOWEL, 2]] },
  lateCancel: { packNo: 51002, lines: [[61002, SOCKS, 1]] },
  hold: { packNo: 51003, lines: [[61003, CUP, 1]] },
  lineCancel: {
    packNo: 51004,
    lines: [
      [61004, SOCKS, 2],
      [61005, CUP, 3],
    ],
  },
  requestHeld: { packNo: 51006, lines: [[61006, TOWEL, 1]] },
  autoApproved: { packNo: 51007, lines: [[61007, CUP, 1]] },
  lateRequest: { packNo: 51008, lines: [[61008, SOCKS, 1]] },
  /** Ordered long before the others: past the order pull's overlap, so only the change pull sees its line go. */
  oldLineCancel: {
    packNo: 51011,
    lines: [
      [61011, TOWEL, 1],
      [61012, CUP, 2],
    ],
  },
  tracking: {
    packNo: 51009,
    lines: [
      [61009, TOWEL, 1],
      [61010, SOCKS, 1],
    ],
  },
} satisfies Record<string, Pack>;

const CLAIM_LIST = 'ShippingBasic.GetClaimInfo_V3';
const CLAIM_BY_ORDER = 'ShippingBasic.GetShippingAndClaimInfoByOrderNo_V2';
const CANCEL_PROCESS = 'Claim.SetCancelProcess';
const SENDING_INFO = 'ShippingBasic.SetSendingInfo';
const CONFIRM = 'ShippingBasic.SetSellerCheckYN_V2';
const STOCK = 'ItemsOrder.SetGoodsPriceQty';

/**
 * Qoo10 JP changes after intake (DESIGN §5a, specs/cancellations.md §2) through the real app: its scheduler and
 * workers, real PostgreSQL, and the Qoo10 simulator over HTTP. Packs are pulled at 新規注文 (2), confirmed on Qoo10
 * (SetSellerCheckYN_V2 → 3), mapped and instructed against stock; the simulator's claim hooks then play the buyer
 * (a cancel request: ClaimStat 1; withdrawing it) and the seller in QSM (approving it: 3), and
 * `POST /v1/connections/{id}/sync` runs the order pull and the change pull (GetClaimInfo_V3, plus a by-order read of
 * a request that stopped waiting). Fulfillment follows in the background; with autoStockSync Qoo10 is sent the
 * available quantity (SetGoodsPriceQty, absolute); with autoCancelApproval a request is approved with SetCancelProcess.
 *
 * Time: the simulator and the app run on the real clock; the orders are dated minutes before now (one pack ten days
 * before, past the order pull's 7-day re-read), inside the first pulls' look-back. The scenarios run in order on one
 * connection: the ones that must not be approved run before autoCancelApproval is switched on.
 */
describe('Qoo10: cancels, cancel requests and holds after intake reach the warehouse', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  const qoo10 = new Qoo10Simulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const changes = orderChangesApi(() => t, auth);
  const skuIds = new Map<string, string>();
  const orderIds = new Map<number, string>();
  const lateCancels: DomainEvents['orders.cancelled-after-instruction'][] = [];

  const skuId = (item: Item) => skuIds.get(item.sku)!;
  const orderId = (pack: Pack) => orderIds.get(pack.packNo)!;
  const siteQty = (item: Item) => qoo10.getItem(item.item)!.qty;
  const form = (r: RecordedRequest) => {
    const params = new URLSearchParams(r.bodyText);
    return (name: string) => params.get(name) ?? undefined;
  };
  /** The site requests to a method, optionally only those about one orderNo (`OrderNo`, or `ContrNo` for SetCancelProcess). */
  const calls = (method: string, orderNo?: number) =>
    qoo10.requests.filter((r: RecordedRequest) => {
      if (!r.path.endsWith(`/${method}`)) return false;
      if (orderNo === undefined) return true;
      const param = form(r);
      return (param('OrderNo') ?? param('ContrNo')) === String(orderNo);
    });
  const stockPushes = (item: Item) => calls(STOCK).filter((r) => form(r)('ItemCode') === item.item);

  /** `POST /v1/connections/{id}/sync`; the run succeeded, and its change pull listed Qoo10's claims. */
  async function sync(): Promise<SyncRunBody> {
    const listsBefore = calls(CLAIM_LIST).length;
    const run = await changes.sync(connectionId);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(calls(CLAIM_LIST).length).toBeGreaterThan(listsBefore);
    expect(run.changesSeen).toBeGreaterThanOrEqual(run.changesApplied);
    return run;
  }

  /** A further run re-reads the same claims (the overlap) and applies nothing: the order's timeline stays as it is. */
  async function resyncAppliesNothing(id: string): Promise<void> {
    const before = (await changes.timeline(id)).map((entry) => entry.id);
    const run = await sync();
    expect(run.changesApplied).toBe(0);
    expect(run.changesSeen).toBeGreaterThan(0);
    expect((await changes.timeline(id)).map((entry) => entry.id)).toEqual(before);
  }

  const orderStatus = (pack: Pack, status: string) =>
    changes.orderWhen(orderId(pack), (o) => o.status === status, `pack ${pack.packNo} ${status}`);

  async function fulfillmentStatus(pack: Pack, status: string): Promise<FulfillmentOrderBody> {
    return waitFor(
      async () => {
        const fo = await fulfillmentOf(orderId(pack));
        return fo?.status === status ? fo : null;
      },
      { what: `fulfillment order of pack ${pack.packNo} ${status}`, timeoutMs: 30_000 },
    );
  }

  const fulfillmentById = async (id: string): Promise<FulfillmentOrderBody> =>
    (await t.http.get(`/v1/fulfillment-orders/${id}`).set(auth()).expect(200)).body;

  async function pushState(foId: string, state: string): Promise<FulfillmentOrderBody> {
    return waitFor(
      async () => {
        const fo = await fulfillmentById(foId);
        return fo.trackingPush.state === state ? fo : null;
      },
      { what: `the tracking push ${state}`, timeoutMs: 30_000 },
    );
  }

  /** The stock push has told Qoo10 the SKU's available quantity (absolute), and its queue row is settled. */
  /** The stock push has told the site what the SKU may sell (absolute), and its queue row is settled. */
  const siteShowsAvailable = (item: Item) =>
    siteShowsSellable(t, tenant.apiKey, {
      connectionId,
      listingKey: item.listing,
      skuId: skuId(item),
      siteQuantity: () => siteQty(item),
      what: `Qoo10 ${item.listing}`,
    });

  const siteCalls = (timeline: TimelineEntry[], kind: string) =>
    timeline.filter((entry) => entry.source === 'site_call' && entry.kind === kind).reverse();

  /** What every instructed pack's timeline starts with: pulled new, confirmed on Qoo10 (one call per pack), instructed. */
  function expectConfirmedAndInstructed(timeline: TimelineEntry[]): void {
    expect(siteCalls(timeline, 'confirm')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ ok: true }) })]);
    expect(statusPath(timeline).slice(0, 2)).toEqual(['confirmed', 'shipping_instructed']);
    expect(timeline.filter((entry) => entry.source === 'status').at(-1)!.detail).toMatchObject({ from: 'new', to: 'confirmed' });
  }

  beforeAll(async () => {
    qoo10.seed(undefined);
    await qoo10.start();
    // No NextEngine here: its sign-in URL points nowhere.
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5, siteMinIntervalCapMs: 20 }));
    tenant = await t.createTenant('Qoo10 change seller');
    t.app.get(EventBus).subscribe('orders.cancelled-after-instruction', (event) => void lateCancels.push(event));

    for (const item of ITEMS) {
      qoo10.addItem({ itemCode: item.item, sellerCode: item.listing, itemTitle: item.title, price: 1980, qty: 0 });
      const id = await createSku(item.sku);
      skuIds.set(item.sku, id);
      await t.http.post('/v1/sku-mappings').set(auth()).send({ site: 'qoo10-jp', listingKey: item.listing, skuId: id }).expect(201);
      await adjust(id, 'receipt', RECEIPT);
    }
    const buyers = ['田中 優子', '中村 健太', '小林 さくら', '高橋 直子', '佐藤 美咲', '鈴木 一郎', '伊藤 翔', '渡辺 真央', '山本 陽菜'];
    for (const [index, pack] of Object.values(PACKS).entries()) {
      const buyer = buyers[index];
      // Qoo10 orders are pulled by order date; later pulls re-read the last 7 days (overlapHours 168).
      const orderDate = formatJst(new Date(Date.now() - (pack === PACKS.oldLineCancel ? 10 * 24 * 60 : 10) * 60_000));
      for (const [orderNo, item, qty] of pack.lines) {
        qoo10.addOrder({
          packNo: pack.packNo,
          orderNo,
          status: 2,
          orderDate,
          buyer,
          receiver: buyer,
          zipCode: '150-0001',
          address1: '東京都渋谷区神宮前1-2-3',
          receiverMobile: '+81-90-1234-5678',
          itemCode: item.item,
          sellerItemCode: item.listing,
          itemTitle: item.title,
          orderPrice: 1980,
          orderQty: qty,
        });
      }
    }

    const created = await t.http
      .post('/v1/connections')
      .set(auth())
      .send({
        site: 'qoo10-jp',
        shopId: QOO10_DEFAULT_ACCOUNT.userId,
        endpoint: qoo10.url,
        credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
        options: {
          autoOrderIntegration: true,
          autoOrderConfirmation: true,
          autoFulfillmentShippingInstruction: true,
          autoStockSync: true,
        },
        settings: { carrierNames: { yamato: 'ヤマト宅急便' } },
      })
      .expect(201);
    expect(created.body.status).toBe('active');
    connectionId = created.body.id;

    // The first (scheduled) run pulls every pack; each is confirmed on Qoo10 and, with stock and mappings, instructed.
    for (const pack of Object.values(PACKS)) {
      const pulled = await waitFor(
        async () => {
          const found = await orderByNumber(String(pack.packNo), connectionId);
          return found?.status === 'shipping_instructed' ? found : null;
        },
        { what: `pack ${pack.packNo} instructed`, timeoutMs: 40_000 },
      );
      orderIds.set(pack.packNo, pulled.id);
      for (const [orderNo] of pack.lines) {
        await waitFor(async () => qoo10.getOrder(orderNo)?.status === 3, { what: `orderNo ${orderNo} confirmed on Qoo10` });
      }
    }
    for (const item of ITEMS) await siteShowsAvailable(item);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await qoo10.stop();
  });

  it('(a) a cancel completed on Qoo10 before the waybill: order and fulfillment cancelled, reservation released, Qoo10 stock back up', async () => {
    const pack = PACKS.cancel;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    expect(fo).toMatchObject({ status: 'instructed', lines: [expect.objectContaining({ skuCode: TOWEL.sku, quantity: 2 })] });
    const before = (await level(skuId(TOWEL)))!;
    const shownBefore = siteQty(TOWEL);
    expect(shownBefore).toBe(before.available);
    const pushesBefore = stockPushes(TOWEL).length;

    // The buyer asks, the seller approves in QSM: ClaimStat 1 → 3, and the line leaves GetShippingInfo.
    expect(qoo10.requestCancel(61001, '注文間違い').claim).toMatchObject({ claimStatus: 1 });
    expect(qoo10.approveCancel(61001).claim).toMatchObject({ claimStatus: 3, reason: '注文間違い' });
    const run = await sync();
    expect(run.changesApplied).toBe(1);

    const cancelled = await orderStatus(pack, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({
      state: 'cancelled',
      reason: '注文間違い',
      cancelledAfterInstructionAt: null,
      cancelApproval: null,
    });
    expect(cancelled.lines).toEqual([expect.objectContaining({ externalLineId: '61001', quantity: 2, cancelledQuantity: 2 })]);
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    expect(await level(skuId(TOWEL))).toMatchObject({
      onHand: before.onHand,
      reserved: before.reserved - 2,
      available: before.available + 2,
    });

    // Absolute: Qoo10 is sent the available quantity, 2 more than before.
    expect(await siteShowsAvailable(TOWEL)).toBe(shownBefore + 2);
    expect(stockPushes(TOWEL).length).toBeGreaterThan(pushesBefore);
    expect(form(stockPushes(TOWEL).at(-1)!)('Qty')).toBe(String(shownBefore + 2));
    // The seller's own cancel was never needed: Qoo10 had completed it.
    expect(calls(CANCEL_PROCESS)).toEqual([]);

    await resyncAppliesNothing(orderId(pack));
    const timeline = await changes.timeline(orderId(pack));
    expect(siteChanges(timeline, 'line_cancelled')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({
          reason: '注文間違い',
          allLinesCancelled: true,
          lines: [expect.objectContaining({ externalLineId: '61001', liveQuantity: 0 })],
        }),
      }),
    ]);
    expect(timeline.filter((entry) => entry.source === 'site')).toHaveLength(1);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'cancelled']);
    expect(calls(CONFIRM, 61001)).toHaveLength(1);
    expect((await level(skuId(TOWEL)))!.reserved).toBe(before.reserved - 2);
  });

  it('(b) a cancel learnt after the waybill undoes nothing: no tracking sent for it, flagged cancelled_after_instruction, listed, evented', async () => {
    const pack = PACKS.lateCancel;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    // The buyer's cancel completes on Qoo10 while the warehouse prints the label (no sync in between).
    qoo10.requestCancel(61002, '配送が遅い');
    qoo10.approveCancel(61002);
    const issued = (await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200)).body;
    // The push reads the line first and sends no waybill for a cancelled one.
    const refused = await pushState(fo.id, 'failed');
    expect(refused.trackingPush.lastError).toMatch(/orderNo 61002 is cancelled on Qoo10 \(claimStatus 3: 配送が遅い\)/);
    expect(calls(SENDING_INFO, 61002)).toEqual([]);
    const before = (await level(skuId(SOCKS)))!;
    const shown = siteQty(SOCKS);
    const pushes = stockPushes(SOCKS).length;

    expect((await sync()).changesApplied).toBe(1);
    const flagged = await changes.orderWhen(
      orderId(pack),
      (o) => o.siteChange.cancelledAfterInstructionAt !== null,
      'the late cancel flagged',
    );
    expect(flagged.status).toBe('shipping_instructed');
    expect(flagged.siteChange).toMatchObject({ state: 'cancelled', reason: '配送が遅い' });
    const after = await fulfillmentById(fo.id);
    expect(after).toMatchObject({
      status: 'waybill_issued',
      waybill: expect.objectContaining({ trackingNumber: issued.label.trackingNumber }),
    });
    expect(await level(skuId(SOCKS))).toMatchObject({ onHand: before.onHand, reserved: before.reserved });
    expect(await changes.listedWithChange('cancelled_after_instruction', connectionId)).toEqual([orderId(pack)]);
    expect(lateCancels.filter((event) => event.orderId === orderId(pack))).toEqual([
      expect.objectContaining({ fulfillmentOrderId: fo.id, fulfillmentStatus: 'waybill_issued', externalOrderId: '51002', connectionId }),
    ]);

    await resyncAppliesNothing(orderId(pack));
    expect(siteQty(SOCKS)).toBe(shown);
    expect(stockPushes(SOCKS)).toHaveLength(pushes);
    expect(lateCancels.filter((event) => event.orderId === orderId(pack))).toHaveLength(1);
    const timeline = await changes.timeline(orderId(pack));
    expect(siteChanges(timeline, 'line_cancelled')).toEqual([expect.objectContaining({ followState: 'done' })]);
    expect(timeline.filter((entry) => entry.source === 'site')).toHaveLength(1);
    expect(timeline.filter((entry) => entry.source === 'mallbridge' && entry.kind === 'cancelled_after_instruction')).toHaveLength(1);
    expect(siteCalls(timeline, 'tracking')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ ok: false, message: expect.stringMatching(/cancelled on Qoo10/) }) }),
    ]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed']);
  });

  it("(c) a buyer's cancel request (ClaimStat 1) holds the order and its fulfillment (waybill refused); withdrawn, it is instructed again", async () => {
    const pack = PACKS.hold;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    expect(fo.status).toBe('instructed');
    const reserved = (await level(skuId(CUP)))!.reserved;

    expect(qoo10.requestCancel(61003, '住所を間違えた').claim).toMatchObject({ claimStatus: 1 });
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentStatus(pack, 'on_hold');
    const held = await orderStatus(pack, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'cancel_requested', reason: '住所を間違えた', cancelApproval: null });
    expect(held.holdReason).toBe('Held by the site: the buyer asked to cancel (住所を間違えた)');
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([orderId(pack)]);
    // No waybill while the buyer's request waits; the stock stays reserved for it.
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(409);
    expect((await level(skuId(CUP)))!.reserved).toBe(reserved);
    await resyncAppliesNothing(orderId(pack));

    // The buyer withdraws the request (the simulator's HTTP hook). Qoo10 lists no withdrawals: the request that
    // stopped waiting is read by its orderNo.
    const readsBefore = calls(CLAIM_BY_ORDER, 61003).length;
    const withdrawn = await request(qoo10.url).post('/_sim/orders/61003/withdraw-cancel').expect(200);
    expect(withdrawn.body).toMatchObject({ orderNo: 61003, status: 3, claim: null });
    expect((await sync()).changesApplied).toBe(1);
    expect(calls(CLAIM_BY_ORDER, 61003).length).toBeGreaterThan(readsBefore);
    expect((await fulfillmentStatus(pack, 'instructed')).id).toBe(fo.id);
    const released = await orderStatus(pack, 'shipping_instructed');
    expect(released).toMatchObject({ holdReason: null, siteChange: { state: 'open', reason: null } });
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([]);
    await resyncAppliesNothing(orderId(pack));

    const timeline = await changes.timeline(orderId(pack));
    expect(siteChanges(timeline, 'cancel_requested')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({ reason: '住所を間違えた', request: { ContrNo: '61003', packNo: '51003' } }),
      }),
    ]);
    expect(siteChanges(timeline, 'released')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ from: 'cancel_requested' }) }),
    ]);
    expect(timeline.filter((entry) => entry.source === 'site')).toHaveLength(2);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'shipping_instructed']);
    expect(calls(CANCEL_PROCESS)).toEqual([]);
    // Resumed where it was: the waybill is issued now, and Qoo10 takes the tracking number.
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
    await pushState(fo.id, 'sent');
    expect(qoo10.getOrder(61003)).toMatchObject({ status: 4, deliveryCompany: 'ヤマト宅急便', claim: null });
  });

  it('(d) one line of a two-line pack cancelled: the fulfillment order shrinks, the difference is released and Qoo10 shown it', async () => {
    const pack = PACKS.lineCancel;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    const lineQuantities = (body: FulfillmentOrderBody) => body.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity]);
    expect(lineQuantities(fo)).toEqual([
      [SOCKS.sku, 2, 2],
      [CUP.sku, 3, 3],
    ]);
    const socks = (await level(skuId(SOCKS)))!;
    const cups = (await level(skuId(CUP)))!;
    const shownCups = siteQty(CUP);

    qoo10.requestCancel(61005, 'サイズ違い');
    qoo10.approveCancel(61005);
    const run = await sync();
    expect(run.changesSeen).toBeGreaterThanOrEqual(1);

    const shrunk = await waitFor(
      async () => {
        const body = await fulfillmentById(fo.id);
        return body.lines.every((line) => line.skuCode !== CUP.sku || line.quantity === 0) ? body : null;
      },
      { what: 'the fulfillment order shrunk', timeoutMs: 30_000 },
    );
    expect(shrunk.status).toBe('instructed');
    // What the warehouse still ships: the socks whole; the cups gone (or kept at 0, as a record).
    expect(lineQuantities(shrunk).filter(([, ordered]) => ordered !== 0)).toEqual([[SOCKS.sku, 2, 2]]);
    const order = await changes.order(orderId(pack));
    expect(order).toMatchObject({ status: 'shipping_instructed', siteChange: { state: 'open' } });
    expect(order.lines!.map((line) => [line.externalLineId, line.quantity, line.cancelledQuantity])).toEqual([
      ['61004', 2, 0],
      ['61005', 3, 3],
    ]);
    expect(await level(skuId(CUP))).toMatchObject({ onHand: cups.onHand, reserved: cups.reserved - 3 });
    expect(await level(skuId(SOCKS))).toMatchObject({ onHand: socks.onHand, reserved: socks.reserved });
    expect(await siteShowsAvailable(CUP)).toBe(shownCups + 3);

    await resyncAppliesNothing(orderId(pack));
    const timeline = await changes.timeline(orderId(pack));
    // The cancelled orderNo leaves GetShippingInfo while its pack stays listed: the order pull (which runs first) may
    // record the shrink (lines_changed) before the change pull states the same line live 0 (line_cancelled), then
    // already true. Either way one site entry, followed, and nothing applied twice.
    const shrinking = timeline.filter((entry) => entry.source === 'site');
    expect(shrinking).toEqual([
      expect.objectContaining({ followState: 'done', kind: expect.stringMatching(/^(line_cancelled|lines_changed)$/) }),
    ]);
    expect(run.changesApplied).toBe(shrinking[0].kind === 'line_cancelled' ? 1 : 0);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed']);

    // The waybill covers the live line only, and Qoo10 gets it for that orderNo alone.
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
    await pushState(fo.id, 'sent');
    expect(qoo10.getOrder(61004)!.status).toBe(4);
    expect(calls(SENDING_INFO, 61005)).toEqual([]);
  });

  it("(d') a line cancel only the change pull sees (the pack is past the order pull's re-read): line_cancelled shrinks it, the waybill reaches the live orderNo", async () => {
    const pack = PACKS.oldLineCancel;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    expect(fo.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity])).toEqual([
      [TOWEL.sku, 1, 1],
      [CUP.sku, 2, 2],
    ]);
    const towels = (await level(skuId(TOWEL)))!;
    const cups = (await level(skuId(CUP)))!;
    const shownCups = siteQty(CUP);

    qoo10.requestCancel(61012, '色違い');
    qoo10.approveCancel(61012);
    const run = await sync();
    expect(run.changesApplied).toBe(1);
    const shrunk = await waitFor(
      async () => {
        const body = await fulfillmentById(fo.id);
        return body.lines.every((line) => line.skuCode !== CUP.sku || line.quantity === 0) ? body : null;
      },
      { what: 'the fulfillment order shrunk', timeoutMs: 30_000 },
    );
    expect(shrunk.status).toBe('instructed');
    expect(shrunk.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity]).filter(([, ordered]) => ordered !== 0)).toEqual([
      [TOWEL.sku, 1, 1],
    ]);
    const order = await changes.order(orderId(pack));
    expect(order).toMatchObject({ status: 'shipping_instructed', siteChange: { state: 'open' } });
    expect(order.lines!.map((line) => [line.externalLineId, line.quantity, line.cancelledQuantity])).toEqual([
      ['61011', 1, 0],
      ['61012', 2, 2],
    ]);
    expect(await level(skuId(CUP))).toMatchObject({ onHand: cups.onHand, reserved: cups.reserved - 2 });
    expect(await level(skuId(TOWEL))).toMatchObject({ onHand: towels.onHand, reserved: towels.reserved });
    expect(await siteShowsAvailable(CUP)).toBe(shownCups + 2);

    await resyncAppliesNothing(orderId(pack));
    const timeline = await changes.timeline(orderId(pack));
    expect(siteChanges(timeline, 'line_cancelled')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({ reason: '色違い', lines: [{ externalLineId: '61012', liveQuantity: 0, before: 2 }] }),
      }),
    ]);
    expect(timeline.filter((entry) => entry.source === 'site')).toHaveLength(1);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed']);

    // The waybill reaches the live orderNo; the cancelled one takes none, and that is no failure of the pack.
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
    const sent = await waitFor(
      async () => {
        const body = await fulfillmentById(fo.id);
        return ['sent', 'failed'].includes(body.trackingPush.state ?? '') ? body : null;
      },
      { what: 'the tracking push done', timeoutMs: 30_000 },
    );
    expect(sent.trackingPush).toMatchObject({ state: 'sent', lastError: null });
    expect(qoo10.getOrder(61011)).toMatchObject({ status: 4, deliveryCompany: 'ヤマト宅急便' });
    expect(qoo10.getOrder(61012)).toMatchObject({ status: 3, claim: expect.objectContaining({ claimStatus: 3 }) });
    expect(calls(SENDING_INFO, 61012)).toEqual([]);
  });

  it('a cancel request without autoCancelApproval: held and shown, nothing sent to SetCancelProcess; approved in QSM, it cancels', async () => {
    const pack = PACKS.requestHeld;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    const towels = (await level(skuId(TOWEL)))!;
    const shown = siteQty(TOWEL);

    qoo10.requestCancel(61006, '気が変わった');
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentStatus(pack, 'on_hold');
    const held = await orderStatus(pack, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'cancel_requested', reason: '気が変わった', cancelApproval: null });
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([orderId(pack)]);
    await resyncAppliesNothing(orderId(pack));
    expect(qoo10.getOrder(61006)!.claim).toMatchObject({ claimStatus: 1 });

    // The seller approves it in QSM by hand; the next run cancels the order.
    qoo10.approveCancel(61006);
    expect((await sync()).changesApplied).toBe(1);
    const cancelled = await orderStatus(pack, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', reason: '気が変わった', cancelApproval: null });
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    expect(await level(skuId(TOWEL))).toMatchObject({ onHand: towels.onHand, reserved: towels.reserved - 1 });
    expect(await siteShowsAvailable(TOWEL)).toBe(shown + 1);
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([]);
    await resyncAppliesNothing(orderId(pack));
    // Followed twice (the hold, the cancel) and never approved by us.
    expect(calls(CANCEL_PROCESS)).toEqual([]);

    const timeline = await changes.timeline(orderId(pack));
    expect(
      timeline
        .filter((entry) => entry.source === 'site')
        .reverse()
        .map((entry) => entry.kind),
    ).toEqual(['cancel_requested', 'line_cancelled']);
    expect(siteCalls(timeline, 'cancel_approval')).toEqual([]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'cancelled']);
  });

  it('a cancel request with autoCancelApproval before the waybill: SetCancelProcess once, read back, order and fulfillment cancelled', async () => {
    const patched = await t.http
      .patch(`/v1/connections/${connectionId}`)
      .set(auth())
      .send({ options: { autoCancelApproval: true } })
      .expect(200);
    expect(patched.body.options).toMatchObject({ autoCancelApproval: true, autoStockSync: true, autoOrderConfirmation: true });
    const pack = PACKS.autoApproved;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    const cups = (await level(skuId(CUP)))!;
    const shown = siteQty(CUP);

    qoo10.requestCancel(61007, '別の商品と間違えた');
    expect((await sync()).changesApplied).toBe(1);
    const cancelled = await orderStatus(pack, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', cancelApproval: 'approved', cancelledAfterInstructionAt: null });
    // One SetCancelProcess, for that orderNo; Qoo10 completed the buyer's request.
    const approvals = calls(CANCEL_PROCESS);
    expect(approvals).toHaveLength(1);
    expect(form(approvals[0])('ContrNo')).toBe('61007');
    expect(qoo10.getOrder(61007)!.claim).toMatchObject({ claimStatus: 3, reason: '別の商品と間違えた' });
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    expect(await level(skuId(CUP))).toMatchObject({ onHand: cups.onHand, reserved: cups.reserved - 1 });
    expect(await siteShowsAvailable(CUP)).toBe(shown + 1);

    await resyncAppliesNothing(orderId(pack));
    expect(calls(CANCEL_PROCESS)).toHaveLength(1);
    const timeline = await changes.timeline(orderId(pack));
    expect(siteCalls(timeline, 'cancel_approval')).toEqual([expect.objectContaining({ detail: { ok: true } })]);
    // What the approval did was read back from Qoo10 (by orderNo), not assumed.
    expect(siteCalls(timeline, 'recheck')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ why: 'the cancel request was approved', found: true, changes: ['cancelled'] }),
      }),
    ]);
    expect(
      timeline
        .filter((entry) => entry.source === 'site')
        .reverse()
        .map((entry) => entry.kind),
    ).toEqual(['cancel_requested', 'cancelled']);
    expect(siteChanges(timeline, 'cancelled')).toEqual([expect.objectContaining({ followState: 'done' })]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'cancelled']);
  });

  it('a cancel request with autoCancelApproval after the waybill: not approved, the order held; the tracking sent refuses it and releases it', async () => {
    const pack = PACKS.lateRequest;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    const approvalsBefore = calls(CANCEL_PROCESS).length;
    // The waybill is issued, but its push fails once: Qoo10 still shows the line unshipped (3), so the buyer can ask.
    qoo10.faults.add({
      kind: 'site-error',
      pathIncludes: SENDING_INFO,
      siteCode: '-10101',
      siteMessage: 'Processing Error - temporary',
      times: 1,
    });
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200);
    expect((await pushState(fo.id, 'failed')).trackingPush.lastError).toMatch(/temporary/);
    expect(qoo10.getOrder(61008)!.status).toBe(3);
    const reserved = (await level(skuId(SOCKS)))!.reserved;

    qoo10.requestCancel(61008, '不要になった');
    expect((await sync()).changesApplied).toBe(1);
    expect((await fulfillmentStatus(pack, 'on_hold')).id).toBe(fo.id);
    const held = await orderStatus(pack, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'cancel_requested', reason: '不要になった', cancelApproval: null });
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([orderId(pack)]);
    expect((await level(skuId(SOCKS)))!.reserved).toBe(reserved);
    await resyncAppliesNothing(orderId(pack));

    // The seller sends the tracking again: in QSM, shipping is how a request is refused (cancellations.md §2.4).
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/tracking-push/retry`).set(auth()).expect(200);
    await pushState(fo.id, 'sent');
    expect(qoo10.getOrder(61008)).toMatchObject({ status: 4, claim: null });
    expect((await sync()).changesApplied).toBe(1);
    expect((await fulfillmentStatus(pack, 'waybill_issued')).id).toBe(fo.id);
    const resumed = await orderStatus(pack, 'shipping_instructed');
    expect(resumed.siteChange).toMatchObject({ state: 'open', cancelApproval: null, cancelledAfterInstructionAt: null });
    expect((await level(skuId(SOCKS)))!.reserved).toBe(reserved);
    await resyncAppliesNothing(orderId(pack));
    // Followed twice (the hold, the release) and never approved: the parcel had its waybill.
    expect(calls(CANCEL_PROCESS)).toHaveLength(approvalsBefore);

    const timeline = await changes.timeline(orderId(pack));
    expect(
      timeline
        .filter((entry) => entry.source === 'site')
        .reverse()
        .map((entry) => entry.kind),
    ).toEqual(['cancel_requested', 'released']);
    expect(siteCalls(timeline, 'cancel_approval')).toEqual([]);
    expect(siteCalls(timeline, 'tracking').map((entry) => entry.detail.ok)).toEqual([false, true]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'shipping_instructed']);
  });

  it('a tracking push re-sent after a partial failure skips the orderNo Qoo10 already shows as shipped', async () => {
    const pack = PACKS.tracking;
    const fo = (await fulfillmentOf(orderId(pack)))!;
    // The first orderNo's SetSendingInfo goes through, the second is refused.
    qoo10.faults.add({
      kind: 'site-error',
      pathIncludes: SENDING_INFO,
      afterCalls: 1,
      times: 1,
      siteCode: '-10101',
      siteMessage: 'Processing Error - temporary',
    });
    const issued = (await t.http.post(`/v1/fulfillment-orders/${fo.id}/waybill`).set(auth()).send({ carrier: 'yamato' }).expect(200)).body;
    const trackingNo = issued.label.trackingNumber;
    const failed = await pushState(fo.id, 'failed');
    expect(failed.trackingPush.lastError).toMatch(/orderNo 61010 of 2/);
    expect(qoo10.getOrder(61009)).toMatchObject({ status: 4, trackingNo });
    expect(qoo10.getOrder(61010)!.status).toBe(3);

    await t.http.post(`/v1/fulfillment-orders/${fo.id}/tracking-push/retry`).set(auth()).expect(200);
    await pushState(fo.id, 'sent');
    expect(qoo10.getOrder(61010)).toMatchObject({ status: 4, trackingNo, deliveryCompany: 'ヤマト宅急便' });
    // Each line read before sending; the shipped one is not sent again.
    expect(calls(SENDING_INFO, 61009)).toHaveLength(1);
    expect(calls(SENDING_INFO, 61010)).toHaveLength(2);
    expect(calls(CLAIM_BY_ORDER, 61009)).toHaveLength(2);

    const timeline = await changes.timeline(orderId(pack));
    expect(siteCalls(timeline, 'tracking').map((entry) => [entry.detail.ok, entry.detail.trackingNumber])).toEqual([
      [false, trackingNo],
      [true, trackingNo],
    ]);
    expect(timeline.filter((entry) => entry.source === 'site')).toEqual([]);
    expectConfirmedAndInstructed(timeline);
  });
});
