import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { LiveEventStreams } from '../../../src/live-events/live-event-streams';
import { LiveEventsTimings } from '../../../src/live-events/live-events-timings';
import { Qoo10Simulator } from '../../simulators/qoo10';
import { type AppProcess, startAppProcess } from '../../support/app-processes';
import { connectQoo10 } from '../../support/site-connections';
import { startTestApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';
import { type ReceivedEvent, SseClient } from './sse-client';

const CONSOLE_ORIGIN = 'http://console.example.test:5173';
const HEARTBEAT_MS = 300;

/**
 * `GET /v1/events/stream` through the real app on real PostgreSQL, with a second app instance in its own
 * process: events written through one instance reach streams on the other (LISTEN/NOTIFY), a dropped stream
 * resumes with Last-Event-ID with nothing lost or repeated, seq order is commit order whatever order the
 * transactions began in, a tenant sees only its own events, and CORS answers only the listed origin.
 */
describe('Live events (SSE)', () => {
  let t: TestApp;
  let second: AppProcess;
  const qoo10 = new Qoo10Simulator();
  const tenants: Record<'a' | 'b', { tenantId: string; apiKey: string; connectionId: string }> = {
    a: { tenantId: '', apiKey: '', connectionId: '' },
    b: { tenantId: '', apiKey: '', connectionId: '' },
  };
  const open: SseClient[] = [];
  let orderNumber = 5000;

  async function stream(baseUrl: string, token: string, options: { lastEventId?: number; query?: string } = {}): Promise<SseClient> {
    const client = await SseClient.open(baseUrl, token, options);
    open.push(client);
    return client;
  }

  /** A manual order through the API of `baseUrl` (instance 1 unless said): an `orders.arrived` event. */
  async function manualOrder(who: 'a' | 'b', baseUrl = t.url): Promise<string> {
    const externalOrderId = `M-${++orderNumber}`;
    const response = await fetch(`${baseUrl}/v1/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenants[who].apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        connectionId: tenants[who].connectionId,
        externalOrderId,
        orderedAt: new Date().toISOString(),
        recipient: { name: '受取 太郎', postalCode: '1000001', region: '東京都', line1: '千代田区千代田1-1' },
        lines: [{ productCode: 'TOWEL', productName: 'タオル', quantity: 1 }],
      }),
    });
    if (response.status !== 201) throw new Error(`manual order: ${response.status} ${await response.text()}`);
    return externalOrderId;
  }

  /** The tenant's log as stored, numbered events only, in seq order. */
  async function storedLog(who: 'a' | 'b'): Promise<{ seq: number; id: string; type: string; externalOrderId?: string }[]> {
    const rows: { seq: string; id: string; type: string; external_order_id: string | null }[] = await t.app
      .get(DataSource)
      .query(
        `SELECT seq, id, type, data->>'externalOrderId' AS external_order_id FROM tenant_events WHERE tenant_id = $1 AND seq IS NOT NULL ORDER BY seq`,
        [tenants[who].tenantId],
      );
    return rows.map((row) => ({ seq: Number(row.seq), id: row.id, type: row.type, externalOrderId: row.external_order_id ?? undefined }));
  }

  const seen = (events: ReceivedEvent[]) =>
    events.map((event) => ({
      seq: event.seq,
      id: event.id,
      type: event.type,
      externalOrderId: event.data.externalOrderId as string | undefined,
    }));

  beforeAll(async () => {
    await qoo10.start();
    t = await startTestApp({ corsOrigins: [CONSOLE_ORIGIN] });
    t.app.get(LiveEventsTimings).heartbeatMs = HEARTBEAT_MS;
    for (const who of ['a', 'b'] as const) {
      const tenant = await t.createTenant(`Live events seller ${who}`);
      tenants[who] = { ...tenant, connectionId: await connectQoo10(t, qoo10, tenant.apiKey) };
    }
    second = await startAppProcess(t, { WORKERS_ENABLED: 'false' });
  }, 120_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.drop()));
  });

  afterAll(async () => {
    await second?.stop();
    await t?.close();
    await qoo10.stop();
  });

  it('refuses a caller without a credential (401) and a malformed Last-Event-ID (400, the header named)', async () => {
    const anonymous = await fetch(`${t.url}/v1/events/stream`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const malformed = await fetch(`${t.url}/v1/events/stream`, {
      headers: { Authorization: `Bearer ${tenants.a.apiKey}`, 'Last-Event-ID': 'yesterday' },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ field: 'Last-Event-ID' })]);

    const unknownType = await fetch(`${t.url}/v1/events/stream?types=orders.arrived,orders.exploded`, {
      headers: { Authorization: `Bearer ${tenants.a.apiKey}` },
    });
    expect(unknownType.status).toBe(400);
    expect(JSON.stringify(((await unknownType.json()) as { errors: unknown[] }).errors)).toContain('types');
  });

  it('is open to the least role: a signed-in viewer gets the stream', async () => {
    const viewer = { email: 'viewer@seller-a.example', password: 'a viewer password 123' };
    await t.http
      .post('/v1/users')
      .set({ Authorization: `Bearer ${tenants.a.apiKey}` })
      .send({ ...viewer, role: 'viewer' })
      .expect(201);
    const session = await t.http.post('/v1/auth/sign-in').send(viewer).expect(200);
    const client = await stream(t.url, session.body.token as string);
    expect(client.status).toBe(200);
    const number = await manualOrder('a');
    const [event] = await client.waitForEvents(1, "the viewer's first event");
    expect(event.data.externalOrderId).toBe(number);
  });

  it('resumes on another instance with Last-Event-ID after a dropped stream: every event once, in log order', async () => {
    const startAfter = (await storedLog('a')).at(-1)?.seq ?? 0;
    const first = await stream(second.url, tenants.a.apiKey);
    expect(first.status).toBe(200);
    expect(first.headers?.get('content-type')).toMatch(/^text\/event-stream/);
    expect(first.headers?.get('cache-control')).toContain('no-transform');

    const before = [await manualOrder('a'), await manualOrder('a', second.url), await manualOrder('a')];
    await first.waitForEvents(3, 'the first three orders on instance 2');
    // dropped while another order is being written: it may or may not have made it through
    const racing = manualOrder('a');
    await first.drop();
    const during = [await racing, await manualOrder('a', second.url), await manualOrder('a')];
    const resumeFrom = first.lastSeq!;

    const resumed = await stream(second.url, tenants.a.apiKey, { lastEventId: resumeFrom });
    const arrivedNumbers = (log: Awaited<ReturnType<typeof storedLog>>) =>
      log.filter((event) => event.type === 'orders.arrived').map((event) => event.externalOrderId);
    // the relay numbers events just after their commit
    const log = await waitFor(
      async () => {
        const stored = (await storedLog('a')).filter((event) => event.seq > startAfter);
        return arrivedNumbers(stored).length === 6 ? stored : null;
      },
      { what: 'six orders numbered' },
    );
    expect(arrivedNumbers(log)).toEqual([...before, ...during]);
    await resumed.waitForEvents(log.filter((event) => event.seq > resumeFrom).length, 'the rest of the log after the drop');

    expect([...seen(first.events), ...seen(resumed.events)]).toEqual(log);
  });

  it('starts with new events only when no Last-Event-ID is sent, and replays from the query parameter for polyfills', async () => {
    const logBefore = await storedLog('a');
    const fresh = await stream(t.url, tenants.a.apiKey);
    const number = await manualOrder('a');
    const [event] = await fresh.waitForEvents(1, 'the new order');
    expect(event).toMatchObject({
      type: 'orders.arrived',
      data: { externalOrderId: number, connectionId: tenants.a.connectionId, site: 'qoo10-jp' },
    });
    expect(event.seq).toBeGreaterThan(logBefore.at(-1)!.seq);

    const replay = await stream(t.url, tenants.a.apiKey, { query: `?lastEventId=${logBefore[1].seq}` });
    const expected = (await storedLog('a')).filter((stored) => stored.seq > logBefore[1].seq);
    expect(seen(await replay.waitForEvents(expected.length))).toEqual(expected);
  });

  it('numbers events in commit order: a transaction that began first but committed last comes after', async () => {
    const client = await stream(t.url, tenants.a.apiKey, { query: '?types=orders.arrived' });
    const connections = [new Client({ connectionString: t.config.databaseUrl }), new Client({ connectionString: t.config.databaseUrl })];
    await Promise.all(connections.map((connection) => connection.connect()));
    const [slow, fast] = connections;
    const insertOrder = (connection: Client, externalOrderId: string) =>
      connection.query(
        `INSERT INTO orders (tenant_id, connection_id, site, external_order_id, source, status, site_status, ordered_at)
         VALUES ($1, $2, 'qoo10-jp', $3, 'manual', 'confirmed', 'manual', now())`,
        [tenants.a.tenantId, tenants.a.connectionId, externalOrderId],
      );
    try {
      await slow.query('BEGIN');
      await insertOrder(slow, 'SLOW-1');
      await fast.query('BEGIN');
      await insertOrder(fast, 'FAST-1');
      await fast.query('COMMIT');
      await client.waitForEvents(1, 'the order committed first');
      await slow.query('COMMIT');
      const [first, second] = await client.waitForEvents(2, 'the order committed last');
      expect([first.data.externalOrderId, second.data.externalOrderId]).toEqual(['FAST-1', 'SLOW-1']);
      expect(second.seq).toBeGreaterThan(first.seq);
    } finally {
      await Promise.all(connections.map((connection) => connection.end()));
    }
  });

  it('delivers events committed by many parallel writers on both instances with rising seqs and no gaps against the log', async () => {
    const client = await stream(t.url, tenants.a.apiKey);
    const startAfter = (await storedLog('a')).at(-1)!.seq;
    const numbers = await Promise.all(Array.from({ length: 24 }, (_, index) => manualOrder('a', index % 2 ? second.url : t.url)));
    const arrived = (log: Awaited<ReturnType<typeof storedLog>>) =>
      log.filter((event) => event.seq > startAfter && event.type === 'orders.arrived').map((event) => event.externalOrderId);
    // the relay numbers events just after their commit: wait until all 24 are numbered
    await waitFor(async () => arrived(await storedLog('a')).length >= numbers.length, { what: 'all orders numbered' });
    const expected = (await storedLog('a')).filter((event) => event.seq > startAfter);
    expect(arrived(expected).sort()).toEqual([...numbers].sort());
    const received = await client.waitForEvents(expected.length, `${expected.length} events from parallel writers`);
    const seqs = received.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seen(received)).toEqual(expected);
  });

  it('shows a tenant only its own events, live and replayed', async () => {
    const streamB = await stream(second.url, tenants.b.apiKey);
    const streamA = await stream(second.url, tenants.a.apiKey);
    await manualOrder('a');
    const numberB = await manualOrder('b');
    await manualOrder('a');
    await streamA.waitForEvents(2, "tenant a's two orders");
    const [onlyEvent] = await streamB.waitForEvents(1, "tenant b's order");
    expect(onlyEvent.data.externalOrderId).toBe(numberB);

    const replayB = await stream(t.url, tenants.b.apiKey, { lastEventId: 0 });
    const logB = await storedLog('b');
    expect(seen(await replayB.waitForEvents(logB.length))).toEqual(logB);
    const idsOfA = new Set((await storedLog('a')).map((event) => event.id));
    for (const event of [...streamB.events, ...replayB.events]) expect(idsOfA.has(event.id)).toBe(false);
  });

  it('sends only the asked types: a cancel gives orders.cancelled, filtered out of an arrivals-only stream', async () => {
    const cancels = await stream(t.url, tenants.a.apiKey, { query: '?types=orders.cancelled' });
    const everything = await stream(t.url, tenants.a.apiKey);
    const number = await manualOrder('a');
    const [arrived] = await everything.waitForEvents(1, 'the new order');
    await fetch(`${t.url}/v1/orders/${arrived.data.orderId as string}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenants.a.apiKey}` },
    }).then((response) => expect(response.status).toBe(200));
    const [cancelled] = await cancels.waitForEvents(1, 'the cancel');
    expect(cancelled).toMatchObject({ type: 'orders.cancelled', data: { orderId: arrived.data.orderId, externalOrderId: number } });
    await everything.waitForEvents(3, 'arrived, changed and cancelled');
    expect(everything.events.map((event) => event.type)).toEqual(['orders.arrived', 'orders.changed', 'orders.cancelled']);
    expect(everything.events[1].data).toMatchObject({ status: 'cancelled', siteState: 'open' });
    expect(cancels.events.map((event) => event.type)).toEqual(['orders.cancelled']);
  });

  it('ends a stream once its credential no longer holds: the session signed out, the API key revoked', async () => {
    const person = { email: 'leaving@seller-a.example', password: 'a leaving password 123' };
    await t.http
      .post('/v1/users')
      .set({ Authorization: `Bearer ${tenants.a.apiKey}` })
      .send({ ...person, role: 'viewer' })
      .expect(201);
    const token = (await t.http.post('/v1/auth/sign-in').send(person).expect(200)).body.token as string;
    const bySession = await stream(t.url, token);
    const key = await t.http
      .post('/v1/api-keys')
      .set({ Authorization: `Bearer ${tenants.a.apiKey}` })
      .send({ name: 'revoked soon' })
      .expect(201);
    const byKey = await stream(t.url, key.body.key as string);
    const staying = await stream(t.url, tenants.a.apiKey);
    await waitFor(async () => [bySession, byKey, staying].every((client) => client.comments.includes('ping')), {
      what: 'a heartbeat on each',
    });

    await t.http
      .post('/v1/auth/sign-out')
      .set({ Authorization: `Bearer ${token}` })
      .expect(204);
    await t.http
      .delete(`/v1/api-keys/${key.body.id}`)
      .set({ Authorization: `Bearer ${tenants.a.apiKey}` })
      .expect(204);
    await waitFor(async () => bySession.ended && byKey.ended, { what: 'both streams ended by the server' });

    const number = await manualOrder('a');
    const carries = (client: SseClient) => client.events.some((event) => event.data.externalOrderId === number);
    await waitFor(async () => carries(staying), { what: 'the new order on the stream whose key still holds' });
    expect([carries(bySession), carries(byKey)]).toEqual([false, false]);
    expect(staying.ended).toBe(false);
  });

  it('sends heartbeats and a retry hint, and forgets a stream whose client went away', async () => {
    const streams = t.app.get(LiveEventStreams);
    const client = await stream(t.url, tenants.b.apiKey);
    await waitFor(async () => client.comments.filter((comment) => comment === 'ping').length >= 2, { what: 'two heartbeats' });
    expect(client.retryMs).toBeGreaterThan(0);
    expect(streams.openCount(tenants.b.tenantId)).toBe(1);
    await client.drop();
    await waitFor(async () => streams.openCount(tenants.b.tenantId) === 0, { what: 'the stream forgotten' });
  });

  it('opens its LISTEN connection again when PostgreSQL drops it, and events keep coming', async () => {
    const db = t.app.get(DataSource);
    const listeners = async (): Promise<number[]> =>
      (
        await db.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN tenant_events%' ORDER BY pid`,
        )
      ).map((row: { pid: number }) => row.pid);
    const before = await listeners();
    expect(before.length).toBe(2); // this instance and the second one
    await db.query(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, [before]);
    await waitFor(async () => (await listeners()).filter((pid) => !before.includes(pid)).length === 2, {
      what: 'both instances listening again',
    });

    const client = await stream(second.url, tenants.a.apiKey);
    const number = await manualOrder('a');
    const [event] = await client.waitForEvents(1, 'an order after the reconnect');
    expect(event.data.externalOrderId).toBe(number);
  });

  it('ends its open streams when an instance shuts down, so it can stop', async () => {
    const third = await startAppProcess(t, { WORKERS_ENABLED: 'false' });
    try {
      const client = await stream(third.url, tenants.a.apiKey);
      expect(client.status).toBe(200);
      await third.stop();
      await waitFor(async () => client.ended, { what: 'the stream ended by the server' });
    } finally {
      await third.kill();
    }
  });

  it('answers a preflight from the listed console origin, and gives an unlisted origin no CORS headers', async () => {
    const preflight = await fetch(`${t.url}/v1/events/stream`, {
      method: 'OPTIONS',
      headers: {
        Origin: CONSOLE_ORIGIN,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,last-event-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(CONSOLE_ORIGIN);
    const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'last-event-id']));
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');

    const listed = await fetch(`${t.url}/v1/orders`, { headers: { Origin: CONSOLE_ORIGIN, Authorization: `Bearer ${tenants.a.apiKey}` } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(CONSOLE_ORIGIN);
    expect(listed.headers.get('access-control-expose-headers')!.split(',')).toEqual(
      expect.arrayContaining(['ETag', 'X-RateLimit-Remaining', 'Retry-After', 'Idempotent-Replayed']),
    );
    // asked again, the page comes gzipped (fetch sends Accept-Encoding): both answers name the origin (CORS) and the
    // codings as what they vary by, so no shared cache hands one origin's answer, or a gzipped one, to another
    const again = await fetch(`${t.url}/v1/orders`, { headers: { Origin: CONSOLE_ORIGIN, Authorization: `Bearer ${tenants.a.apiKey}` } });
    expect(again.headers.get('content-encoding')).toBe('gzip');
    for (const answer of [listed, again])
      expect(answer.headers.get('vary')?.split(/\s*,\s*/)).toEqual(expect.arrayContaining(['Origin', 'Accept-Encoding']));

    for (const origin of ['http://evil.example.test', `${CONSOLE_ORIGIN}.evil.example.test`, 'http://console.example.test:5174']) {
      const refused = await fetch(`${t.url}/v1/orders`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      });
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect(refused.headers.get('access-control-allow-headers')).toBeNull();
    }
  });
});
