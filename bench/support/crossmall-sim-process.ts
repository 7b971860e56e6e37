/**
 * A CROSS MALL simulator in its own process, with BENCH_ORDERS orders (default 230) in the collect phase,
 * one or two lines each, dated ten minutes ago. Prints `READY <url>`.
 */
import { CrossmallSimulator, formatJstDash, formatJstSlash } from '../../test/simulators/crossmall';

const count = Number(process.env.BENCH_ORDERS ?? 230);
const sim = new CrossmallSimulator();
sim.seed(undefined);
const at = new Date(Date.now() - 10 * 60_000);
for (let i = 1; i <= count; i++) {
  const n = 70000 + i;
  sim.addOrder({
    order_number: n,
    order_date: formatJstSlash(at),
    updated_at: formatJstDash(at),
    shop_name: '楽天市場店',
    order_code: `R-${n}`,
    phase_name: '発送待機',
    client_name: `購入者 ${n}`,
    ship_name: `受取人 ${n}`,
    ship_zip: '100-0001',
    ship_address1: '東京都千代田区千代田1-1',
    lines: Array.from({ length: 1 + (n % 2) }, (_, line) => ({
      item_code: `CM-ITEM-${(n + line) % 50}`,
      item_name: `商品 ${(n + line) % 50}`,
      amount: 1 + line,
      unit_price: 990,
    })),
  });
}
sim.start(0).then((url) => process.stdout.write(`READY ${url}\n`));
process.once('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
