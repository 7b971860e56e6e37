import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInThisContext } from 'node:vm';
import { Agent } from 'undici';

import { SiteAnswerLostError, SiteRetryableError } from './site-errors';
import { SiteHttpClientFactory } from './site-http-client.factory';

/**
 * The real transport against a real local server (no nock): Node's fetch gives up on its own after undici's
 * default limits (300 s without headers, 300 s between body chunks), whatever the call's timeout. Waiting 300 s
 * is not a test, so the default is lowered to 100 ms for these tests: Node's fetch reads it from its own realm's
 * global, which Jest's sandbox hides, hence `runInThisContext`.
 */
const DISPATCHER_KEY = Symbol.for('undici.globalDispatcher.1');
const LOWERED_DEFAULT_MS = 100;
/** undici's timers tick about once a second: a lowered 100 ms limit fires after ~1 s, so the server waits longer. */
const WITHHELD_MS = 2_000;

describe('site HTTP calls beyond undici default limits', () => {
  let server: Server;
  let base: string;
  let nodeRealm: Record<symbol, unknown>;
  let defaultDispatcher: unknown;
  let lowered: Agent;
  const answers = new Set<NodeJS.Timeout>();
  const later = (answer: () => void) => {
    const timer = setTimeout(() => {
      answers.delete(timer);
      answer();
    }, WITHHELD_MS);
    answers.add(timer);
  };
  const http = () => new SiteHttpClientFactory({ maxAttempts: 1 }).forConnection('dispatchers', { maxConcurrent: 4, minTimeMs: 0 });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/late-headers') later(() => res.end('late headers'));
      else if (req.url === '/late-body') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first part, ');
        later(() => res.end('second part'));
      } else if (req.url === '/drop') req.socket.destroy();
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    nodeRealm = runInThisContext('globalThis') as Record<symbol, unknown>;
    defaultDispatcher = nodeRealm[DISPATCHER_KEY];
    lowered = new Agent({ headersTimeout: LOWERED_DEFAULT_MS, bodyTimeout: LOWERED_DEFAULT_MS });
    nodeRealm[DISPATCHER_KEY] = lowered;
  });

  afterAll(async () => {
    nodeRealm[DISPATCHER_KEY] = defaultDispatcher;
    for (const timer of answers) clearTimeout(timer);
    await lowered.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('(control) a plain fetch under the lowered default gives up on withheld headers', async () => {
    await expect(fetch(`${base}/late-headers`)).rejects.toThrow('fetch failed');
  });

  it('(control) a plain fetch under the lowered default gives up on a withheld body', async () => {
    const response = await fetch(`${base}/late-body`);
    await expect(response.text()).rejects.toThrow();
  });

  it('a call whose timeout is longer than the default waits for withheld headers', async () => {
    const response = await http().send({ method: 'POST', url: `${base}/late-headers`, timeoutMs: 10_000 });

    expect(response.text()).toBe('late headers');
  });

  it('a call whose timeout is longer than the default waits for a withheld body', async () => {
    const response = await http().send({ method: 'GET', url: `${base}/late-body`, timeoutMs: 10_000 });

    expect(response.text()).toBe('first part, second part');
  });

  it('a call timeout shorter than the wait ends the call as a timeout, whose answer may have been lost', async () => {
    const startedAt = Date.now();
    const error = await http()
      .send({ method: 'POST', url: `${base}/late-headers`, timeoutMs: 300 })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SiteAnswerLostError);
    expect(error).toMatchObject({ siteCode: 'TIMEOUT', message: expect.stringContaining('timed out after 300 ms') });
    expect(Date.now() - startedAt).toBeLessThan(WITHHELD_MS);
  });

  it('a connection dropped after the request was sent is an answer lost', async () => {
    const error = await http()
      .send({ method: 'POST', url: `${base}/drop`, form: { data: 'x' } })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SiteAnswerLostError);
    expect(error).toMatchObject({ siteCode: 'NETWORK' });
  });

  it('a refused connection never reached the site: retryable, not an answer lost', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const error = await http()
      .send({ method: 'POST', url: `http://127.0.0.1:${port}/x` })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SiteRetryableError);
    expect(error).not.toBeInstanceOf(SiteAnswerLostError);
    expect(error).toMatchObject({ siteCode: 'NETWORK', message: expect.stringContaining('ECONNREFUSED') });
  });
});
