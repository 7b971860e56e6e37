import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { ConnectionContext, ExternalOrder, ExternalOrderLine, ListingKey } from '../connectors/sales-site-connector';
import type { OrderSource, SiteCapabilities } from '../connectors/site-ports';
import {
  CapabilityMissingError,
  Capability,
  ConnectionUnavailableError,
  SiteAuthError,
  SiteCalls,
  type SiteConnection,
  SiteError,
  SiteRetryableError,
} from '../connections/site-calls';
import type { SyncCounts } from '../jobs/sync-runs.service';
import { EventBus } from '../events/event-bus';
import { SKU_LOOKUP, type SkuLookup } from './sku-lookup';
import { OrderWriter, type PreparedOrder, UNRECOGNIZED_STATUS_HOLD } from './order-writer';

export const ORDERS_CURSOR = 'orders';

/** A pull that must not be retried (the connection cannot work until the seller acts). */
export class PullNotPossibleError extends Error {}

/** Another worker holds this connection right now; try again later. */
export class ConnectionBusyError extends Error {}

export interface PullOutcome extends SyncCounts {
  /** orders now waiting for confirmation on the site */
  pendingConfirmation: number;
  createdIds: string[];
  /** open orders a pull of the whole collectable set no longer listed (to recheck by id) */
  vanishedIds?: string[];
}

/** Open orders left the collectable set are rechecked at most this often each (a printed NE slip stays out of it). */
const VANISHED_RECHECK_INTERVAL = '1 day';
const VANISHED_RECHECK_LIMIT = 1000;

/**
 * Reads one batch ahead: while a batch is written to the database, the next is already being
 * fetched from the site. At most two batches are held, so memory stays flat.
 */
async function* prefetchOne<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = iterator.next();
    // A failure of the prefetched call surfaces when it is awaited, not as an unhandled rejection.
    next.catch(() => undefined);
    yield current.value;
  }
}

async function* mapBatches<T, U>(source: AsyncIterable<T>, map: (item: T) => Promise<U>): AsyncIterable<U> {
  for await (const item of source) yield await map(item);
}

/** A connection's pull lock ($1: its id): a session advisory lock, held while a worker pulls it. */
const TRY_PULL_LOCK = `SELECT pg_try_advisory_lock(hashtext('orders.pull'), hashtext($1)) AS locked`;
const RELEASE_PULL_LOCK = `SELECT pg_advisory_unlock(hashtext('orders.pull'), hashtext($1))`;

/**
 * Pulls a connection's collectable orders into the database: batch by batch from the connector,
 * each batch upserted and its cursor saved in one transaction, so a crash resumes from the last
 * committed batch and a re-read writes nothing new. One worker per connection at a time, across
 * every instance, by a session advisory lock that dies with its process.
 */
@Injectable()
export class OrderIntakeService {
  private readonly logger = new Logger(OrderIntakeService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly siteCalls: SiteCalls,
    private readonly writer: OrderWriter,
    @Inject(SKU_LOOKUP) private readonly skus: SkuLookup,
    private readonly config: AppConfig,
    private readonly events: EventBus,
  ) {}

  /**
   * `onStarted` runs once this worker holds the connection's lock: a run marked running from there on is
   * truly running for as long as the lock is held (see {@link isPulling}).
   */
  async pull(
    connectionId: string,
    hooks: { onStarted?: () => Promise<void>; onProgress?: (counts: SyncCounts) => Promise<void> } = {},
  ): Promise<PullOutcome> {
    const lock = this.db.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = await lock.query(TRY_PULL_LOCK, [connectionId]);
      if (!locked) throw new ConnectionBusyError('Another worker is pulling this connection.');
      try {
        return await this.siteCalls.run(connectionId, Capability.OrderSource, async (source, ctx, connection) => {
          await hooks.onStarted?.();
          return this.pullLocked(connection, source, ctx, hooks.onProgress);
        });
      } catch (error) {
        if (error instanceof ConnectionUnavailableError) {
          throw new PullNotPossibleError(
            error.permanent
              ? 'The connection no longer exists.'
              : `The connection is ${error.state}; orders are pulled only from active connections.`,
          );
        }
        if (error instanceof CapabilityMissingError) throw new PullNotPossibleError(`${error.site} has no orders to pull.`);
        if (error instanceof SiteAuthError) {
          // siteCalls has marked the connection auth_expired: retrying cannot help until the seller signs in again.
          throw Object.assign(new PullNotPossibleError(`The site refused the credentials: ${error.siteMessage ?? error.message}`), {
            partialOutcome: (error as { partialOutcome?: PullOutcome }).partialOutcome,
          });
        }
        throw error;
      } finally {
        await lock.query(RELEASE_PULL_LOCK, [connectionId]);
      }
    } finally {
      await lock.release();
    }
  }

  private async pullLocked(
    connection: SiteConnection,
    source: OrderSource,
    context: ConnectionContext,
    onProgress?: (counts: SyncCounts) => Promise<void>,
  ): Promise<PullOutcome> {
    const outcome: PullOutcome = { seen: 0, created: 0, updated: 0, unchanged: 0, failed: 0, pendingConfirmation: 0, createdIds: [] };
    context.settings.initialLookbackDays ??= this.config.initialLookbackDays;
    const stored = await this.writer.loadCursor(this.db.manager, connection.id, ORDERS_CURSOR);
    const scope = { tenantId: connection.tenantId, connectionId: connection.id, site: connection.site };
    const seenIds = new Set<string>();
    try {
      const pulled = source.pullOrders(context, stored === null ? null : { value: stored });
      // Preparing and resolving a batch is part of what is read ahead, so that it too overlaps the previous
      // batch's write instead of following it; resolution reads mappings only, which writing orders never changes.
      const batches = prefetchOne(
        mapBatches(pulled, async (batch) => {
          const prepared = await this.prepareBatch(connection, batch.orders, (line) => source.listingKey(line));
          return { prepared, nextCursor: batch.nextCursor };
        }),
      );
      const seen = source.listsWholeCollectableSet ? seenIds : null;
      for await (const { prepared, nextCursor } of batches) {
        for (const order of prepared) seen?.add(order.externalOrderId);
        const linesChanged = await this.db.transaction(async (manager) => {
          const written = await this.writer.writeBatch(manager, scope, prepared, { missingLinesCancelled: !source.hidesLinesUnderClaim });
          // The cursor moves only with the batch it describes.
          if (nextCursor) await this.writer.saveCursor(manager, connection.id, ORDERS_CURSOR, nextCursor.value);
          outcome.seen += prepared.length;
          outcome.created += written.createdIds.length;
          outcome.updated += written.updatedIds.length;
          outcome.unchanged += written.unchanged;
          outcome.createdIds.push(...written.createdIds);
          return written.siteChangedIds;
        });
        if (linesChanged.length) {
          this.events.publish('orders.site-changed', { tenantId: connection.tenantId, connectionId: connection.id, orderIds: linesChanged });
        }
        await onProgress?.(outcome);
      }
    } catch (error) {
      if (error instanceof SiteError && !(error instanceof SiteRetryableError)) {
        this.logger.warn({ connectionId: connection.id, siteCode: error.siteCode }, 'The site refused the order pull');
      }
      throw Object.assign(error as Error, { partialOutcome: outcome });
    }
    if (source.listsWholeCollectableSet) outcome.vanishedIds = await this.vanished(connection.id, seenIds);
    const [{ pending }] = await this.db.query(
      `SELECT count(*)::int AS pending FROM orders WHERE connection_id = $1 AND confirmation_state IN ('pending', 'failed') AND status = 'new'`,
      [connection.id],
    );
    outcome.pendingConfirmation = pending;
    return outcome;
  }

  /**
   * Open orders (not instructed yet, nothing held or cancelled by the site) that a complete pull did not list, and
   * that were not rechecked lately.
   */
  private async vanished(connectionId: string, seen: ReadonlySet<string>): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT o.id FROM orders o
        WHERE o.connection_id = $1 AND o.source = 'site' AND o.status IN ('new', 'confirmed', 'on_hold') AND o.site_state = 'open'
          AND NOT (o.external_order_id = ANY($2::text[]))
          AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.source = 'site_call' AND e.kind = 'recheck'
                            AND e.created_at > now() - interval '${VANISHED_RECHECK_INTERVAL}')
        ORDER BY o.ordered_at LIMIT ${VANISHED_RECHECK_LIMIT}`,
      [connectionId, [...seen]],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Pulled orders as they are stored, their lines resolved to SKUs: for the order pull and for orders a change
   * pull brings (an NE split's new slip).
   */
  async prepareBatch(
    connection: SiteConnection,
    orders: readonly ExternalOrder[],
    listingKey: (line: ExternalOrderLine) => ListingKey = (line) => this.siteCalls.listingKey(connection.site, line),
  ): Promise<PreparedOrder[]> {
    const statuses = {
      capabilities: this.siteCalls.capabilities(connection.site),
      unconfirmed: this.siteCalls.unconfirmedStatuses(connection.site),
      collectable: this.siteCalls.collectableStatuses(connection.site),
    };
    const prepared = orders.map((order) => this.prepare(order, listingKey, statuses));
    await this.resolveSkus(connection, prepared);
    return prepared;
  }

  /** Which SKU each line sold, decided before the batch is written (one lookup for the whole batch). */
  private async resolveSkus(connection: SiteConnection, orders: PreparedOrder[]): Promise<void> {
    const lines = orders.flatMap((order) => order.lines);
    if (!lines.length) return;
    const results = await this.skus.resolve(
      connection.tenantId,
      lines.map((line) => ({
        site: connection.site,
        connectionId: connection.id,
        listingKey: line.listingKey,
        optionCode: line.optionCode,
        productCode: line.productCode,
      })),
    );
    lines.forEach((line, index) => {
      const result = results[index];
      line.skuId = result?.skuId ?? null;
      line.quantityPerUnit = result?.skuId ? (result.quantityPerUnit ?? 1) : null;
      line.resolution = result?.skuId ? result.resolution : null;
    });
  }

  /** The normalized order as it is stored, with the hash that tells a changed order from a re-read. */
  prepare(
    order: ExternalOrder,
    listingKey: (line: ExternalOrderLine) => ListingKey,
    statuses: { capabilities: SiteCapabilities; unconfirmed: readonly string[]; collectable: readonly string[] },
  ): PreparedOrder {
    const needsConfirmation = needsSiteConfirmation(statuses.capabilities, statuses.unconfirmed, order.siteStatus);
    const unrecognized = statusNotUnderstood(statuses, order.siteStatus);
    const lines = order.lines.map((line, index) => {
      const listing = listingKey(line);
      return {
        externalLineId: line.externalLineId,
        position: index + 1,
        productCode: line.productCode,
        optionCode: line.optionCode || null,
        productName: line.productName,
        optionName: line.optionName || null,
        quantity: line.quantity,
        unitPrice: line.unitPrice ?? null,
        listingKey: listing.key,
        raw: line.raw ?? null,
      };
    });
    // The hash covers what the site said, not how its lines resolve today.
    const resolvedLater = { skuId: null, quantityPerUnit: null, resolution: null };
    const content = {
      siteStatus: order.siteStatus,
      siteStatusName: order.siteStatusName ?? null,
      orderedAt: order.orderedAt.toISOString(),
      paidAt: order.paidAt?.toISOString() ?? null,
      buyer: order.buyer ?? null,
      recipient: order.recipient ?? null,
      total: order.total ?? null,
      refs: order.refs ?? {},
      lines,
    };
    return {
      externalOrderId: order.externalOrderId,
      status: unrecognized ? 'on_hold' : needsConfirmation ? 'new' : 'confirmed',
      holdReason: unrecognized ? `${UNRECOGNIZED_STATUS_HOLD} "${order.siteStatus}"; check the order on the site.` : null,
      confirmationState: needsConfirmation ? 'pending' : 'not_needed',
      siteStatus: order.siteStatus,
      siteStatusName: order.siteStatusName ?? null,
      orderedAt: order.orderedAt,
      paidAt: order.paidAt ?? null,
      buyer: order.buyer ?? null,
      recipient: order.recipient ?? null,
      totalAmount: order.total?.amount ?? null,
      currency: order.total?.currency ?? null,
      refs: order.refs ?? {},
      raw: order.raw,
      // The content is built right here in a fixed shape, from objects each connector's mapper builds
      // the same way every time, so plain JSON is a stable text to hash (no key sorting needed).
      contentHash: createHash('sha256').update(JSON.stringify(content)).digest('base64url'),
      lines: lines.map((line) => ({ ...line, ...resolvedLater })),
    };
  }
}

/**
 * On a site where confirming matters, a status that is not one of its collectable ones was not understood
 * (a new code, a parse failure): such an order is held, never taken as confirmed and shipped.
 */
export function statusNotUnderstood(
  statuses: { capabilities: SiteCapabilities; unconfirmed: readonly string[]; collectable: readonly string[] },
  siteStatus: string,
): boolean {
  return statuses.capabilities.confirm && statuses.unconfirmed.length > 0 && !statuses.collectable.includes(siteStatus);
}

/** The site has a confirm call and this order is still in the site's "new" status. */
export function needsSiteConfirmation(capabilities: SiteCapabilities, unconfirmedStatuses: readonly string[], siteStatus: string): boolean {
  return capabilities.confirm && unconfirmedStatuses.includes(siteStatus);
}
