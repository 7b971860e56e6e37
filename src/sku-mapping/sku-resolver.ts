import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { siteCode } from './site-codes';
import { candidateCodes, type LineResolution, type MappingCandidate, type ResolveLine, resolveLines } from './sku-resolution';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Order lines → SKUs, for the modules that take orders in. Two queries for any number of lines: the
 * mappings for all listing keys at once, then the SKU codes for the lines no mapping covers.
 */
@Injectable()
export class SkuResolver {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One answer per line, in the same order. */
  async resolve(tenantId: string, lines: readonly ResolveLine[]): Promise<LineResolution[]> {
    if (lines.length === 0) return [];
    const mappings = await this.findMappings(tenantId, lines);
    const byMapping = resolveLines(lines, mappings, new Map());
    const codes = new Set<string>();
    lines.forEach((line, index) => {
      if (byMapping[index].resolution === null) for (const code of candidateCodes(line)) codes.add(code);
    });
    if (codes.size === 0) return byMapping;
    return resolveLines(lines, mappings, await this.findSkuIdsByCode(tenantId, [...codes]));
  }

  private async findMappings(tenantId: string, lines: readonly ResolveLine[]): Promise<MappingCandidate[]> {
    const keys = new Map<string, [string, string]>();
    for (const line of lines) {
      const listingKey = siteCode(line.site, line.listingKey);
      keys.set(JSON.stringify([line.site, listingKey]), [line.site, listingKey]);
    }
    const connectionIds = [...new Set(lines.map((line) => line.connectionId).filter((id): id is string => !!id && UUID.test(id)))];
    const rows: { site: string; connection_id: string | null; listing_key: string; sku_id: string; quantity_per_unit: number }[] = await this.db.query(
      `SELECT m.site, m.connection_id, m.listing_key, m.sku_id, m.quantity_per_unit
         FROM sku_mappings m
         JOIN unnest($2::text[], $3::text[]) AS k(site, listing_key) ON m.site = k.site AND m.listing_key = k.listing_key
        WHERE m.tenant_id = $1 AND (m.connection_id IS NULL OR m.connection_id = ANY($4::uuid[]))`,
      [tenantId, [...keys.values()].map(([site]) => site), [...keys.values()].map(([, key]) => key), connectionIds],
    );
    return rows.map((row) => ({
      site: row.site,
      connectionId: row.connection_id,
      listingKey: row.listing_key,
      skuId: row.sku_id,
      quantityPerUnit: row.quantity_per_unit,
    }));
  }

  /** Code equality never picks a product that has options: which option was sold would be a guess. */
  private async findSkuIdsByCode(tenantId: string, codes: string[]): Promise<Map<string, string>> {
    const rows: { id: string; code: string }[] = await this.db.query(
      `SELECT s.id, s.code FROM skus s
        WHERE s.tenant_id = $1 AND s.code = ANY($2::text[])
          AND NOT EXISTS (SELECT 1 FROM skus o WHERE o.parent_id = s.id)`,
      [tenantId, codes],
    );
    return new Map(rows.map((row) => [row.code, row.id]));
  }
}
