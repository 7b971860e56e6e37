import { DataSource } from 'typeorm';
import { CROSSMALL_DEFAULT_ACCOUNT, type CrossmallSimulator } from '../simulators/crossmall';
import { ELEVEN_STREET_DEFAULT_ACCOUNT, type ElevenStreetSimulator } from '../simulators/eleven-street';
import type { NextEngineSimulator } from '../simulators/nextengine';
import { QOO10_DEFAULT_ACCOUNT, type Qoo10Simulator } from '../simulators/qoo10';
import type { TestApp } from './test-app';
import { waitFor } from './wait-for';

/**
 * Registers a NextEngine connection and authorizes it the way a seller does: our authorize
 * redirect → the simulated NE sign-in → our callback. Returns the connection id.
 */
export async function connectNextEngine(
  t: TestApp,
  ne: NextEngineSimulator,
  apiKey: string,
  body: {
    shopId?: string;
    options?: Record<string, boolean>;
    settings?: Record<string, unknown>;
    orderSyncIntervalMinutes?: number;
    /** the NE user who signs in (one NE account per connection: a second sign-in of the same user makes the first one's tokens stale) */
    signInAs?: string;
  } = {},
): Promise<string> {
  const auth = { Authorization: `Bearer ${apiKey}` };
  const created = await t.http
    .post('/v1/connections')
    .set(auth)
    .send({
      site: 'nextengine',
      shopId: body.shopId ?? 'NE100001',
      endpoint: ne.url,
      credentials: {},
      options: body.options,
      settings: body.settings,
      orderSyncIntervalMinutes: body.orderSyncIntervalMinutes,
    });
  if (created.status !== 201) throw new Error(`NE registration failed: ${created.status} ${JSON.stringify(created.body)}`);
  const started = await t.http.get(`/v1/connections/${created.body.id}/authorize?mode=json`).set(auth);
  const signInUrl = new URL(started.body.authorizationUrl);
  if (body.signInAs) signInUrl.searchParams.set('sim_uid', body.signInAs);
  const signedIn = await fetch(signInUrl, { redirect: 'manual' });
  const completed = await fetch(signedIn.headers.get('location')!, { redirect: 'manual' });
  const landed = new URL(completed.headers.get('location')!);
  if (landed.searchParams.get('result') !== 'connected') throw new Error(`NE authorization failed: ${landed.search}`);
  return created.body.id;
}

/**
 * Registers a Qoo10 connection with the simulator's default account: the API key and the QSM password, which
 * registration exchanges for a seller authorization key ("Get Auth"). Returns the connection id.
 */
export function connectQoo10(t: TestApp, qoo10: Qoo10Simulator, apiKey: string, body: ConnectionChoices = {}): Promise<string> {
  return register(t, apiKey, 'Qoo10', {
    site: 'qoo10-jp',
    shopId: QOO10_DEFAULT_ACCOUNT.userId,
    endpoint: qoo10.url,
    credentials: { apiKey: QOO10_DEFAULT_ACCOUNT.apiKey, password: QOO10_DEFAULT_ACCOUNT.password },
    ...body,
  });
}

/** Registers an 11st connection with the simulator's default account (its OpenAPI key). Returns the connection id. */
export function connectElevenStreet(
  t: TestApp,
  eleven: ElevenStreetSimulator,
  apiKey: string,
  body: ConnectionChoices = {},
): Promise<string> {
  return register(t, apiKey, '11st', {
    site: '11st',
    shopId: ELEVEN_STREET_DEFAULT_ACCOUNT.sellerId,
    endpoint: eleven.url,
    credentials: { openApiKey: ELEVEN_STREET_DEFAULT_ACCOUNT.apiKey },
    ...body,
  });
}

/** Registers a CROSS MALL connection with the simulator's default account (company code and key). Returns the connection id. */
export function connectCrossmall(
  t: TestApp,
  crossmall: CrossmallSimulator,
  apiKey: string,
  body: ConnectionChoices & { shopId?: string } = {},
): Promise<string> {
  return register(t, apiKey, 'CROSS MALL', {
    site: 'crossmall',
    shopId: 'cm-shop',
    endpoint: crossmall.url,
    credentials: { companyCode: CROSSMALL_DEFAULT_ACCOUNT.account, apiKey: CROSSMALL_DEFAULT_ACCOUNT.authKey },
    ...body,
    settings: { shippedPhaseName: '発送済み', ...body.settings },
  });
}

interface ConnectionChoices {
  options?: Record<string, boolean>;
  settings?: Record<string, unknown>;
}

async function register(t: TestApp, apiKey: string, what: string, body: Record<string, unknown>): Promise<string> {
  const created = await t.http
    .post('/v1/connections')
    .set({ Authorization: `Bearer ${apiKey}` })
    .send(body);
  if (created.status !== 201) throw new Error(`${what} registration failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (created.body.status !== 'active') throw new Error(`${what} connection is ${created.body.status}, not active`);
  return created.body.id;
}

/** The app's stock push record of one listing: whether it is settled, and what the site last accepted. */
export async function stockPushRow(
  t: TestApp,
  connectionId: string,
  listingKey: string,
): Promise<{ state: string; last_sent_quantity: number | null; last_sent_at: Date | null; last_error: string | null } | undefined> {
  const [row] = await t.app
    .get(DataSource)
    .query(
      `SELECT state, last_sent_quantity, last_sent_at, last_error FROM stock_push_queue WHERE connection_id = $1 AND listing_key = $2`,
      [connectionId, listingKey],
    );
  return row;
}

/**
 * The absolute site shows what the app says it may sell (`sellable`: on hand − reserved − sold but not reserved),
 * and the listing's push row is settled at that quantity. Returns the quantity.
 */
export async function siteShowsSellable(
  t: TestApp,
  apiKey: string,
  target: { connectionId: string; listingKey: string; skuId: string; siteQuantity: () => number | undefined; what: string },
): Promise<number> {
  const [level] = (
    await t.http
      .get(`/v1/inventory?skuId=${target.skuId}`)
      .set({ Authorization: `Bearer ${apiKey}` })
      .expect(200)
  ).body.data;
  const sellable: number = level.sellable;
  await waitFor(async () => target.siteQuantity() === sellable, { what: `${target.what} at ${sellable}`, timeoutMs: 40_000 });
  await waitFor(
    async () => {
      const row = await stockPushRow(t, target.connectionId, target.listingKey);
      return row?.state === 'sent' && row.last_sent_quantity === sellable;
    },
    { what: `the stock push of ${target.listingKey} settled`, timeoutMs: 30_000 },
  );
  return sellable;
}
