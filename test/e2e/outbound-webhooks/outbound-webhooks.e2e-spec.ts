import { DataSource } from 'typeorm';
import { OutboundWebhookTimings } from '../../../src/outbound-webhooks/outbound-webhook-timings';
import { verifyMallbridgeSignature } from '../../../src/outbound-webhooks/webhook-signature';
import { ElevenStreetSimulator } from '../../simulators/eleven-street';
import { type AppProcess, startAppProcess } from '../../support/app-processes';
import { connectElevenStreet } from '../../support/site-connections';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';
import { type ReceivedWebhook, WebhookReceiver } from '../../support/webhook-receiver';

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastResponseExcerpt: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/**
 * Outbound webhooks (issue 18): a tenant's endpoints receive signed deliveries of the events they chose, caused by
 * real activity (manual orders, cancels); a failing receiver is retried with backoff and shows in the delivery log;
 * URLs reaching inside are refused; two instances never deliver an event twice. The real app (workers on), real
 * PostgreSQL, a real HTTP receiver on 127.0.0.1, allowed by WEBHOOK_ALLOWED_PRIVATE_HOSTS for its port only.
 */
describe('Outbound webhooks', () => {
  const receiver = new WebhookReceiver();
  const eleven = new ElevenStreetSimulator();
  let t: TestApp;
  let apiKey: string;
  let connectionId: string;
  let orderCount = 0;
  const auth = (key = apiKey) => ({ Authorization: `Bearer ${key}` });
  const timings = () => t.app.get(OutboundWebhookTimings);

  // a test that shortens the pacing (a 1 s attempt timeout, quick retries) must not leave it to the next one:
  // under load a 1 s timeout aborts a slow but good delivery, and its retry is a second hit the receiver counts
  afterEach(() => {
    Object.assign(timings(), new OutboundWebhookTimings());
  });

  beforeAll(async () => {
    await receiver.start();
    eleven.seed(undefined);
    await eleven.start();
    t = await startTestApp({
      workersEnabled: true,
      syncTickSeconds: 1,
      jobPollingSeconds: 0.5,
      webhookAllowedPrivateHosts: [`127.0.0.1:${receiver.port}`],
    });
    ({ apiKey } = await t.createTenant('Webhook seller'));
    connectionId = await connectElevenStreet(t, eleven, apiKey);
  });

  afterAll(async () => {
    await t?.close();
    await eleven.stop();
    await receiver.stop();
  });

  async function createEndpoint(path: string, eventTypes: string[], key = apiKey): Promise<{ id: string; secret: string }> {
    const created = await t.http
      .post('/v1/webhook-endpoints')
      .set(auth(key))
      .send({ url: receiver.url(path), eventTypes })
      .expect(201);
    return created.body;
  }

  async function manualOrder(): Promise<string> {
    orderCount += 1;
    const created = await t.http
      .post('/v1/orders')
      .set(auth())
      .send({
        connectionId,
        externalOrderId: `WH-${orderCount}`,
        orderedAt: '2026-11-01T10:00:00+09:00',
        recipient: { name: `受取人 ${orderCount}` },
        lines: [{ productCode: `WH-ITEM-${orderCount}`, productName: '商品', quantity: 1 }],
      })
      .expect(201);
    return created.body.id;
  }

  async function deliveries(endpointId: string, key = apiKey): Promise<Delivery[]> {
    return (await t.http.get(`/v1/webhook-endpoints/${endpointId}/deliveries?limit=200`).set(auth(key)).expect(200)).body.data;
  }

  function hitsFor(path: string, orderId: string): ReceivedWebhook[] {
    return receiver.at(path).filter((hit) => hit.body.data.orderId === orderId);
  }

  describe('refuses URLs that reach inside', () => {
    it.each([
      ['127.0.0.1 on a port not allowed', () => `http://127.0.0.1:${receiver.port + 1}/hook`],
      ['a name resolving to loopback', () => `http://localhost:${receiver.port}/hook`],
      ['IPv6 loopback', () => `http://[::1]:${receiver.port}/hook`],
      ['loopback written as IPv4-mapped IPv6', () => `https://[::ffff:127.0.0.1]/hook`],
      ['loopback written as one number', () => `http://2130706433/hook`],
      ['a private address', () => 'http://10.20.30.40/hook'],
      ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
      ['the unspecified address', () => 'http://0.0.0.0/hook'],
      ['a non-http scheme', () => 'ftp://hooks.example.com/'],
      ['not a URL', () => 'hooks.example.com/mallbridge'],
    ])('%s', async (_what, url) => {
      const response = await t.http
        .post('/v1/webhook-endpoints')
        .set(auth())
        .send({ url: url(), eventTypes: ['orders.arrived'] });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
      const count = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM webhook_endpoints`);
      expect(count[0].n).toBe(0);
    });

    it('refuses unknown, repeated and missing event types, with the field named', async () => {
      for (const eventTypes of [['orders.arrived', 'orders.shipped'], ['orders.arrived', 'orders.arrived'], [], null]) {
        const response = await t.http
          .post('/v1/webhook-endpoints')
          .set(auth())
          .send({ url: receiver.url('/x'), eventTypes });
        expect(response.status).toBe(400);
        expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(
          expect.arrayContaining([expect.stringMatching(/^eventTypes/)]),
        );
      }
    });
  });

  it('sends each endpoint the events it chose, signed with its own secret', async () => {
    const arrivals = await createEndpoint('/arrivals', ['orders.arrived']);
    const cancels = await createEndpoint('/cancels', ['orders.cancelled']);
    expect(arrivals.secret).toMatch(/^whsec_/);
    // the secret is shown once: neither read back nor stored in clear
    const read = await t.http.get(`/v1/webhook-endpoints/${arrivals.id}`).set(auth()).expect(200);
    expect(read.body).not.toHaveProperty('secret');
    const [stored] = await t.app.get(DataSource).query(`SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1`, [arrivals.id]);
    expect(stored.secret_ciphertext).not.toContain(arrivals.secret.slice(6));

    const kept = await manualOrder();
    const cancelled = await manualOrder();
    await t.http.post(`/v1/orders/${cancelled}/cancel`).set(auth()).expect(200);

    await waitFor(async () => hitsFor('/arrivals', kept).length && hitsFor('/arrivals', cancelled).length, { what: 'both arrivals' });
    const [cancelHit] = await waitFor(async () => (hitsFor('/cancels', cancelled).length ? hitsFor('/cancels', cancelled) : null), {
      what: 'the cancel',
    });

    // only the chosen types, and only for this tenant's orders
    expect(receiver.at('/arrivals').every((hit) => hit.body.type === 'orders.arrived')).toBe(true);
    expect(receiver.at('/cancels').map((hit) => hit.body.type)).toEqual(['orders.cancelled']);
    expect(cancelHit.body.data).toMatchObject({ orderId: cancelled, connectionId, externalOrderId: `WH-${orderCount}` });

    const [arrival] = hitsFor('/arrivals', kept);
    expect(arrival.body).toMatchObject({ type: 'orders.arrived', data: { orderId: kept, connectionId, site: '11st' } });
    expect(arrival.headers['content-type']).toBe('application/json');
    expect(arrival.headers['mallbridge-event-id']).toBe(arrival.body.id);
    expect(arrival.headers['mallbridge-event-type']).toBe('orders.arrived');
    expect(new Date(arrival.body.createdAt).toISOString()).toBe(arrival.body.createdAt);

    // verified as a receiver would: the raw body, this endpoint's secret, the header
    const header = arrival.headers['mallbridge-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyMallbridgeSignature(arrivals.secret, header, arrival.rawBody, new Date())).toBe(true);
    expect(verifyMallbridgeSignature(cancels.secret, header, arrival.rawBody, new Date())).toBe(false);
    const tampered = arrival.rawBody.replace(kept, cancelled);
    expect(tampered).not.toBe(arrival.rawBody);
    expect(verifyMallbridgeSignature(arrivals.secret, header, tampered, new Date())).toBe(false);
    expect(verifyMallbridgeSignature(arrivals.secret, header, arrival.rawBody, new Date(Date.now() + 6 * 60_000))).toBe(false);

    const log = await waitFor(async () => {
      const rows = await deliveries(arrivals.id);
      return rows.length >= 2 && rows.every((row) => row.status === 'succeeded') ? rows : null;
    });
    expect(log.find((row) => row.eventId === arrival.body.id)).toMatchObject({
      eventType: 'orders.arrived',
      attempts: 1,
      lastStatusCode: 200,
      lastResponseExcerpt: 'thanks',
      lastError: null,
      nextAttemptAt: null,
    });
  });

  it('retries a failing receiver with growing waits, shows each outcome in the log, and succeeds once it recovers', async () => {
    timings().retryDelaysMs = [300, 900, 900];
    timings().attemptTimeoutMs = 1_000;
    receiver.answer('/flaky', 500, 'hang', 200);
    const flaky = await createEndpoint('/flaky', ['orders.arrived']);
    const orderId = await manualOrder();

    const afterError = await waitFor(async () => (await deliveries(flaky.id)).find((row) => row.lastStatusCode === 500), {
      what: 'the first attempt answered 500',
    });
    expect(afterError).toMatchObject({ status: 'pending', attempts: 1, lastError: 'The endpoint answered 500.' });
    expect(afterError.lastResponseExcerpt).toBe('receiver says 500');
    expect(new Date(afterError.nextAttemptAt!).getTime()).toBeGreaterThan(new Date(afterError.lastAttemptAt!).getTime());

    const afterTimeout = await waitFor(
      async () => (await deliveries(flaky.id)).find((row) => row.attempts === 2 && row.status === 'pending'),
      {
        what: 'the second attempt timed out',
      },
    );
    expect(afterTimeout).toMatchObject({ lastStatusCode: null, lastError: 'No response within 1 s.' });

    const done = await waitFor(async () => (await deliveries(flaky.id)).find((row) => row.status === 'succeeded'), { what: 'success' });
    expect(done).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null });
    expect(done.deliveredAt).not.toBeNull();

    const hits = hitsFor('/flaky', orderId);
    expect(hits.map((hit) => hit.body.id)).toEqual([done.eventId, done.eventId, done.eventId]);
    // the waits of the schedule, at least: 300 ms after the 500; after the hang the 900 ms wait, plus the 1 s timeout
    // less what the request took to arrive (the timeout runs from the attempt's start)
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(300);
    expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(900 + 800);
  });

  it('fails a delivery once its retries run out; a manual retry sends it again', async () => {
    timings().retryDelaysMs = [200];
    receiver.answer('/down', 503);
    const down = await createEndpoint('/down', ['orders.arrived']);
    const orderId = await manualOrder();

    const failed = await waitFor(async () => (await deliveries(down.id)).find((row) => row.status === 'failed'), { what: 'failure' });
    expect(failed).toMatchObject({ attempts: 2, lastStatusCode: 503, nextAttemptAt: null });
    expect(hitsFor('/down', orderId)).toHaveLength(2);

    receiver.answer('/down', 200);
    const retried = await t.http.post(`/v1/webhook-deliveries/${failed.id}/retry`).set(auth()).expect(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending' });
    const done = await waitFor(async () => (await deliveries(down.id)).find((row) => row.id === failed.id && row.status === 'succeeded'));
    expect(done.lastStatusCode).toBe(200);
    expect(hitsFor('/down', orderId)).toHaveLength(3);
  });

  it("keeps tenants apart: another tenant's endpoints and deliveries are not found", async () => {
    const mine = await createEndpoint('/mine', ['orders.arrived']);
    await manualOrder();
    const [delivery] = await waitFor(async () => {
      const rows = await deliveries(mine.id);
      return rows.length > 0 ? rows : null;
    });

    const other = await t.createTenant('Another seller');
    expect((await t.http.get('/v1/webhook-endpoints').set(auth(other.apiKey)).expect(200)).body.data).toEqual([]);
    await t.http.get(`/v1/webhook-endpoints/${mine.id}`).set(auth(other.apiKey)).expect(404);
    await t.http.get(`/v1/webhook-endpoints/${mine.id}/deliveries`).set(auth(other.apiKey)).expect(404);
    await t.http.delete(`/v1/webhook-endpoints/${mine.id}`).set(auth(other.apiKey)).expect(404);
    await t.http.post(`/v1/webhook-deliveries/${delivery.id}/retry`).set(auth(other.apiKey)).expect(404);

    // the other tenant's own endpoint hears nothing of the first tenant's orders
    const theirs = await createEndpoint('/theirs', ['orders.arrived'], other.apiKey);
    const orderId = await manualOrder();
    await waitFor(async () => hitsFor('/mine', orderId).length);
    expect(receiver.at('/theirs')).toEqual([]);
    expect(await deliveries(theirs.id, other.apiKey)).toEqual([]);
  });

  it('checks the address again at each delivery: an endpoint that now points inside is not called', async () => {
    timings().retryDelaysMs = [200];
    const internal = new WebhookReceiver(); // a service inside the network, which no delivery may reach
    await internal.start();
    try {
      const moved = await createEndpoint('/moved', ['orders.arrived']);
      // what a DNS change does to a saved endpoint, done to its row: its address is now a loopback one not allowed
      await t.app.get(DataSource).query(`UPDATE webhook_endpoints SET url = $2 WHERE id = $1`, [moved.id, internal.url('/admin')]);
      await manualOrder();
      const failed = await waitFor(async () => (await deliveries(moved.id)).find((row) => row.status === 'failed'), { what: 'refusal' });
      expect(failed).toMatchObject({ attempts: 2, lastStatusCode: null });
      expect(failed.lastError).toMatch(/127\.0\.0\.1 is a loopback address/);
      expect(internal.received).toEqual([]);
    } finally {
      await internal.stop();
    }
  });

  it('follows no redirect: a 3xx is a failed attempt', async () => {
    timings().retryDelaysMs = [200];
    receiver.answer('/moved-permanently', { redirectTo: '/redirect-target' });
    const redirecting = await createEndpoint('/moved-permanently', ['orders.arrived']);
    const orderId = await manualOrder();
    const failed = await waitFor(async () => (await deliveries(redirecting.id)).find((row) => row.status === 'failed'), {
      what: 'failure',
    });
    expect(failed).toMatchObject({ attempts: 2, lastStatusCode: 307, lastError: 'The endpoint answered 307.' });
    expect(hitsFor('/moved-permanently', orderId)).toHaveLength(2);
    expect(receiver.at('/redirect-target')).toEqual([]);
  });

  it('stops sending to a deleted endpoint', async () => {
    const gone = await createEndpoint('/gone', ['orders.arrived']);
    const witness = await createEndpoint('/witness', ['orders.arrived']);
    await t.http.delete(`/v1/webhook-endpoints/${gone.id}`).set(auth()).expect(204);
    await t.http.get(`/v1/webhook-endpoints/${gone.id}`).set(auth()).expect(404);
    expect(await deliveries(gone.id)).toEqual([]); // its log stays readable
    await t.http.delete(`/v1/webhook-endpoints/${gone.id}`).set(auth()).expect(404);
    const listed = (await t.http.get('/v1/webhook-endpoints?limit=200').set(auth()).expect(200)).body.data.map(
      (row: { id: string }) => row.id,
    );
    expect(listed).toContain(witness.id);
    expect(listed).not.toContain(gone.id);

    const orderId = await manualOrder();
    await waitFor(async () => hitsFor('/witness', orderId).length, { what: 'the witness delivery' });
    expect(receiver.at('/gone')).toEqual([]);
  });

  describe('with a second instance dispatching and sending at once', () => {
    let second: AppProcess;

    beforeAll(async () => {
      second = await startAppProcess(t, { WEBHOOK_ALLOWED_PRIVATE_HOSTS: `127.0.0.1:${receiver.port}` });
    });

    afterAll(async () => {
      await second?.stop();
    });

    it('delivers every event exactly once to an endpoint', async () => {
      timings().retryDelaysMs = [10_000];
      const busy = await createEndpoint('/busy', ['orders.arrived', 'orders.cancelled', 'orders.changed']);
      const orderIds: string[] = [];
      for (let batch = 0; batch < 5; batch++) {
        const created = await Promise.all(Array.from({ length: 6 }, () => manualOrder()));
        orderIds.push(...created);
        await Promise.all(created.slice(0, 2).map((id) => t.http.post(`/v1/orders/${id}/cancel`).set(auth()).expect(200)));
      }

      const log = await waitFor(
        async () => {
          const rows = await deliveries(busy.id);
          const arrived = new Set(rows.filter((row) => row.eventType === 'orders.arrived').map((row) => row.eventId));
          return arrived.size === orderIds.length && rows.every((row) => row.status === 'succeeded') ? rows : null;
        },
        { timeoutMs: 60_000, what: 'every delivery succeeded' },
      );
      const hits = receiver.at('/busy');
      const perEvent = new Map<string, number>();
      for (const hit of hits) perEvent.set(hit.body.id, (perEvent.get(hit.body.id) ?? 0) + 1);
      expect([...perEvent.values()].filter((count) => count > 1)).toEqual([]);
      expect(new Set(hits.map((hit) => hit.body.id))).toEqual(new Set(log.map((row) => row.eventId)));
      expect(log.every((row) => row.attempts === 1)).toBe(true);
      // each cancel reached it too (changed + cancelled), once
      expect(hits.filter((hit) => hit.body.type === 'orders.cancelled')).toHaveLength(10);

      // the log, page by page, newest first
      const walked: Delivery[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: Delivery[]; nextCursor: string | null } } = await t.http
          .get(`/v1/webhook-endpoints/${busy.id}/deliveries`)
          .query({ limit: 7, ...(cursor ? { cursor } : {}) })
          .set(auth())
          .expect(200);
        walked.push(...page.body.data);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(walked.map((row) => row.id).sort()).toEqual(log.map((row) => row.id).sort());
      const created = walked.map((row) => Date.parse(row.createdAt));
      expect(created).toEqual([...created].sort((x, y) => y - x));
    });
  });
});
