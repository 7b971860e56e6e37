import type { NextEngineSimulator } from '../simulators/nextengine';
import type { TestApp } from './test-app';

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
