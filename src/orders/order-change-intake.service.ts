import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConflictProblem, NotFoundProblem } from '../common/problem';
import type { Address, ConnectionContext, SiteId } from '../connectors/sales-site-connector';
import type { OrderChange, OrderChangeBatch, OrderChangeSource, RecheckResult } from '../connectors/site-ports';
import { siteErrorToProblem } from '../connections/site-error.problem';
import {
  Capability,
  CapabilityMissingError,
  ConnectionUnavailableError,
  SiteCalls,
  type SiteConnection,
  SiteError,
} from '../connections/site-calls';
import { EventBus } from '../events/event-bus';
import type { SiteState } from './order.entity';
import { OrderIntakeService } from './order-intake.service';
import { OrderTimeline } from './order-timeline';
import { OrderWriter } from './order-writer';
import { readExternalRefs } from './external-refs';
import { applySiteChange, changeKey, type SiteFacts } from './site-change-rules';

export const ORDER_CHANGES_CURSOR = 'order-changes';

/** Orders read by id per call (NE takes 1000 ids, 11st 100; connectors split further when they must). */
const RECHECK_BATCH = 100;

export interface ChangeCounts {
  /** changes the site reported */
  changesSeen: number;
  /** changes that changed something here (each written once to the order's timeline) */
  changesApplied: number;
}

/** What `POST /v1/orders/{id}/recheck` found. */
export interface RecheckOutcome {
  found: boolean;
  siteStatus: string | null;
  changesApplied: number;
}

const TRY_CHANGES_LOCK = `SELECT pg_try_advisory_lock(hashtext('orders.changes'), hashtext($1)) AS locked`;
const RELEASE_CHANGES_LOCK = `SELECT pg_advisory_unlock(hashtext('orders.changes'), hashtext($1))`;

interface LockedFacts extends SiteFacts {
  id: string;
  tenantId: string;
  externalOrderId: string;
}

/**
 * The change intake (DESIGN §5a): what each site says happened to orders after we pulled them — cancels,
 * holds, line cancels, merges, splits, address edits — read since the connection's change cursor, written
 * once to each order's timeline and to the order's site facts. Each batch and its cursor commit together, so a
 * crash resumes from the last committed batch, and every change is applied at most once: a change that is
 * already true writes nothing, and one recorded before (same key) is never applied again. Fulfillment follows
 * the orders whose facts moved (`orders.site-changed`; its outbox is `order_events.follow_state`).
 */
@Injectable()
export class OrderChangeIntakeService {
  private readonly logger = new Logger(OrderChangeIntakeService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly siteCalls: SiteCalls,
    private readonly writer: OrderWriter,
    private readonly intake: OrderIntakeService,
    private readonly timeline: OrderTimeline,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  /** Whether the connection's site reports changes after intake. */
  hasChanges(site: SiteId): boolean {
    return this.siteCalls.capabilities(site).changes;
  }

  /**
   * Pulls the connection's changes since its cursor. Another worker pulling them right now answers zero counts:
   * it covers the same window.
   */
  async pull(connectionId: string, onProgress?: (counts: ChangeCounts) => Promise<void>): Promise<ChangeCounts> {
    const counts: ChangeCounts = { changesSeen: 0, changesApplied: 0 };
    const lock = this.db.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(TRY_CHANGES_LOCK, [connectionId]);
      if (!locked) return counts;
      try {
        await this.siteCalls.run(connectionId, Capability.OrderChangeSource, (source, ctx, connection) =>
          this.pullLocked(connection, source, ctx, counts, onProgress),
        );
      } catch (error) {
        throw Object.assign(error as Error, { partialChanges: counts });
      } finally {
        await lock.query(RELEASE_CHANGES_LOCK, [connectionId]);
      }
      return counts;
    } finally {
      await lock.release();
    }
  }

  private async pullLocked(
    connection: SiteConnection,
    source: OrderChangeSource,
    ctx: ConnectionContext,
    counts: ChangeCounts,
    onProgress?: (counts: ChangeCounts) => Promise<void>,
  ): Promise<void> {
    ctx.settings.initialLookbackDays ??= this.config.initialLookbackDays;
    const stored = await this.writer.loadCursor(this.db.manager, connection.id, ORDER_CHANGES_CURSOR);
    for await (const batch of source.pullChanges(ctx, stored === null ? null : { value: stored })) {
      const applied = await this.applyBatch(connection, batch, ORDER_CHANGES_CURSOR);
      counts.changesSeen += batch.changes.length;
      counts.changesApplied += applied;
      await onProgress?.(counts);
    }
  }

  /** `POST /v1/orders/{id}/recheck`: asks the site about the order now and applies what it says. */
  async recheck(tenantId: string, orderId: string): Promise<RecheckOutcome> {
    const [order]: { connection_id: string; source: string }[] = await this.db.query(
      `SELECT connection_id, source FROM orders WHERE id = $1 AND tenant_id = $2`,
      [orderId, tenantId],
    );
    if (!order) throw new NotFoundProblem('Order');
    if (order.source !== 'site') throw new ConflictProblem('manual-order', 'A manual order has no site to ask.');
    try {
      const { answers, counts } = await this.readAndApply(order.connection_id, [orderId], 'asked by the seller');
      const answer = answers.get(orderId);
      return { found: answer?.found ?? false, siteStatus: answer?.siteStatus ?? null, changesApplied: counts.changesApplied };
    } catch (error) {
      if (error instanceof CapabilityMissingError) {
        throw new ConflictProblem('recheck-not-supported', `${error.site} cannot be asked about one order.`);
      }
      if (error instanceof ConnectionUnavailableError) {
        throw new ConflictProblem('connection-unavailable', `The order's connection cannot be called: ${error.message}`);
      }
      if (error instanceof SiteError) throw siteErrorToProblem(error);
      throw error;
    }
  }

  /**
   * Orders that left the collectable set without a known reason (the order pull saw them go), read by id and
   * applied: never assumed shipped or cancelled. Each recheck goes on the order's timeline.
   */
  async recheckVanished(connectionId: string, orderIds: readonly string[]): Promise<ChangeCounts> {
    return this.recheckMany(connectionId, orderIds, 'the order left the collectable set');
  }

  /** Reads these orders by id and applies what the site says of them, each recheck on the order's timeline. */
  async recheckMany(connectionId: string, orderIds: readonly string[], why: string): Promise<ChangeCounts> {
    const counts: ChangeCounts = { changesSeen: 0, changesApplied: 0 };
    for (let start = 0; start < orderIds.length; start += RECHECK_BATCH) {
      const batch = await this.readAndApply(connectionId, orderIds.slice(start, start + RECHECK_BATCH), why);
      counts.changesSeen += batch.counts.changesSeen;
      counts.changesApplied += batch.counts.changesApplied;
    }
    return counts;
  }

  /**
   * One recheck call for these orders (by order id) and what it applied. Every order's timeline gets the call and the
   * site's answer, a failed call included (then it is thrown on).
   */
  private async readAndApply(
    connectionId: string,
    orderIds: readonly string[],
    why: string,
  ): Promise<{ answers: Map<string, RecheckResult>; counts: ChangeCounts }> {
    const refs = await readExternalRefs(this.db, orderIds);
    const ids = orderIds.filter((id) => refs.has(id));
    if (!ids.length) return { answers: new Map(), counts: { changesSeen: 0, changesApplied: 0 } };
    const [{ tenant_id: tenantId }]: { tenant_id: string }[] = await this.db.query(`SELECT tenant_id FROM connections WHERE id = $1`, [
      connectionId,
    ]);
    const counts: ChangeCounts = { changesSeen: 0, changesApplied: 0 };
    let results: RecheckResult[];
    try {
      results = await this.siteCalls.run(connectionId, Capability.OrderChangeSource, async (source, ctx, connection) => {
        const answered = await source.recheck(
          ctx,
          ids.map((id) => refs.get(id)!),
        );
        const changes = answered.flatMap((result) => result.changes);
        const orders = answered.flatMap((result) => result.orders ?? []);
        counts.changesSeen += changes.length;
        counts.changesApplied += await this.applyBatch(connection, { changes, orders, nextCursor: null }, null);
        return answered;
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.timeline.recordSiteCalls(
        null,
        ids.map((orderId) => ({ tenantId, orderId, call: 'recheck' as const, ok: false, message, detail: { why } })),
      );
      throw error;
    }
    const byExternalId = new Map(results.map((result) => [result.externalOrderId, result]));
    const answers = new Map<string, RecheckResult>();
    for (const id of ids) {
      const answer = byExternalId.get(refs.get(id)!.externalOrderId);
      if (answer) answers.set(id, answer);
    }
    await this.timeline.recordSiteCalls(
      null,
      ids.map((orderId) => {
        const answer = answers.get(orderId);
        return {
          tenantId,
          orderId,
          call: 'recheck' as const,
          ok: !!answer,
          ...(answer ? {} : { message: 'The site did not answer for this order.' }),
          detail: {
            why,
            found: answer?.found ?? null,
            siteStatus: answer?.siteStatus ?? null,
            changes: answer?.changes.map((change) => change.kind) ?? [],
            ...(ids.length === 1 ? { applied: counts.changesApplied } : {}),
          },
        };
      }),
    );
    return { answers, counts };
  }

  /**
   * Applies a batch in one transaction: the orders it brings first (written like pulled ones), then each change
   * to its order, locked; the cursor (when given) moves with it. Returns how many changes changed something.
   */
  async applyBatch(connection: SiteConnection, batch: OrderChangeBatch, cursorKind: string | null): Promise<number> {
    const scope = { tenantId: connection.tenantId, connectionId: connection.id, site: connection.site };
    const prepared = batch.orders?.length ? await this.intake.prepareBatch(connection, batch.orders) : [];
    const followed = new Set<string>();
    const applied = await this.db.transaction(async (manager) => {
      if (prepared.length) {
        const written = await this.writer.writeBatch(manager, scope, prepared, {
          missingLinesCancelled: !this.siteCalls.hidesLinesUnderClaim(connection.site),
        });
        for (const id of written.siteChangedIds) followed.add(id);
      }
      const count = await this.applyChanges(manager, connection, batch.changes, followed);
      if (cursorKind && batch.nextCursor) await this.writer.saveCursor(manager, connection.id, cursorKind, batch.nextCursor.value);
      return count;
    });
    if (followed.size) {
      this.events.publish('orders.site-changed', { tenantId: connection.tenantId, connectionId: connection.id, orderIds: [...followed] });
    }
    return applied;
  }

  private async applyChanges(
    manager: EntityManager,
    connection: SiteConnection,
    changes: readonly OrderChange[],
    followed: Set<string>,
  ): Promise<number> {
    if (!changes.length) return 0;
    const ids = [...new Set(changes.map((change) => change.externalOrderId))];
    const orders = await this.lockFacts(manager, connection.id, ids);
    let applied = 0;
    for (const change of changes) {
      const facts = orders.get(change.externalOrderId);
      if (!facts) continue; // an order we never pulled (or a manual one): not ours to change
      const update = applySiteChange(facts, change);
      if (!update) continue;
      const recorded = await this.timeline.record(manager, {
        tenantId: facts.tenantId,
        orderId: facts.id,
        source: 'site',
        kind: change.kind,
        detail: { ...update.detail, siteRef: change.siteRef },
        dedupeKey: changeKey(change),
        follow: update.follow,
        occurredAt: change.occurredAt ?? null,
      });
      if (!recorded) continue; // applied before; what is true since then stands
      await this.writeFacts(manager, facts, update);
      applied += 1;
      if (update.follow) followed.add(facts.id);
    }
    return applied;
  }

  /** The orders' site facts, locked in id order (the order every writer of orders locks them in). */
  private async lockFacts(manager: EntityManager, connectionId: string, externalIds: string[]): Promise<Map<string, LockedFacts>> {
    const rows: Array<Omit<LockedFacts, 'lines'>> = await manager.query(
      `SELECT id, tenant_id AS "tenantId", external_order_id AS "externalOrderId", site_state AS "siteState",
              site_state_reason AS "siteStateReason", cancel_request AS "cancelRequest", merged_into AS "mergedInto", recipient
         FROM orders WHERE connection_id = $1 AND external_order_id = ANY($2::text[]) AND source = 'site'
        ORDER BY id FOR UPDATE`,
      [connectionId, externalIds],
    );
    const lines: Array<{ orderId: string; id: string; externalLineId: string; quantity: number; cancelledQuantity: number }> = rows.length
      ? await manager.query(
          `SELECT order_id AS "orderId", id, external_line_id AS "externalLineId", quantity, cancelled_quantity AS "cancelledQuantity"
               FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position`,
          [rows.map((row) => row.id)],
        )
      : [];
    const byOrder = new Map<string, LockedFacts>(rows.map((row) => [row.id, { ...row, lines: [] }]));
    for (const line of lines) byOrder.get(line.orderId)?.lines.push(line);
    return new Map([...byOrder.values()].map((facts) => [facts.externalOrderId, facts]));
  }

  private async writeFacts(manager: EntityManager, facts: LockedFacts, update: ReturnType<typeof applySiteChange> & object): Promise<void> {
    if (update.siteState !== undefined) facts.siteState = update.siteState as SiteState;
    if (update.siteStateReason !== undefined) facts.siteStateReason = update.siteStateReason;
    if (update.cancelRequest !== undefined) facts.cancelRequest = update.cancelRequest;
    if (update.mergedInto !== undefined) facts.mergedInto = update.mergedInto;
    if (update.recipient !== undefined) facts.recipient = update.recipient as Address;
    await manager.query(
      `UPDATE orders SET site_state = $2, site_state_reason = $3, cancel_request = $4::jsonb, merged_into = $5,
              recipient = $6::jsonb, recipient_name = $7, updated_at = now()
        WHERE id = $1`,
      [
        facts.id,
        facts.siteState,
        facts.siteStateReason,
        facts.cancelRequest ? JSON.stringify(facts.cancelRequest) : null,
        facts.mergedInto,
        facts.recipient ? JSON.stringify(facts.recipient) : null,
        facts.recipient?.name ?? null,
      ],
    );
    if (update.cancelledQuantities?.size) {
      const entries = [...update.cancelledQuantities];
      await manager.query(
        `UPDATE order_lines l SET cancelled_quantity = u.cancelled FROM unnest($1::uuid[], $2::int[]) AS u(id, cancelled) WHERE l.id = u.id`,
        [entries.map(([id]) => id), entries.map(([, cancelled]) => cancelled)],
      );
      for (const line of facts.lines) line.cancelledQuantity = update.cancelledQuantities.get(line.id) ?? line.cancelledQuantity;
    }
  }

  /** Logged, not thrown: used where a change pull must not fail the order pull that ran before it. */
  logFailure(connectionId: string, error: unknown): void {
    this.logger.warn({ connectionId, err: error }, 'The change pull failed');
  }
}
