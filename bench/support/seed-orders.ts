import { Client } from 'pg';

const SITES = ['nextengine', 'qoo10-jp', '11st', 'crossmall', 'nextengine', 'qoo10-jp'];
/** Weighted like a running shop: most orders are history (shipped), a working set is open. */
const STATUSES = [
  'shipped',
  'shipped',
  'shipped',
  'shipped',
  'shipped',
  'shipped',
  'confirmed',
  'confirmed',
  'shipping_instructed',
  'new',
  'cancelled',
  'on_hold',
];
const NAMES = ['田中 花子', '鈴木 一郎', '佐藤 美咲', '山田 太郎', '김민준', '이서연', '高橋 美咲', '中村 健太'];
const DAYS = 730;

export interface SeedResult {
  orders: number;
  lines: number;
  connections: { id: string; site: string }[];
  seconds: number;
  /** seconds per phase: rows, index builds, statistics */
  phases: { insert: number; indexes: number; analyze: number };
}

/**
 * `count` orders for one tenant, with SQL only: several connections and sites, weighted statuses, order
 * dates over two years, a realistic raw payload, and the lines of every fifth order (the list never
 * reads lines; they are there for the table's size). The orders table's
 * secondary indexes are dropped during the load and rebuilt after it (from their own definitions, so
 * whatever the migrations declare is what gets measured) — a bulk build is many times faster than
 * maintaining two trigram indexes row by row. Chunks load in parallel over `parallel` connections.
 */
export async function seedOrders(databaseUrl: string, tenantId: string, count: number, parallel = 4): Promise<SeedResult> {
  const started = performance.now();
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const connections: { id: string; site: string }[] = [];
    for (const [index, site] of SITES.entries()) {
      const [row] = (
        await admin.query(
          `INSERT INTO connections (id, tenant_id, site, shop_id, endpoint, status, credentials_ciphertext)
           VALUES (gen_random_uuid(), $1, $2, $3, 'http://127.0.0.1:1', 'disabled', 'bench') RETURNING id, site`,
          [tenantId, site, `bench-shop-${index + 1}`],
        )
      ).rows;
      connections.push(row);
    }
    const indexes: { indexname: string; indexdef: string }[] = (
      await admin.query(
        `SELECT i.indexname, i.indexdef FROM pg_indexes i
          WHERE i.tablename = 'orders' AND i.schemaname = current_schema()
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      )
    ).rows;
    for (const { indexname } of indexes) await admin.query(`DROP INDEX ${indexname}`);
    // Orders in service have been for months: their creation events were relayed to the consoles long ago and
    // pruned after LiveEventsTimings.retentionDays. Recorded here, a million of them would be numbered by the apps'
    // relays in batches during the measurement — a core of PostgreSQL and of each app taken from whichever route
    // is measured then (it was: the bare route ran at 880–1,500 req/s while it lasted, 1,800–2,000 after).
    await admin.query(`ALTER TABLE orders DISABLE TRIGGER orders_tenant_events_insert`);

    const insertStarted = performance.now();
    const chunk = Math.ceil(count / parallel);
    await Promise.all(
      Array.from({ length: parallel }, async (_, worker) => {
        const from = worker * chunk + 1;
        const to = Math.min(count, (worker + 1) * chunk);
        if (from > to) return;
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`SET synchronous_commit = off`);
          await client.query(
            `WITH inserted AS (
               INSERT INTO orders (tenant_id, connection_id, site, external_order_id, source, status, site_status, site_status_name,
                                   ordered_at, paid_at, buyer, recipient, recipient_name, total_amount, currency, refs, raw,
                                   content_hash, line_count, unmapped_line_count, confirmation_state, created_at, updated_at)
               SELECT $1, ($2::uuid[])[1 + g % 6], ($3::text[])[1 + g % 6], 'B' || lpad(g::text, 9, '0'), 'site',
                      ($4::text[])[1 + (g * 7) % 12], '20', '納品書印刷待ち', t.at, t.at + interval '5 minutes',
                      jsonb_build_object('name', n.name, 'country', 'JP'),
                      jsonb_build_object('name', n.name, 'postalCode', '150-0001', 'country', 'JP', 'region', '東京都',
                                         'city', '渋谷区', 'line1', '神宮前1-2-' || (g % 50), 'phone', '03-1234-5678'),
                      n.name, 1000 + (g % 50) * 100, 'JPY', jsonb_build_object('orderNumber', g::text),
                      jsonb_build_object('receive_order_id', g, 'receive_order_shop_cut_form_id', 'R-' || g,
                                         'receive_order_delivery_name', 'ヤマト(宅急便)', 'receive_order_note', repeat('備考', 40)),
                      md5(g::text), 1 + g % 3, CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, 'not_needed', t.at, t.at
                 FROM generate_series($5::int, $6::int) AS g
                CROSS JOIN LATERAL (SELECT now() - ((g::bigint * 104729) % ($7 * 86400)) * interval '1 second' AS at) t
                CROSS JOIN LATERAL (SELECT ($8::text[])[1 + g % 8] AS name) n
               RETURNING id, tenant_id, line_count, external_order_id)
             INSERT INTO order_lines (tenant_id, order_id, position, external_line_id, product_code, product_name, quantity, unit_price, listing_key)
             SELECT i.tenant_id, i.id, p, p::text, 'GOODS-' || (hashtext(i.external_order_id) & 1023), 'ベンチ商品', p, 1980,
                    'GOODS-' || (hashtext(i.external_order_id) & 1023)
               FROM inserted i CROSS JOIN LATERAL generate_series(1, CASE WHEN right(i.external_order_id, 1) IN ('0', '5') THEN i.line_count ELSE 0 END) AS p`,
            [tenantId, connections.map((c) => c.id), connections.map((c) => c.site), STATUSES, from, to, DAYS, NAMES],
          );
        } finally {
          await client.end();
        }
      }),
    );

    await admin.query(`ALTER TABLE orders ENABLE TRIGGER orders_tenant_events_insert`);

    const indexesStarted = performance.now();
    // Each index builds on its own connection: they only share the table lock.
    await Promise.all(
      indexes.map(async ({ indexdef }) => {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`SET maintenance_work_mem = '256MB'`);
          await client.query(indexdef);
        } finally {
          await client.end();
        }
      }),
    );
    const analyzeStarted = performance.now();
    // VACUUM too, as a table in service has been: otherwise autovacuum's first pass over a million new rows
    // (the insert threshold) runs during the measurement and takes a core from whichever route is measured then
    await admin.query(`VACUUM (ANALYZE) orders`);
    await admin.query(`VACUUM (ANALYZE) order_lines`);
    // and the dirty pages written now, not by a checkpoint in the middle of a run (needs superuser or pg_checkpoint)
    await admin.query(`CHECKPOINT`).catch(() => undefined);
    const finished = performance.now();
    const [{ orders }] = (await admin.query(`SELECT count(*)::int AS orders FROM orders`)).rows;
    const [{ lines }] = (await admin.query(`SELECT count(*)::int AS lines FROM order_lines`)).rows;
    const seconds = (from: number, to: number) => Math.round((to - from) / 100) / 10;
    return {
      orders,
      lines,
      connections,
      seconds: (performance.now() - started) / 1000,
      phases: {
        insert: seconds(insertStarted, indexesStarted),
        indexes: seconds(indexesStarted, analyzeStarted),
        analyze: seconds(analyzeStarted, finished),
      },
    };
  } finally {
    await admin.end();
  }
}
