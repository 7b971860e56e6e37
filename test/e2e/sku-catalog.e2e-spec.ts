import iconv from 'iconv-lite';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { readTable, writeTable } from '../../src/sku-mapping/bulk/tabular-file';
import { EventBus } from '../../src/events/event-bus';
import { SkuReferenceChecks } from '../../src/sku-mapping/sku-reference-check';
import { SkuResolver } from '../../src/sku-mapping/sku-resolver';
import { startTestApp, type TestApp } from '../support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface Tenant {
  tenantId: string;
  apiKey: string;
}

describe('SKU catalog: SKUs, mappings, resolution, bulk files', () => {
  let t: TestApp;
  let a: Tenant;
  let b: Tenant;
  let db: DataSource;
  let resolver: SkuResolver;

  beforeAll(async () => {
    t = await startTestApp();
    a = await t.createTenant('Seller A');
    b = await t.createTenant('Seller B');
    db = t.app.get(DataSource);
    resolver = t.app.get(SkuResolver);
  });

  afterAll(async () => {
    await t?.close();
  });

  const as = (tenant: Tenant) => ({ Authorization: `Bearer ${tenant.apiKey}` });

  async function createSku(tenant: Tenant, body: Record<string, unknown>) {
    return (await t.http.post('/v1/skus').set(as(tenant)).send(body).expect(201)).body;
  }

  async function createMapping(tenant: Tenant, body: Record<string, unknown>) {
    return (await t.http.post('/v1/sku-mappings').set(as(tenant)).send(body).expect(201)).body;
  }

  /** A connection of a site that needs no authorization step, with placeholder credentials for its fields. */
  async function createConnection(tenant: Tenant, site: string, shopId: string): Promise<string> {
    const sites = await t.http.get('/v1/sales-sites').set(as(tenant)).expect(200);
    const descriptor = sites.body.data.find((s: { site: string }) => s.site === site);
    const credentials = Object.fromEntries(
      descriptor.credentialFields
        .filter((field: { required: boolean; lifecycle?: string }) => field.required && field.lifecycle !== 'obtained')
        .map((field: { name: string }) => [field.name, 'test-credential-0001']),
    );
    const response = await t.http.post('/v1/connections').set(as(tenant)).send({ site, shopId, credentials }).expect(201);
    return response.body.id;
  }

  async function countRows(table: 'skus' | 'sku_mappings', tenant: Tenant): Promise<number> {
    const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenant.tenantId]);
    return row.n;
  }

  function csv(rows: string[][]): Buffer {
    return Buffer.from(
      rows.map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n') + '\n',
      'utf8',
    );
  }

  describe('SKUs', () => {
    it('creates a single product with a JAN code and reads it back', async () => {
      const sku = await createSku(a, { code: ' MUG-1 ', name: 'Mug', jan: '4901234567894' });
      expect(sku).toMatchObject({
        code: 'MUG-1',
        name: 'Mug',
        jan: '4901234567894',
        parentId: null,
        sellerManagementCode: 'MUG-1',
        options: [],
      });
      const read = await t.http.get(`/v1/skus/${sku.id}`).set(as(a)).expect(200);
      expect(read.body).toMatchObject({ id: sku.id, code: 'MUG-1' });
    });

    it('creates a product with option SKUs, each with its own code', async () => {
      const product = await createSku(a, {
        code: 'TEE',
        name: 'T-shirt',
        options: [
          { code: 'TEE-RED-M', optionName: 'Red / M' },
          { code: 'TEE-BLUE-M', optionName: 'Blue / M', jan: '49012345' },
        ],
      });
      expect(product.options.map((o: { code: string }) => o.code)).toEqual(['TEE-RED-M', 'TEE-BLUE-M']);
      for (const option of product.options)
        expect(option).toMatchObject({ parentId: product.id, sellerManagementCode: 'TEE', name: 'T-shirt' });

      const more = await createSku(a, { code: 'TEE-RED-L', name: 'T-shirt', optionName: 'Red / L', parentId: product.id });
      expect(more).toMatchObject({ parentId: product.id, sellerManagementCode: 'TEE' });
      const read = await t.http.get(`/v1/skus/${product.id}`).set(as(a)).expect(200);
      expect(read.body.options).toHaveLength(3);

      const options = await t.http.get(`/v1/skus?parentId=${product.id}`).set(as(a)).expect(200);
      expect(options.body.data.map((o: { code: string }) => o.code).sort()).toEqual(['TEE-BLUE-M', 'TEE-RED-L', 'TEE-RED-M']);
    });

    it('refuses a code already used by a product or an option with 409', async () => {
      for (const body of [
        { code: 'MUG-1', name: 'again' },
        { code: 'TEE-RED-M', name: 'same as an option' },
        { code: 'NEW-PRODUCT', name: 'x', options: [{ code: 'TEE-BLUE-M', optionName: 'taken' }] },
      ]) {
        const response = await t.http.post('/v1/skus').set(as(a)).send(body).expect(409);
        expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(response.body.type).toContain('sku-code-exists');
      }
      const [row] = await db.query(`SELECT count(*)::int AS n FROM skus WHERE tenant_id = $1 AND code = 'NEW-PRODUCT'`, [a.tenantId]);
      expect(row.n).toBe(0);
    });

    it('validates JAN codes as 8 or 13 digits', async () => {
      for (const jan of ['123', '490123456789', '4901234A']) {
        const response = await t.http
          .post('/v1/skus')
          .set(as(a))
          .send({ code: `J-${jan}`, name: 'x', jan })
          .expect(400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('jan');
      }
    });

    it("updates a product's code together with its options' management code, and filters by q", async () => {
      const product = await createSku(a, { code: 'BAG', name: 'Tote bag', options: [{ code: 'BAG-S', optionName: 'S' }] });
      const updated = await t.http.patch(`/v1/skus/${product.id}`).set(as(a)).send({ code: 'BAG-2', jan: '49012345' }).expect(200);
      expect(updated.body).toMatchObject({ code: 'BAG-2', sellerManagementCode: 'BAG-2', jan: '49012345' });
      expect(updated.body.options[0]).toMatchObject({ code: 'BAG-S', sellerManagementCode: 'BAG-2' });
      const cleared = await t.http.patch(`/v1/skus/${product.id}`).set(as(a)).send({ jan: null }).expect(200);
      expect(cleared.body.jan).toBeNull();
      await t.http.patch(`/v1/skus/${product.id}`).set(as(a)).send({ code: 'MUG-1' }).expect(409);

      // options take the product's name, so both match
      const found = await t.http.get('/v1/skus?q=tote').set(as(a)).expect(200);
      expect(found.body.data.map((s: { code: string }) => s.code).sort()).toEqual(['BAG-2', 'BAG-S']);
      const byCode = await t.http.get('/v1/skus?q=bag-s').set(as(a)).expect(200);
      expect(byCode.body.data.map((s: { code: string }) => s.code)).toEqual(['BAG-S']);
    });

    it('pages the list with a cursor', async () => {
      const first = await t.http.get('/v1/skus?limit=2').set(as(a)).expect(200);
      expect(first.body.data).toHaveLength(2);
      const second = await t.http.get(`/v1/skus?limit=2&cursor=${first.body.nextCursor}`).set(as(a)).expect(200);
      const ids = [...first.body.data, ...second.body.data].map((s: { id: string }) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('refuses to delete a SKU a registered SkuReferenceCheck says is in use, and deletes it once free', async () => {
      const product = await createSku(a, { code: 'LAMP', name: 'Lamp', options: [{ code: 'LAMP-W', optionName: 'White' }] });
      const optionId = product.options[0].id;
      const mapping = await createMapping(a, { site: 'nextengine', listingKey: 'NE-LAMP-W', skuId: optionId });
      const asked: string[][] = [];
      const unregister = t.app.get(SkuReferenceChecks).register({
        async findReferences(tenantId, skuIds) {
          asked.push([...skuIds]);
          return tenantId === a.tenantId && skuIds.includes(optionId) ? [{ skuId: optionId, description: 'order 1001' }] : [];
        },
      });
      try {
        const refused = await t.http.delete(`/v1/skus/${product.id}`).set(as(a)).expect(409);
        expect(refused.headers['content-type']).toMatch(PROBLEM_JSON);
        expect(refused.body).toMatchObject({
          type: expect.stringContaining('sku-in-use'),
          references: [{ skuId: optionId, description: 'order 1001' }],
        });
        expect(asked[0].sort()).toEqual([product.id, optionId].sort());
        await t.http.get(`/v1/skus/${optionId}`).set(as(a)).expect(200);
      } finally {
        unregister();
      }
      await t.http.delete(`/v1/skus/${product.id}`).set(as(a)).expect(204);
      await t.http.get(`/v1/skus/${product.id}`).set(as(a)).expect(404);
      await t.http.get(`/v1/skus/${optionId}`).set(as(a)).expect(404);
      await t.http.get(`/v1/sku-mappings/${mapping.id}`).set(as(a)).expect(404);
    });
  });

  describe('mappings and resolution', () => {
    let skus: Record<string, string>;
    let crossmallConnection: string;
    let otherCrossmallConnection: string;

    beforeAll(async () => {
      const product = await createSku(a, {
        code: 'SOCKS',
        name: 'Socks',
        options: [
          { code: 'SOCKS-BLK', optionName: 'Black' },
          { code: 'SOCKS-WHT', optionName: 'White' },
        ],
      });
      const single = await createSku(a, { code: 'SOAP', name: 'Soap' });
      const pack = await createSku(a, { code: 'CANDLE', name: 'Candle' });
      skus = {
        product: product.id,
        black: product.options[0].id,
        white: product.options[1].id,
        soap: single.id,
        candle: pack.id,
      };
      crossmallConnection = await createConnection(a, 'crossmall', 'cm-shop-1');
      otherCrossmallConnection = await createConnection(a, 'crossmall', 'cm-shop-2');
    });

    it("resolves lines from each site's listing key through a mapping", async () => {
      await createMapping(a, { site: 'nextengine', listingKey: 'ne-goods-001', skuId: skus.soap });
      await createMapping(a, { site: 'qoo10-jp', listingKey: 'Q-OPT-BLK', skuId: skus.black });
      await createMapping(a, { site: '11st', listingKey: 'STOCK-778', skuId: skus.white });
      await createMapping(a, { site: 'crossmall', listingKey: 'CM-SOCKS:Black, 25cm', skuId: skus.black });
      await createMapping(a, { site: 'smaregi', listingKey: '8000123', skuId: skus.candle, quantityPerUnit: 2 });

      const results = await resolver.resolve(a.tenantId, [
        { site: 'nextengine', connectionId: null, listingKey: 'ne-goods-001', productCode: 'ne-goods-001' },
        { site: 'qoo10-jp', connectionId: null, listingKey: 'Q-OPT-BLK', optionCode: 'Q-OPT-BLK', productCode: 'Q-ITEM' },
        { site: '11st', connectionId: null, listingKey: 'STOCK-778', optionCode: 'STOCK-778', productCode: '11-PRD' },
        {
          site: 'crossmall',
          connectionId: crossmallConnection,
          listingKey: 'CM-SOCKS:Black, 25cm',
          optionCode: 'Black, 25cm',
          productCode: 'CM-SOCKS',
        },
        { site: 'smaregi', connectionId: null, listingKey: '8000123', productCode: '8000123' },
      ]);
      expect(results).toEqual([
        { skuId: skus.soap, quantityPerUnit: 1, resolution: 'mapping' },
        { skuId: skus.black, quantityPerUnit: 1, resolution: 'mapping' },
        { skuId: skus.white, quantityPerUnit: 1, resolution: 'mapping' },
        { skuId: skus.black, quantityPerUnit: 1, resolution: 'mapping' },
        { skuId: skus.candle, quantityPerUnit: 2, resolution: 'mapping' },
      ]);
    });

    it('prefers a connection-specific mapping over the site-wide one', async () => {
      await createMapping(a, {
        site: 'crossmall',
        connectionId: crossmallConnection,
        listingKey: 'CM-SOCKS:Black, 25cm',
        skuId: skus.white,
        quantityPerUnit: 3,
      });
      const [own, other] = await resolver.resolve(a.tenantId, [
        { site: 'crossmall', connectionId: crossmallConnection, listingKey: 'CM-SOCKS:Black, 25cm' },
        { site: 'crossmall', connectionId: otherCrossmallConnection, listingKey: 'CM-SOCKS:Black, 25cm' },
      ]);
      expect(own).toEqual({ skuId: skus.white, quantityPerUnit: 3, resolution: 'mapping' });
      expect(other).toEqual({ skuId: skus.black, quantityPerUnit: 1, resolution: 'mapping' });
    });

    it("falls back to a SKU whose code equals the site's code, option code first, never a product with options", async () => {
      const results = await resolver.resolve(a.tenantId, [
        { site: 'qoo10-jp', connectionId: null, listingKey: 'SOCKS-WHT', optionCode: 'SOCKS-WHT', productCode: 'SOAP' },
        { site: 'qoo10-jp', connectionId: null, listingKey: 'NOPE', optionCode: 'NOPE', productCode: 'SOAP' },
        { site: '11st', connectionId: null, listingKey: ' SOCKS-BLK ', optionCode: ' SOCKS-BLK ', productCode: 'x' },
        { site: 'nextengine', connectionId: null, listingKey: 'SOCKS', productCode: 'SOCKS' },
        { site: 'smaregi', connectionId: null, listingKey: '999', productCode: '999' },
      ]);
      expect(results).toEqual([
        { skuId: skus.white, quantityPerUnit: 1, resolution: 'code' },
        { skuId: skus.soap, quantityPerUnit: 1, resolution: 'code' },
        { skuId: skus.black, quantityPerUnit: 1, resolution: 'code' },
        { skuId: null, quantityPerUnit: null, resolution: null },
        { skuId: null, quantityPerUnit: null, resolution: null },
      ]);
    });

    it('resolves Crossmall keys and codes only exactly: near misses in case or spacing stay unresolved', async () => {
      const lines = [
        'CM-SOCKS:black, 25cm',
        'CM-SOCKS:Black,25cm',
        'CM-SOCKS:Black, 25cm ',
        ' CM-SOCKS:Black, 25cm',
        'cm-socks:Black, 25cm',
      ].map((listingKey) => ({
        site: 'crossmall',
        connectionId: null,
        listingKey,
      }));
      const byCode = [
        { site: 'crossmall', connectionId: null, listingKey: 'x', productCode: 'soap' },
        { site: 'crossmall', connectionId: null, listingKey: 'x', productCode: ' SOAP' },
        { site: 'crossmall', connectionId: null, listingKey: 'x', productCode: 'SOAP' },
      ];
      const results = await resolver.resolve(a.tenantId, [...lines, ...byCode]);
      expect(results.map((r) => r.resolution)).toEqual([null, null, null, null, null, null, null, 'code']);
    });

    it('resolves many lines with at most two queries', async () => {
      const query = jest.spyOn(db, 'query');
      try {
        const lines = Array.from({ length: 500 }, (_, i) => ({
          site: 'qoo10-jp',
          connectionId: null,
          listingKey: `LINE-${i}`,
          optionCode: i % 2 ? 'SOCKS-BLK' : `MISS-${i}`,
          productCode: 'SOAP',
        }));
        const results = await resolver.resolve(a.tenantId, lines);
        expect(results.filter((r) => r.skuId === skus.black)).toHaveLength(250);
        expect(results.filter((r) => r.skuId === skus.soap)).toHaveLength(250);
        expect(query).toHaveBeenCalledTimes(2);
      } finally {
        query.mockRestore();
      }
    });

    it("refuses duplicates (409), another site's connection, unknown SKUs, and products with options", async () => {
      const duplicate = await t.http
        .post('/v1/sku-mappings')
        .set(as(a))
        .send({ site: 'nextengine', listingKey: ' ne-goods-001 ', skuId: skus.candle })
        .expect(409);
      expect(duplicate.headers['content-type']).toMatch(PROBLEM_JSON);
      const wrongSite = await t.http
        .post('/v1/sku-mappings')
        .set(as(a))
        .send({ site: '11st', connectionId: crossmallConnection, listingKey: 'k', skuId: skus.soap })
        .expect(400);
      expect(wrongSite.body.errors).toEqual([{ field: 'connectionId', message: expect.stringContaining('crossmall') }]);
      const unknown = await t.http
        .post('/v1/sku-mappings')
        .set(as(a))
        .send({ site: '11st', listingKey: 'k', skuId: '00000000-0000-4000-8000-000000000000' })
        .expect(400);
      expect(unknown.body.errors).toEqual([{ field: 'skuId', message: 'no such SKU' }]);
      await t.http.post('/v1/sku-mappings').set(as(a)).send({ site: '11st', listingKey: 'k', skuId: skus.product }).expect(422);
    });

    it('announces catalog changes so waiting orders can be re-resolved', async () => {
      const seen: string[] = [];
      const unsubscribe = t.app.get(EventBus).subscribe('catalog.changed', ({ tenantId }) => {
        seen.push(tenantId);
      });
      try {
        const mapping = await createMapping(a, { site: 'smaregi', listingKey: 'EVT-1', skuId: skus.soap });
        await t.http.delete(`/v1/sku-mappings/${mapping.id}`).set(as(a)).expect(204);
        await createSku(a, { code: 'EVT-SKU', name: 'x' });
        await t.http
          .post('/v1/sku-mappings/import')
          .set(as(a))
          .attach(
            'file',
            csv([
              ['site', 'listing_key', 'sku_code'],
              ['smaregi', 'EVT-2', 'SOAP'],
            ]),
            'm.csv',
          )
          .expect(200);
        expect(seen).toEqual([a.tenantId, a.tenantId, a.tenantId, a.tenantId]);
      } finally {
        unsubscribe();
      }
    });

    it("keeps tenants apart: B gets 404 on A's SKUs and mappings, and B's resolver never sees A's catalog", async () => {
      const [mapping] = (await t.http.get('/v1/sku-mappings?site=nextengine').set(as(a)).expect(200)).body.data;
      await t.http.get(`/v1/skus/${skus.soap}`).set(as(b)).expect(404);
      await t.http.patch(`/v1/skus/${skus.soap}`).set(as(b)).send({ name: 'stolen' }).expect(404);
      await t.http.delete(`/v1/skus/${skus.soap}`).set(as(b)).expect(404);
      await t.http.get(`/v1/sku-mappings/${mapping.id}`).set(as(b)).expect(404);
      await t.http.delete(`/v1/sku-mappings/${mapping.id}`).set(as(b)).expect(404);
      await t.http.get(`/v1/skus/${skus.soap}`).set(as(a)).expect(200);
      await t.http.get(`/v1/sku-mappings/${mapping.id}`).set(as(a)).expect(200);

      const bList = await t.http.get('/v1/skus').set(as(b)).expect(200);
      expect(bList.body.data).toEqual([]);
      const bMappings = await t.http.get('/v1/sku-mappings').set(as(b)).expect(200);
      expect(bMappings.body.data).toEqual([]);
      await t.http.post('/v1/sku-mappings').set(as(b)).send({ site: 'nextengine', listingKey: 'x', skuId: skus.soap }).expect(400);
      const bSku = await createSku(b, { code: 'B-ONLY', name: 'b' });
      await t.http
        .post('/v1/sku-mappings')
        .set(as(b))
        .send({ site: 'crossmall', connectionId: crossmallConnection, listingKey: 'x', skuId: bSku.id })
        .expect(400);

      const results = await resolver.resolve(b.tenantId, [
        { site: 'nextengine', connectionId: null, listingKey: 'ne-goods-001', productCode: 'ne-goods-001' },
        { site: 'crossmall', connectionId: crossmallConnection, listingKey: 'CM-SOCKS:Black, 25cm' },
        { site: 'qoo10-jp', connectionId: null, listingKey: 'SOAP', productCode: 'SOAP' },
      ]);
      expect(results.every((r) => r.skuId === null)).toBe(true);
    });

    it('round-trips the mapping export through import unchanged, in CSV and XLSX', async () => {
      await createMapping(a, { site: 'crossmall', listingKey: ' CM-TOWEL:Blue , ＬＬ ', skuId: skus.soap, quantityPerUnit: 2 });
      await createMapping(a, { site: 'smaregi', listingKey: '000042', skuId: skus.candle });
      for (const format of ['csv', 'xlsx'] as const) {
        const exported = await t.http.get(`/v1/sku-mappings/export?format=${format}`).set(as(a)).buffer(true).parse(binary).expect(200);
        expect(exported.headers['content-type']).toContain(format === 'csv' ? 'text/csv' : XLSX_MIME);
        const table = await readTable(exported.body);
        expect(table[0]).toEqual(['site', 'connection_id', 'listing_key', 'sku_code', 'quantity_per_unit']);
        expect(table).toContainEqual(['crossmall', '', ' CM-TOWEL:Blue , ＬＬ ', 'SOAP', '2']);
        expect(table).toContainEqual(['crossmall', crossmallConnection, 'CM-SOCKS:Black, 25cm', 'SOCKS-WHT', '3']);
        expect(table).toContainEqual(['smaregi', '', '000042', 'CANDLE', '1']);
        const before = await db.query(`SELECT * FROM sku_mappings WHERE tenant_id = $1 ORDER BY id`, [a.tenantId]);

        const reimported = await t.http
          .post('/v1/sku-mappings/import')
          .set(as(a))
          .attach('file', exported.body, `mappings.${format}`)
          .expect(200);
        expect(reimported.body).toEqual({ rows: table.length - 1, created: 0, updated: 0, unchanged: table.length - 1 });
        expect(await db.query(`SELECT * FROM sku_mappings WHERE tenant_id = $1 ORDER BY id`, [a.tenantId])).toEqual(before);

        // From an empty catalog of mappings, the file recreates exactly what was exported.
        await db.query(`DELETE FROM sku_mappings WHERE tenant_id = $1`, [a.tenantId]);
        const recreated = await t.http
          .post('/v1/sku-mappings/import')
          .set(as(a))
          .attach('file', exported.body, `mappings.${format}`)
          .expect(200);
        expect(recreated.body.created).toBe(table.length - 1);
        const again = await t.http.get(`/v1/sku-mappings/export?format=${format}`).set(as(a)).buffer(true).parse(binary).expect(200);
        expect(await readTable(again.body)).toEqual(table);
      }
    });

    it('names every bad row of a mapping file and writes nothing', async () => {
      const before = await countRows('sku_mappings', a);
      const file = csv([
        ['site', 'connection_id', 'listing_key', 'sku_code', 'quantity_per_unit'],
        ['nextengine', '', 'GOOD-1', 'SOAP', '1'],
        ['nextengine', '', 'BAD-SKU', 'NO-SUCH-SKU', '1'],
        ['11st', crossmallConnection, 'WRONG-SITE', 'SOAP', '1'],
        ['qoo10-jp', '', 'PRODUCT-WITH-OPTIONS', 'SOCKS', '1'],
        ['qoo10-jp', '', 'GOOD-2', 'SOAP', 'two'],
      ]);
      const response = await t.http.post('/v1/sku-mappings/import').set(as(a)).attach('file', file, 'm.csv').expect(422);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body.errors.map((e: { row: number; field: string }) => [e.row, e.field])).toEqual([
        [3, 'sku_code'],
        [4, 'connection_id'],
        [5, 'sku_code'],
        [6, 'quantity_per_unit'],
      ]);
      expect(await countRows('sku_mappings', a)).toBe(before);
    });
  });

  describe('SKU import', () => {
    it('imports 10,000 rows, and a second import of the same file changes nothing', async () => {
      const rows = [['seller_management_code', 'sku_code', 'name', 'option_name', 'jan']];
      for (let product = 0; product < 2000; product++) {
        if (product % 2 === 0) {
          for (let option = 0; option < 8; option++) {
            rows.push([
              `BULK-P${product}`,
              `BULK-P${product}-O${option}`,
              `Bulk product ${product}`,
              `Option ${option}`,
              option === 0 ? '4901234567894' : '',
            ]);
          }
        } else {
          rows.push(['', `BULK-S${product}`, `Bulk single ${product}`, '', '49012345']);
          rows.push([`BULK-S${product}-GIFT`, `BULK-S${product}-GIFT`, `Bulk gift ${product}`, '', '']);
        }
      }
      expect(rows.length - 1).toBe(10_000);
      const file = csv(rows);
      const before = await countRows('skus', a);

      const started = performance.now();
      const response = await t.http.post('/v1/skus/import').set(as(a)).attach('file', file, 'skus.csv').expect(200);
      const elapsedMs = performance.now() - started;
      console.log(`SKU import of 10,000 rows took ${Math.round(elapsedMs)} ms`);

      // 1,000 products with 8 options (9,000 SKUs) and 2,000 singles
      expect(response.body).toEqual({ rows: 10_000, created: 11_000, updated: 0, unchanged: 0 });
      expect(await countRows('skus', a)).toBe(before + 11_000);

      const [product] = (await t.http.get('/v1/skus?sellerManagementCode=BULK-P0&q=BULK-P0-O3').set(as(a)).expect(200)).body.data;
      expect(product).toMatchObject({
        code: 'BULK-P0-O3',
        name: 'Bulk product 0',
        optionName: 'Option 3',
        sellerManagementCode: 'BULK-P0',
      });
      const parent = await t.http.get(`/v1/skus/${product.parentId}`).set(as(a)).expect(200);
      expect(parent.body).toMatchObject({ code: 'BULK-P0', name: 'Bulk product 0', parentId: null });
      expect(parent.body.options).toHaveLength(8);

      const again = await t.http.post('/v1/skus/import').set(as(a)).attach('file', file, 'skus.csv').expect(200);
      expect(again.body).toEqual({ rows: 10_000, created: 0, updated: 0, unchanged: 11_000 });
    });

    it('refuses a file with three bad rows, naming exactly those rows, and writes nothing', async () => {
      const before = await countRows('skus', a);
      const file = csv([
        ['seller_management_code', 'sku_code', 'name', 'option_name', 'jan'],
        ['', 'THREE-OK-1', 'fine', '', ''],
        ['', 'THREE-OK-2', 'fine', '', '12345'],
        ['THREE-G', 'THREE-OK-3', 'fine', 'a', ''],
        ['', '', 'no code', '', ''],
        ['THREE-G', 'THREE-OK-4', 'fine', 'b', ''],
        ['', 'THREE-OK-1', 'duplicate code', '', ''],
        ['', 'THREE-OK-5', 'fine', '', '4901234567894'],
      ]);
      const response = await t.http.post('/v1/skus/import').set(as(a)).attach('file', file, 'skus.csv').expect(422);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body.type).toContain('import-invalid-rows');
      expect(response.body.errors).toEqual([
        { row: 3, field: 'jan', message: 'jan must be 8 or 13 digits' },
        { row: 5, field: 'sku_code', message: 'sku_code is required' },
        { row: 7, field: 'sku_code', message: 'sku_code "THREE-OK-1" is already on row 2' },
      ]);
      expect(await countRows('skus', a)).toBe(before);
    });

    it('refuses to turn a product that has options into an option of another product', async () => {
      await createSku(a, { code: 'NEST', name: 'Nest', options: [{ code: 'NEST-1', optionName: 'one' }] });
      const file = csv([
        ['seller_management_code', 'sku_code', 'name'],
        ['OUTER', 'NEST', 'Nest as option'],
      ]);
      const response = await t.http.post('/v1/skus/import').set(as(a)).attach('file', file, 'skus.csv').expect(422);
      expect(response.body.errors).toEqual([{ row: 2, field: 'seller_management_code', message: expect.stringContaining('NEST-1') }]);
      const [outer] = await db.query(`SELECT count(*)::int AS n FROM skus WHERE tenant_id = $1 AND code = 'OUTER'`, [a.tenantId]);
      expect(outer.n).toBe(0);
    });

    it('imports a Shift_JIS CSV as saved by Japanese Excel', async () => {
      const text = [
        'seller_management_code,sku_code,name,option_name,jan',
        'SJ-TEE,SJ-TEE-RED,Ｔシャツ（綿100％）,赤・Ｍサイズ,4901234567894',
        ',SJ-TOWEL,今治タオル ～ギフト用～,,',
      ].join('\r\n');
      const file = iconv.encode(text, 'Shift_JIS');
      expect(file.includes(Buffer.from('Ｔシャツ', 'utf8'))).toBe(false);
      const response = await t.http.post('/v1/skus/import').set(as(a)).attach('file', file, 'skus.csv').expect(200);
      expect(response.body).toMatchObject({ rows: 2, created: 3 });
      const [option] = (await t.http.get('/v1/skus?q=SJ-TEE-RED').set(as(a)).expect(200)).body.data;
      expect(option).toMatchObject({
        name: 'Ｔシャツ（綿100％）',
        optionName: '赤・Ｍサイズ',
        jan: '4901234567894',
        sellerManagementCode: 'SJ-TEE',
      });
      const [towel] = (await t.http.get('/v1/skus?q=SJ-TOWEL').set(as(a)).expect(200)).body.data;
      expect(towel.name).toBe('今治タオル ～ギフト用～');
    });

    it('accepts the file as a raw text/csv body and an XLSX workbook', async () => {
      const raw = await t.http
        .post('/v1/skus/import')
        .set(as(a))
        .set('Content-Type', 'text/csv')
        .send(Buffer.from('\uFEFFsku_code,name\nRAW-1,Raw body\n', 'utf8').toString('utf8'))
        .expect(200);
      expect(raw.body).toEqual({ rows: 1, created: 1, updated: 0, unchanged: 0 });

      const workbook = await writeTable('xlsx', ['sku_code', 'name', 'jan'], [['XLSX-1', 'From Excel', '4901234567894']], 'SKUs');
      const imported = await t.http.post('/v1/skus/import').set(as(a)).attach('file', workbook, 'skus.xlsx').expect(200);
      expect(imported.body).toMatchObject({ rows: 1, created: 1 });
      const [sku] = (await t.http.get('/v1/skus?q=XLSX-1').set(as(a)).expect(200)).body.data;
      expect(sku).toMatchObject({ name: 'From Excel', jan: '4901234567894' });
    });

    it('refuses an upload without a file, and an unknown column, with problem+json', async () => {
      await t.http.post('/v1/skus/import').set(as(a)).field('note', 'no file').expect(400);
      const response = await t.http
        .post('/v1/skus/import')
        .set(as(a))
        .attach(
          'file',
          csv([
            ['sku_code', 'name', 'colour'],
            ['X', 'y', 'red'],
          ]),
          'x.csv',
        )
        .expect(422);
      expect(response.body.errors).toEqual([{ row: 1, field: 'colour', message: expect.stringContaining('unknown column') }]);
    });
  });
});

/** supertest parser that keeps a binary body as a Buffer. */
function binary(response: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
}
