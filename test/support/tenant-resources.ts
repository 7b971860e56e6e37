import { ElevenStreetSimulator, ELEVEN_STREET_DEFAULT_ACCOUNT } from '../simulators/eleven-street';
import { NE_DEFAULT_APP, NextEngineSimulator } from '../simulators/nextengine';
import { SmaregiSimulator } from '../simulators/smaregi';
import type { OpenApiDocument } from './openapi-requests';
import { connectNextEngine } from './site-connections';
import type { AppConfig } from '../../src/config/app-config';
import { WebhookDispatcher } from '../../src/outbound-webhooks/webhook-dispatcher';
import { waitFor } from './wait-for';
import type { TestApp } from './test-app';

/** One row of each resource kind a tenant can own, by kind (`connection`, `sku`, `order`, …). */
export type TenantResources = Record<string, string>;

/** Which resource (as created by `createTenantResources`) an `{id}` names, by the path segment before it. */
export const RESOURCE_BY_PATH_SEGMENT: Record<string, string> = {
  'api-keys': 'apiKey',
  connections: 'connection',
  'sync-runs': 'syncRun',
  orders: 'order',
  skus: 'sku',
  'sku-mappings': 'mapping',
  'fulfillment-orders': 'fulfillmentOrder',
  'stock-links': 'stockLink',
  users: 'user',
  'webhook-endpoints': 'webhookEndpoint',
  'webhook-deliveries': 'webhookDelivery',
};

/** Required query parameters that scope a list to one of the tenant's resources, by the resource they name. */
export const QUERY_SCOPES: Record<string, string> = { connectionId: 'connection' };

const WEBHOOK_RECEIVER_HOST = 'webhook-receiver.invalid';

/** The site simulators the resources need: 11st (no authorization flow), NextEngine and Smaregi (stock links). */
export class ResourceSimulators {
  readonly eleven = new ElevenStreetSimulator();
  readonly ne = new NextEngineSimulator();
  readonly smaregi = new SmaregiSimulator();

  async start(): Promise<void> {
    this.eleven.seed(undefined);
    this.ne.seed({ queueDelayMs: 0 });
    this.smaregi.seed(SmaregiSimulator.demoSeed());
    for (const sim of [this.eleven, this.ne, this.smaregi]) await sim.start();
  }

  async stop(): Promise<void> {
    for (const sim of [this.eleven, this.ne, this.smaregi]) await sim.stop();
  }

  /** App config overrides so NextEngine authorization reaches the simulator. */
  appConfig(): Partial<AppConfig> {
    return {
      nextEngine: { clientId: NE_DEFAULT_APP.clientId, clientSecret: NE_DEFAULT_APP.clientSecret, signInUrl: this.ne.url },
      // webhook endpoints need a URL the app may call; with workers off nothing is ever sent to it
      webhookAllowedPrivateHosts: [WEBHOOK_RECEIVER_HOST],
    };
  }
}

function hasOperation(doc: OpenApiDocument, method: string, path: string): boolean {
  return Boolean(doc.paths[path]?.[method]);
}

/**
 * Creates one of everything for a tenant through the API — the way a seller does — and returns the ids.
 * Resources of modules absent from the document are skipped. `prefix` keeps codes apart between tenants.
 */
export async function createTenantResources(
  t: TestApp,
  sims: ResourceSimulators,
  apiKey: string,
  doc: OpenApiDocument,
  prefix: string,
): Promise<TenantResources> {
  const auth = { Authorization: `Bearer ${apiKey}` };
  const expect = async (label: string, response: { status: number; body: Record<string, unknown> }, status: number) => {
    if (response.status !== status) throw new Error(`creating ${label} failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const ids: TenantResources = {};

  const apiKeyRow = await expect(
    'api key',
    await t.http
      .post('/v1/api-keys')
      .set(auth)
      .send({ name: `${prefix} second key` }),
    201,
  );
  ids.apiKey = apiKeyRow.id as string;

  if (hasOperation(doc, 'post', '/v1/users')) {
    const user = await expect(
      'user',
      await t.http
        .post('/v1/users')
        .set(auth)
        .send({ email: `${prefix.toLowerCase()}-viewer@example.jp`, role: 'viewer', password: `${prefix} password 1` }),
      201,
    );
    ids.user = user.id as string;
  }

  const connection = await expect(
    'connection',
    await t.http
      .post('/v1/connections')
      .set(auth)
      .send({
        site: '11st',
        shopId: ELEVEN_STREET_DEFAULT_ACCOUNT.sellerId,
        endpoint: sims.eleven.url,
        credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
      }),
    201,
  );
  ids.connection = connection.id as string;

  const sku = await expect(
    'sku',
    await t.http
      .post('/v1/skus')
      .set(auth)
      .send({ code: `${prefix}-SKU-1`, name: `${prefix} product` }),
    201,
  );
  ids.sku = sku.id as string;

  const mapping = await expect(
    'sku mapping',
    await t.http
      .post('/v1/sku-mappings')
      .set(auth)
      .send({ site: '11st', connectionId: ids.connection, listingKey: `${prefix}-LISTING-1`, skuId: ids.sku }),
    201,
  );
  ids.mapping = mapping.id as string;

  if (hasOperation(doc, 'post', '/v1/inventory/adjustments')) {
    await expect(
      'inventory receipt',
      await t.http.post('/v1/inventory/adjustments').set(auth).send({ skuId: ids.sku, reason: 'receipt', quantity: 10 }),
      201,
    );
  }

  if (hasOperation(doc, 'post', '/v1/webhook-endpoints')) {
    const endpoint = await expect(
      'webhook endpoint',
      await t.http
        .post('/v1/webhook-endpoints')
        .set(auth)
        .send({ url: `http://${WEBHOOK_RECEIVER_HOST}/${prefix}`, eventTypes: ['orders.arrived'] }),
      201,
    );
    ids.webhookEndpoint = endpoint.id as string;
  }

  const order = await expect(
    'manual order',
    await t.http
      .post('/v1/orders')
      .set(auth)
      .send({
        connectionId: ids.connection,
        externalOrderId: `${prefix}-ORDER-1`,
        orderedAt: '2026-01-15T10:00:00+09:00',
        recipient: { name: 'Recipient', postalCode: '1000001', region: '東京都', line1: '千代田1-1' },
        lines: [{ productCode: `${prefix}-LISTING-1`, productName: `${prefix} product`, quantity: 1 }],
      }),
    201,
  );
  ids.order = order.id as string;

  if (hasOperation(doc, 'post', '/v1/orders/{id}/fulfillment')) {
    const instructed = await expect('fulfillment order', await t.http.post(`/v1/orders/${ids.order}/fulfillment`).set(auth), 200);
    const fulfillmentOrder = instructed.fulfillmentOrder as { id?: string } | undefined;
    if (!fulfillmentOrder?.id) throw new Error(`no fulfillment order was created: ${JSON.stringify(instructed)}`);
    ids.fulfillmentOrder = fulfillmentOrder.id;
  }

  if (ids.webhookEndpoint) {
    // the order's `orders.arrived` becomes a delivery once the relay numbers it (workers are off: dispatch here, never sent)
    const deliveries = await waitFor(async () => {
      await t.app.get(WebhookDispatcher).dispatch();
      const page = await t.http.get(`/v1/webhook-endpoints/${ids.webhookEndpoint}/deliveries`).set(auth);
      return page.body.data?.length ? (page.body.data as { id: string }[]) : null;
    });
    ids.webhookDelivery = deliveries[0].id;
  }

  const sync = await expect('sync run', await t.http.post(`/v1/connections/${ids.connection}/sync`).set(auth), 202);
  ids.syncRun = sync.runId as string;

  if (hasOperation(doc, 'post', '/v1/stock-links')) {
    ids.neConnection = await connectNextEngine(t, sims.ne, apiKey);
    const smaregi = await expect(
      'smaregi connection',
      await t.http
        .post('/v1/connections')
        .set(auth)
        .send({
          site: 'smaregi',
          shopId: 'smaregi-demo',
          endpoint: sims.smaregi.url,
          credentials: { accessToken: 'demo-legacy-access-token' },
        }),
      201,
    );
    ids.smaregiConnection = smaregi.id as string;
    const link = await expect(
      'stock link',
      await t.http
        .post('/v1/stock-links')
        .set(auth)
        .send({
          smaregiConnectionId: ids.smaregiConnection,
          nextengineConnectionId: ids.neConnection,
          stockMaster: 'smaregi',
          idMatching: 'csv',
          uploadDelaySeconds: 0,
        }),
      201,
    );
    ids.stockLink = link.id as string;
    ids.stockLinkToken = String(link.customerUrl).split('/').pop() as string;
    ids.stockLinkSecret = link.secretCode as string;
  }
  return ids;
}
