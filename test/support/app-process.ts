/**
 * One Mallbridge instance in its own OS process, for tests that need several instances on one
 * database or a worker killed mid-run. Configured from the environment like `npm start`; prints
 * `READY <url>` once it listens.
 */
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config.loader';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${await app.getUrl()}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
