import type { Browser, Page } from 'playwright-core';
import { formatJst, type Qoo10OrderSeed, Qoo10Simulator } from '../../simulators/qoo10';
import { launchChromium } from '../../support/chromium';
import { connectQoo10 } from '../../support/site-connections';
import { startTestApp, syncingApp, type TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait-for';
import { serveConsolePage } from './console-page';

interface ConsoleEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

interface ConsoleApp {
  events: ConsoleEvent[];
  streamError: string | null;
  signIn(email: string, password: string): Promise<{ status: number; role?: string }>;
  listOrders(): Promise<{ status: number; rateLimitRemaining: string | null; orders: { externalOrderId: string }[] }>;
  follow(lastEventId?: number): Promise<number>;
}

declare const window: { consoleApp: ConsoleApp };

const OPERATOR = { email: 'staff@seller.example', password: 'correct horse battery staple' };

/**
 * The browser check, in real Chromium: a console page served from a second origin (listed in
 * CORS_ORIGINS) signs in as a person, lists orders and receives the live event of an order that arrives from
 * the Qoo10 simulator through a sync; the same page served from an unlisted origin is refused by the browser.
 */
describe('A browser console on another origin (real Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let connectionId: string;
  let apiKey: string;
  const qoo10 = new Qoo10Simulator();
  let listed: Awaited<ReturnType<typeof serveConsolePage>>;
  let unlisted: Awaited<ReturnType<typeof serveConsolePage>>;

  async function openConsole(origin: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    return page;
  }

  function qoo10Order(packNo: number): Qoo10OrderSeed {
    return {
      packNo,
      orderNo: packNo * 100 + 1,
      status: 3,
      orderDate: formatJst(new Date(Date.now() - 10 * 60_000)),
      buyer: '中村 さくら',
      itemCode: '1012345678',
      sellerItemCode: 'Q-TOWEL',
      itemTitle: '今治タオル フェイスタオル',
      orderPrice: 1871,
      orderQty: 1,
      receiver: '中村 さくら',
      zipCode: '100-0001',
      address1: '東京都千代田区千代田1-1',
    };
  }

  beforeAll(async () => {
    browser = await launchChromium();
    listed = await serveConsolePage(() => t.url);
    unlisted = await serveConsolePage(() => t.url);
    await qoo10.start();
    t = await startTestApp(
      syncingApp('http://127.0.0.1:1', {
        corsOrigins: [listed.origin],
        apiRateLimitPerMinute: 1000,
        siteRetryBaseDelayMs: 5,
        siteMinIntervalCapMs: 100,
      }),
    );
    ({ apiKey } = await t.createTenant('Browser console seller'));
    connectionId = await connectQoo10(t, qoo10, apiKey);
    await t.http
      .post('/v1/users')
      .set({ Authorization: `Bearer ${apiKey}` })
      .send({ ...OPERATOR, role: 'operator' })
      .expect(201);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await qoo10.stop();
    await listed?.close();
    await unlisted?.close();
  });

  it('signs in, lists orders and hears a simulator order arrive on the live stream', async () => {
    const page = await openConsole(listed.origin);
    const signedIn = await page.evaluate(({ email, password }) => window.consoleApp.signIn(email, password), OPERATOR);
    expect(signedIn).toEqual({ status: 200, role: 'operator' });
    const before = await page.evaluate(() => window.consoleApp.listOrders());
    expect(before.status).toBe(200);
    expect(before.orders).toEqual([]);
    // a header the page can read only because CORS exposes it
    expect(before.rateLimitRemaining).toMatch(/^\d+$/);

    expect(await page.evaluate(() => window.consoleApp.follow())).toBe(200);
    qoo10.addOrder(qoo10Order(81001));
    await t.http
      .post(`/v1/connections/${connectionId}/sync`)
      .set({ Authorization: `Bearer ${apiKey}` })
      .expect(202);

    const arrived = await waitFor(
      async () => (await page.evaluate(() => window.consoleApp.events)).find((event) => event.type === 'orders.arrived'),
      { what: 'orders.arrived in the browser', timeoutMs: 40_000 },
    );
    expect(arrived.data).toMatchObject({ externalOrderId: '81001', connectionId, site: 'qoo10-jp' });
    expect(await page.locator('#events li').count()).toBeGreaterThanOrEqual(1);
    const after = await page.evaluate(() => window.consoleApp.listOrders());
    expect(after.orders.map((order) => order.externalOrderId)).toEqual(['81001']);

    // a reload resumes from the last event it saw: the browser sends Last-Event-ID through CORS
    const resumed = await openConsole(listed.origin);
    await resumed.evaluate(({ email, password }) => window.consoleApp.signIn(email, password), OPERATOR);
    expect(await resumed.evaluate((seq) => window.consoleApp.follow(seq - 1), arrived.seq)).toBe(200);
    const replayed = await waitFor(async () => (await resumed.evaluate(() => window.consoleApp.events))[0], { what: 'the replayed event' });
    expect(replayed).toMatchObject({ seq: arrived.seq, type: 'orders.arrived' });
    expect(await page.evaluate(() => window.consoleApp.streamError)).toBeNull();
  });

  it('refuses the same console served from an unlisted origin: its fetches reject with a CORS TypeError', async () => {
    const page = await openConsole(unlisted.origin);
    const corsErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /CORS/.test(message.text())) corsErrors.push(message.text());
    });
    const signIn = await page.evaluate(
      ({ email, password }) =>
        window.consoleApp.signIn(email, password).then(
          () => 'answered',
          (error: Error) => `${error.name}: ${error.message}`,
        ),
      OPERATOR,
    );
    expect(signIn).toMatch(/^TypeError: Failed to fetch/);
    const stream = await page.evaluate(() =>
      window.consoleApp.follow().then(
        () => 'answered',
        (error: Error) => `${error.name}: ${error.message}`,
      ),
    );
    expect(stream).toMatch(/^TypeError: Failed to fetch/);
    await waitFor(async () => corsErrors.length >= 2, { what: 'the browser reporting the CORS refusals' });
    expect(corsErrors.join('\n')).toContain(unlisted.origin);
  });
});
