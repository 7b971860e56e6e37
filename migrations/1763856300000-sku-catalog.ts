import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SkuCatalog1763856300000 implements MigrationInterface {
  name = 'SkuCatalog1763856300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE skus (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        -- the seller-defined code: unique per tenant across products and their options
        code text NOT NULL CHECK (code <> ''),
        name text NOT NULL,
        option_name text,
        jan text CHECK (jan ~ '^([0-9]{8}|[0-9]{13})$'),
        -- set on option SKUs: the product they belong to (one level only, enforced by the service)
        parent_id uuid,
        -- the product code that groups options in bulk files: a product's own code, an option's parent code
        seller_management_code text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- lets children and mappings reference (tenant_id, id), so nothing can point across tenants
        UNIQUE (tenant_id, id),
        FOREIGN KEY (tenant_id, parent_id) REFERENCES skus (tenant_id, id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE UNIQUE INDEX skus_tenant_code ON skus (tenant_id, code)`);
    await db.query(`CREATE INDEX skus_tenant_created ON skus (tenant_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX skus_parent ON skus (parent_id) WHERE parent_id IS NOT NULL`);
    await db.query(`CREATE INDEX skus_tenant_management_code ON skus (tenant_id, seller_management_code)`);

    await db.query(`
      CREATE TABLE sku_mappings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        site text NOT NULL,
        -- null: the mapping holds for every connection of the site
        connection_id uuid REFERENCES connections(id) ON DELETE CASCADE,
        listing_key text NOT NULL CHECK (listing_key <> ''),
        sku_id uuid NOT NULL,
        quantity_per_unit integer NOT NULL DEFAULT 1 CHECK (quantity_per_unit >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, sku_id) REFERENCES skus (tenant_id, id) ON DELETE CASCADE
      )`);
    // One mapping per listing key and connection, where "no connection" counts as one value (a plain
    // unique index would let any number of site-wide duplicates in, NULLs being distinct). Also the
    // resolver's lookup index: (tenant, site, key) first.
    await db.query(`
      CREATE UNIQUE INDEX sku_mappings_listing ON sku_mappings
        (tenant_id, site, listing_key, (COALESCE(connection_id, '00000000-0000-0000-0000-000000000000'::uuid)))`);
    await db.query(`CREATE INDEX sku_mappings_tenant_created ON sku_mappings (tenant_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX sku_mappings_sku ON sku_mappings (sku_id)`);
    await db.query(`CREATE INDEX sku_mappings_connection ON sku_mappings (connection_id) WHERE connection_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sku_mappings`);
    await db.query(`DROP TABLE skus`);
  }
}
