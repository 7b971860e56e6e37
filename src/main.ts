import './runtime/pretenuring'; // first: before anything allocates (see the file)
import 'reflect-metadata';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/config.loader';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { TenantsService } from './tenants/tenants.service';

/*
 * Boot order: validated config → database (embedded unless DATABASE_URL) → migrations under an
 * advisory lock → the app → on the very first boot, a default tenant whose key is printed once.
 * Plain stdout is used for the few lines a person starting the service must read.
 */
async function bootstrap(): Promise<void> {
  const say = (line: string) => process.stdout.write(line + '\n');
  let embedded: EmbeddedDatabase | undefined;
  let config;
  try {
    config = loadConfig(process.env, (warning) => say(`WARNING: ${warning}`));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n(See "Configuration" in README.md.)\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  if (!config.databaseUrl) {
    const dataDir = join(config.dataDir, 'pg');
    say(`Starting the embedded PostgreSQL in ${dataDir} (set DATABASE_URL to use your own)...`);
    embedded = await startEmbeddedPostgres({ dataDir, log: say });
    config.databaseUrl = embedded.adminUrl;
  }

  const applied = await runMigrations(config.databaseUrl);
  if (applied.length) say(`Applied migrations: ${applied.join(', ')}`);

  const app = await createApp(config);
  const stopEmbedded = async () => {
    if (embedded) await embedded.stop().catch(() => undefined);
  };
  process.once('beforeExit', stopEmbedded);

  const created = await app.get(TenantsService).createDefaultTenantIfNone();
  await app.listen(config.port);
  const base = `http://localhost:${config.port}`;
  say(`Mallbridge is listening on ${base} (public URL ${config.publicBaseUrl})`);
  say(`Swagger UI: ${base}/docs   Health: ${base}/health`);
  if (created) {
    say('');
    say('First boot: created the default tenant. Its API key (shown only now, store it):');
    say(`  ${created.key}`);
    say(`Try: curl -H "Authorization: Bearer ${created.key}" ${base}/v1/api-keys`);
    say('');
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void (async () => {
        await app.close().catch(() => undefined);
        await stopEmbedded();
        process.exit(0);
      })();
    });
  }
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
