import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Following `nextCursor` must reach every row exactly once, however many rows share a timestamp. Rows written
 * in one transaction share `now()` to the microsecond, and a cursor is written in milliseconds, so the
 * columns lists sort by must hold nothing a cursor cannot say.
 */
describe('Cursor pagination over rows that share a timestamp', () => {
  let t: TestApp;
  let auth: { Authorization: string };
  let tenantId: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await t.createTenant('Pager');
    auth = { Authorization: `Bearer ${tenant.apiKey}` };
    tenantId = tenant.tenantId;
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  async function everyPage(path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const response: { body: { data: { id: string }[]; nextCursor: string | null } } = await t.http
        .get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
        .set(auth)
        .expect(200);
      ids.push(...response.body.data.map((item) => item.id));
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return { ids, pages };
  }

  const csv = (rows: string[][]) => Buffer.from(rows.map((row) => row.join(',')).join('\n') + '\n', 'utf8');

  it('stores every timestamp in milliseconds, so a new table cannot bring the problem back', async () => {
    const finer = await db.query(
      `SELECT table_name || '.' || column_name AS column FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type = 'timestamp with time zone' AND datetime_precision > 3`,
    );
    expect(finer).toEqual([]);
  });

  it('pages through SKUs imported in one file (one transaction, one created_at)', async () => {
    const rows = [['sku_code', 'name']];
    for (let n = 0; n < 9; n++) rows.push([`PAGE-${n}`, `Paged ${n}`]);
    await t.http.post('/v1/skus/import').set(auth).attach('file', csv(rows), 'skus.csv').expect(200);
    const [{ instants }] = await db.query(`SELECT count(DISTINCT created_at)::int AS instants FROM skus WHERE tenant_id = $1`, [tenantId]);
    expect(instants).toBe(1);

    const { ids, pages } = await everyPage('/v1/skus', 2);
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(9);
  });

  it('pages through SKU mappings imported in one file', async () => {
    const rows = [['site', 'listing_key', 'sku_code']];
    for (let n = 0; n < 9; n++) rows.push(['qoo10-jp', `LISTING-${n}`, `PAGE-${n}`]);
    await t.http.post('/v1/sku-mappings/import').set(auth).attach('file', csv(rows), 'mappings.csv').expect(200);

    const { ids } = await everyPage('/v1/sku-mappings', 4);
    expect(new Set(ids).size).toBe(9);
  });

  it('pages through orders entered with the same order time', async () => {
    const sites = await t.http.get('/v1/sales-sites').set(auth).expect(200);
    const crossmall = sites.body.data.find((site: { site: string }) => site.site === 'crossmall');
    const credentials = Object.fromEntries(
      crossmall.credentialFields
        .filter((field: { required: boolean }) => field.required)
        .map((field: { name: string }) => [field.name, 'test-credential-0001']),
    );
    const connection = await t.http.post('/v1/connections').set(auth).send({ site: 'crossmall', shopId: 'pager', credentials }).expect(201);
    const orderedAt = '2026-11-01T09:30:00.123Z';
    for (let n = 0; n < 7; n++) {
      await t.http
        .post('/v1/orders')
        .set(auth)
        .send({
          connectionId: connection.body.id,
          externalOrderId: `SAME-TIME-${n}`,
          orderedAt,
          recipient: { name: '山田 太郎' },
          lines: [{ productCode: `PAGE-${n}`, productName: 'x', quantity: 1 }],
        })
        .expect(201);
    }
    const { ids } = await everyPage('/v1/orders', 3);
    expect(new Set(ids).size).toBe(7);
  });
});
