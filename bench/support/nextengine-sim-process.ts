/**
 * A NextEngine simulator in its own process (so its memory does not count as the app's), seeded
 * with BENCH_ORDERS collectable orders of about three lines each. Prints `READY <url>`.
 */
import { NextEngineSimulator, type NeOrderSeed } from '../../test/simulators/nextengine';

const count = Number(process.env.BENCH_ORDERS ?? 100_000);
const sim = new NextEngineSimulator();
sim.seed(undefined);
for (let id = 1; id <= count; id++) {
  const lines = 2 + (id % 3); // 2, 3 or 4 lines: about 3 on average
  const order: NeOrderSeed = {
    receiveOrderId: String(id),
    shopId: '1',
    shopCutFormId: `B-${id}`,
    statusId: 20,
    printingInMinutes: -60,
    purchaser: { name: `購入者 ${id}`, zipCode: '1000001', address1: '東京都千代田区1-1', tel: '03-0000-0000' },
    consignee: { name: `受取人 ${id}`, zipCode: '1500001', address1: '東京都渋谷区神宮前1-1-1', tel: '03-1111-1111' },
    rows: Array.from({ length: lines }, (_, n) => ({ goodsId: `SKU-${(id + n) % 500}`, goodsName: `商品 ${(id + n) % 500}`, quantity: 1 + n, unitPrice: 1200 })),
  };
  sim.addOrder(order);
}
sim.start(0).then((url) => process.stdout.write(`READY ${url}\n`));
process.once('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
