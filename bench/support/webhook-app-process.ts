/**
 * The app for `npm run bench:webhook`, in its own OS process (so autocannon and the simulators do not share its
 * event loop, and a kill -9 is a real crash). Configured from the environment like `npm start`, plus the bench's
 * baseline: `POST /bench/bare`, a route on the same Express app behind the same middleware (helmet, body
 * parsers) doing nothing. Prints `READY <url>` once it listens.
 */
import '../../src/runtime/pretenuring'; // first, as in src/main.ts
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config.loader';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  app
    .getHttpAdapter()
    .getInstance()
    .post('/bench/bare', (_req: unknown, res: { json(body: unknown): void }) => res.json({ accepted: 1 }));
  await app.listen(config.port, '127.0.0.1');
  process.stdout.write(`READY ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
