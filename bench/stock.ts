/**
 * `npm run bench:stock` — what "stock a site may sell" (issue 16, DESIGN §6) costs.
 *
 * (a) The demand marks: triggers on order_lines and orders mark each SKU whose sold-but-unreserved demand moved.
 *     Order intake writes BENCH_LINES lines (default 20,000, in statements of 200 lines, as the order writer batches)
 *     with the trigger on, against the same inserts with it off; then BENCH_LINES / 4 orders are cancelled, trigger on
 *     against off. Reported as ratios (on / off) measured in the same run.
 * (b) The sellable read: `SellableStock.read` for BENCH_SKUS SKUs (default 100) with BENCH_OPEN_PERCENT (default 20%)
 *     of the orders open, against a plain read of the same SKUs' levels (the read it replaces), and for one SKU (a
 *     push of one listing). Median of BENCH_REPEAT.
 *
 * SQL only (no app): the figures are the database's, which is where the cost is.
 */
import { Client } from 'pg';
import { SellableStock } from '../src/inventory/sellable-stock';
import { benchDatabase } from './support/bench-app';

const LINES = Number(process.env.BENCH_LINES ?? 20_000);
const SKUS = Number(process.env.BENCH_SKUS ?? 100);
const OPEN_PERCENT = Number(process.env.BENCH_OPEN_PERCENT ?? 20);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const BATCH = 200;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const [{ id: tenantId }] = (await client.query(`INSERT INTO tenants (name) VALUES ('Bench seller') RETURNING id`)).rows;
    const [{ id: connectionId }] = (
      await client.query(
        `INSERT INTO connections (id, tenant_id, site, shop_id, endpoint, status, credentials_ciphertext) VALUES (gen_random_uuid(), $1, 'crossmall', 'bench', 'http://127.0.0.1:1', 'active', 'x') RETURNING id`,
        [tenantId],
      )
    ).rows;
    const skuIds: string[] = (
      await client.query(
        `INSERT INTO skus (tenant_id, code, name, seller_management_code) SELECT $1, 'SKU-' || n, 'SKU ' || n, 'SKU-' || n FROM generate_series(1, $2) n RETURNING id`,
        [tenantId, SKUS],
      )
    ).rows.map((row: { id: string }) => row.id);
    await client.query(`INSERT INTO inventory_levels (tenant_id, sku_id, on_hand) SELECT $1, unnest($2::uuid[]), 1000`, [tenantId, skuIds]);

    /** `lines` orders of one line each, BATCH per statement (orders, then their lines); returns the order ids. */
    async function intake(prefix: string, lines: number): Promise<{ ms: number; orderIds: string[] }> {
      const orderIds: string[] = [];
      let ms = 0;
      for (let start = 0; start < lines; start += BATCH) {
        const count = Math.min(BATCH, lines - start);
        const statuses = Array.from({ length: count }, (_, i) => ((start + i) % 100 < OPEN_PERCENT ? 'confirmed' : 'shipped'));
        ms += await timed(async () => {
          const ids = (
            await client.query(
              `INSERT INTO orders (tenant_id, connection_id, site, external_order_id, source, status, site_status, ordered_at, line_count)
               SELECT $1, $2, 'crossmall', $3 || n, 'site', s.status, '発送待機', now(), 1
                 FROM unnest($4::text[]) WITH ORDINALITY AS s(status, n) RETURNING id`,
              [tenantId, connectionId, `${prefix}-${start}-`, statuses],
            )
          ).rows.map((row: { id: string }) => row.id);
          await client.query(
            `INSERT INTO order_lines (tenant_id, order_id, position, external_line_id, product_code, product_name, quantity, listing_key, sku_id, quantity_per_unit, resolution)
             SELECT $1, o.id, 1, '1', 'P', 'Product', 1 + (o.n % 3), 'L-' || (o.n % $3), ($4::uuid[])[1 + (o.n % $3)], 1, 'code'
               FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, n)`,
            [tenantId, ids, SKUS, skuIds],
          );
          orderIds.push(...ids);
        });
      }
      return { ms, orderIds };
    }

    const setTrigger = (on: boolean) =>
      Promise.all([
        client.query(`ALTER TABLE order_lines ${on ? 'ENABLE' : 'DISABLE'} TRIGGER order_lines_demand_insert`),
        client.query(`ALTER TABLE orders ${on ? 'ENABLE' : 'DISABLE'} TRIGGER orders_demand_update`),
      ]);
    const restatus = (orderIds: string[]) =>
      timed(() =>
        client.query(`UPDATE orders SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [
          orderIds.slice(0, Math.floor(orderIds.length / 4)),
        ]),
      );

    // Warm-up, then alternate off/on so neither side gets only a cold or a warm database.
    await intake('warm', 1_000);
    await setTrigger(false);
    const off = await intake('off', LINES);
    await setTrigger(true);
    const on = await intake('on', LINES);
    await setTrigger(false);
    const restatusOff = await restatus(off.orderIds);
    await setTrigger(true);
    const restatusOn = await restatus(on.orderIds);
    const marks = Number((await client.query(`SELECT count(*) FROM stock_demand_marks`)).rows[0].count);
    await client.query('ANALYZE');

    const manager = { query: async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows } as never;
    const sellable = new SellableStock();
    const sellableMs: number[] = [];
    const levelsMs: number[] = [];
    const oneSkuMs: number[] = [];
    let awaiting = 0;
    for (let i = 0; i < REPEAT; i++) {
      sellableMs.push(
        await timed(async () => {
          const read = await sellable.read(manager, tenantId, skuIds);
          awaiting = [...read.values()].reduce((sum, level) => sum + level.awaitingReservation, 0);
        }),
      );
      oneSkuMs.push(await timed(() => sellable.read(manager, tenantId, [skuIds[i % skuIds.length]])));
      levelsMs.push(
        await timed(() => client.query(`SELECT sku_id, on_hand, reserved FROM inventory_levels WHERE tenant_id = $1 AND sku_id = ANY($2::uuid[])`, [tenantId, skuIds])),
      );
    }

    const round = (value: number, digits = 2) => Number(value.toFixed(digits));
    console.log(
      JSON.stringify(
        {
          lines: LINES * 2 + 1_000,
          skus: SKUS,
          openPercent: OPEN_PERCENT,
          demandMarksWritten: marks,
          intake: { triggerOffMs: round(off.ms, 0), triggerOnMs: round(on.ms, 0), ratio: round(on.ms / off.ms) },
          statusChange: {
            ordersUpdated: Math.floor(LINES / 4),
            note: 'all cancelled; the open ones (OPEN_PERCENT) stop awaiting reservation and mark their SKUs',
            triggerOffMs: round(restatusOff, 0),
            triggerOnMs: round(restatusOn, 0),
            ratio: round(restatusOn / restatusOff),
          },
          sellableRead: {
            unitsAwaitingReservation: awaiting,
            medianMs: round(median(sellableMs)),
            levelsOnlyMedianMs: round(median(levelsMs)),
            ratio: round(median(sellableMs) / median(levelsMs)),
            oneSkuMedianMs: round(median(oneSkuMs)),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await client.end();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
