import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Capability, SiteError } from '../connections/site-calls';
import { SiteAuthError, SiteRejectedError } from '../connectors/http/site-errors';
import type { ConnectionContext } from '../connectors/sales-site-connector';
import type { ShipmentRegistrar, SoldOrder } from '../connectors/site-ports';
import { SMAREGI_CREDENTIALS } from '../connectors/smaregi/smaregi.descriptor';
import { LinkConnectionError, LinkSites } from './link-sites';
import { StockCodeResolver } from './stock-code-resolver';
import type { StockLink } from './stock-link.entity';
import { StockLinksService } from './stock-links.service';

export interface ShipmentImportResult {
  registered: number;
  reversed: number;
  failed: number;
}

/**
 * A call whose answer was lost (or a 5xx) may still be running at Smaregi: its outcome is read back by reference only
 * after this long, never at once (a read racing the call would find nothing and register a second shipment).
 */
export const SHIPMENT_SETTLE_AFTER_MS = 15_000;
/** A registration Smaregi refused (an unmapped product, a disabled 機能設定) is tried again after this long. */
const RETRY_FAILED_AFTER_MS = 5 * 60_000;
const WORK_BATCH = 200;

type ShipmentStatus = 'pending' | 'registering' | 'registered' | 'failed' | 'reversing' | 'reversed' | 'skipped';

interface ShipmentRow {
  orderId: string;
  status: ShipmentStatus;
  lines: Array<{ goodsCode: string; quantity: number; mergedFromOrderId: string | null }>;
  details: Array<{ productId: string; quantity: number }> | null;
  storeId: string | null;
  reference: string | null;
  cancelSeen: boolean;
  settleDue: boolean;
}

/** What a Smaregi call came to: done, refused (nothing happened), or unknown (settled later by reference). */
type CallOutcome<T> = { kind: 'done'; value: T } | { kind: 'refused'; error: string } | { kind: 'unknown'; error: string };

/**
 * NextEngine orders registered in Smaregi as shipments from the link's store (Smaregi master, DESIGN §7), so Smaregi
 * subtracts what NextEngine sold:
 * - read: NextEngine orders changed since the import's own cursor (`SoldOrderFeed`, a last-modified window with
 *   overlap); a confirmed order received after the import was switched on (「以降の注文分から」) is recorded once per
 *   (link, order) with its lines; a cancel seen on a later read marks it for reversal;
 * - work: each recorded order is registered through the legacy API with the link's contract id and access token,
 *   carrying a reference of ours. A call whose answer was lost stays `registering` and is settled by reading the
 *   reference back (出荷情報取得) — never registered twice; a cancelled order's shipment is taken back the same way.
 * Registered (and reversed) quantities are the bridge's own pending change (`stock_baselines.own_pending`), so when
 * Smaregi reports them back they are not sent to NextEngine, which moved its own stock already.
 * Must run under the link's lock.
 */
@Injectable()
export class NeOrderShipments {
  private readonly logger = new Logger(NeOrderShipments.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sites: LinkSites,
    private readonly links: StockLinksService,
    private readonly codes: StockCodeResolver,
  ) {}

  async importOrders(link: StockLink, now: Date): Promise<ShipmentImportResult> {
    const result: ShipmentImportResult = { registered: 0, reversed: 0, failed: 0 };
    if (!link.shipmentsEnabled || !link.shipmentContractId || !link.shipmentStoreId) return result;
    await this.sites.assertUsable(link);
    await this.readOrders(link, link.shipmentsEnabledAt ?? now);
    for (const row of await this.workRows(link.id)) {
      const outcome = await this.advance(link, row, now);
      if (outcome) result[outcome] += 1;
    }
    return result;
  }

  /** NextEngine's orders changed since the cursor, recorded batch by batch with the cursor that follows them. */
  private async readOrders(link: StockLink, since: Date): Promise<void> {
    const cursor = link.shipmentCursor ? { value: link.shipmentCursor } : null;
    await this.sites.nextEngine(link, Capability.SoldOrderFeed, async (feed, ctx) => {
      for await (const batch of feed.pullSoldOrders(ctx, cursor, since)) {
        await this.db.transaction(async (manager) => {
          await this.record(manager, link, since, batch.orders);
          await manager.query(`UPDATE stock_links SET shipment_cursor = $2 WHERE id = $1`, [link.id, batch.nextCursor.value]);
        });
      }
    });
  }

  private async record(manager: EntityManager, link: StockLink, since: Date, orders: SoldOrder[]): Promise<void> {
    // NextEngine's dates have whole seconds: an order of the switch's own second counts as after it.
    const from = Math.floor(since.getTime() / 1000) * 1000;
    const sold = orders.filter(
      (order) => order.sold && !order.cancelled && order.receivedAt !== null && order.receivedAt.getTime() >= from && order.lines.length > 0,
    );
    if (sold.length) {
      // Once per (link, order); an order not registered yet takes its lines as read now (a line edited meanwhile).
      await manager.query(
        `INSERT INTO stock_link_shipments (link_id, nextengine_order_id, status, lines, received_at, reference)
         SELECT $1, o.id, 'pending', o.lines, o.received_at, o.reference
           FROM jsonb_to_recordset($2::jsonb) AS o(id text, lines jsonb, received_at timestamptz, reference text)
         ON CONFLICT (link_id, nextengine_order_id) DO UPDATE SET lines = EXCLUDED.lines
           WHERE stock_link_shipments.status IN ('pending', 'failed')`,
        [
          link.id,
          JSON.stringify(
            sold.map((order) => ({
              id: order.externalOrderId,
              lines: order.lines,
              received_at: order.receivedAt!.toISOString(),
              reference: shipmentReference(link.id, order.externalOrderId),
            })),
          ),
        ],
      );
    }
    const cancelled = orders.filter((order) => order.cancelled).map((order) => order.externalOrderId);
    if (cancelled.length) {
      await manager.query(
        `UPDATE stock_link_shipments SET cancel_seen = true, updated_at = now()
          WHERE link_id = $1 AND nextengine_order_id = ANY($2) AND NOT cancel_seen`,
        [link.id, cancelled],
      );
    }
  }

  private async workRows(linkId: string): Promise<ShipmentRow[]> {
    return (await this.db.query(
      `SELECT nextengine_order_id AS "orderId", status, lines, details, store_id AS "storeId", reference, cancel_seen AS "cancelSeen",
              updated_at < now() - make_interval(secs => $2) AS "settleDue"
         FROM stock_link_shipments
        WHERE link_id = $1
          AND (status IN ('pending', 'registering', 'reversing')
               OR (status = 'failed' AND (cancel_seen OR updated_at < now() - make_interval(secs => $3)))
               OR (status = 'registered' AND cancel_seen))
        ORDER BY created_at LIMIT ${WORK_BATCH}`,
      [linkId, SHIPMENT_SETTLE_AFTER_MS / 1000, RETRY_FAILED_AFTER_MS / 1000],
    )) as ShipmentRow[];
  }

  /** One step for one order; what it came to, for the run's counts. */
  private async advance(link: StockLink, row: ShipmentRow, now: Date): Promise<keyof ShipmentImportResult | null> {
    const reference = row.reference ?? shipmentReference(link.id, row.orderId);
    if (row.status === 'registering' || row.status === 'reversing') {
      if (!row.settleDue) return null;
      const found = await this.call(link, (port, ctx) => port.findShipment(ctx, reference));
      if (found.kind !== 'done') return null;
      if (row.status === 'registering') {
        if (found.value) return this.registered(link, row, found.value.shipmentId).then(() => 'registered');
        // Never registered: the claim is given up and the order handled afresh.
        await this.setStatus(link.id, row.orderId, row.cancelSeen ? 'skipped' : 'pending', null);
        return row.cancelSeen ? null : this.register(link, { ...row, status: 'pending' }, reference, now);
      }
      if (!found.value) return this.reversed(link, row).then(() => 'reversed');
      return this.reverse(link, row, found.value.shipmentId);
    }
    if (row.cancelSeen) {
      if (row.status === 'registered') return this.reverseByReference(link, row, reference);
      await this.setStatus(link.id, row.orderId, 'skipped', null);
      return null;
    }
    return this.register(link, row, reference, now);
  }

  private async register(link: StockLink, row: ShipmentRow, reference: string, now: Date): Promise<keyof ShipmentImportResult | null> {
    const planned = await this.plan(link, row);
    if ('error' in planned) {
      await this.setStatus(link.id, row.orderId, 'failed', planned.error);
      return 'failed';
    }
    if (planned.details.length === 0) {
      await this.setStatus(link.id, row.orderId, 'skipped', 'every line was merged from an order registered already');
      return null;
    }
    const storeId = link.shipmentStoreId!;
    await this.db.query(
      `UPDATE stock_link_shipments SET status = 'registering', details = $3, store_id = $4, reference = $5, error = NULL,
              attempts = attempts + 1, updated_at = now()
        WHERE link_id = $1 AND nextengine_order_id = $2`,
      [link.id, row.orderId, JSON.stringify(planned.details), storeId, reference],
    );
    const outcome = await this.call(link, (port, ctx) =>
      port.registerShipment(ctx, {
        reference,
        shippingStoreId: storeId,
        shippingDate: jstDate(now),
        memo: `NE伝票 ${row.orderId}`,
        details: planned.details,
      }),
    );
    if (outcome.kind === 'done') {
      await this.registered(link, { ...row, details: planned.details, storeId }, outcome.value.shipmentId);
      return 'registered';
    }
    if (outcome.kind === 'refused') {
      await this.setStatus(link.id, row.orderId, 'failed', outcome.error);
      return 'failed';
    }
    // Left 'registering': the reference is read back once the call cannot still be running.
    await this.noteError(link.id, row.orderId, outcome.error);
    return null;
  }

  /** The order's lines as Smaregi products, without lines merged (同梱) from an order already registered here. */
  private async plan(link: StockLink, row: ShipmentRow): Promise<{ details: Array<{ productId: string; quantity: number }> } | { error: string }> {
    const mergedFrom = [...new Set(row.lines.flatMap((line) => (line.mergedFromOrderId ? [line.mergedFromOrderId] : [])))];
    const shippedElsewhere = new Set(
      mergedFrom.length
        ? (
            (await this.db.query(
              `SELECT nextengine_order_id AS id FROM stock_link_shipments
                WHERE link_id = $1 AND nextengine_order_id = ANY($2) AND status IN ('registering', 'registered', 'reversing')`,
              [link.id, mergedFrom],
            )) as Array<{ id: string }>
          ).map((r) => r.id)
        : [],
    );
    const lines = row.lines.filter((line) => !line.mergedFromOrderId || !shippedElsewhere.has(line.mergedFromOrderId));
    if (lines.length === 0) return { details: [] };
    const resolved = await this.codes.toSmaregi(
      link,
      lines.map((line) => line.goodsCode),
    );
    const quantities = new Map<string, number>();
    const problems: string[] = [];
    for (const line of lines) {
      const resolution = resolved.get(line.goodsCode);
      if (!resolution?.ok) problems.push(resolution?.reason ?? `no Smaregi product for NextEngine goods ${line.goodsCode}`);
      else quantities.set(resolution.code, (quantities.get(resolution.code) ?? 0) + line.quantity);
    }
    if (problems.length) return { error: problems.join('; ') };
    return { details: [...quantities].map(([productId, quantity]) => ({ productId, quantity })) };
  }

  private async reverseByReference(link: StockLink, row: ShipmentRow, reference: string): Promise<keyof ShipmentImportResult | null> {
    const found = await this.call(link, (port, ctx) => port.findShipment(ctx, reference));
    if (found.kind !== 'done') {
      await this.noteError(link.id, row.orderId, found.error);
      return 'failed';
    }
    if (!found.value) {
      // Gone from Smaregi already (deleted there): its stock came back, and NextEngine keeps its own.
      await this.reversed(link, row);
      return 'reversed';
    }
    return this.reverse(link, row, found.value.shipmentId);
  }

  private async reverse(link: StockLink, row: ShipmentRow, shipmentId: string): Promise<keyof ShipmentImportResult> {
    await this.setStatus(link.id, row.orderId, 'reversing', null);
    const outcome = await this.call(link, (port, ctx) => port.cancelShipment(ctx, shipmentId));
    if (outcome.kind === 'done') {
      await this.reversed(link, row);
      return 'reversed';
    }
    // Refused: still registered, tried again on a later run; unknown: 'reversing', settled by reading the reference back.
    if (outcome.kind === 'refused') await this.setStatus(link.id, row.orderId, 'registered', outcome.error);
    else await this.noteError(link.id, row.orderId, outcome.error);
    return 'failed';
  }

  private async registered(link: StockLink, row: ShipmentRow, shipmentId: string | null): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.moveOwnPending(manager, link, row, -1);
      await manager.query(
        `UPDATE stock_link_shipments SET status = 'registered', shipping_id = COALESCE($3, shipping_id), error = NULL, updated_at = now()
          WHERE link_id = $1 AND nextengine_order_id = $2`,
        [link.id, row.orderId, shipmentId],
      );
    });
  }

  private async reversed(link: StockLink, row: ShipmentRow): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.moveOwnPending(manager, link, row, 1);
      await manager.query(
        `UPDATE stock_link_shipments SET status = 'reversed', error = NULL, updated_at = now() WHERE link_id = $1 AND nextengine_order_id = $2`,
        [link.id, row.orderId],
      );
    });
  }

  /** The bridge's own change, absorbed when Smaregi reports it back: shipped out (−1) or taken back (+1). */
  private async moveOwnPending(manager: EntityManager, link: StockLink, row: ShipmentRow, sign: 1 | -1): Promise<void> {
    const details = row.details ?? [];
    if (details.length === 0) return;
    await manager.query(
      `INSERT INTO stock_baselines (link_id, store_id, product_id, amount, own_pending)
       SELECT $1, $2, p, 0, q FROM unnest($3::text[], $4::bigint[]) AS t(p, q)
       ON CONFLICT (link_id, store_id, product_id) DO UPDATE SET own_pending = stock_baselines.own_pending + EXCLUDED.own_pending, updated_at = now()`,
      [link.id, row.storeId ?? link.shipmentStoreId, details.map((d) => d.productId), details.map((d) => sign * d.quantity)],
    );
  }

  private async setStatus(linkId: string, orderId: string, status: ShipmentStatus, error: string | null | undefined): Promise<void> {
    await this.db.query(
      `UPDATE stock_link_shipments SET status = $3, error = CASE WHEN $4::boolean THEN $5 ELSE error END, updated_at = now()
        WHERE link_id = $1 AND nextengine_order_id = $2`,
      [linkId, orderId, status, error !== undefined, error ?? null],
    );
  }

  /** The outcome is unknown: the status stays, the error is shown, and the settle clock starts now. */
  private async noteError(linkId: string, orderId: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE stock_link_shipments SET error = $3, updated_at = now() WHERE link_id = $1 AND nextengine_order_id = $2`,
      [linkId, orderId, error],
    );
  }

  /**
   * A shipment call with the link's contract and token. A refused token or a disabled 機能設定 (17 出荷情報更新, 24
   * 出荷情報取得) is the link's setting, not the Smaregi connection's credentials: it is a refusal here, so the
   * connection is never marked as needing a new sign-in for it.
   */
  private async call<T>(link: StockLink, work: (port: ShipmentRegistrar, ctx: ConnectionContext) => Promise<T>): Promise<CallOutcome<T>> {
    try {
      const value = await this.sites.smaregi(link, Capability.ShipmentRegistrar, async (port, ctx) => {
        try {
          return await work(port, this.shipmentContext(link, ctx));
        } catch (error) {
          if (error instanceof SiteAuthError) {
            throw new SiteRejectedError(
              `Smaregi refused the shipment contract id, access token or permission (機能設定 17/24): ${error.message}`,
              error.siteCode,
              error.siteMessage,
            );
          }
          throw error;
        }
      });
      return { kind: 'done', value };
    } catch (error) {
      if (error instanceof LinkConnectionError) return { kind: 'refused', error: error.message };
      if (!(error instanceof SiteError)) throw error;
      const message = error.siteMessage ? `${error.message} (${error.siteMessage})` : error.message;
      this.logger.warn({ err: error, linkId: link.id }, 'Smaregi shipment call failed');
      return error instanceof SiteRejectedError ? { kind: 'refused', error: message } : { kind: 'unknown', error: message };
    }
  }

  /** The link's own contract and legacy token (Retail Business), never the connection's Platform credentials. */
  private shipmentContext(link: StockLink, smaregi: ConnectionContext): ConnectionContext {
    const token = this.links.shipmentToken(link);
    return {
      ...smaregi,
      shopId: link.shipmentContractId!,
      credentials: token ? { [SMAREGI_CREDENTIALS.accessToken]: token } : {},
    };
  }
}

/** Ours, unique per (link, order), ≤ 32 characters (the Platform `identificationNo` limit). */
export function shipmentReference(linkId: string, orderId: string): string {
  return `NE${orderId}-${linkId.replace(/-/g, '').slice(0, 8)}`.slice(0, 32);
}

function jstDate(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
