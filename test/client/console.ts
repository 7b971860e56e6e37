/**
 * A small console-like program written only against the client generated from `openapi/openapi.json`
 * (openapi-typescript types + openapi-fetch): `npm run client:check` compiles it with `tsc --strict`, so a
 * document that stops matching how a client uses the API breaks the build; the openapi-client e2e runs it
 * against the real server, so the types and the server are checked together.
 *
 * Run: MALLBRIDGE_URL=http://localhost:3000 MALLBRIDGE_API_KEY=mb_… node -r @swc-node/register test/client/console.ts
 * It prints one JSON report of what it did.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from '../../tmp/openapi-client/mallbridge';
import type { ConsoleReport } from './console-report';

type Problem = components['schemas']['Problem'];
type OrderSummary = components['schemas']['OrderSummary'];
type Sku = components['schemas']['Sku'];

type Client = ReturnType<typeof createClient<paths>>;

/** Every order, a page at a time, following `nextCursor` until it is null. */
async function allOrders(client: Client, pageSize: number): Promise<{ orders: OrderSummary[]; pages: number }> {
  const orders: OrderSummary[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const { data, error } = await client.GET('/v1/orders', { params: { query: { limit: pageSize, ...(cursor ? { cursor } : {}) } } });
    if (error) throw new Error(`listing orders failed: ${error.status} ${error.title}`);
    pages++;
    orders.push(...data.data);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return { orders, pages };
}

async function createSku(client: Client, code: string): Promise<Sku> {
  const { data, error } = await client.POST('/v1/skus', {
    params: { header: { 'Idempotency-Key': `console-${code}` } },
    body: { code, name: 'Console product' },
  });
  if (error) throw new Error(`creating a SKU failed: ${error.status} ${error.detail ?? error.title}`);
  return data;
}

/** A request the server refuses: the problem names the bad field. */
async function refusedSku(client: Client): Promise<Problem> {
  const { data, error, response } = await client.POST('/v1/skus', { body: { code: '   ', name: 'Blank code' } });
  if (data) throw new Error(`a blank code was accepted as SKU ${data.id}`);
  if (response.status !== 400) throw new Error(`expected a 400, got ${response.status}`);
  return error;
}

export async function runConsole(baseUrl: string, apiKey: string, options: { pageSize: number; skuCode: string }): Promise<ConsoleReport> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });

  const connections = await client.GET('/v1/connections', { params: { query: { limit: 200 } } });
  if (connections.error) throw new Error(`listing connections failed: ${connections.error.status}`);
  const remaining = connections.response.headers.get('X-RateLimit-Remaining');

  const { orders, pages } = await allOrders(client, options.pageSize);
  const sku = await createSku(client, options.skuCode);
  const problem = await refusedSku(client);

  return {
    connections: connections.data.data.map((c) => ({ id: c.id, site: c.site, status: c.status })),
    orderPages: pages,
    orderIds: orders.map((order) => order.id),
    createdSku: { id: sku.id, code: sku.code, name: sku.name, optionName: sku.optionName },
    problem: { status: problem.status, type: problem.type, fields: (problem.errors ?? []).map((e) => e.field) },
    rateLimitRemaining: remaining === null ? null : Number(remaining),
  };
}

if (require.main === module) {
  const baseUrl = process.env.MALLBRIDGE_URL;
  const apiKey = process.env.MALLBRIDGE_API_KEY;
  if (!baseUrl || !apiKey) {
    process.stderr.write('Set MALLBRIDGE_URL and MALLBRIDGE_API_KEY.\n');
    process.exit(2);
  }
  runConsole(baseUrl, apiKey, { pageSize: Number(process.env.PAGE_SIZE ?? 50), skuCode: process.env.SKU_CODE ?? `CONSOLE-${Date.now()}` })
    .then((report) => process.stdout.write(JSON.stringify(report) + '\n'))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
