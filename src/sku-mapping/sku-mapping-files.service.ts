import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { chunkedUpsert } from './bulk/chunked-upsert';
import { MAPPING_COLUMNS, MAPPING_REQUIRED, type PlannedMapping, planMappingImport } from './bulk/mapping-import';
import { ImportRowsProblem, type RowError } from './bulk/row-error';
import { readTable, type TabularFormat, toRecords, writeTable } from './bulk/tabular-file';
import { SkuMappingsService } from './sku-mappings.service';
import type { ExportSkuMappingsQuery } from './sku-mappings.dto';
import type { ImportResultDto } from './skus.dto';

const UPSERT_MAPPINGS = `
  INSERT INTO sku_mappings (tenant_id, site, connection_id, listing_key, sku_id, quantity_per_unit)
  SELECT $1, u.site, u.connection_id, u.listing_key, u.sku_id, u.quantity_per_unit
    FROM unnest($2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::int[]) AS u(site, connection_id, listing_key, sku_id, quantity_per_unit)
  ON CONFLICT (tenant_id, site, listing_key, (COALESCE(connection_id, '00000000-0000-0000-0000-000000000000'::uuid))) DO UPDATE
     SET sku_id = EXCLUDED.sku_id, quantity_per_unit = EXCLUDED.quantity_per_unit, updated_at = now()
   WHERE (sku_mappings.sku_id, sku_mappings.quantity_per_unit) IS DISTINCT FROM (EXCLUDED.sku_id, EXCLUDED.quantity_per_unit)
  RETURNING (xmax = 0) AS inserted`;

export interface ExportedFile {
  content: Buffer;
  contentType: string;
  fileName: string;
}

/** Mappings in and out as CSV/XLSX; the export writes exactly the columns the import reads. */
@Injectable()
export class SkuMappingFilesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mappings: SkuMappingsService,
  ) {}

  async import(tenantId: string, content: Buffer): Promise<ImportResultDto> {
    const { records, errors: headerErrors } = toRecords(await readTable(content), MAPPING_COLUMNS, MAPPING_REQUIRED);
    if (headerErrors.length) throw new ImportRowsProblem(headerErrors);
    const plan = planMappingImport(records);
    const { skuIds, errors: referenceErrors } = await this.checkReferences(tenantId, plan.mappings);
    const errors = [...plan.errors, ...referenceErrors];
    if (errors.length) throw new ImportRowsProblem(errors);

    const counts = await this.db.transaction((manager) =>
      chunkedUpsert(manager, UPSERT_MAPPINGS, [tenantId], plan.mappings, (chunk) => [
        chunk.map((mapping) => mapping.site),
        chunk.map((mapping) => mapping.connectionId),
        chunk.map((mapping) => mapping.listingKey),
        chunk.map((mapping) => skuIds.get(mapping.skuCode)!),
        chunk.map((mapping) => mapping.quantityPerUnit),
      ]),
    );
    if (counts.created || counts.updated) this.mappings.changed(tenantId);
    return { rows: records.length, ...counts, unchanged: plan.mappings.length - counts.created - counts.updated };
  }

  async export(tenantId: string, format: TabularFormat, filter: Omit<ExportSkuMappingsQuery, 'format'>): Promise<ExportedFile> {
    const rows: { site: string; connection_id: string | null; listing_key: string; sku_code: string; quantity_per_unit: number }[] = await this.db.query(
      `SELECT m.site, m.connection_id, m.listing_key, s.code AS sku_code, m.quantity_per_unit
         FROM sku_mappings m JOIN skus s ON s.id = m.sku_id
        WHERE m.tenant_id = $1 AND ($2::text IS NULL OR m.site = $2) AND ($3::uuid IS NULL OR m.connection_id = $3)
        ORDER BY m.site, m.connection_id NULLS FIRST, m.listing_key`,
      [tenantId, filter.site ?? null, filter.connectionId ?? null],
    );
    const table = rows.map((row) => [row.site, row.connection_id ?? '', row.listing_key, row.sku_code, String(row.quantity_per_unit)]);
    const content = await writeTable(format, MAPPING_COLUMNS, table, 'sku-mappings');
    return format === 'csv'
      ? { content, contentType: 'text/csv; charset=utf-8', fileName: 'sku-mappings.csv' }
      : { content, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: 'sku-mappings.xlsx' };
  }

  /** SKU codes must name a SKU of this tenant that can be sold (not a product with options); connections must be the tenant's, on the row's site. */
  private async checkReferences(tenantId: string, mappings: PlannedMapping[]): Promise<{ skuIds: Map<string, string>; errors: RowError[] }> {
    const errors: RowError[] = [];
    const codes = [...new Set(mappings.map((mapping) => mapping.skuCode))];
    const skus: { id: string; code: string; has_options: boolean }[] = codes.length
      ? await this.db.query(
          `SELECT s.id, s.code, EXISTS (SELECT 1 FROM skus o WHERE o.parent_id = s.id) AS has_options
             FROM skus s WHERE s.tenant_id = $1 AND s.code = ANY($2::text[])`,
          [tenantId, codes],
        )
      : [];
    const byCode = new Map(skus.map((sku) => [sku.code, sku]));
    const checkConnection = this.mappings.connectionCheck(tenantId);
    for (const mapping of mappings) {
      const sku = byCode.get(mapping.skuCode);
      if (!sku) errors.push({ row: mapping.row, field: 'sku_code', message: `no SKU has the code "${mapping.skuCode}"` });
      else if (sku.has_options) errors.push({ row: mapping.row, field: 'sku_code', message: `SKU "${mapping.skuCode}" has options; map the listing to one of them` });
      if (mapping.connectionId) {
        const problem = await checkConnection(mapping.connectionId, mapping.site);
        if (problem) errors.push({ row: mapping.row, field: 'connection_id', message: problem });
      }
    }
    return { skuIds: new Map(skus.map((sku) => [sku.code, sku.id])), errors };
  }
}
