import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why an address may not be called from this service: it reaches something inside, not a seller's server. */
export type PrivateAddressKind = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared (CGNAT)' | 'multicast' | 'reserved';

/** What each of ipaddr.js's special ranges is, in the words of a refusal; every range it knows is refused. */
const RANGE_KINDS: Record<string, PrivateAddressKind> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'shared (CGNAT)',
  multicast: 'multicast',
};

/**
 * Why `address` (an IP literal) must not be called, or null for a public address. ipaddr.js (a well-kept parser,
 * the one Express's `trust proxy` uses) names the special-purpose ranges; an IPv6 address that carries an IPv4
 * one and routes to it — IPv4-mapped, RFC 6145/6052 translation (NAT64), 6to4 — is judged by the IPv4 address, so
 * `::ffff:127.0.0.1` is loopback however it is written. The cloud metadata services (169.254.169.254,
 * 100.100.100.200, fd00:ec2::254) fall in link-local, CGNAT and unique-local.
 */
export function privateAddressKind(address: string): PrivateAddressKind | null {
  if (!ipaddr.isValid(address)) return 'reserved';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const carried = carriedIpv4(parsed as ipaddr.IPv6);
    if (carried) return privateAddressKind(carried);
  }
  const range = parsed.range();
  return range === 'unicast' ? null : (RANGE_KINDS[range] ?? 'reserved');
}

/** The IPv4 address an IPv6 address routes to, for the forms that embed one in plain bits. */
function carriedIpv4(address: ipaddr.IPv6): string | null {
  const parts = address.parts;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return v4(parts[6], parts[7]);
    case '6to4':
      return v4(parts[1], parts[2]);
    default:
      return null;
  }
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
