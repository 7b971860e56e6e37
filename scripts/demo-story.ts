/**
 * The demo's console story: watches Mallbridge through its REST API and the sites through their simulators'
 * inspection state, plays the warehouse (issues waybills, ships), and records which step of the loop was seen
 * on which site for `--check`.
 */
import type { SmaregiSimulator } from '../test/simulators/smaregi';
import { Api, ApiError } from './demo-api';
import { DEMO_CARRIERS, type DemoSite } from './demo-catalog';
import { SITE_VIEWS, simState } from './demo-sites';

const STEPS = ['pulled', 'confirmed', 'fulfillment', 'waybill', 'tracking', 'shipped', 'stock'] as const;
type Step = (typeof STEPS)[number];
type Outcome = 'pass' | 'n/a' | 'skip';

/** Sites without a confirm call: NextEngine's pulled orders are confirmed already, Crossmall has none. */
const CONFIRMS: Record<DemoSite, boolean> = { nextengine: false, 'qoo10-jp': true, '11st': true, crossmall: false };

/** The Smaregi POS sale the demo rings up: レッド L is in no order of the demo, so NextEngine's change is the link's alone. */
const POS_SALE = { storeId: '1', productId: '8000002', neGoodsId: 'TSHIRT-RED-L', quantity: 1 };

/** An order as `GET /v1/orders` lists it (a summary; `GET /v1/orders/{id}` has the rest). */
interface OrderRow {
  id: string;
  source: 'site' | 'manual';
  site: DemoSite;
  externalOrderId: string;
  status: string;
  lineCount: number;
  unmapped: boolean;
  holdReason: string | null;
  recipientName: string | null;
  recipientPrefecture: string | null;
  confirmationState: string;
}

interface FulfillmentRow {
  id: string;
  orderId: string;
  site: DemoSite;
  externalOrderId: string;
  status: string;
  trigger: string;
  waybill: { carrier: string | null; trackingNumber: string | null };
  trackingPush: { state: string | null; lastError: string | null };
}

interface RunRow {
  id: string;
  connectionId: string;
  kind: string;
  status: string;
  trigger: string;
  finishedAt: string | null;
  seen: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  error: string | null;
}

export interface StoryOptions {
  api: Api;
  simUrls: Record<string, string>;
  connectionIds: Record<string, string>;
  skuIds: Map<string, string>;
  smaregi: SmaregiSimulator;
  sites: DemoSite[];
  say(line: string): void;
}

export class DemoStory {
  private readonly results = new Map<string, Outcome>();
  private readonly orders = new Map<string, OrderRow>();
  private readonly fulfillment = new Map<string, FulfillmentRow>();
  private readonly printedRuns = new Set<string>();
  private readonly confirmedOnSite = new Set<string>();
  private readonly waybillAsked = new Set<string>();
  private readonly trackingShown = new Set<string>();
  private readonly shipAsked = new Set<string>();
  private readonly stock = new Map<DemoSite, Map<string, number>>();
  private readonly neQueueSeen = new Set<number>();
  private link: { id: string; customerUrl: string; secretCode: string } | null = null;
  private linkStatus: 'missing' | 'ready' | 'sold' = 'missing';
  private linkSkipReason = '';
  private readonly started = Date.now();
  private announced = false;

  constructor(private readonly o: StoryOptions) {
    for (const site of o.sites) if (!CONFIRMS[site]) this.results.set(`${site}:confirmed`, 'n/a');
  }

  private line(site: string, text: string, onSite?: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0).padStart(3);
    this.o.say(`+${seconds}s  ${site.padEnd(10)}  ${text}${onSite ? `\n${' '.repeat(19)}↳ site: ${onSite}` : ''}`);
  }

  private pass(site: string, step: Step | 'stock-link'): void {
    if (!this.results.has(`${site}:${step}`)) this.results.set(`${site}:${step}`, 'pass');
  }

  /** Smaregi ↔ NextEngine stock link (DESIGN §7), when the stock-links module is there. */
  async setUpStockLink(): Promise<void> {
    try {
      const link = await this.o.api.post<{ id: string; customerUrl: string; secretCode: string }>('/v1/stock-links', {
        smaregiConnectionId: this.o.connectionIds.smaregi,
        nextengineConnectionId: this.o.connectionIds.nextengine,
        stockMaster: 'smaregi',
        idMatching: 'jan',
        storeId: POS_SALE.storeId,
        uploadDelaySeconds: 0,
      });
      this.link = link;
      this.linkStatus = 'ready';
      this.o.say(`  stock link smaregi → nextengine (Smaregi master, by JAN, store 1 渋谷本店); customer URL ${link.customerUrl}`);
    } catch (error) {
      this.linkSkipReason =
        error instanceof ApiError && error.status === 404
          ? 'the stock-links module is not in this build'
          : String((error as Error).message);
      this.o.say(`  stock link: SKIPPED — ${this.linkSkipReason}`);
    }
  }

  async run(options: { deadlineMs?: number; until(): boolean }): Promise<void> {
    const deadline = options.deadlineMs ? Date.now() + options.deadlineMs : Infinity;
    while (!options.until() && Date.now() < deadline) {
      const tickStarted = Date.now();
      try {
        await this.tick();
      } catch (error) {
        if (options.until()) return;
        this.line('demo', `(watcher: ${error instanceof Error ? error.message : String(error)})`);
      }
      if (this.complete() && !this.announced) {
        this.announced = true;
        if (options.deadlineMs) return;
        this.o.say(
          `\nThe full loop ran on every site in ${((Date.now() - this.started) / 1000).toFixed(0)} s. Mallbridge keeps pulling every minute; the demo stops` +
            ` playing the warehouse now — issue waybills and ship with the key above (README "Demo"). Ctrl-C stops everything.\n`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - tickStarted))));
    }
  }

  private async tick(): Promise<void> {
    const { api } = this.o;
    await this.reportRuns();
    const orders = (await api.get<{ data: OrderRow[] }>('/v1/orders?limit=200')).data;
    const fulfillment = (await api.get<{ data: FulfillmentRow[] }>('/v1/fulfillment-orders?limit=200')).data;
    const states = Object.fromEntries(
      await Promise.all(this.o.sites.map(async (site) => [site, await simState(this.o.simUrls[site])] as const)),
    ) as Record<DemoSite, any>;
    for (const order of [...orders].reverse()) await this.reportOrder(order, states[order.site]);
    for (const fo of [...fulfillment].reverse()) await this.playWarehouse(fo, states[fo.site]);
    this.reportNeQueue(states.nextengine);
    for (const site of this.o.sites) this.reportStock(site, states[site]);
    await this.ringUpPosSale(states.nextengine);
  }

  private async reportRuns(): Promise<void> {
    const runs = (await this.o.api.get<{ data: RunRow[] }>('/v1/sync-runs?limit=50')).data;
    const siteOf = new Map(Object.entries(this.o.connectionIds).map(([site, id]) => [id, site]));
    for (const run of [...runs].reverse()) {
      if (!run.finishedAt || this.printedRuns.has(run.id)) continue;
      this.printedRuns.add(run.id);
      const site = siteOf.get(run.connectionId) ?? 'unknown';
      const counts = `${run.seen} seen, ${run.created} new, ${run.updated} changed, ${run.unchanged} unchanged`;
      this.line(site, `sync run (${run.kind}, ${run.trigger}) ${run.status}: ${counts}${run.error ? ` — ${run.error}` : ''}`);
    }
  }

  private async reportOrder(order: OrderRow, state: any): Promise<void> {
    const site = order.site;
    const view = SITE_VIEWS[site];
    if (!view) return;
    const seen = this.orders.get(order.id);
    this.orders.set(order.id, order);
    const rows = view.orderRows(state, order.externalOrderId);
    const onSite = view.describe(rows);
    if (!seen) {
      this.pass(site, 'pulled');
      const where = order.recipientPrefecture ? ` in ${order.recipientPrefecture}` : '';
      const who = order.recipientName ? `, to ${order.recipientName}${where}` : '';
      const unmapped = order.unmapped ? ', some lines unmapped' : '';
      const how = order.source === 'manual' ? 'entered by hand' : 'pulled';
      this.line(
        site,
        `order ${order.externalOrderId} ${how}: ${order.lineCount} line(s)${who}${unmapped} → ${order.status}`,
        `status ${onSite.status}`,
      );
    } else if (seen.status !== order.status) {
      const why = order.holdReason ? ` (${order.holdReason})` : '';
      this.line(site, `order ${order.externalOrderId} ${seen.status} → ${order.status}${why}`);
    }
    if (CONFIRMS[site] && view.isConfirmed?.(rows) && order.confirmationState === 'confirmed' && !this.confirmedOnSite.has(order.id)) {
      this.confirmedOnSite.add(order.id);
      this.pass(site, 'confirmed');
      this.line(site, `order ${order.externalOrderId} confirmed on the site`, `status ${onSite.status}`);
    }
    if (order.confirmationState === 'failed' && !this.confirmedOnSite.has(order.id)) {
      this.confirmedOnSite.add(order.id);
      // the list shows the state; the site's words are on the order itself
      const detail = await this.o.api.get<{ confirmation: { error: string | null } }>(`/v1/orders/${order.id}`);
      this.line(site, `order ${order.externalOrderId} confirmation FAILED: ${detail.confirmation.error}`);
    }
  }

  private async playWarehouse(fo: FulfillmentRow, state: any): Promise<void> {
    const site = fo.site;
    const view = SITE_VIEWS[site];
    if (!view) return;
    const { api } = this.o;
    if (!this.fulfillment.has(fo.id)) {
      this.pass(site, 'fulfillment');
      this.line(site, `fulfillment order created for ${fo.externalOrderId} (${fo.trigger}): stock reserved`);
    }
    this.fulfillment.set(fo.id, fo);

    // Once the loop was shown the warehouse is the visitor's: waybills and shipments are theirs to make (README).
    if (fo.status === 'instructed' && !this.waybillAsked.has(fo.id) && !this.announced) {
      this.waybillAsked.add(fo.id);
      const issued = await api.post<{
        label: { trackingNumber: string; carrier: string; recipient: { name: string }; lines: { skuCode: string; quantity: number }[] };
      }>(`/v1/fulfillment-orders/${fo.id}/waybill`, { carrier: DEMO_CARRIERS[site] });
      const { label } = issued;
      this.pass(site, 'waybill');
      const items = label.lines.map((l) => `${l.skuCode}×${l.quantity}`).join(', ');
      this.line(site, `warehouse: waybill ${label.carrier} ${label.trackingNumber} printed for ${label.recipient.name} (${items})`);
      return;
    }

    const tracking = fo.waybill.trackingNumber;
    if (fo.trackingPush.state === 'sent' && tracking && !this.trackingShown.has(fo.id)) {
      const onSite = view.describe(view.orderRows(state, fo.externalOrderId));
      if (!onSite.tracking?.includes(tracking)) return; // the site's state is read before the push landed: next tick
      this.trackingShown.add(fo.id);
      this.pass(site, 'tracking');
      this.line(
        site,
        `tracking ${tracking} pushed to the site`,
        `waybill ${onSite.tracking}${onSite.carrier ? ` (${onSite.carrier})` : ''}, status ${onSite.status}`,
      );
    }
    if (fo.trackingPush.state === 'failed' && !this.trackingShown.has(fo.id)) {
      this.trackingShown.add(fo.id);
      this.line(site, `tracking push FAILED for ${fo.externalOrderId}: ${fo.trackingPush.lastError}`);
    }

    // The warehouse ships the first parcel of each site and keeps the others labelled, to show both states.
    const shippedOne = [...this.shipAsked].some((id) => this.fulfillment.get(id)?.site === site);
    if (this.trackingShown.has(fo.id) && fo.status !== 'shipped' && fo.status !== 'cancelled' && !shippedOne && !this.announced) {
      this.shipAsked.add(fo.id);
      await api.post(`/v1/fulfillment-orders/${fo.id}/ship`);
      this.pass(site, 'shipped');
      this.line(site, `warehouse: parcel ${tracking} shipped → stock leaves the warehouse, order ${fo.externalOrderId} shipped`);
    }
  }

  private reportStock(site: DemoSite, state: any): void {
    const now = SITE_VIEWS[site].stock(state);
    const before = this.stock.get(site);
    this.stock.set(site, now);
    if (!before) return;
    const changes = [...now]
      .filter(([listing, qty]) => before.get(listing) !== qty)
      .map(([listing, qty]) => `${listing} ${before.get(listing) ?? '—'} → ${qty}`);
    if (!changes.length) return;
    // NextEngine hears from two sources: Mallbridge's warehouse stock and the Smaregi link's POS sale.
    const fromLink =
      site === 'nextengine' && this.linkStatus === 'sold' ? changes.filter((c) => c.startsWith(`${POS_SALE.neGoodsId} `)) : [];
    if (fromLink.length) this.line('smaregi', 'NextEngine applied the POS sale', `NE stock ${fromLink.join(', ')}`);
    const pushed = changes.filter((c) => !fromLink.includes(c));
    if (!pushed.length) return;
    this.pass(site, 'stock');
    this.line(site, site === 'nextengine' ? 'NextEngine applied the stock upload' : 'stock pushed to the site', pushed.join(', '));
  }

  /**
   * NextEngine takes stock as a CSV upload into its queue and applies it a few seconds later, when it next
   * serves a request: the queued upload is what the site received, so it counts as the push.
   */
  private reportNeQueue(state: any): void {
    for (const job of state.queue ?? []) {
      if (this.neQueueSeen.has(job.queId)) continue;
      this.neQueueSeen.add(job.queId);
      const rows: string[] = String(job.csv ?? '')
        .trim()
        .split(/\r?\n/)
        .slice(1);
      const onSite = `que_id ${job.queId}: ${rows.join('; ')} (applied from NextEngine's queue)`;
      if (this.linkStatus === 'sold' && rows.every((row) => row.startsWith(`${POS_SALE.neGoodsId},`))) {
        this.pass('smaregi', 'stock-link');
        this.line('smaregi', 'the POS sale reached NextEngine as a stock upload (relative 在庫数)', onSite);
      } else {
        this.pass('nextengine', 'stock');
        this.line('nextengine', 'stock upload sent to NextEngine (relative 在庫数 changes)', onSite);
      }
    }
  }

  /** A few seconds in, a customer buys at the Smaregi POS: Smaregi posts the new stock to the link's customer URL. */
  private async ringUpPosSale(neState: any): Promise<void> {
    if (!this.link || this.linkStatus !== 'ready' || Date.now() - this.started < 5000) return;
    this.linkStatus = 'sold';
    const { smaregi } = this.o;
    const change = smaregi.applyStockChange({
      kind: 'sale',
      storeId: POS_SALE.storeId,
      productId: POS_SALE.productId,
      quantity: POS_SALE.quantity,
      memo: 'デモ販売',
    });
    const delivery = await smaregi.sendLegacyStockPush(this.link.customerUrl, change.legacyRows, { sncode: this.link.secretCode });
    const neBefore = SITE_VIEWS.nextengine.stock(neState).get(POS_SALE.neGoodsId);
    this.line(
      'smaregi',
      `POS sale at 渋谷本店: ${POS_SALE.neGoodsId} ×${POS_SALE.quantity} → Smaregi posted its stock to the link (HTTP ${delivery.status})`,
      `Smaregi store 1 product ${POS_SALE.productId} now ${smaregi.getStock(POS_SALE.storeId, POS_SALE.productId)}; NextEngine still ${neBefore}`,
    );
    // The flush waits for NextEngine's upload; the story goes on meanwhile.
    void this.o.api
      .post<{ processed: number; upload: { status: string; uploaded: number } | null; continuesInBackground: boolean }>(
        `/v1/stock-links/${this.link.id}/flush`,
      )
      .then((flushed) =>
        this.line(
          'smaregi',
          `stock link flushed: ${flushed.processed} change(s) → NextEngine upload ${flushed.upload ? `${flushed.upload.status}, ${flushed.upload.uploaded} sent` : 'none'}` +
            (flushed.continuesInBackground ? ' (the rest goes on in the background)' : ''),
        ),
      )
      .catch((error: Error) => this.line('smaregi', `stock link flush failed: ${error.message}`));
  }

  complete(): boolean {
    const sitesDone = this.o.sites.every((site) => STEPS.every((step) => this.results.has(`${site}:${step}`)));
    return sitesDone && (this.results.has('smaregi:stock-link') || this.linkStatus === 'missing');
  }

  /** The --check table; true when every step was seen on every site. */
  printSummary(): boolean {
    const say = this.o.say;
    const mark = (outcome: Outcome | undefined) => (outcome === 'pass' ? 'PASS' : outcome === 'n/a' ? 'n/a' : 'FAIL');
    say('');
    say(`Demo check after ${((Date.now() - this.started) / 1000).toFixed(0)} s:`);
    say(`  ${'site'.padEnd(11)}${STEPS.map((step) => step.padEnd(12)).join('')}`);
    let ok = true;
    for (const site of this.o.sites) {
      const cells = STEPS.map((step) => {
        const outcome = this.results.get(`${site}:${step}`);
        if (!outcome) ok = false;
        return mark(outcome).padEnd(12);
      });
      say(`  ${site.padEnd(11)}${cells.join('')}`);
    }
    if (this.linkStatus === 'missing') say(`  smaregi    stock link (POS sale → NextEngine stock): SKIPPED — ${this.linkSkipReason}`);
    else {
      const linked = this.results.has('smaregi:stock-link');
      if (!linked) ok = false;
      say(`  smaregi    stock link (POS sale → NextEngine stock): ${linked ? 'PASS' : 'FAIL'}`);
    }
    say(ok ? 'RESULT: PASS — the full loop ran on every site.' : 'RESULT: FAIL — see the steps marked FAIL above.');
    return ok;
  }
}
