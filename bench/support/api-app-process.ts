/**
 * An app for `npm run bench:api`, in its own OS process, as in production: one app per process, so the app
 * under load shares its heap and its garbage collector with nothing else (two apps in the bench's process
 * made one's collections stall the other's requests). Configured by the bench (`benchConfig`) on DATABASE_URL,
 * with ORDER_LIST_CACHE_MB, and the bench's bare route (`BenchBareModule`). Prints `READY <url>` once it listens,
 * and its garbage collections since the last ask on SIGUSR2 (bench/support/gc-stats.ts).
 */
import '../../src/runtime/pretenuring'; // first, as in src/main.ts
import { createApp } from '../../src/app.factory';
import { BenchBareModule } from './bare.module';
import { benchConfig } from './bench-app';
import { reportGcOnSignal } from './gc-stats';

async function main(): Promise<void> {
  reportGcOnSignal();
  const cacheMb = process.env.ORDER_LIST_CACHE_MB;
  const config = benchConfig(process.env.DATABASE_URL!, cacheMb === undefined ? {} : { orderListCacheMb: Number(cacheMb) });
  const app = await createApp(config, { extraModules: [BenchBareModule] });
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
