import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SKU_LOOKUP, type SkuLookup } from './sku-lookup';

interface UnresolvedLine {
  id: string;
  order_id: string;
  site: string;
  connection_id: string;
  listing_key: string;
  option_code: string | null;
  product_code: string;
}

/**
 * Resolves order lines to SKUs and keeps each order's count of unmapped lines, which is what
 * holds an order out of fulfillment and feeds the unmapped queue.
 */
@Injectable()
export class LineResolutionService {
  constructor(@Inject(SKU_LOOKUP) private readonly skus: SkuLookup) {}

  /** Resolve the unresolved lines of these orders (all of a tenant's waiting orders when `orderIds` is null). */
  async resolve(
    manager: EntityManager,
    tenantId: string,
    orderIds: string[] | null,
  ): Promise<{ resolvedLines: number; ordersTouched: string[] }> {
    const lines: UnresolvedLine[] = await manager.query(
      `SELECT l.id, l.order_id, o.site, o.connection_id, l.listing_key, l.option_code, l.product_code
       FROM order_lines l JOIN orders o ON o.id = l.order_id
       WHERE l.tenant_id = $1 AND l.sku_id IS NULL AND o.tenant_id = $1
         AND ($2::uuid[] IS NULL OR l.order_id = ANY($2::uuid[]))
         AND o.status NOT IN ('shipped', 'cancelled')`,
      [tenantId, orderIds],
    );
    const touched = new Set<string>(orderIds ?? []);
    let resolvedLines = 0;
    if (lines.length) {
      const results = await this.skus.resolve(
        tenantId,
        lines.map((line) => ({
          site: line.site as never,
          connectionId: line.connection_id,
          listingKey: line.listing_key,
          optionCode: line.option_code,
          productCode: line.product_code,
        })),
      );
      const resolved = lines.map((line, index) => ({ line, result: results[index] })).filter(({ result }) => result?.skuId);
      if (resolved.length) {
        await manager.query(
          `UPDATE order_lines l SET sku_id = r.sku_id, quantity_per_unit = r.qpu, resolution = r.resolution
           FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[]) AS r(id, sku_id, qpu, resolution)
           WHERE l.id = r.id AND l.tenant_id = $5`,
          [
            resolved.map(({ line }) => line.id),
            resolved.map(({ result }) => result.skuId),
            resolved.map(({ result }) => result.quantityPerUnit ?? 1),
            resolved.map(({ result }) => result.resolution),
            tenantId,
          ],
        );
        resolvedLines = resolved.length;
      }
      for (const line of lines) touched.add(line.order_id);
    }
    if (touched.size) {
      await manager.query(
        `UPDATE orders o SET unmapped_line_count = (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id AND l.sku_id IS NULL)
         WHERE o.id = ANY($1::uuid[]) AND o.tenant_id = $2`,
        [[...touched], tenantId],
      );
    }
    return { resolvedLines, ordersTouched: [...touched] };
  }
}
