import type { DomainEvents } from '../../../src/events/domain-events';
import { EventBus } from '../../../src/events/event-bus';
import {
  ELEVEN_STREET_DEFAULT_ACCOUNT,
  ElevenStreetSimulator,
  formatKst,
  type ElevenStreetOrderSeed,
} from '../../simulators/eleven-street';
import type { RecordedRequest } from '../../simulators/site-simulator';
import { type FulfillmentOrderBody, fulfillmentApi } from '../../support/fulfillment-api';
import { type SyncRunBody, type TimelineEntry, orderChangesApi, siteChanges, statusPath } from '../../support/order-changes-api';
import { siteShowsSellable } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/** 11st options: `sellerStockCd` is the listing key and the warehouse SKU's code (code equality, no mapping). */
interface Option {
  prdNo: string;
  prdNm: string;
  sellerPrdCd: string;
  prdStckNo: string;
  sku: string;
  optionName: string;
}
const TEE_BK = {
  prdNo: '9300000201',
  prdNm: '남성 라운드 티셔츠',
  sellerPrdCd: 'KR-TEE',
  prdStckNo: '55100000201',
  sku: 'KR-TEE-BK-M',
  optionName: '색상:블랙/사이즈:M',
};
const TEE_WH = { ...TEE_BK, prdStckNo: '55100000202', sku: 'KR-TEE-WH-L', optionName: '색상:화이트/사이즈:L' };
const CITRUS = {
  prdNo: '9300000202',
  prdNm: '제주 감귤 3kg',
  sellerPrdCd: 'KR-CITRUS',
  prdStckNo: '55100000203',
  sku: 'KR-CITRUS-3KG',
  optionName: '',
};
const MUG = {
  prdNo: '9300000203',
  prdNm: '머그컵 블루',
  sellerPrdCd: 'KR-MUG',
  prdStckNo: '55100000204',
  sku: 'KR-MUG-BL',
  optionName: '',
};
const OPTIONS: Option[] = [TEE_BK, TEE_WH, CITRUS, MUG];
const RECEIPT = 40;

/** One 11st order per scenario: `ordNo` (the order), its `dlvNo`, and its lines (`ordPrdSeq` 1, 2, …). */
interface Order {
  ordNo: string;
  dlvNo: string;
  buyer: string;
  lines: Array<[Option, number]>;
}
const order = (n: number, buyer: string, lines: Array<[Option, number]>, dlvNo = `32000002${String(n).padStart(2, '0')}`): Order => ({
  ordNo: `209903010000002${String(n).padStart(2, '0')}`,
  dlvNo,
  buyer,
  lines,
});
const SHARED_DLV = '3200000299';
const ORDERS = {
  cancel: order(1, '김민준', [[TEE_BK, 2]]),
  lateCancel: order(2, '이서연', [[MUG, 1]]),
  hold: order(3, '박지훈', [[CITRUS, 1]]),
  lineCancel: order(4, '최유나', [
    [TEE_BK, 1],
    [MUG, 2],
  ]),
  partial: order(5, '정하준', [[CITRUS, 3]]),
  requestHeld: order(6, '강서윤', [[TEE_WH, 1]]),
  sharedA: order(7, '윤도현', [[TEE_BK, 1]], SHARED_DLV),
  sharedB: order(8, '윤도현', [[MUG, 1]], SHARED_DLV),
  busy: order(9, '임지우', [[CITRUS, 1]]),
  autoApproved: order(10, '한예린', [[MUG, 1]]),
  lateRequest: order(11, '오승민', [[TEE_WH, 1]]),
  blocked: order(12, '서지호', [[CITRUS, 1]]),
  keyRefused: order(13, '신아린', [[MUG, 1]]),
} satisfies Record<string, Order>;

const CLAIM_LISTS = ['cancelorders', 'canceledorders', 'withdrawcanceledorders', 'returnorders', 'exchangeorders'];

/**
 * 11st changes after intake (DESIGN §5a, specs/cancellations.md §3) through the real app: its scheduler and workers,
 * real PostgreSQL, and the 11st simulator over HTTP. Orders are pulled at 결제완료 (202), confirmed on 11st
 * (reqpackaging → 301 발주확인), matched to SKUs by code and instructed against stock. The simulator's hooks then play
 * the buyer (a cancel request after 발주확인: 01, line 701; withdrawing it: 05) and the seller in Seller Office
 * (approving a request, 판매불가 cancels: 02), and `POST /v1/connections/{id}/sync` runs the change pull (the claim
 * lists in ≤ 30-day windows, `orderlistall` for the orders whose cancels completed), then the order pull. Fulfillment
 * follows in the background; with autoStockSync 11st is sent the available quantity (stockqty PUT, absolute); with
 * autoCancelApproval a request is approved with cancelreqconf and read back by orderlistalladdr.
 *
 * Time: the simulator and the app run on the real clock. The orders were paid three hours ago: the first pull (30
 * days back) takes them, later order pulls (their cursor less an hour) no longer list them, so every change here
 * reaches the app through the change pull. (An order the order pull re-lists while one of its lines waits at 701 is
 * listed without that line, which the order writer takes as cancelled: a core issue, kept out of these scenarios.) The claims are made now, inside every change pull's re-read (an hour):
 * each sync re-reads the earlier scenarios' claims, which must apply nothing twice. The scenarios run in order on one
 * connection; those that must not be approved run before autoCancelApproval is switched on, the faults last.
 */
describe('11st: cancels, cancel requests and holds after intake reach the warehouse', () => {
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let connectionId: string;
  const eleven = new ElevenStreetSimulator();
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { orderByNumber, fulfillmentOf, level, createSku, adjust } = fulfillmentApi(() => t, auth);
  const changes = orderChangesApi(() => t, auth);
  const skuIds = new Map<string, string>();
  const orderIds = new Map<string, string>();
  const lateCancels: DomainEvents['orders.cancelled-after-instruction'][] = [];

  const skuId = (option: Option) => skuIds.get(option.sku)!;
  const orderId = (o: Order) => orderIds.get(o.ordNo)!;
  const siteQty = (option: Option) => eleven.getStock(option.prdStckNo)!.stckQty;
  const siteLines = (o: Order) => eleven.getLines({ ordNo: o.ordNo });
  const calls = (prefix: string) => eleven.requests.filter((r: RecordedRequest) => r.path.startsWith(`/rest/${prefix}`));
  const claimListReads = () => CLAIM_LISTS.flatMap((list) => calls(`claimservice/${list}/`));
  const cancelApprovals = () => calls('claimservice/cancelreqconf/');
  const reqdeliveries = (dlvNo: string) => calls('ordservices/reqdelivery/').filter((r) => r.path.endsWith(`/${dlvNo}`));
  const stockPuts = (option: Option) =>
    eleven.requests.filter((r: RecordedRequest) => r.method === 'PUT' && r.path === `/rest/prodservices/stockqty/${option.prdStckNo}`);

  /** `POST /v1/connections/{id}/sync`; the run succeeded, and its change pull read every claim list once. */
  async function sync(): Promise<SyncRunBody> {
    const readsBefore = claimListReads().length;
    const run = await changes.sync(connectionId);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    expect(claimListReads().length - readsBefore).toBe(CLAIM_LISTS.length);
    expect(run.changesSeen).toBeGreaterThanOrEqual(run.changesApplied);
    return run;
  }

  /** A further run re-reads the same claims (the hour's overlap) and applies nothing: the order's timeline stays. */
  async function resyncAppliesNothing(o: Order): Promise<void> {
    const before = (await changes.timeline(orderId(o))).map((entry) => entry.id);
    const run = await sync();
    expect(run.changesApplied).toBe(0);
    expect(run.changesSeen).toBeGreaterThan(0);
    expect((await changes.timeline(orderId(o))).map((entry) => entry.id)).toEqual(before);
  }

  const orderStatus = (o: Order, status: string) =>
    changes.orderWhen(orderId(o), (found) => found.status === status, `order ${o.ordNo} ${status}`);

  async function fulfillmentStatus(o: Order, status: string): Promise<FulfillmentOrderBody> {
    return waitFor(
      async () => {
        const fo = await fulfillmentOf(orderId(o));
        return fo?.status === status ? fo : null;
      },
      { what: `fulfillment order of ${o.ordNo} ${status}`, timeoutMs: 30_000 },
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

  const waybill = async (foId: string, status = 200) =>
    (await t.http.post(`/v1/fulfillment-orders/${foId}/waybill`).set(auth()).send({ carrier: 'cj' }).expect(status)).body;

  /** The stock push has told 11st the SKU's available quantity (absolute), and its queue row is settled. */
  /** The stock push has told the site what the SKU may sell (absolute), and its queue row is settled. */
  const siteShowsAvailable = (option: Option) =>
    siteShowsSellable(t, tenant.apiKey, {
      connectionId,
      listingKey: option.sku,
      skuId: skuId(option),
      siteQuantity: () => siteQty(option),
      what: `11st ${option.sku}`,
    });

  const siteCalls = (timeline: TimelineEntry[], kind: string) =>
    timeline.filter((entry) => entry.source === 'site_call' && entry.kind === kind).reverse();
  const siteKinds = (timeline: TimelineEntry[]) =>
    timeline
      .filter((entry) => entry.source === 'site')
      .reverse()
      .map((entry) => entry.kind);

  /** What every scenario's timeline starts with: pulled new, confirmed on 11st (reqpackaging, once), instructed. */
  function expectConfirmedAndInstructed(timeline: TimelineEntry[]): void {
    expect(siteCalls(timeline, 'confirm')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ ok: true }) })]);
    expect(statusPath(timeline).slice(0, 2)).toEqual(['confirmed', 'shipping_instructed']);
    expect(timeline.filter((entry) => entry.source === 'status').at(-1)!.detail).toMatchObject({ from: 'new', to: 'confirmed' });
  }

  function seedOrder(o: Order, paid: string): void {
    for (const [index, [option, qty]] of o.lines.entries()) {
      const seed: ElevenStreetOrderSeed = {
        ordNo: o.ordNo,
        ordPrdSeq: index + 1,
        dlvNo: o.dlvNo,
        ordDt: paid,
        ordStlEndDt: paid,
        prdNo: option.prdNo,
        prdNm: option.prdNm,
        prdStckNo: option.prdStckNo,
        sellerPrdCd: option.sellerPrdCd,
        sellerStockCd: option.sku,
        slctPrdOptNm: option.optionName ? `${option.optionName}-${qty}개` : '',
        selPrc: 12900,
        ordQty: qty,
        ordNm: o.buyer,
        rcvrNm: o.buyer,
        rcvrPrtblNo: '010-1234-5678',
        rcvrMailNo: '06103',
        rcvrBaseAddr: '서울특별시 강남구 논현로 508',
        rcvrDtlsAddr: '103동 1203호',
      };
      eleven.addOrder(seed);
    }
  }

  beforeAll(async () => {
    eleven.seed(undefined);
    await eleven.start();
    // No NextEngine here: its sign-in URL points nowhere.
    t = await startTestApp(syncingApp('http://127.0.0.1:1', { siteRetryBaseDelayMs: 5 }));
    tenant = await t.createTenant('11st change seller');
    t.app.get(EventBus).subscribe('orders.cancelled-after-instruction', (event) => void lateCancels.push(event));

    for (const prdNo of [...new Set(OPTIONS.map((option) => option.prdNo))]) {
      const options = OPTIONS.filter((option) => option.prdNo === prdNo);
      eleven.addProduct({
        prdNo,
        prdNm: options[0].prdNm,
        sellerPrdCd: options[0].sellerPrdCd,
        stocks: options.map((option) => ({ prdStckNo: option.prdStckNo, sellerStockCd: option.sku, stckQty: 0, optWght: 1 })),
      });
    }
    for (const option of OPTIONS) {
      const id = await createSku(option.sku);
      skuIds.set(option.sku, id);
      await adjust(id, 'receipt', RECEIPT);
    }
    const paid = formatKst(new Date(Date.now() - 3 * 3_600_000));
    for (const o of Object.values(ORDERS)) seedOrder(o, paid);

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
        // The first scheduled run pulls every order; the others come from the test.
        orderSyncIntervalMinutes: 1440,
      })
      .expect(201);
    expect(created.body.status).toBe('active');
    connectionId = created.body.id;

    // Every order is pulled, confirmed on 11st (202 → 301) and, with stock, instructed.
    for (const o of Object.values(ORDERS)) {
      const pulled = await waitFor(
        async () => {
          const found = await orderByNumber(o.ordNo, connectionId);
          return found?.status === 'shipping_instructed' ? found : null;
        },
        { what: `order ${o.ordNo} instructed`, timeoutMs: 40_000 },
      );
      orderIds.set(o.ordNo, pulled.id);
      expect(siteLines(o).map((line) => line.ordPrdStat)).toEqual(o.lines.map(() => '301'));
    }
    for (const option of OPTIONS) await siteShowsAvailable(option);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await eleven.stop();
  });

  it('(a) a cancel before the waybill (requested after 발주확인, approved in Seller Office): order and fulfillment cancelled, stock released, 11st stock back up', async () => {
    const o = ORDERS.cancel;
    const fo = (await fulfillmentOf(orderId(o)))!;
    expect(fo).toMatchObject({ status: 'instructed', lines: [expect.objectContaining({ skuCode: TEE_BK.sku, quantity: 2 })] });
    const before = (await level(skuId(TEE_BK)))!;
    const shownBefore = siteQty(TEE_BK);
    expect(shownBefore).toBe(before.available);
    const putsBefore = stockPuts(TEE_BK).length;

    // After 발주확인 the buyer can only ask (01, line 701); the seller approves it in Seller Office (02, line B01).
    expect(eleven.buyerCancel(o.ordNo, undefined, undefined, { reason: '단순 변심' })).toEqual([
      expect.objectContaining({ ordPrdStat: '701', ordCnStatCd: '01' }),
    ]);
    expect(eleven.approveCancel(o.ordNo)).toEqual([expect.objectContaining({ ordPrdStat: 'B01', ordCnStatCd: '02', ordCnQty: 2 })]);
    const statusReads = calls('claimservice/orderlistall/').length;
    const run = await sync();
    expect(run.changesApplied).toBe(1);
    // The completed cancel is weighed against the order's lines as 11st shows them now.
    expect(
      calls('claimservice/orderlistall/')
        .slice(statusReads)
        .map((r) => r.path),
    ).toEqual([`/rest/claimservice/orderlistall/${o.ordNo}`]);

    const cancelled = await orderStatus(o, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', cancelledAfterInstructionAt: null, cancelApproval: null });
    expect(cancelled.siteChange.reason).toMatch(/단순 변심/);
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    expect(await level(skuId(TEE_BK))).toMatchObject({
      onHand: before.onHand,
      reserved: before.reserved - 2,
      available: before.available + 2,
    });

    // Absolute: 11st is sent the available quantity, 2 more than before.
    expect(await siteShowsAvailable(TEE_BK)).toBe(shownBefore + 2);
    expect(stockPuts(TEE_BK).length).toBeGreaterThan(putsBefore);
    expect(stockPuts(TEE_BK).at(-1)!.bodyText).toContain(`<stckQty>${shownBefore + 2}</stckQty>`);
    // Seller Office approved it: no cancelreqconf from us.
    expect(cancelApprovals()).toEqual([]);

    await resyncAppliesNothing(o);
    const timeline = await changes.timeline(orderId(o));
    expect(siteChanges(timeline, 'cancelled')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({ reason: expect.stringMatching(/취소완료 .*by buyer.*단순 변심/) }),
      }),
    ]);
    expect(siteKinds(timeline)).toEqual(['cancelled']);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'cancelled']);
    expect((await level(skuId(TEE_BK)))!.reserved).toBe(before.reserved - 2);
  });

  it('(b) a cancel learnt after the waybill undoes nothing: flagged cancelled_after_instruction, listed, evented', async () => {
    const o = ORDERS.lateCancel;
    const fo = (await fulfillmentOf(orderId(o)))!;
    // The seller cancels in Seller Office (판매불가, 02 at once) while the warehouse prints the label; no sync between.
    expect(eleven.sellerCancel(o.ordNo, undefined, undefined, { reasonCode: '08', reason: '상품 품절' })).toEqual([
      expect.objectContaining({ ordPrdStat: 'B01', ordCnStatCd: '02' }),
    ]);
    const issued = await waybill(fo.id);
    // 11st refuses the waybill of a cancelled delivery (-3313): the push fails for good, nothing shipped there.
    const refused = await pushState(fo.id, 'failed');
    expect(refused.trackingPush.lastSiteCode).toBe('-3313');
    expect(refused.trackingPush.lastError).toContain(o.dlvNo);
    expect(siteLines(o)).toEqual([expect.objectContaining({ ordPrdStat: 'B01', invcNo: '' })]);
    const before = (await level(skuId(MUG)))!;
    const shown = siteQty(MUG);
    const puts = stockPuts(MUG).length;

    expect((await sync()).changesApplied).toBe(1);
    const flagged = await changes.orderWhen(
      orderId(o),
      (found) => found.siteChange.cancelledAfterInstructionAt !== null,
      'the late cancel flagged',
    );
    expect(flagged.status).toBe('shipping_instructed');
    expect(flagged.siteChange).toMatchObject({ state: 'cancelled', reason: expect.stringMatching(/by seller.*상품 품절/) });
    // Nothing undone: the fulfillment order keeps its waybill, the stock stays reserved, 11st is not sent more.
    expect(await fulfillmentById(fo.id)).toMatchObject({
      status: 'waybill_issued',
      waybill: expect.objectContaining({ trackingNumber: issued.label.trackingNumber }),
    });
    expect(await level(skuId(MUG))).toMatchObject({ onHand: before.onHand, reserved: before.reserved });
    expect(await changes.listedWithChange('cancelled_after_instruction', connectionId)).toEqual([orderId(o)]);
    expect(lateCancels.filter((event) => event.orderId === orderId(o))).toEqual([
      expect.objectContaining({ fulfillmentOrderId: fo.id, fulfillmentStatus: 'waybill_issued', externalOrderId: o.ordNo, connectionId }),
    ]);

    await resyncAppliesNothing(o);
    expect(siteQty(MUG)).toBe(shown);
    expect(stockPuts(MUG)).toHaveLength(puts);
    expect(lateCancels.filter((event) => event.orderId === orderId(o))).toHaveLength(1);
    const timeline = await changes.timeline(orderId(o));
    expect(siteChanges(timeline, 'cancelled')).toEqual([expect.objectContaining({ followState: 'done' })]);
    expect(siteKinds(timeline)).toEqual(['cancelled']);
    expect(timeline.filter((entry) => entry.source === 'mallbridge' && entry.kind === 'cancelled_after_instruction')).toHaveLength(1);
    expect(siteCalls(timeline, 'tracking')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ ok: false, siteCode: '-3313', trackingNumber: issued.label.trackingNumber }),
      }),
    ]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed']);
  });

  it("(c) a buyer's cancel request (01, line 701) holds the order and its fulfillment (waybill refused); withdrawn (05), it is instructed again", async () => {
    const o = ORDERS.hold;
    const fo = (await fulfillmentOf(orderId(o)))!;
    expect(fo.status).toBe('instructed');
    const reserved = (await level(skuId(CITRUS)))!.reserved;

    expect(eleven.requestCancel(o.ordNo, undefined, undefined, { reason: '주소를 잘못 입력했어요' })).toEqual([
      expect.objectContaining({ ordPrdStat: '701', ordCnStatCd: '01' }),
    ]);
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentStatus(o, 'on_hold');
    const held = await orderStatus(o, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'cancel_requested', cancelApproval: null });
    expect(held.siteChange.reason).toMatch(/취소요청 .*주소를 잘못 입력했어요/);
    expect(held.holdReason).toMatch(/^Held by the site: the buyer asked to cancel \(취소요청 /);
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([orderId(o)]);
    // No waybill while the buyer's request waits; the stock stays reserved for it.
    await waybill(fo.id, 409);
    expect((await level(skuId(CITRUS)))!.reserved).toBe(reserved);
    await resyncAppliesNothing(o);

    // The buyer withdraws the request (the simulator's HTTP hook): 05, listed by withdrawcanceledorders.
    const withdrawn = await fetch(`${eleven.url}/_sim/orders/${o.ordNo}/withdraw-cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(withdrawn.status).toBe(200);
    expect(await withdrawn.json()).toEqual([expect.objectContaining({ ordNo: o.ordNo, ordPrdStat: '301', ordCnStatCd: '05' })]);
    expect((await sync()).changesApplied).toBe(1);
    expect((await fulfillmentStatus(o, 'instructed')).id).toBe(fo.id);
    const released = await orderStatus(o, 'shipping_instructed');
    expect(released).toMatchObject({ holdReason: null, siteChange: { state: 'open', reason: null } });
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([]);
    await resyncAppliesNothing(o);

    const timeline = await changes.timeline(orderId(o));
    expect(siteChanges(timeline, 'cancel_requested')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({ request: { ordPrdCnSeq: expect.stringMatching(/^\d+$/), ordNo: o.ordNo, ordPrdSeq: '1' } }),
      }),
    ]);
    expect(siteChanges(timeline, 'released')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ from: 'cancel_requested' }) }),
    ]);
    expect(siteKinds(timeline)).toEqual(['cancel_requested', 'released']);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'shipping_instructed']);
    expect(cancelApprovals()).toEqual([]);
    // Resumed where it was: the waybill is issued now, and 11st ships the delivery.
    const issued = await waybill(fo.id);
    await pushState(fo.id, 'sent');
    expect(siteLines(o)).toEqual([
      expect.objectContaining({ ordPrdStat: '401', dlvEtprsCd: '00034', invcNo: issued.label.trackingNumber }),
    ]);
    expect(reqdeliveries(o.dlvNo)).toHaveLength(1);
  });

  it('(d) one line of a two-line order cancelled (판매불가 in Seller Office): the fulfillment order shrinks, the difference released and shown to 11st', async () => {
    const o = ORDERS.lineCancel;
    const fo = (await fulfillmentOf(orderId(o)))!;
    const lineQuantities = (body: FulfillmentOrderBody) => body.lines.map((line) => [line.skuCode, line.orderedQuantity, line.quantity]);
    expect(lineQuantities(fo)).toEqual([
      [TEE_BK.sku, 1, 1],
      [MUG.sku, 2, 2],
    ]);
    const tees = (await level(skuId(TEE_BK)))!;
    const mugs = (await level(skuId(MUG)))!;
    const shownMugs = siteQty(MUG);

    expect(eleven.sellerCancel(o.ordNo, 2, undefined, { reasonCode: '09', reason: '옵션 품절' })).toEqual([
      expect.objectContaining({ ordPrdSeq: 2, ordPrdStat: 'B01', ordCnStatCd: '02' }),
    ]);
    expect((await sync()).changesApplied).toBe(1);

    const shrunk = await waitFor(
      async () => {
        const body = await fulfillmentById(fo.id);
        return body.lines.some((line) => line.skuCode === MUG.sku) ? null : body;
      },
      { what: 'the fulfillment order shrunk', timeoutMs: 30_000 },
    );
    // The cancelled line leaves the fulfillment order: nothing of it is picked or shipped.
    expect(shrunk.status).toBe('instructed');
    expect(lineQuantities(shrunk)).toEqual([[TEE_BK.sku, 1, 1]]);
    expect(shrunk.timeline.map((entry) => entry.event)).toEqual(['instructed', 'lines_cancelled']);
    const found = await changes.order(orderId(o));
    expect(found).toMatchObject({ status: 'shipping_instructed', siteChange: { state: 'open' } });
    expect(found.lines!.map((line) => [line.externalLineId, line.quantity, line.cancelledQuantity])).toEqual([
      ['1', 1, 0],
      ['2', 2, 2],
    ]);
    expect(await level(skuId(MUG))).toMatchObject({ onHand: mugs.onHand, reserved: mugs.reserved - 2 });
    expect(await level(skuId(TEE_BK))).toMatchObject({ onHand: tees.onHand, reserved: tees.reserved });
    expect(await siteShowsAvailable(MUG)).toBe(shownMugs + 2);

    await resyncAppliesNothing(o);
    const timeline = await changes.timeline(orderId(o));
    expect(siteChanges(timeline, 'line_cancelled')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({ lines: [{ externalLineId: '2', liveQuantity: 0, before: 2 }] }),
      }),
    ]);
    expect(siteKinds(timeline)).toEqual(['line_cancelled']);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed']);

    // The waybill ships the live line: 11st takes it for the delivery (the cancelled line stays B01).
    const issued = await waybill(fo.id);
    await pushState(fo.id, 'sent');
    expect(siteLines(o).map((line) => [line.ordPrdSeq, line.ordPrdStat, line.invcNo])).toEqual([
      [1, '401', issued.label.trackingNumber],
      [2, 'B01', ''],
    ]);
  });

  it('(d) part of a line cancelled (a request for 1 of 3, held, then approved in Seller Office): the fulfillment order shrinks to 2 and resumes', async () => {
    const o = ORDERS.partial;
    const fo = (await fulfillmentOf(orderId(o)))!;
    expect(fo.lines).toEqual([expect.objectContaining({ skuCode: CITRUS.sku, orderedQuantity: 3, quantity: 3 })]);
    const citrus = (await level(skuId(CITRUS)))!;
    const shown = siteQty(CITRUS);

    expect(eleven.requestCancel(o.ordNo, 1, 1, { reason: '하나만 취소' })).toEqual([
      expect.objectContaining({ ordPrdStat: '701', ordCnStatCd: '01' }),
    ]);
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentStatus(o, 'on_hold');
    await orderStatus(o, 'on_hold');

    // Approved for its quantity: 1 of the 3 is cancelled, the line is live again at 301 with 2.
    expect(eleven.approveCancel(o.ordNo)).toEqual([
      expect.objectContaining({ ordPrdStat: '301', ordQty: 3, ordCnQty: 1, ordCnStatCd: '02' }),
    ]);
    // The line shrinks, and the hold ends.
    expect((await sync()).changesApplied).toBe(2);
    const resumed = await fulfillmentStatus(o, 'instructed');
    expect(resumed.id).toBe(fo.id);
    expect(resumed.lines).toEqual([expect.objectContaining({ skuCode: CITRUS.sku, orderedQuantity: 2, quantity: 2 })]);
    const found = await orderStatus(o, 'shipping_instructed');
    expect(found).toMatchObject({ holdReason: null, siteChange: { state: 'open' } });
    expect(found.lines!.map((line) => [line.externalLineId, line.quantity, line.cancelledQuantity])).toEqual([['1', 3, 1]]);
    expect(await level(skuId(CITRUS))).toMatchObject({ onHand: citrus.onHand, reserved: citrus.reserved - 1 });
    expect(await siteShowsAvailable(CITRUS)).toBe(shown + 1);

    await resyncAppliesNothing(o);
    const timeline = await changes.timeline(orderId(o));
    expect(siteKinds(timeline)).toEqual(['cancel_requested', 'line_cancelled', 'released']);
    expect(siteChanges(timeline, 'line_cancelled')).toEqual([
      expect.objectContaining({
        followState: 'done',
        detail: expect.objectContaining({ lines: [{ externalLineId: '1', liveQuantity: 2, before: 3 }] }),
      }),
    ]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'shipping_instructed']);
    expect(cancelApprovals()).toEqual([]);
  });

  it('a cancel request without autoCancelApproval: held and shown, no cancelreqconf sent; approved in Seller Office, it cancels', async () => {
    const o = ORDERS.requestHeld;
    const fo = (await fulfillmentOf(orderId(o)))!;
    const tees = (await level(skuId(TEE_WH)))!;
    const shown = siteQty(TEE_WH);

    eleven.requestCancel(o.ordNo, undefined, undefined, { reason: '다른 상품으로 재주문' });
    expect((await sync()).changesApplied).toBe(1);
    await fulfillmentStatus(o, 'on_hold');
    const held = await orderStatus(o, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'cancel_requested', cancelApproval: null });
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([orderId(o)]);
    await resyncAppliesNothing(o);
    expect(siteLines(o)).toEqual([expect.objectContaining({ ordPrdStat: '701' })]);
    expect(cancelApprovals()).toEqual([]);

    // The seller approves it in Seller Office by hand; the next run cancels the order.
    eleven.approveCancel(o.ordNo);
    expect((await sync()).changesApplied).toBe(1);
    const cancelled = await orderStatus(o, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', cancelApproval: null });
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    expect(await level(skuId(TEE_WH))).toMatchObject({ onHand: tees.onHand, reserved: tees.reserved - 1 });
    expect(await siteShowsAvailable(TEE_WH)).toBe(shown + 1);
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([]);
    await resyncAppliesNothing(o);
    expect(cancelApprovals()).toEqual([]);

    const timeline = await changes.timeline(orderId(o));
    expect(siteKinds(timeline)).toEqual(['cancel_requested', 'cancelled']);
    expect(siteCalls(timeline, 'cancel_approval')).toEqual([]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'cancelled']);
  });

  it('two orders sharing a dlvNo (one 11st bundle) are shipped by one reqdelivery that covers both', async () => {
    const [a, b, busy] = [ORDERS.sharedA, ORDERS.sharedB, ORDERS.busy];
    expect(a.dlvNo).toBe(b.dlvNo);
    const foA = (await fulfillmentOf(orderId(a)))!;
    const foB = (await fulfillmentOf(orderId(b)))!;
    const foBusy = (await fulfillmentOf(orderId(busy)))!;
    // Each was confirmed on 11st (reqpackaging per line); each has its own fulfillment order.
    expect(calls('ordservices/reqpackaging/').filter((r) => r.path.endsWith(`/${SHARED_DLV}`))).toHaveLength(2);

    // The tracking worker is busy with another delivery (11st answers it slowly) while both waybills are issued,
    // so both pushes wait together and go out in one call to the connector.
    eleven.faults.add({ kind: 'action', run: () => undefined, delayMs: 2_500, pathIncludes: `/reqdelivery/` });
    await waybill(foBusy.id);
    await waitFor(async () => reqdeliveries(busy.dlvNo).length === 1, { what: 'the slow reqdelivery under way' });
    const [issuedA, issuedB] = [await waybill(foA.id), await waybill(foB.id)];
    await pushState(foBusy.id, 'sent');
    await pushState(foA.id, 'sent');
    await pushState(foB.id, 'sent');

    // One reqdelivery for the bundle; 11st keeps one waybill per dlvNo, on both orders' lines.
    expect(reqdeliveries(SHARED_DLV)).toHaveLength(1);
    const shippedWith = reqdeliveries(SHARED_DLV)[0].path.split('/')[7];
    expect([issuedA.label.trackingNumber, issuedB.label.trackingNumber]).toContain(shippedWith);
    expect([...siteLines(a), ...siteLines(b)]).toEqual([
      expect.objectContaining({ ordPrdStat: '401', dlvNo: SHARED_DLV, invcNo: shippedWith }),
      expect.objectContaining({ ordPrdStat: '401', dlvNo: SHARED_DLV, invcNo: shippedWith }),
    ]);
    for (const o of [a, b]) {
      const timeline = await changes.timeline(orderId(o));
      expect(siteCalls(timeline, 'tracking')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ ok: true }) })]);
      expect(siteKinds(timeline)).toEqual([]);
      expectConfirmedAndInstructed(timeline);
    }
  });

  it('a cancel request with autoCancelApproval before the waybill: cancelreqconf once, read back, order and fulfillment cancelled, stock released', async () => {
    const patched = await t.http
      .patch(`/v1/connections/${connectionId}`)
      .set(auth())
      .send({ options: { autoCancelApproval: true } })
      .expect(200);
    expect(patched.body.options).toMatchObject({ autoCancelApproval: true, autoStockSync: true, autoOrderConfirmation: true });
    const o = ORDERS.autoApproved;
    const fo = (await fulfillmentOf(orderId(o)))!;
    const mugs = (await level(skuId(MUG)))!;
    const shown = siteQty(MUG);
    const readsBack = calls('claimservice/orderlistalladdr/').length;

    const [claim] = eleven.requestCancel(o.ordNo, undefined, undefined, { reason: '배송이 너무 늦어요' });
    expect((await sync()).changesApplied).toBe(1);
    const cancelled = await orderStatus(o, 'cancelled');
    expect(cancelled.siteChange).toMatchObject({ state: 'cancelled', cancelApproval: 'approved', cancelledAfterInstructionAt: null });
    // One cancelreqconf, for that claim and line; 11st completed the buyer's request.
    expect(cancelApprovals().map((r) => r.path)).toEqual([`/rest/claimservice/cancelreqconf/${claim.ordPrdCnSeq}/${o.ordNo}/1`]);
    expect(siteLines(o)).toEqual([expect.objectContaining({ ordPrdStat: 'B01', ordCnQty: 1 })]);
    // What the approval did was read back by order number, not assumed.
    expect(
      calls('claimservice/orderlistalladdr/')
        .slice(readsBack)
        .map((r) => r.path),
    ).toEqual([`/rest/claimservice/orderlistalladdr/${o.ordNo}`]);
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    expect(await level(skuId(MUG))).toMatchObject({ onHand: mugs.onHand, reserved: mugs.reserved - 1 });
    expect(await siteShowsAvailable(MUG)).toBe(shown + 1);

    await resyncAppliesNothing(o);
    expect(cancelApprovals()).toHaveLength(1);
    const timeline = await changes.timeline(orderId(o));
    expect(siteCalls(timeline, 'cancel_approval')).toEqual([
      expect.objectContaining({ detail: { ok: true, siteCode: '0', message: '전체 1건이 정상적으로 취소처리가 되었습니다.' } }),
    ]);
    expect(siteCalls(timeline, 'recheck')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          ok: true,
          why: 'the cancel request was approved',
          found: true,
          siteStatus: 'B01',
          changes: ['cancelled'],
        }),
      }),
    ]);
    expect(siteKinds(timeline)).toEqual(['cancel_requested', 'cancelled']);
    expect(siteChanges(timeline, 'cancelled')).toEqual([expect.objectContaining({ followState: 'done' })]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'cancelled']);
  });

  it('a cancel request with autoCancelApproval after the waybill: not approved, the order held; withdrawn, the waybill goes to 11st', async () => {
    const o = ORDERS.lateRequest;
    const fo = (await fulfillmentOf(orderId(o)))!;
    const approvalsBefore = cancelApprovals().length;
    // The waybill is issued, but 11st refuses its push once: the line is still 301, so the buyer can still ask.
    eleven.faults.add({
      kind: 'site-error',
      siteCode: '-3306',
      siteMessage: '송장번호가 택배사 규칙에 맞지 않습니다.',
      pathIncludes: `/${o.dlvNo}`,
    });
    const issued = await waybill(fo.id);
    expect((await pushState(fo.id, 'failed')).trackingPush.lastSiteCode).toBe('-3306');
    expect(siteLines(o)).toEqual([expect.objectContaining({ ordPrdStat: '301' })]);
    const reserved = (await level(skuId(TEE_WH)))!.reserved;

    eleven.requestCancel(o.ordNo, undefined, undefined, { reason: '필요 없어졌어요' });
    expect((await sync()).changesApplied).toBe(1);
    expect((await fulfillmentStatus(o, 'on_hold')).id).toBe(fo.id);
    const held = await orderStatus(o, 'on_hold');
    expect(held.siteChange).toMatchObject({ state: 'cancel_requested', cancelApproval: null });
    expect(await changes.listedWithChange('held_by_site', connectionId)).toEqual([orderId(o)]);
    expect((await level(skuId(TEE_WH)))!.reserved).toBe(reserved);
    await resyncAppliesNothing(o);
    // The parcel has its waybill: the request is not approved, the seller decides.
    expect(cancelApprovals()).toHaveLength(approvalsBefore);
    expect(siteLines(o)).toEqual([expect.objectContaining({ ordPrdStat: '701' })]);

    // The buyer withdraws; the order resumes where it was (the waybill issued), and the push goes through.
    eleven.withdrawCancel(o.ordNo);
    expect((await sync()).changesApplied).toBe(1);
    expect((await fulfillmentStatus(o, 'waybill_issued')).id).toBe(fo.id);
    const resumed = await orderStatus(o, 'shipping_instructed');
    expect(resumed.siteChange).toMatchObject({ state: 'open', cancelApproval: null, cancelledAfterInstructionAt: null });
    await t.http.post(`/v1/fulfillment-orders/${fo.id}/tracking-push/retry`).set(auth()).expect(200);
    await pushState(fo.id, 'sent');
    expect(siteLines(o)).toEqual([expect.objectContaining({ ordPrdStat: '401', invcNo: issued.label.trackingNumber })]);
    await resyncAppliesNothing(o);
    expect(cancelApprovals()).toHaveLength(approvalsBefore);

    const timeline = await changes.timeline(orderId(o));
    expect(siteKinds(timeline)).toEqual(['cancel_requested', 'released']);
    expect(siteCalls(timeline, 'cancel_approval')).toEqual([]);
    expect(siteCalls(timeline, 'tracking').map((entry) => [entry.detail.ok, entry.detail.siteCode ?? null])).toEqual([
      [false, '-3306'],
      [true, null],
    ]);
    expectConfirmedAndInstructed(timeline);
    expect(statusPath(timeline)).toEqual(['confirmed', 'shipping_instructed', 'on_hold', 'shipping_instructed']);
  });

  /**
   * Starts a sync and waits until its run shows the failure `error`: `retrying` while the queue will try again,
   * `failed` when it will not. Other passing states of the run are not the failure looked for.
   */
  async function failingSync(error: RegExp): Promise<SyncRunBody> {
    const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
    let last: SyncRunBody | undefined;
    return waitFor(
      async () => {
        last = (await t.http.get(`/v1/sync-runs/${started.body.runId}`).set(auth()).expect(200)).body;
        expect(last!.status).not.toBe('succeeded');
        return ['retrying', 'failed'].includes(last!.status) && error.test(last!.error ?? '') ? last : null;
      },
      { what: `the sync run to fail with ${error}`, timeoutMs: 60_000 },
    ).catch((failure: Error) => {
      throw new Error(`${failure.message}; the run: ${JSON.stringify(last)}`);
    });
  }

  it('an HTML block page on the change pull fails the run visibly and applies nothing; the queued retry applies the change once', async () => {
    const o = ORDERS.blocked;
    const fo = (await fulfillmentOf(orderId(o)))!;
    eleven.sellerCancel(o.ordNo, undefined, undefined, { reason: '재고 부족' });
    // The first two lists (which show the cancel) answer; the third is a block page in place of 11st's XML.
    eleven.faults.add({
      kind: 'http',
      status: 200,
      contentType: 'text/html; charset=UTF-8',
      body: '<!DOCTYPE html><html><head><title>접근이 차단되었습니다</title></head><body><h1>Access denied</h1></body></html>',
      pathIncludes: 'claimservice/withdrawcanceledorders',
    });
    const run = await failingSync(
      /^11st claimservice\/withdrawcanceledorders\/\d{12}\/\d{12} answered HTTP 200 with an HTML page, not the expected 11st XML$/,
    );
    expect(run).toMatchObject({ changesSeen: 0, changesApplied: 0 });
    expect(eleven.faults.list()).toEqual([]);
    // Nothing applied: the order, its fulfillment order and its timeline are as they were.
    expect(await changes.order(orderId(o))).toMatchObject({ status: 'shipping_instructed', siteChange: { state: 'open' } });
    expect((await fulfillmentById(fo.id)).status).toBe('instructed');
    expect(siteKinds(await changes.timeline(orderId(o)))).toEqual([]);
    expect((await t.http.get(`/v1/connections/${connectionId}`).set(auth()).expect(200)).body.status).toBe('active');

    // The queue runs it again (same run): the cursor never passed the failed window, so the cancel is applied now.
    const retried = await waitFor(
      async () => {
        const current: SyncRunBody = (await t.http.get(`/v1/sync-runs/${run.id}`).set(auth()).expect(200)).body;
        return current.status === 'succeeded' ? current : null;
      },
      { what: 'the retried run to succeed', timeoutMs: 90_000 },
    );
    expect(retried).toMatchObject({ error: null, changesApplied: 1 });
    await orderStatus(o, 'cancelled');
    expect((await fulfillmentById(fo.id)).status).toBe('cancelled');
    await resyncAppliesNothing(o);
    expect(siteKinds(await changes.timeline(orderId(o)))).toEqual(['cancelled']);
  }, 150_000);

  it('an AuthMessage -997 on the change pull fails the run, applies nothing and marks the connection auth_expired', async () => {
    const o = ORDERS.keyRefused;
    const fo = (await fulfillmentOf(orderId(o)))!;
    eleven.requestCancel(o.ordNo);
    eleven.faults.add({
      kind: 'http',
      status: 200,
      contentType: 'text/xml; charset=UTF-8',
      body: '<?xml version="1.0" encoding="UTF-8"?><AuthMessage><resultCode>-997</resultCode><message>OpenAPI 인증키가 유효하지 않습니다.</message></AuthMessage>',
      pathIncludes: 'claimservice/cancelorders',
    });
    // The key is refused on the run's first call (the change pull goes first): the connection is marked, and the run
    // fails for good (retrying cannot help until the seller enters a key) with 11st's own words, the order pull not
    // even tried.
    const listsBefore = claimListReads().length;
    const ordersBefore = calls('ordservices/').length;
    const run = await failingSync(/refused the credentials: OpenAPI 인증키가 유효하지 않습니다/);
    expect(run).toMatchObject({ status: 'failed', changesSeen: 0, changesApplied: 0 });
    expect(eleven.faults.list()).toEqual([]);
    expect(claimListReads().length - listsBefore).toBe(1);
    expect(calls('ordservices/')).toHaveLength(ordersBefore);
    const connection = (await t.http.get(`/v1/connections/${connectionId}`).set(auth()).expect(200)).body;
    expect(connection).toMatchObject({ status: 'auth_expired', lastError: 'OpenAPI 인증키가 유효하지 않습니다.' });
    // Nothing applied: the request is not seen, the order and its fulfillment go on as they were.
    expect(await changes.order(orderId(o))).toMatchObject({ status: 'shipping_instructed', siteChange: { state: 'open' } });
    expect((await fulfillmentById(fo.id)).status).toBe('instructed');
    expect(siteKinds(await changes.timeline(orderId(o)))).toEqual([]);

    // Nothing more is asked of 11st with the refused key: another sync fails at once, without a call.
    const again = await failingSync(/auth_expired/);
    expect(again).toMatchObject({ status: 'failed', changesSeen: 0, changesApplied: 0 });
    expect(claimListReads().length - listsBefore).toBe(1);
    expect(calls('ordservices/')).toHaveLength(ordersBefore);
  });
});
