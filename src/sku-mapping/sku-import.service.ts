import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { chunkedUpsert } from './bulk/chunked-upsert';
import { ImportRowsProblem, type RowError } from './bulk/row-error';
import {
  type ImplicitProduct,
  type PlannedSku,
  planSkuImport,
  SKU_IMPORT_COLUMNS,
  SKU_IMPORT_REQUIRED,
  type SkuImportPlan,
} from './bulk/sku-import';
import { readTable, toRecords } from './bulk/tabular-file';
import { EventBus } from '../events/event-bus';
import type { ImportResultDto } from './skus.dto';

const UPSERT_SKUS = `
  INSERT INTO skus (tenant_id, code, name, option_name, jan, parent_id, seller_management_code)
  SELECT $1, u.code, u.name, u.option_name, u.jan, p.id, COALESCE(u.parent_code, u.code)
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(code, name, option_name, jan, parent_code)
    LEFT JOIN skus p ON p.tenant_id = $1 AND p.code = u.parent_code
  ON CONFLICT (tenant_id, code) DO UPDATE
     SET name = EXCLUDED.name, option_name = EXCLUDED.option_name, jan = EXCLUDED.jan, parent_id = EXCLUDED.parent_id,
         seller_management_code = EXCLUDED.seller_management_code, updated_at = now()
   WHERE (skus.name, skus.option_name, skus.jan, skus.parent_id, skus.seller_management_code)
         IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.option_name, EXCLUDED.jan, EXCLUDED.parent_id, EXCLUDED.seller_management_code)
  RETURNING (xmax = 0) AS inserted`;

// A product named only by its options' management code: a new one takes the first option row's name; an
// existing one keeps its name, JAN and label, and only stops being an option itself if it was one.
const UPSERT_IMPLICIT_PRODUCTS = `
  INSERT INTO skus (tenant_id, code, name, seller_management_code)
  SELECT $1, u.code, u.name, u.code FROM unnest($2::text[], $3::text[]) AS u(code, name)
  ON CONFLICT (tenant_id, code) DO UPDATE SET parent_id = NULL, seller_management_code = EXCLUDED.code, updated_at = now()
   WHERE skus.parent_id IS NOT NULL OR skus.seller_management_code IS DISTINCT FROM EXCLUDED.code
  RETURNING (xmax = 0) AS inserted`;

const skuColumns = (chunk: readonly PlannedSku[]) => [
  chunk.map((sku) => sku.code),
  chunk.map((sku) => sku.name),
  chunk.map((sku) => sku.optionName),
  chunk.map((sku) => sku.jan),
  chunk.map((sku) => sku.parentCode),
];

/** `POST /v1/skus/import`: a whole file of SKUs, all or nothing, as upserts by code. */
@Injectable()
export class SkuImportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventBus,
  ) {}

  async import(tenantId: string, content: Buffer): Promise<ImportResultDto> {
    const { records, errors: headerErrors } = toRecords(await readTable(content), SKU_IMPORT_COLUMNS, SKU_IMPORT_REQUIRED);
    if (headerErrors.length) throw new ImportRowsProblem(headerErrors);
    const plan = planSkuImport(records);
    if (plan.errors.length) throw new ImportRowsProblem(plan.errors);

    const result = await this.db.transaction(async (manager) => {
      const conflicts = await this.optionsThatHaveOptions(manager.query.bind(manager), tenantId, plan);
      if (conflicts.length) throw new ImportRowsProblem(conflicts);
      const implicit = await chunkedUpsert(
        manager,
        UPSERT_IMPLICIT_PRODUCTS,
        [tenantId],
        plan.implicitProducts,
        (chunk: readonly ImplicitProduct[]) => [chunk.map((product) => product.code), chunk.map((product) => product.name)],
      );
      // Products first: their options find their parent's id by code in the same transaction.
      const products = await chunkedUpsert(manager, UPSERT_SKUS, [tenantId], plan.products, skuColumns);
      const options = await chunkedUpsert(manager, UPSERT_SKUS, [tenantId], plan.options, skuColumns);
      const created = implicit.created + products.created + options.created;
      const updated = implicit.updated + products.updated + options.updated;
      const total = plan.implicitProducts.length + plan.products.length + plan.options.length;
      return { rows: records.length, created, updated, unchanged: total - created - updated };
    });
    if (result.created || result.updated) this.events.publish('catalog.changed', { tenantId });
    return result;
  }

  /**
   * A row may turn an existing SKU into an option only if that SKU has no options of its own left
   * afterwards (the file may move them elsewhere): the catalog is one level deep.
   */
  private async optionsThatHaveOptions(
    query: (sql: string, parameters: unknown[]) => Promise<{ parent_code: string; code: string }[]>,
    tenantId: string,
    plan: SkuImportPlan,
  ): Promise<RowError[]> {
    if (plan.options.length === 0) return [];
    const children = await query(
      `SELECT p.code AS parent_code, c.code
         FROM skus p JOIN skus c ON c.parent_id = p.id
        WHERE p.tenant_id = $1 AND p.code = ANY($2::text[])`,
      [tenantId, plan.options.map((option) => option.code)],
    );
    const parentOfInFile = new Map<string, string | null>();
    for (const sku of [...plan.products, ...plan.options]) parentOfInFile.set(sku.code, sku.parentCode);
    const staying = new Map<string, string[]>();
    for (const child of children) {
      const movedTo = parentOfInFile.get(child.code);
      if (movedTo === undefined || movedTo === child.parent_code)
        staying.set(child.parent_code, [...(staying.get(child.parent_code) ?? []), child.code]);
    }
    return plan.options
      .filter((option) => staying.has(option.code))
      .map((option) => {
        const kept = staying.get(option.code)!;
        const named = kept.slice(0, 3).join(', ') + (kept.length > 3 ? ', …' : '');
        return {
          row: option.row,
          field: 'seller_management_code',
          message: `"${option.code}" is a product with options (${named}); it cannot become an option of "${option.parentCode}"`,
        };
      });
  }
}
