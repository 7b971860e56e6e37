import { DataSource } from 'typeorm';
import { NextEngineSimulator, type NeOrderSeed } from '../../simulators/nextengine';
import { startAppProcess } from '../../support/app-processes';
import { fulfillmentApi } from '../../support/fulfillment-api';
import { orderChangesApi, siteChanges, statusPath, type SyncRunBody } from '../../support/order-changes-api';
import { connectNextEngine } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';

/** NextEngine goods codes G-0 … G-6, equal to the SKU codes (code equality: no mapping needed). */
const GOODS = 7;
const STOCK_PER_SKU = 5_000;
/** What only the change pull's slip search sends (the order pull searches the status-20 work queue). */
const CHANGE_PULL_CONDITION = 'receive_order_last_modified_null_safe_date-gte';

/** A 印刷待ち slip with two rows: row 1 of 1–3 units, row 2 of 2 units. */
function slip(id: number): NeOrderSeed {
  return {
    receiveOrderId: String(id),
    shopId: '1',
    shopCutFormId: `F-${id}`,
    statusId: 20,
    printingInMinutes: -60,
    purchaser: { name: `購入者 ${id}` },
    consignee: { name: `受取人 ${id}`, address1: '東京都港区1-1' },
    rows: [
      { goodsId: `G-${id % GOODS}`, goodsName: `商品 ${id % GOODS}`, quantity: 1 + (id % 3), unitPrice: 1000 },
      { goodsId: `G-${(id + 3) % GOODS}`, goodsName: `商品 ${(id + 3) % GOODS}`, quantity: 2, unitPrice: 500 },
    ],
  };
}

const row1Units = (id: number) => 1 + (id % 3);
const ROW2_UNITS = 2;

/** Which slips NextEngine changes (by 伝票番号): cancelled (type 1), held (type 12), row 2 cancelled. */
interface ChangePlan {
  cancel: number[];
  hold: number[];
  lineCancel: number[];
}

type Expected = 'cancel' | 'hold' | 'lineCancel' | 'none';

function planFor(orders: number): ChangePlan {
  const ids = Array.from({ length: orders }, (_, i) => i + 1);
  return {
    cancel: ids.filter((id) => id % 10 === 1),
    hold: ids.filter((id) => id % 10 === 2),
    lineCancel: ids.filter((id) => id % 10 === 3),
  };
}

interface Run extends SyncRunBody {
  attempts: number;
  unchanged: number;
  finishedAt: string | null;
}

/**
 * The change pull converges under the same faults as the order pull (issue 15): 5xx, 429 with Retry-After, timeouts,
 * a reset connection, NextEngine's token expiring mid-run, NextEngine down long enough for a run to fail mid-pull,
 * slips changing while the pull walks past them, and a worker killed with SIGKILL in the middle of a change pull.
 * Whatever fails on the way, after enough runs every change NextEngine made is applied exactly once: one site entry
 * of its kind on the order's timeline, the order's site state and status right, each fulfillment order cancelled,
 * held or shrunk once, and the reservations equal to what the live fulfillment orders hold.
 *
 * The real app with workers (or worker processes), real PostgreSQL and the NextEngine simulator over HTTP, on the
 * real clock. Slips are pulled and instructed automatically (stock for every SKU), then changed on NextEngine at the
 * moment the change pull makes its first call, with the faults landing on its calls from the next one on (and on the
 * calls after it, the order pull's included: a run fails as a whole).
 */
describe('Change intake under faults (NextEngine)', () => {
  const ne = new NextEngineSimulator();
  let t: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const auth = () => ({ Authorization: `Bearer ${tenant.apiKey}` });
  const { createSku, adjust } = fulfillmentApi(() => t, auth);
  const changesApi = orderChangesApi(() => t, auth);

  async function boot(workersEnabled: boolean) {
    ne.reset();
    await ne.start();
    t = await startTestApp(syncingApp(ne.url, { workersEnabled, siteRequestTimeoutMs: 1500, siteRetryBaseDelayMs: 50 }));
    tenant = await t.createTenant('Change fault seller');
    for (let goods = 0; goods < GOODS; goods++) await adjust(await createSku(`G-${goods}`), 'receipt', STOCK_PER_SKU);
  }

  async function shutdown() {
    await t?.close();
    await ne.stop();
  }

  const db = () => t.app.get(DataSource);

  async function runOf(runId: string): Promise<Run> {
    return (await t.http.get(`/v1/sync-runs/${runId}`).set(auth()).expect(200)).body;
  }

  /** `POST /v1/connections/{id}/sync` and the run once it is over; `seen` collects every status it showed meanwhile. */
  async function syncOnce(connectionId: string, seen?: Set<string>): Promise<Run> {
    const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
    return waitFor(
      async () => {
        const run = await runOf(started.body.runId);
        seen?.add(run.status === 'retrying' ? `retrying: ${run.error}` : run.status);
        return ['succeeded', 'failed'].includes(run.status) ? run : null;
      },
      { timeoutMs: 90_000, intervalMs: 50, what: 'the sync run to finish' },
    );
  }

  /** Runs until one succeeds having written nothing: no order created or updated, no change applied. */
  async function syncUntilConverged(connectionId: string, seen?: Set<string>, maxRuns = 8): Promise<Run[]> {
    const runs: Run[] = [];
    for (let i = 0; i < maxRuns; i++) {
      const run = await syncOnce(connectionId, seen);
      runs.push(run);
      if (run.status === 'succeeded' && run.created === 0 && run.updated === 0 && run.changesApplied === 0) return runs;
    }
    throw new Error(`did not converge: ${JSON.stringify(runs)}`);
  }

  async function count(sql: string, params: unknown[]): Promise<number> {
    const [row] = await db().query(sql, params);
    return row.n;
  }

  /** Every slip pulled and instructed automatically. */
  async function allInstructed(connectionId: string, orders: number): Promise<void> {
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*)::int AS n FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id
            WHERE o.connection_id = $1 AND f.status = 'instructed' AND o.status = 'shipping_instructed'`,
          [connectionId],
        )) === orders,
      { timeoutMs: 180_000, intervalMs: 250, what: `all ${orders} orders instructed` },
    );
  }

  function applyPlan(plan: ChangePlan): void {
    for (const id of plan.cancel) ne.cancel(id);
    for (const id of plan.hold) ne.hold(id);
    for (const id of plan.lineCancel) ne.cancelLine(id, 2);
  }

  /**
   * Runs `then` when a change pull makes its first call (its slip search by last-modified), before NextEngine
   * answers it. Until then an action fault re-arms itself on every slip search (the order pull's), doing nothing.
   */
  function atChangePullStart(then: () => void): void {
    let from = ne.requests.length;
    const arm = () =>
      ne.faults.add({
        kind: 'action',
        pathIncludes: 'receiveorder_base/search',
        run: () => {
          const fresh = ne.requests.slice(from);
          from = ne.requests.length;
          const changePull = fresh.some((r) => r.path.includes('receiveorder_base/search') && r.bodyText.includes(CHANGE_PULL_CONDITION));
          if (changePull) then();
          else arm();
        },
      });
    arm();
  }

  /** Site entries (the change intake's, and the order pull's `lines_changed`) not yet followed by Fulfillment. */
  const pendingFollows = (connectionId: string) =>
    count(
      `SELECT count(*)::int AS n FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.connection_id = $1 AND e.follow_state = 'pending'`,
      [connectionId],
    );

  /** How many of the planned changes are on their orders' timelines. */
  const plannedApplied = (connectionId: string, plan: ChangePlan) =>
    count(
      `SELECT count(*)::int AS n FROM order_events e JOIN orders o ON o.id = e.order_id
        WHERE o.connection_id = $1 AND e.source = 'site'
          AND ((e.kind = 'cancelled' AND o.external_order_id = ANY($2::text[]))
            OR (e.kind = 'on_hold' AND o.external_order_id = ANY($3::text[]))
            OR (e.kind IN ('line_cancelled', 'lines_changed') AND o.external_order_id = ANY($4::text[])))`,
      [connectionId, plan.cancel.map(String), plan.hold.map(String), plan.lineCancel.map(String)],
    );

  /**
   * Every planned change applied exactly once, and nothing else: checked on the timelines (`order_events`), the
   * orders, the fulfillment orders, the stock ledger and the levels. Waits for Fulfillment to follow first.
   */
  async function expectEveryChangeAppliedOnce(connectionId: string, orders: number, plan: ChangePlan): Promise<void> {
    await waitFor(async () => (await pendingFollows(connectionId)) === 0, {
      timeoutMs: 60_000,
      what: 'Fulfillment to follow every change',
    });
    const expected = new Map<string, Expected>();
    for (let id = 1; id <= orders; id++) expected.set(String(id), 'none');
    for (const id of plan.cancel) expected.set(String(id), 'cancel');
    for (const id of plan.hold) expected.set(String(id), 'hold');
    for (const id of plan.lineCancel) expected.set(String(id), 'lineCancel');
    const wrong: string[] = [];

    // 1. the timelines: one site entry of its kind per change, none for the slips NextEngine left alone
    const entries: { id: string; kind: string; n: number }[] = await db().query(
      `SELECT o.external_order_id AS id, e.kind, count(*)::int AS n FROM order_events e JOIN orders o ON o.id = e.order_id
        WHERE o.connection_id = $1 AND e.source = 'site' GROUP BY 1, 2`,
      [connectionId],
    );
    const kinds = new Map<string, Record<string, number>>();
    for (const { id, kind, n } of entries) kinds.set(id, { ...kinds.get(id), [kind]: n });
    for (const [id, change] of expected) {
      const found = kinds.get(id) ?? {};
      const text = JSON.stringify(found);
      if (change === 'cancel' && text !== '{"cancelled":1}') wrong.push(`${id} (cancel): site entries ${text}`);
      if (change === 'hold' && text !== '{"on_hold":1}') wrong.push(`${id} (hold): site entries ${text}`);
      // A line cancel comes through the change pull (line_cancelled) or, when a later run's order pull re-lists the
      // slip with one row less before the change pull applied it, as lines_changed: one of them, once.
      if (change === 'lineCancel' && text !== '{"line_cancelled":1}' && text !== '{"lines_changed":1}')
        wrong.push(`${id} (line): site entries ${text}`);
      if (change === 'none' && text !== '{}') wrong.push(`${id} (unchanged): site entries ${text}`);
    }

    // 2. the orders: status, site state, line 2 cancelled on the line-cancelled ones only
    const rows: { id: string; status: string; siteState: string; row2Cancelled: number; cancelledLines: number }[] = await db().query(
      `SELECT o.external_order_id AS id, o.status, o.site_state AS "siteState",
              coalesce(sum(l.cancelled_quantity) FILTER (WHERE l.external_line_id = o.external_order_id || '-2'), 0)::int AS "row2Cancelled",
              coalesce(sum(l.cancelled_quantity), 0)::int AS "cancelledLines"
         FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.connection_id = $1 GROUP BY o.id`,
      [connectionId],
    );
    if (rows.length !== orders) wrong.push(`${rows.length} orders stored, ${orders} expected`);
    const want: Record<Expected, { status: string; siteState: string }> = {
      cancel: { status: 'cancelled', siteState: 'cancelled' },
      hold: { status: 'on_hold', siteState: 'on_hold' },
      lineCancel: { status: 'shipping_instructed', siteState: 'open' },
      none: { status: 'shipping_instructed', siteState: 'open' },
    };
    for (const row of rows) {
      const change = expected.get(row.id)!;
      if (row.status !== want[change].status || row.siteState !== want[change].siteState) {
        wrong.push(`${row.id} (${change}): order ${row.status}/${row.siteState}`);
      }
      // a cancelled slip's rows are cancelled too on NextEngine, but its order was closed whole: its lines stay as pulled
      const cancelled = change === 'lineCancel' ? ROW2_UNITS : 0;
      if (row.row2Cancelled !== cancelled || row.cancelledLines !== cancelled) {
        wrong.push(`${row.id} (${change}): cancelled quantities row 2 ${row.row2Cancelled}, all ${row.cancelledLines}`);
      }
    }

    // 3. the fulfillment orders: one per order, cancelled once, held, or shrunk; each holding exactly its reservation
    const fos: {
      id: string;
      status: string;
      heldFrom: string | null;
      cancels: number;
      units: number;
      row2Units: number;
      reserved: number;
    }[] = await db().query(
      `SELECT o.external_order_id AS id, f.status, f.held_from AS "heldFrom",
              (SELECT count(*)::int FROM jsonb_array_elements(f.timeline) ev WHERE ev ->> 'event' = 'cancelled') AS cancels,
              (SELECT coalesce(sum(fl.quantity), 0)::int FROM fulfillment_order_lines fl WHERE fl.fulfillment_order_id = f.id) AS units,
              (SELECT coalesce(sum(fl.quantity), 0)::int FROM fulfillment_order_lines fl JOIN order_lines l ON l.id = fl.order_line_id
                WHERE fl.fulfillment_order_id = f.id AND l.external_line_id = o.external_order_id || '-2') AS "row2Units",
              (SELECT coalesce(sum(m.reserved_delta), 0)::int FROM inventory_movements m
                WHERE m.reference_type = 'fulfillment_order' AND m.reference_id = f.id::text) AS reserved
         FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id WHERE o.connection_id = $1`,
      [connectionId],
    );
    const perOrder = new Map<string, number>();
    for (const fo of fos) perOrder.set(fo.id, (perOrder.get(fo.id) ?? 0) + 1);
    for (const [id, n] of perOrder) if (n !== 1) wrong.push(`${id}: ${n} fulfillment orders`);
    if (perOrder.size !== orders) wrong.push(`${perOrder.size} orders with a fulfillment order, ${orders} expected`);
    for (const fo of fos) {
      const change = expected.get(fo.id)!;
      const id = Number(fo.id);
      const shape = JSON.stringify({
        status: fo.status,
        heldFrom: fo.heldFrom,
        cancels: fo.cancels,
        row2Units: fo.row2Units,
        reserved: fo.reserved,
      });
      const live = { cancels: 0, reserved: fo.units };
      const wanted =
        change === 'cancel'
          ? { status: 'cancelled', heldFrom: null, cancels: 1, row2Units: ROW2_UNITS, reserved: 0 }
          : change === 'hold'
            ? { status: 'on_hold', heldFrom: 'instructed', ...live, row2Units: ROW2_UNITS }
            : change === 'lineCancel'
              ? { status: 'instructed', heldFrom: null, ...live, row2Units: 0 }
              : { status: 'instructed', heldFrom: null, ...live, row2Units: ROW2_UNITS };
      if (
        shape !==
        JSON.stringify({
          status: wanted.status,
          heldFrom: wanted.heldFrom,
          cancels: wanted.cancels,
          row2Units: wanted.row2Units,
          reserved: wanted.reserved,
        })
      ) {
        wrong.push(`${fo.id} (${change}): fulfillment order ${shape}`);
      }
      const units = row1Units(id) + (change === 'lineCancel' ? 0 : ROW2_UNITS);
      if (fo.units !== units) wrong.push(`${fo.id} (${change}): fulfillment order holds ${fo.units} units, ${units} expected`);
    }

    // 4. the levels: reserved = what the live fulfillment orders hold = the ledger's sum; nothing left the warehouse
    const levels: { code: string; onHand: number; reserved: number; live: number; ledgerReserved: number; ledgerOnHand: number }[] =
      await db().query(
        `SELECT s.code, lv.on_hand AS "onHand", lv.reserved,
                (SELECT coalesce(sum(fl.quantity), 0)::int FROM fulfillment_order_lines fl JOIN fulfillment_orders f ON f.id = fl.fulfillment_order_id
                  WHERE fl.sku_id = s.id AND f.status NOT IN ('cancelled', 'shipped')) AS live,
                (SELECT coalesce(sum(m.reserved_delta), 0)::int FROM inventory_movements m WHERE m.sku_id = s.id) AS "ledgerReserved",
                (SELECT coalesce(sum(m.on_hand_delta), 0)::int FROM inventory_movements m WHERE m.sku_id = s.id) AS "ledgerOnHand"
           FROM skus s JOIN inventory_levels lv ON lv.sku_id = s.id WHERE s.tenant_id = $1 ORDER BY s.code`,
        [tenant.tenantId],
      );
    expect(levels).toHaveLength(GOODS);
    for (const level of levels) {
      if (
        level.reserved !== level.live ||
        level.reserved !== level.ledgerReserved ||
        level.onHand !== STOCK_PER_SKU ||
        level.ledgerOnHand !== STOCK_PER_SKU
      ) {
        wrong.push(`${level.code}: level ${JSON.stringify(level)}`);
      }
    }
    expect(wrong.slice(0, 30)).toEqual([]);
    expect(wrong).toHaveLength(0);

    // 5. one order of each kind through the public timeline
    const orderIdOf = async (externalOrderId: number): Promise<string> =>
      (
        await db().query(`SELECT id FROM orders WHERE connection_id = $1 AND external_order_id = $2`, [
          connectionId,
          String(externalOrderId),
        ])
      )[0].id;
    const cancelled = await changesApi.timeline(await orderIdOf(plan.cancel[plan.cancel.length - 1]));
    expect(siteChanges(cancelled, 'cancelled')).toEqual([
      expect.objectContaining({ followState: 'done', detail: expect.objectContaining({ reason: expect.any(String) }) }),
    ]);
    expect(statusPath(cancelled)).toEqual(['shipping_instructed', 'cancelled']);
    const held = await changesApi.timeline(await orderIdOf(plan.hold[plan.hold.length - 1]));
    expect(siteChanges(held, 'on_hold')).toHaveLength(1);
    expect(statusPath(held)).toEqual(['shipping_instructed', 'on_hold']);
    const shrunk = await changesApi.timeline(await orderIdOf(plan.lineCancel[plan.lineCancel.length - 1]));
    expect([...siteChanges(shrunk, 'line_cancelled'), ...siteChanges(shrunk, 'lines_changed')]).toHaveLength(1);
    expect(statusPath(shrunk)).toEqual(['shipping_instructed']);
  }

  describe('5xx, 429 with Retry-After, timeouts, a reset, token expiry, an outage and slips changing while paging', () => {
    beforeAll(() => boot(true));
    afterAll(shutdown);

    it('converges with every change applied exactly once', async () => {
      const orders = 1500;
      for (let id = 1; id <= orders; id++) ne.addOrder(slip(id));
      const connectionId = await connectNextEngine(t, ne, tenant.apiKey, { options: { autoFulfillmentShippingInstruction: true } });

      // Intake: the first change pull looks back over every slip (none held yet, all valid) and applies nothing.
      const first = await syncOnce(connectionId);
      expect(first).toMatchObject({ status: 'succeeded', created: orders, changesApplied: 0 });
      expect(first.changesSeen).toBeGreaterThanOrEqual(orders);
      await allInstructed(connectionId, orders);

      const plan = planFor(orders);
      // Slips on the change pull's first page, cancelled while it reads its second: it read them as valid.
      const cancelledWhilePaging = Array.from({ length: 20 }, (_, i) => 10 * i + 4);
      atChangePullStart(() => {
        applyPlan(plan);
        // From the change pull's next call on:
        ne.faults.add({ kind: 'http', pathIncludes: 'receiveorder_row/search', status: 503, body: 'maintenance' });
        ne.faults.add({ kind: 'site-error', pathIncludes: 'system_canceltype/info' }); // NextEngine overloaded
        ne.faults.add({ kind: 'timeout', pathIncludes: 'receiveorder_base/search' });
        ne.faults.add({
          kind: 'action',
          pathIncludes: 'receiveorder_base/search',
          run: () => {
            for (const id of cancelledWhilePaging) ne.cancel(id);
          },
        });
        ne.faults.add({
          kind: 'http',
          pathIncludes: 'receiveorder_row/search',
          afterCalls: 2,
          status: 429,
          headers: { 'Retry-After': '1' },
          body: 'slow down',
        });
        ne.faults.add({ kind: 'action', pathIncludes: 'receiveorder_row/search', afterCalls: 3, action: 'expireAccessToken' });
        ne.faults.add({ kind: 'reset', pathIncludes: 'receiveorder_row/search', afterCalls: 5 });
        // NextEngine down for longer than the client retries: the run fails mid-pull and is run again.
        ne.faults.add({ kind: 'http', pathIncludes: 'receiveorder_row/search', afterCalls: 8, status: 502, body: 'bad gateway', times: 4 });
      });

      const statuses = new Set<string>();
      const runs = await syncUntilConverged(connectionId, statuses);
      expect(ne.faults.list()).toEqual([]); // the trigger fired and every fault was hit

      // The outage failed a run, which was retried from its last committed batch.
      expect([...statuses].some((status) => /^retrying: .*502/.test(status))).toBe(true);
      expect(runs[0].attempts).toBeGreaterThanOrEqual(2);
      expect(runs.reduce((sum, run) => sum + run.changesApplied, 0)).toBeGreaterThan(0);
      const last = runs[runs.length - 1];
      expect(last).toMatchObject({ status: 'succeeded', created: 0, updated: 0, changesApplied: 0 });
      // the last run read the changed slips again (the cursor's overlap) and applied nothing
      expect(last.changesSeen).toBeGreaterThan(0);

      await expectEveryChangeAppliedOnce(connectionId, orders, {
        ...plan,
        cancel: [...plan.cancel, ...cancelledWhilePaging].sort((a, b) => a - b),
      });

      // the token rotated mid-run was stored: the connection still works
      const test = await t.http.post(`/v1/connections/${connectionId}/test`).set(auth()).expect(200);
      expect(test.body.ok).toBe(true);

      // No live run was ever shown as abandoned (the worker's tick looks for runs no process holds any more).
      expect([...statuses].filter((status) => /process running this sync stopped/.test(status))).toEqual([]);
    }, 300_000);
  });

  describe('a worker killed in the middle of a change pull', () => {
    beforeAll(() => boot(false));
    afterAll(shutdown);

    it('is resumed by another process, every change applied exactly once', async () => {
      const orders = 1200;
      for (let id = 1; id <= orders; id++) ne.addOrder(slip(id));
      const connectionId = await connectNextEngine(t, ne, tenant.apiKey, { options: { autoFulfillmentShippingInstruction: true } });
      const plan = planFor(orders);
      const planned = plan.cancel.length + plan.hold.length + plan.lineCancel.length;

      const first = await startAppProcess(t);
      let second: Awaited<ReturnType<typeof startAppProcess>> | undefined;
      try {
        const intake = await syncOnce(connectionId);
        expect(intake).toMatchObject({ status: 'succeeded', created: orders, changesApplied: 0 });
        await allInstructed(connectionId, orders);

        // Slow every order call down, so the change pull is surely in the middle when the worker dies; NextEngine
        // changes the slips when the change pull starts.
        let from = ne.requests.length;
        let changed = false;
        ne.faults.add({
          kind: 'action',
          pathIncludes: 'receiveorder_',
          delayMs: 400,
          times: 1_000_000,
          run: () => {
            const fresh = ne.requests.slice(from);
            from = ne.requests.length;
            if (!changed && fresh.some((r) => r.bodyText.includes(CHANGE_PULL_CONDITION))) {
              changed = true;
              applyPlan(plan);
            }
          },
        });
        const started = await t.http.post(`/v1/connections/${connectionId}/sync`).set(auth()).expect(202);
        // The change pull's first batch (slips 1–1000) committed: the kill lands before its second (1001–1200).
        await waitFor(async () => (await plannedApplied(connectionId, plan)) > 0, {
          timeoutMs: 90_000,
          intervalMs: 25,
          what: 'the change pull to commit its first batch',
        });
        const atKill = await runOf(started.body.runId);
        await first.kill();
        expect(changed).toBe(true);
        expect(atKill.finishedAt).toBeNull();
        const partial = await plannedApplied(connectionId, plan);
        expect(partial).toBeGreaterThan(0);
        expect(partial).toBeLessThan(planned);

        ne.faults.clear();
        second = await startAppProcess(t);
        const runs = await syncUntilConverged(connectionId);
        expect(runs[0].status).toBe('succeeded');
        expect(runs[runs.length - 1]).toMatchObject({ created: 0, updated: 0, changesApplied: 0 });
        await expectEveryChangeAppliedOnce(connectionId, orders, plan);

        // The killed run: shown as running while its worker was on it (in its change pull), and once no process holds
        // it any more, shown as such by the surviving process (as for a worker killed in the order pull) instead of
        // staying as it was until the queue expires its job (30 minutes).
        const killed = await waitFor(
          async () => {
            const run = await runOf(started.body.runId);
            return ['queued', 'running'].includes(run.status) ? null : run;
          },
          { timeoutMs: 10_000, what: 'the killed run no longer shown as live' },
        ).catch(() => runOf(started.body.runId));
        expect({ atKill: atKill.status, afterwards: { status: killed.status, error: killed.error } }).toEqual({
          atKill: 'running',
          afterwards: { status: 'retrying', error: expect.stringMatching(/process running this sync stopped/) },
        });
      } finally {
        if (first.child.exitCode === null && first.child.signalCode === null) await first.stop();
        await second?.stop();
      }
    }, 300_000);
  });
});
