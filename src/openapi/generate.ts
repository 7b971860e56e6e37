import { NestFactory } from '@nestjs/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppModule } from '../app.module';
import { AppConfig } from '../config/app-config';
import { buildOpenApiDocument } from './openapi';

/** Configuration that only has to be well-formed: preview mode instantiates nothing. */
function documentationConfig(): AppConfig {
  return new AppConfig({
    port: 3000,
    databaseUrl: 'postgres://openapi@localhost/openapi',
    dataDir: '/nonexistent',
    credentialsKey: Buffer.alloc(32),
    publicBaseUrl: 'http://localhost:3000',
    connectReturnUrl: 'http://localhost:3000/docs',
    nextEngine: { signInUrl: 'https://base.next-engine.org' },
    egressIps: [],
    logLevel: 'silent',
    workersEnabled: false,
    syncTickSeconds: 1,
    jobPollingSeconds: 0.5,
    initialLookbackDays: 30,
  });
}

/** Sort object keys so the committed document only changes when the API does. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, stable((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export async function writeOpenApiDocument(path: string): Promise<string> {
  // preview: modules are scanned for routes and metadata, but no provider (database, queue) starts.
  const app = await NestFactory.create(AppModule.register(documentationConfig()), { preview: true, logger: false, abortOnError: false });
  const document = buildOpenApiDocument(app, { strict: true });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(stable(document), null, 2) + '\n');
  await app.close();
  return path;
}
