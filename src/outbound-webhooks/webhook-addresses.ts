import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why an address may not be called from this service: it reaches something inside, not a seller's server. */
export type PrivateAddressKind = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared (CGNAT)' | 'multicast' | 'reserved';

const IPV4_RANGES: [string, number, PrivateAddressKind][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  // 169.254.169.254 is the cloud metadata service
  ['169.254.0.0', 16, 'link-local'],
  // 100.100.100.200 (another cloud's metadata service) is in here too
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['192.0.0.0', 24, 'reserved'],
  ['198.18.0.0', 15, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const IPV6_RANGES: [string, number, PrivateAddressKind][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  // fd00:ec2::254 (a cloud metadata service) is a unique local address
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

function blockListOf(ranges: [string, number, PrivateAddressKind][], family: 'ipv4' | 'ipv6'): [BlockList, PrivateAddressKind][] {
  return ranges.map(([network, prefix, kind]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return [list, kind];
  });
}

const IPV4_BLOCKS = blockListOf(IPV4_RANGES, 'ipv4');
const IPV6_BLOCKS = blockListOf(IPV6_RANGES, 'ipv6');

/**
 * The IPv4 address an IPv6 address carries and routes to: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96)
 * and 6to4 (2002:AABB:CCDD::/48). `::ffff:127.0.0.1` is loopback however it is written.
 */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (!groups) return null;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]);
  return null;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function expandIpv6(address: string): number[] | null {
  let text = address.split('%')[0].toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const start = parse(head);
  const end = tail === null ? [] : parse(tail);
  const missing = 8 - start.length - end.length;
  if (missing < 0 || (tail === null && missing !== 0)) return null;
  const groups = [...start, ...new Array<number>(missing).fill(0), ...end];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}

/** Why `address` (an IP literal) must not be called, or null for a public address. */
export function privateAddressKind(address: string): PrivateAddressKind | null {
  const family = isIP(address);
  if (family === 4) return IPV4_BLOCKS.find(([list]) => list.check(address, 'ipv4'))?.[1] ?? null;
  if (family === 6) {
    const carried = embeddedIpv4(address);
    if (carried) return privateAddressKind(carried);
    return IPV6_BLOCKS.find(([list]) => list.check(address.split('%')[0], 'ipv6'))?.[1] ?? null;
  }
  return 'reserved';
}

/** A URL this service will not call; the message says why, for the `url` field of a 400 or a delivery's error. */
export class RefusedWebhookUrl extends Error {}

/**
 * Decides which webhook URLs may be called: only those whose host resolves to public addresses, except the hosts
 * the operator listed in WEBHOOK_ALLOWED_PRIVATE_HOSTS (an on-premises receiver, a test's receiver). The check runs
 * when an endpoint is saved and again when each delivery connects (`guardedLookup`), since DNS answers change.
 */
export class WebhookAddressPolicy {
  private readonly allowedHosts: Set<string>;

  constructor(
    allowedPrivateHosts: string[] = [],
    private readonly resolve: (hostname: string) => Promise<LookupAddress[]> = resolveAll,
    /** the system resolver sockets use (tests replace it) */
    private readonly systemLookup: typeof dnsLookup = dnsLookup,
  ) {
    this.allowedHosts = new Set(allowedPrivateHosts.map((host) => host.toLowerCase()));
  }

  /** True when the URL's host (with or without its port) is on the operator's allow-list. */
  isAllowedPrivateHost(url: URL): boolean {
    return this.allowedHosts.has(url.host.toLowerCase()) || this.allowedHosts.has(url.hostname.toLowerCase());
  }

  /** Throws {@link RefusedWebhookUrl} unless every address the URL's host resolves to is public (or the host is allowed). */
  async assertCallable(url: URL): Promise<void> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RefusedWebhookUrl('url must be an http or https URL');
    if (url.username || url.password) throw new RefusedWebhookUrl('url must not carry a user name or password');
    if (this.isAllowedPrivateHost(url)) return;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return refuseIfPrivate(host, host);
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch {
      throw new RefusedWebhookUrl(`url's host ${host} does not resolve`);
    }
    for (const { address } of addresses) refuseIfPrivate(host, address);
  }

  /**
   * A `lookup` for sockets (undici's `connect.lookup`) that resolves as usual and refuses to connect when any answer
   * is private: the socket then reaches only the addresses just checked, whatever DNS says by the time it connects.
   */
  readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    this.systemLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find(({ address }) => privateAddressKind(address));
      if (refused) {
        const kind = privateAddressKind(refused.address);
        return callback(
          Object.assign(new RefusedWebhookUrl(`${hostname} resolves to ${refused.address} (${kind})`), { code: 'EREFUSEDADDRESS' }),
          '',
          0,
        );
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function refuseIfPrivate(host: string, address: string): void {
  const kind = privateAddressKind(address);
  if (kind)
    throw new RefusedWebhookUrl(
      host === address ? `url's host ${host} is a ${kind} address` : `url's host ${host} resolves to ${address}, a ${kind} address`,
    );
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );
}
