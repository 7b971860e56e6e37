import type { INestApplication } from '@nestjs/common';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { NE_DEFAULT_APP as NE_APP_FOR_TESTS } from '../simulators/nextengine';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestApp {
  app: INestApplication;
  /** base URL of the app listening on a real port */
  url: string;
  config: AppConfig;
  database: TestDatabase;
  http: TestAgent;
  /** every log line the app wrote, as text */
  logs: string[];
  /** a new tenant with its first API key */
  createTenant(name?: string): Promise<{ tenantId: string; apiKey: string }>;
  close(): Promise<void>;
}

export function testConfig(databaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return new AppConfig({
    port: 0,
    databaseUrl,
    dataDir: '/nonexistent',
    adminApiKey: TEST_ADMIN_KEY,
    credentialsKey: randomBytes(32),
    publicBaseUrl: 'http://127.0.0.1:0',
    connectReturnUrl: 'http://127.0.0.1:0/docs',
    nextEngine: { clientId: 'test-client-id', clientSecret: 'test-client-secret', signInUrl: 'http://127.0.0.1:1' },
    egressIps: ['203.0.113.10'],
    logLevel: 'debug',
    workersEnabled: false,
    syncTickSeconds: 1,
    jobPollingSeconds: 0.5,
    initialLookbackDays: 30,
    // suites like bad-input send thousands of requests as one tenant; rate-limit.e2e-spec turns it on
    apiRateLimitPerMinute: 0,
    ...overrides,
  });
}

/**
 * The real app (same factory as `main.ts`) on its own fresh database, listening on a free port.
 * Nothing of ours is mocked.
 */
export async function startTestApp(overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const app = await createApp(config, { logDestination: logStream });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  config.publicBaseUrl = url.replace('[::1]', '127.0.0.1');
  const http = request.agent(app.getHttpServer());
  return {
    app,
    url,
    config,
    database,
    http,
    logs,
    async createTenant(name = 'Test seller') {
      const response = await request(app.getHttpServer())
        .post('/v1/tenants')
        .set('Authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .send({ name })
        .expect(201);
      return { tenantId: response.body.tenant.id as string, apiKey: response.body.apiKey.key as string };
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * Settings for an app that talks to the NextEngine simulator `neUrl` (the simulator's own app
 * credentials) and, unless overridden, runs its scheduler and workers with short ticks.
 */
export function syncingApp(neUrl: string, overrides: Partial<AppConfig> = {}): Partial<AppConfig> {
  return {
    workersEnabled: true,
    syncTickSeconds: 1,
    jobPollingSeconds: 0.5,
    nextEngine: { clientId: NE_APP_FOR_TESTS.clientId, clientSecret: NE_APP_FOR_TESTS.clientSecret, signInUrl: neUrl },
    ...overrides,
  };
}
