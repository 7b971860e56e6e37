import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Capability, SiteError } from '../connections/site-calls';
import type { ConnectionContext, ExternalOrder } from '../connectors/sales-site-connector';
import { LinkConnectionError, LinkSites } from './link-sites';
import { StockCodeResolver } from './stock-code-resolver';
import type { StockLink } from './stock-link.entity';
import { StockLinksService } from './stock-links.service';

export interface ShipmentImportResult {
  registered: number;
  failed: number;
}

/**
 * NextEngine orders registered in Smaregi as shipments from the link's store (Smaregi master, DESIGN §7),
 * so Smaregi subtracts what NextEngine sold. Once per NE order: a row per (link, order) is claimed before
 * the Smaregi call. The shipped quantities are remembered as the bridge's own pending change, so when
 * Smaregi reports the shipment back it is not subtracted from NextEngine a second time.
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

  /** Must run under the link's lock: it moves the baselines' own-pending amounts. */
  async importOrders(link: StockLink, today: Date): Promise<ShipmentImportResult> {
    const result: ShipmentImportResult = { registered: 0, failed: 0 };
    if (!link.shipmentsEnabled || !link.shipmentContractId || !link.shipmentStoreId) return result;
    // Both connections must be usable before any NE order is read (a link error otherwise, retried later).
    await this.sites.assertUsable(link);
    await this.sites.nextEngine(link, Capability.OrderSource, async (nextEngine, neContext) => {
      for await (const batch of nextEngine.pullOrders(neContext, null)) {
        const ids = batch.orders.map((order) => order.externalOrderId);
        if (ids.length === 0) continue;
        const done = new Set(
          (
            (await this.db.query(
              `SELECT nextengine_order_id AS id FROM stock_link_shipments WHERE link_id = $1 AND nextengine_order_id = ANY($2) AND status <> 'failed'`,
              [link.id, ids],
            )) as Array<{ id: string }>
          ).map((row) => row.id),
        );
        const todo = batch.orders.filter((order) => !done.has(order.externalOrderId));
        if (todo.length === 0) continue;
        const resolved = await this.codes.toSmaregi(
          link,
          todo.flatMap((order) => order.lines.map((line) => line.productCode)),
        );
        for (const order of todo) {
          const outcome = await this.registerOne(link, order, resolved, today);
          if (outcome) result.registered += 1;
          else result.failed += 1;
        }
      }
    });
    return result;
  }

  private async registerOne(
    link: StockLink,
    order: ExternalOrder,
    resolved: Map<string, { ok: true; code: string } | { ok: false; reason: string }>,
    today: Date,
  ): Promise<boolean> {
    const quantities = new Map<string, number>();
    const problems: string[] = [];
    for (const line of order.lines) {
      const resolution = resolved.get(line.productCode);
      if (!resolution?.ok) problems.push(resolution?.reason ?? `no Smaregi product for NextEngine goods ${line.productCode}`);
      else if (line.quantity > 0) quantities.set(resolution.code, (quantities.get(resolution.code) ?? 0) + line.quantity);
    }
    const claimed = (await this.db.query(
      `INSERT INTO stock_link_shipments (link_id, nextengine_order_id, status) VALUES ($1, $2, 'registering')
       ON CONFLICT (link_id, nextengine_order_id) DO UPDATE SET status = 'registering', error = NULL, updated_at = now()
         WHERE stock_link_shipments.status = 'failed'
       RETURNING nextengine_order_id`,
      [link.id, order.externalOrderId],
    )) as unknown[];
    if (claimed.length === 0) return true;
    if (problems.length || quantities.size === 0) {
      await this.finish(link.id, order.externalOrderId, 'failed', null, problems.join('; ') || 'the order has no quantities to ship');
      return false;
    }
    const details = [...quantities].map(([productId, quantity]) => ({ productId, quantity }));
    try {
      const { shippingId } = await this.sites.smaregi(link, Capability.ShipmentRegistrar, (smaregi, ctx) =>
        smaregi.registerShipment(this.shipmentContext(link, ctx), {
          shippingStoreId: link.shipmentStoreId!,
          // Smaregi's shipment is a store-to-store move (spec §C.4); a sale has no receiving store, so the
          // shipping store is named on both sides and the move is never received (UNCONFIRMED usage).
          receivingStoreId: link.shipmentStoreId!,
          shippingDate: jstDate(today),
          memo: `NE伝票 ${order.externalOrderId}`,
          details,
        }),
      );
      await this.db.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO stock_baselines (link_id, store_id, product_id, amount, own_pending)
           SELECT $1, $2, p, 0, -q FROM unnest($3::text[], $4::bigint[]) AS t(p, q)
           ON CONFLICT (link_id, store_id, product_id) DO UPDATE SET own_pending = stock_baselines.own_pending + EXCLUDED.own_pending, updated_at = now()`,
          [link.id, link.shipmentStoreId, details.map((d) => d.productId), details.map((d) => d.quantity)],
        );
        await manager.query(
          `UPDATE stock_link_shipments SET status = 'registered', shipping_id = $3, updated_at = now() WHERE link_id = $1 AND nextengine_order_id = $2`,
          [link.id, order.externalOrderId, shippingId],
        );
      });
      return true;
    } catch (error) {
      // A connection that became unusable meanwhile is a failure of this order too, tried again on a later run,
      // never a claim left 'registering'.
      if (!(error instanceof SiteError || error instanceof LinkConnectionError)) throw error;
      this.logger.warn({ err: error, linkId: link.id, order: order.externalOrderId }, 'Shipment registration in Smaregi failed');
      await this.finish(
        link.id,
        order.externalOrderId,
        'failed',
        null,
        error instanceof SiteError ? (error.siteMessage ?? error.message) : error.message,
      );
      return false;
    }
  }

  private async finish(linkId: string, orderId: string, status: 'failed', shippingId: string | null, error: string): Promise<void> {
    await this.db.query(
      `UPDATE stock_link_shipments SET status = $3, shipping_id = $4, error = $5, updated_at = now() WHERE link_id = $1 AND nextengine_order_id = $2`,
      [linkId, orderId, status, shippingId, error],
    );
  }

  /**
   * The shipment target: the link's contract, with the Retail Business access token beside the Smaregi
   * connection's own credentials (the Platform app credentials authenticate the Platform call).
   */
  private shipmentContext(link: StockLink, smaregi: ConnectionContext): ConnectionContext {
    const token = this.links.shipmentToken(link);
    return {
      ...smaregi,
      shopId: link.shipmentContractId!,
      credentials: { ...smaregi.credentials, ...(token ? { accessToken: token } : {}) },
    };
  }
}

function jstDate(at: Date): string {
  return new Date(at.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}
