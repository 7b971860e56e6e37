import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * A stock link row written straight to the database, with two connections that no call ever reaches: for tests of
 * what the bridge does with stored events (no site, no webhook, no job involved). Returns the link's id.
 */
export async function insertBareStockLink(db: DataSource, tenantId: string): Promise<string> {
  const connection = async (site: string) => {
    const [row] = (await db.query(
      `INSERT INTO connections (id, tenant_id, site, shop_id, endpoint, status, credentials_ciphertext)
       VALUES ($1, $2, $3, $4, 'http://127.0.0.1:9', 'active', 'unused') RETURNING id`,
      [randomUUID(), tenantId, site, `${site}-${randomUUID()}`],
    )) as Array<{ id: string }>;
    return row.id;
  };
  const [link] = (await db.query(
    `INSERT INTO stock_links (id, tenant_id, smaregi_connection_id, nextengine_connection_id, link_token, secret_hash, stock_master, id_matching)
     VALUES ($1, $2, $3, $4, $5, $6, 'smaregi', 'csv') RETURNING id`,
    [randomUUID(), tenantId, await connection('smaregi'), await connection('nextengine'), randomUUID().replace(/-/g, ''), 'x'.repeat(64)],
  )) as Array<{ id: string }>;
  return link.id;
}
