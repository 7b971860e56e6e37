import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { privateAddressKind, RefusedWebhookUrl, WebhookAddressPolicy } from './webhook-addresses';

describe('privateAddressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.100.100.200', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00:ec2::254', 'private'],
    ['fc00::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
    ['::ffff:0:a9fe:a9fe', 'link-local'],
    ['203.0.113.7', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['not an address', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(privateAddressKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])(
    '%s is public',
    (address) => expect(privateAddressKind(address)).toBeNull(),
  );
});

describe('WebhookAddressPolicy', () => {
  const answers: Record<string, LookupAddress[]> = {
    'hooks.example.com': [{ address: '93.184.215.14', family: 4 }],
    'rebind.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ],
    'v6.example.com': [{ address: '::1', family: 6 }],
  };
  const resolve = (host: string) => (answers[host] ? Promise.resolve(answers[host]) : Promise.reject(new Error('ENOTFOUND')));
  const policy = new WebhookAddressPolicy(['receiver.internal', '127.0.0.1:4000'], resolve);
  const refusal = (url: string) =>
    policy.assertCallable(new URL(url)).then(
      () => null,
      (error: unknown) => (error instanceof RefusedWebhookUrl ? error.message : Promise.reject(error)),
    );

  it('lets public hosts through', async () => {
    expect(await refusal('https://hooks.example.com/mallbridge')).toBeNull();
    expect(await refusal('http://8.8.8.8/')).toBeNull();
  });

  it('refuses literals and names that reach inside, if any answer is private', async () => {
    expect(await refusal('http://127.0.0.1:4001/')).toMatch(/loopback/);
    expect(await refusal('http://[::1]/')).toMatch(/loopback/);
    expect(await refusal('http://[::ffff:127.0.0.1]/')).toMatch(/loopback/);
    expect(await refusal('http://2130706433/')).toMatch(/loopback/); // 127.0.0.1 as one number
    expect(await refusal('http://0x7f.1/')).toMatch(/loopback/);
    expect(await refusal('http://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(await refusal('https://rebind.example.com/')).toMatch(/10\.0\.0\.5.*private/);
    expect(await refusal('https://v6.example.com/')).toMatch(/loopback/);
    expect(await refusal('https://nowhere.example.com/')).toMatch(/does not resolve/);
  });

  it('refuses other schemes and credentials in the URL', async () => {
    expect(await refusal('ftp://hooks.example.com/')).toMatch(/http or https/);
    expect(await refusal('https://user:pw@hooks.example.com/')).toMatch(/user name or password/);
  });

  it('allows the listed hosts only: by name, or by host and port', async () => {
    expect(await refusal('http://receiver.internal:9999/hook')).toBeNull();
    expect(await refusal('http://127.0.0.1:4000/hook')).toBeNull();
    expect(await refusal('http://127.0.0.1:4002/hook')).toMatch(/loopback/);
  });
});

describe('WebhookAddressPolicy.guardedLookup on a real socket', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      hits += 1;
      response.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses to connect where the name resolves to a private address, even if an earlier check passed', async () => {
    const agent = new Agent({ connect: { lookup: new WebhookAddressPolicy().guardedLookup } });
    try {
      const error = await request(`http://localhost:${port}/`, { dispatcher: agent }).then(
        () => null,
        (failure: unknown) => failure as Error,
      );
      expect(error).not.toBeNull();
      expect(`${error!.message} ${(error!.cause as Error | undefined)?.message ?? ''}`).toMatch(/resolves to .*loopback/);
      expect(hits).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it('hands the socket the checked answers when all are public, in the shape it asked for', async () => {
    const publicAnswers: LookupAddress[] = [{ address: '93.184.215.14', family: 4 }];
    const fakeDns = ((_host: string, _options: object, callback: (error: null, addresses: LookupAddress[]) => void) =>
      callback(null, publicAnswers)) as unknown as typeof import('node:dns').lookup;
    const { guardedLookup } = new WebhookAddressPolicy([], undefined, fakeDns);
    const one = await new Promise((resolve) => guardedLookup('hooks.example.com', { all: false }, (...args: unknown[]) => resolve(args)));
    expect(one).toEqual([null, '93.184.215.14', 4]);
    const all = await new Promise((resolve) => guardedLookup('hooks.example.com', { all: true }, (...args: unknown[]) => resolve(args)));
    expect(all).toEqual([null, publicAnswers]);
  });
});
