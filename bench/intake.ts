/**
 * `npm run bench:intake` — order intake throughput against a plain multi-row INSERT baseline.
 *
 * A NextEngine simulator (own process) serves BENCH_ORDERS orders (default 100,000, about 3 lines
 * each). Mallbridge pulls them all through the real connector, transport and intake service into
 * PostgreSQL; then the same rows are written again with bare multi-row INSERTs into copies of the
 * same tables (same indexes) in the same database: the ratio is the figure, not the seconds. A second
 * pull over unchanged data must write nothing.
 */
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OrderIntakeService } from '../src/orders/order-intake.service';
import { benchConfig, benchDatabase, rssSampler, startBenchApp, startProcess } from './support/bench-app';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);

async function connectNextEngine(appUrl: string, apiKey: string, simUrl: string): Promise<string> {
  const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
  const created = await fetch(`${appUrl}/v1/connections`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ site: 'nextengine', shopId: 'NE100001', endpoint: simUrl, credentials: {} }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const { authorizationUrl } = await fetch(`${appUrl}/v1/connections/${created.id}/authorize?mode=json`, { headers }).then(
    (r) => r.json() as Promise<{ authorizationUrl: string }>,
  );
  const signedIn = await fetch(authorizationUrl, { redirect: 'manual' });
  const done = await fetch(signedIn.headers.get('location')!, { redirect: 'manual' });
  if (!done.headers.get('location')?.includes('result=connected')) throw new Error('NextEngine authorization failed');
  return created.id;
}

/**
 * The same rows written again with bare multi-row INSERTs, chunk by chunk (500 orders, 1,000 lines),
 * into copies of the tables with the same indexes. Only the INSERTs are timed; rows are read back in
 * keyset chunks so the baseline's memory stays as flat as the intake's.
 */
async function rawInsertBaseline(db: DataSource): Promise<{ seconds: number; orders: number; lines: number }> {
  await db.query(`CREATE TABLE bench_orders (LIKE orders INCLUDING DEFAULTS INCLUDING INDEXES)`);
  await db.query(`CREATE TABLE bench_order_lines (LIKE order_lines INCLUDING DEFAULTS INCLUDING INDEXES)`);
  let insertSeconds = 0;
  const copy = async (from: string, to: string, chunk: number): Promise<number> => {
    let after = '00000000-0000-0000-0000-000000000000';
    let copied = 0;
    for (;;) {
      const rows: Record<string, unknown>[] = await db.query(`SELECT * FROM ${from} WHERE id > $1 ORDER BY id LIMIT ${chunk}`, [after]);
      if (!rows.length) return copied;
      after = rows[rows.length - 1].id as string;
      const columns = Object.keys(rows[0]);
      const params: unknown[] = [];
      const values = rows.map((row, r) => {
        for (const column of columns) {
          const value = row[column];
          params.push(value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value);
        }
        return `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`;
      });
      const started = performance.now();
      await db.query(`INSERT INTO ${to} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
      insertSeconds += (performance.now() - started) / 1000;
      copied += rows.length;
    }
  };
  const orders = await copy('orders', 'bench_orders', 500);
  const lines = await copy('order_lines', 'bench_order_lines', 1000);
  return { seconds: insertSeconds, orders, lines };
}

async function main(): Promise<void> {
  process.stdout.write(`Seeding a NextEngine simulator with ${ORDERS.toLocaleString()} orders...\n`);
  const sim = await startProcess(join(__dirname, 'support', 'nextengine-sim-process.ts'), { BENCH_ORDERS: String(ORDERS) });
  const database = await benchDatabase();
  const config = benchConfig(database.url, { nextEngine: { clientId: 'sim-ne-client-id', clientSecret: 'sim-ne-client-secret', signInUrl: sim.url } });
  const { app, url, apiKey } = await startBenchApp(config);
  try {
    const connectionId = await connectNextEngine(url, apiKey, sim.url);
    const intake = app.get(OrderIntakeService);
    const db = app.get(DataSource);

    global.gc?.();
    const rss = rssSampler();
    let started = performance.now();
    const first = await intake.pull(connectionId);
    const firstSeconds = (performance.now() - started) / 1000;
    const peakRssMb = rss.stop();
    const [{ lines }] = await db.query(`SELECT count(*)::int AS lines FROM order_lines`);

    const secondStart = new Date();
    started = performance.now();
    const second = await intake.pull(connectionId);
    const secondSeconds = (performance.now() - started) / 1000;
    const [{ touched }] = await db.query(`SELECT count(*)::int AS touched FROM orders WHERE updated_at >= $1`, [secondStart]);

    const baseline = await rawInsertBaseline(db);
    const intakeRate = first.seen / firstSeconds;
    const rawRate = baseline.orders / baseline.seconds;
    const result = {
      orders: first.seen,
      lines,
      firstPull: { seconds: +firstSeconds.toFixed(2), ordersPerSecond: Math.round(intakeRate), created: first.created, peakRssMb },
      rawInsert: { seconds: +baseline.seconds.toFixed(2), ordersPerSecond: Math.round(rawRate) },
      ratioToRawInsert: +(intakeRate / rawRate).toFixed(2),
      secondPull: {
        seconds: +secondSeconds.toFixed(2),
        ordersPerSecond: Math.round(second.seen / secondSeconds),
        seen: second.seen,
        rowsWritten: second.created + second.updated,
        ordersTouched: touched,
      },
    };
    process.stdout.write(`\n${JSON.stringify(result, null, 2)}\n\n`);
    process.stdout.write(
      `intake ${result.firstPull.ordersPerSecond} orders/s vs raw INSERT ${result.rawInsert.ordersPerSecond} orders/s → ratio ${result.ratioToRawInsert} (target ≥ 0.4); ` +
        `peak RSS ${peakRssMb} MB (target < 400); second pass wrote ${result.secondPull.rowsWritten} rows.\n`,
    );
  } finally {
    await app.close();
    await sim.stop();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
