/**
 * The contract between Mallbridge's business modules and each sales site.
 *
 * A connector speaks one site's wire protocol and returns normalized values. It never touches the
 * database: everything it needs arrives in a {@link ConnectionContext}, and everything it must keep
 * (rotated tokens, a new certification key) goes back through the context's callbacks.
 *
 * Bulk calls report per item ({@link ItemResult}): sites answer "success" with failures inside
 * (Qoo10 `result_cd`, NextEngine 020500), so one bad item never sinks the batch.
 */
import type { SiteHttpClient } from './http/site-http-client';
import type { SitePorts } from './site-ports';

export const SITE_IDS = ['nextengine', 'qoo10-jp', '11st', 'crossmall', 'smaregi'] as const;
export type SiteId = (typeof SITE_IDS)[number];

export function isSiteId(value: unknown): value is SiteId {
  return typeof value === 'string' && (SITE_IDS as readonly string[]).includes(value);
}

/** One field of a site's credentials: drives the registration form and its validation. */
export interface CredentialField {
  name: string;
  label: string;
  /** secret values are encrypted at rest and only ever shown masked */
  secret: boolean;
  /** required at registration (tokens obtained later by an authorization flow are not) */
  required: boolean;
  /**
   * 'stored' (the default): kept, encrypted.
   * 'once': used during registration/renewal and then discarded (Qoo10's QSM password).
   * 'obtained': never entered by the seller; the connector obtains and stores it (NE tokens, Qoo10 SAK).
   */
  lifecycle?: 'stored' | 'once' | 'obtained';
  description?: string;
  /** a regular expression the value must match */
  pattern?: string;
}

/** A non-secret per-connection setting (carrier mapping, Crossmall phase names, sign-in URL...). */
export interface SettingField {
  name: string;
  label: string;
  type: 'string' | 'number' | 'boolean' | 'object';
  required: boolean;
  default?: unknown;
  description?: string;
  /** type 'number': the least value accepted */
  minimum?: number;
  /** type 'number': the greatest value accepted */
  maximum?: number;
}

export interface CollectableStatus {
  code: string;
  name: string;
}

/** What the registration API and `GET /v1/sales-sites` say about a site. */
export interface SiteDescriptor {
  site: SiteId;
  displayName: string;
  /** production API base URL; a connection may override it (sandboxes, simulators) */
  defaultEndpoint: string;
  credentialFields: CredentialField[];
  settingFields: SettingField[];
  collectableStatuses: CollectableStatus[];
  /**
   * Collectable statuses in which an order still awaits the seller's confirmation on the site
   * (Qoo10 2 新規注文, 11st 202 결제완료); orders in the others arrive already confirmed.
   */
  unconfirmedStatuses?: string[];
  /**
   * How a connection gets its credentials: 'none' (entered as they are), 'redirect' (browser sign-in,
   * NextEngine), 'key-exchange' (credentials exchanged for a key, Qoo10). What else the site can do is said
   * by the ports its connector provides (site-ports.ts), not here.
   */
  authorization: 'none' | 'redirect' | 'key-exchange';
  /**
   * The site rotates the connection's tokens on its answers (NextEngine): every call for one connection runs
   * alone across all instances, with the newest stored tokens (`ConnectionContext.serialized`).
   */
  tokensRotate?: boolean;
  /**
   * The site's tokens die unless used (NextEngine's refresh token, 3 days after its last rotation): a
   * connection whose `tokenExpiresAt` comes within this window gets a cheap authenticated call on schedule.
   */
  keepAliveWithinMs?: number;
  /** the seller must whitelist our egress IPs on the site (11st, Crossmall) */
  requiresIpAllowList: boolean;
  /** default outbound pacing; NextEngine is strictly one call at a time per account */
  rateLimit: { maxConcurrent: number; minTimeMs: number };
  /**
   * A number setting (of `settingFields`) holding the connection's pause between calls in ms, replacing
   * `rateLimit.minTimeMs` when set: for sites that publish no limit (CROSS MALL). See `connectionRateLimit`.
   */
  pacingSetting?: string;
}

export type Credentials = Record<string, string>;

export interface ConnectionContext {
  connectionId: string;
  tenantId: string;
  site: SiteId;
  shopId: string;
  /** API base URL, without a trailing slash */
  endpoint: string;
  /** decrypted credentials; updated in place after {@link saveCredentials} */
  credentials: Credentials;
  settings: Record<string, unknown>;
  /** the shared transport bound to this connection: rate limit, timeout, retries, redaction */
  http: SiteHttpClient;
  /**
   * Persist changed credentials (rotated tokens, a new key) before the next call is made.
   * `null` removes a field. Also updates `credentials` in this context.
   */
  saveCredentials(patch: Record<string, string | null>, meta?: { tokenExpiresAt?: Date | null }): Promise<void>;
  /**
   * Re-read the stored credentials (another worker may have rotated the tokens meanwhile).
   * Connectors also copy the result into `credentials`, so an implementation may or may not do it.
   */
  reloadCredentials(): Promise<Credentials>;
  /**
   * Runs one call to the site as the only call for this connection across every instance, with
   * `credentials` reloaded from the store first. Where the site rotates tokens (`tokensRotate`) this holds
   * a Postgres advisory lock, so two instances never race a rotation; elsewhere it just runs `call`.
   * Connectors wrap each request in it: read the tokens, send, persist what came back.
   */
  serialized<T>(call: () => Promise<T>): Promise<T>;
  now(): Date;
}

export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number;
  /** the site's own code and message on failure, verbatim */
  siteCode?: string;
  message?: string;
  /** what the call found, e.g. the account name; never secrets */
  details?: Record<string, unknown>;
}

/** Input to {@link SalesSiteConnector.authorize}: the values entered for a key exchange (Qoo10). */
export type AuthorizationInput = Record<string, string>;

export interface RedirectAuthorization {
  /** where to send the seller's browser */
  redirectUrl: string;
}

/**
 * The callback query parameter that carries Mallbridge's own `state` back. It is not `state`:
 * NextEngine issues its own `state` (with `uid`), which must go unchanged to `completeAuthorization`,
 * so ours travels inside the redirect URI under this name.
 */
export const AUTHORIZATION_STATE_PARAM = 'mb_state';

// ---------------------------------------------------------------- orders

export interface SyncCursor {
  /** connector-defined, opaque to the engine (a watermark, a window start, a last order number) */
  value: string;
}

export interface Money {
  amount: string;
  currency: string;
}

export interface Address {
  name: string;
  nameKana?: string;
  postalCode?: string;
  country?: string;
  region?: string;
  city?: string;
  line1?: string;
  line2?: string;
  phone?: string;
  email?: string;
}

export interface ExternalOrderLine {
  /** the site's line identifier, stable across pulls */
  externalLineId: string;
  productCode: string;
  optionCode?: string;
  productName: string;
  optionName?: string;
  quantity: number;
  unitPrice?: string;
  /** site-specific values the connector needs later (11st ordPrdSeq, addPrdYn...) */
  raw?: Record<string, unknown>;
}

export interface ExternalOrder {
  externalOrderId: string;
  /** the site's status code and name, kept beside Mallbridge's own state */
  siteStatus: string;
  siteStatusName?: string;
  orderedAt: Date;
  paidAt?: Date;
  buyer?: Address;
  recipient?: Address;
  total?: Money;
  lines: ExternalOrderLine[];
  /** identifiers needed to confirm or ship on the site (Qoo10 orderNos of a pack, 11st dlvNo...) */
  refs?: Record<string, unknown>;
  raw?: unknown;
}

export interface OrderBatch {
  orders: ExternalOrder[];
  /** where the next pull starts once this batch is committed */
  nextCursor: SyncCursor | null;
}

export interface ExternalOrderRef {
  externalOrderId: string;
  refs?: Record<string, unknown>;
  lines?: { externalLineId: string; raw?: Record<string, unknown> }[];
}

export interface TrackingUpdate extends ExternalOrderRef {
  carrier: string;
  trackingNumber: string;
  shippedAt: Date;
}

export interface StockUpdate {
  /** the listing key the site knows the item by */
  listingKey: string;
  /** absolute quantity for absolute sites */
  quantity?: number;
  /** change for relative sites (NextEngine) */
  delta?: number;
  /**
   * The site's product code the listing belongs to, when `listingKey` is an option code (Qoo10: the
   * 販売者商品コード of an option's 販売者オプションコード — Qoo10 finds option rows only through their item).
   * Optional; sites keyed by product code ignore it.
   */
  productCode?: string;
  /**
   * Where the listing lives on the site, as Mallbridge stored it (`site_listings`, read through
   * {@link ListingDirectory}). A connector addresses the push by it and asks the site only when it is absent.
   */
  listing?: SiteListing;
}

/**
 * Where one listing lives on its site (DESIGN §6 `site_listings`): what a stock push needs to address it, and
 * what the site shows now. Stored by Inventory, so a push after a restart, on another instance, or for a
 * listing never ordered needs no lookup.
 */
export interface SiteListing {
  listingKey: string;
  /** the site's product code the listing belongs to, when the key is an option's code */
  productCode?: string | null;
  /**
   * The site's own address of the listing, JSON, opaque outside the connector that wrote it: 11st
   * `{prdNo, prdStckNo, optWght}`, Qoo10 `{itemCode, sellerCode, optionName, optionValue, optionCode}`,
   * Crossmall `{itemCode, attribute1Name, attribute2Name}`.
   */
  address: Record<string, unknown>;
  /** the quantity the site shows now, in listing units; null when it was not read */
  quantity: number | null;
}

export interface ItemResult {
  /** the order id or listing key the result is about */
  key: string;
  ok: boolean;
  /** the site's code and message, verbatim, when not ok */
  siteCode?: string;
  message?: string;
  /** true when trying again later may succeed */
  retryable?: boolean;
  /**
   * Stock pushes only: the address the connector found for a listing it was sent without one (stored for the
   * next push), or `null` when the site says the address it was given no longer exists (forgotten, so the
   * next push reads the listing again).
   */
  listing?: SiteListing | null;
}

export interface ListingKey {
  /** the normalized key used by SKU mappings for this site */
  key: string;
  /** the site's codes the key was built from, for code-equality resolution (option first) */
  optionCode?: string;
  productCode?: string;
}

/**
 * One site's connector: its descriptor, the capability ports it provides (site-ports.ts), and the
 * authorization flows that registration runs. Only Connections holds connectors; business modules call a
 * port through `siteCalls.run`.
 */
export interface SiteConnector {
  readonly descriptor: SiteDescriptor;
  /** What the site can do; `connection` (the cheap authenticated call) every site has. */
  readonly ports: SitePorts;

  /** Key exchange (Qoo10: API key + login + password → SAK), storing what it obtains via `ctx.saveCredentials`. */
  authorize?(ctx: ConnectionContext, input: AuthorizationInput): Promise<void>;

  /** Browser authorization (NextEngine): where to send the seller, binding `state` to the connection. */
  authorizationRedirect?(ctx: ConnectionContext, state: string, callbackUrl: string): RedirectAuthorization;

  /** Complete a browser authorization with the site's callback parameters. */
  completeAuthorization?(ctx: ConnectionContext, params: Record<string, string>): Promise<void>;

  /** Renew expiring credentials (NE token refresh; Qoo10 with a password or fresh key in `input`). */
  renewCredentials?(ctx: ConnectionContext, input?: AuthorizationInput): Promise<void>;
}

/** The DI token under which every connector is provided (a multi-provider collected by the registry). */
export const SALES_SITE_CONNECTORS = Symbol('SALES_SITE_CONNECTORS');
