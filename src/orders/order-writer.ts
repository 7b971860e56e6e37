import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Address, SiteId } from '../connectors/sales-site-connector';
import type { ConfirmationState } from './order.entity';
import type { OrderStatus } from './order-state';

export interface PreparedLine {
  externalLineId: string;
  position: number;
  productCode: string;
  optionCode: string | null;
  productName: string;
  optionName: string | null;
  quantity: number;
  unitPrice: string | null;
  listingKey: string;
  raw: Record<string, unknown> | null;
  /** resolved before writing, so a batch is written once instead of inserted and then updated */
  skuId: string | null;
  quantityPerUnit: number | null;
  resolution: 'mapping' | 'code' | null;
}

export interface PreparedOrder {
  externalOrderId: string;
  status: OrderStatus;
  confirmationState: ConfirmationState;
  siteStatus: string;
  siteStatusName: string | null;
  orderedAt: Date;
  paidAt: Date | null;
  buyer: Address | null;
  recipient: Address | null;
  totalAmount: string | null;
  currency: string | null;
  refs: Record<string, unknown>;
  raw: unknown;
  contentHash: string;
  lines: PreparedLine[];
}

export function unmappedLineCount(order: PreparedOrder): number {
  return order.lines.filter((line) => line.skuId === null).length;
}

export interface BatchWriteResult {
  createdIds: string[];
  updatedIds: string[];
  unchanged: number;
}

interface Scope {
  tenantId: string;
  connectionId: string;
  site: SiteId;
}

// Parameters per statement stay well under PostgreSQL's 65,535.
const ORDER_CHUNK = 500;
const LINE_CHUNK = 1000;

const ORDER_COLUMNS = [
  'tenant_id',
  'connection_id',
  'site',
  'external_order_id',
  'source',
  'status',
  'confirmation_state',
  'site_status',
  'site_status_name',
  'ordered_at',
  'paid_at',
  'buyer',
  'recipient',
  'recipient_name',
  'total_amount',
  'currency',
  'refs',
  'raw',
  'content_hash',
  'line_count',
  'unmapped_line_count',
] as const;

const LINE_COLUMNS = [
  'tenant_id',
  'order_id',
  'position',
  'external_line_id',
  'product_code',
  'option_code',
  'product_name',
  'option_name',
  'quantity',
  'unit_price',
  'listing_key',
  'raw',
  'sku_id',
  'quantity_per_unit',
  'resolution',
] as const;

function placeholders(rows: number, columns: number, casts: Record<number, string> = {}): string {
  const out: string[] = [];
  for (let row = 0; row < rows; row++) {
    const cells: string[] = [];
    for (let column = 0; column < columns; column++) cells.push(`$${row * columns + column + 1}${casts[column] ?? ''}`);
    out.push(`(${cells.join(', ')})`);
  }
  return out.join(', ');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes pulled orders in multi-row statements. An order whose content hash did not change is not
 * touched at all (no row version, no line writes); a manual order is never overwritten by a pull.
 */
@Injectable()
export class OrderWriter {
  async writeBatch(manager: EntityManager, scope: Scope, orders: PreparedOrder[]): Promise<BatchWriteResult> {
    const result: BatchWriteResult = { createdIds: [], updatedIds: [], unchanged: 0 };
    const changed = new Map<string, PreparedOrder>();
    for (const chunk of chunks(orders, ORDER_CHUNK)) {
      const params: unknown[] = [];
      for (const order of chunk) {
        params.push(
          scope.tenantId,
          scope.connectionId,
          scope.site,
          order.externalOrderId,
          'site',
          order.status,
          order.confirmationState,
          order.siteStatus,
          order.siteStatusName,
          order.orderedAt,
          order.paidAt,
          order.buyer ? JSON.stringify(order.buyer) : null,
          order.recipient ? JSON.stringify(order.recipient) : null,
          order.recipient?.name ?? null,
          order.totalAmount,
          order.currency,
          JSON.stringify(order.refs),
          order.raw === undefined ? null : JSON.stringify(order.raw),
          order.contentHash,
          order.lines.length,
          unmappedLineCount(order),
        );
      }
      const rows: { id: string; external_order_id: string; inserted: boolean }[] = await manager.query(
        `INSERT INTO orders (${ORDER_COLUMNS.join(', ')})
         VALUES ${placeholders(chunk.length, ORDER_COLUMNS.length, { 11: '::jsonb', 12: '::jsonb', 16: '::jsonb', 17: '::jsonb' })}
         ON CONFLICT (connection_id, external_order_id) DO UPDATE SET
           site_status = EXCLUDED.site_status,
           site_status_name = EXCLUDED.site_status_name,
           ordered_at = EXCLUDED.ordered_at,
           paid_at = EXCLUDED.paid_at,
           buyer = EXCLUDED.buyer,
           recipient = EXCLUDED.recipient,
           recipient_name = EXCLUDED.recipient_name,
           total_amount = EXCLUDED.total_amount,
           currency = EXCLUDED.currency,
           refs = EXCLUDED.refs,
           raw = EXCLUDED.raw,
           content_hash = EXCLUDED.content_hash,
           line_count = EXCLUDED.line_count,
           unmapped_line_count = EXCLUDED.unmapped_line_count,
           -- confirmed on the site meanwhile (by hand, or by our own earlier call): follow it
           status = CASE WHEN orders.status = 'new' AND EXCLUDED.status = 'confirmed' THEN 'confirmed' ELSE orders.status END,
           confirmation_state = CASE
             WHEN orders.confirmation_state IN ('pending', 'failed') AND EXCLUDED.confirmation_state = 'not_needed' THEN 'confirmed'
             ELSE orders.confirmation_state END,
           updated_at = now()
         WHERE orders.source = 'site' AND orders.content_hash IS DISTINCT FROM EXCLUDED.content_hash
         RETURNING id, external_order_id, (xmax = 0) AS inserted`,
        params,
      );
      const byExternalId = new Map(chunk.map((order) => [order.externalOrderId, order]));
      for (const row of rows) {
        (row.inserted ? result.createdIds : result.updatedIds).push(row.id);
        changed.set(row.id, byExternalId.get(row.external_order_id)!);
      }
      result.unchanged += chunk.length - rows.length;
    }
    if (changed.size) await this.writeLines(manager, scope.tenantId, changed, new Set(result.updatedIds));
    return result;
  }

  private async writeLines(manager: EntityManager, tenantId: string, orders: Map<string, PreparedOrder>, updatedIds: Set<string>): Promise<void> {
    const lines: (PreparedLine & { orderId: string })[] = [];
    for (const [orderId, order] of orders) for (const line of order.lines) lines.push({ ...line, orderId });
    for (const chunk of chunks(lines, LINE_CHUNK)) {
      const params: unknown[] = [];
      for (const line of chunk) {
        params.push(
          tenantId,
          line.orderId,
          line.position,
          line.externalLineId,
          line.productCode,
          line.optionCode,
          line.productName,
          line.optionName,
          line.quantity,
          line.unitPrice,
          line.listingKey,
          line.raw ? JSON.stringify(line.raw) : null,
          line.skuId,
          line.quantityPerUnit,
          line.resolution,
        );
      }
      await manager.query(
        `INSERT INTO order_lines (${LINE_COLUMNS.join(', ')})
         VALUES ${placeholders(chunk.length, LINE_COLUMNS.length, { 11: '::jsonb', 12: '::uuid' })}
         ON CONFLICT (order_id, external_line_id) DO UPDATE SET
           position = EXCLUDED.position,
           product_code = EXCLUDED.product_code,
           option_code = EXCLUDED.option_code,
           product_name = EXCLUDED.product_name,
           option_name = EXCLUDED.option_name,
           quantity = EXCLUDED.quantity,
           unit_price = EXCLUDED.unit_price,
           raw = EXCLUDED.raw,
           listing_key = EXCLUDED.listing_key,
           sku_id = EXCLUDED.sku_id,
           quantity_per_unit = EXCLUDED.quantity_per_unit,
           resolution = EXCLUDED.resolution`,
        params,
      );
    }
    // Lines the site no longer lists for an updated order are gone (a new order has no old lines).
    if (!updatedIds.size) return;
    const kept = lines.filter((line) => updatedIds.has(line.orderId));
    await manager.query(
      `DELETE FROM order_lines l
       WHERE l.order_id = ANY($1::uuid[])
         AND (l.order_id, l.external_line_id) NOT IN (SELECT * FROM unnest($2::uuid[], $3::text[]))`,
      [[...updatedIds], kept.map((line) => line.orderId), kept.map((line) => line.externalLineId)],
    );
  }

  async saveCursor(manager: EntityManager, connectionId: string, kind: string, value: string): Promise<void> {
    await manager.query(
      `INSERT INTO sync_cursors (connection_id, kind, value, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (connection_id, kind) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [connectionId, kind, value],
    );
  }

  async loadCursor(manager: EntityManager, connectionId: string, kind: string): Promise<string | null> {
    const [row] = await manager.query(`SELECT value FROM sync_cursors WHERE connection_id = $1 AND kind = $2`, [connectionId, kind]);
    return row?.value ?? null;
  }
}
