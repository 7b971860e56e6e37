/**
 * The validated, typed environment. Built once at boot by `loadConfig()` (config.loader.ts); inject
 * `AppConfig` wherever a setting is needed instead of reading `process.env`.
 */
export class AppConfig {
  /** HTTP port */
  port: number;
  /** PostgreSQL URL; undefined → embedded PostgreSQL under `dataDir` */
  databaseUrl?: string;
  /** where the embedded database, the generated credentials key and other local state live */
  dataDir: string;
  /** guards POST /v1/tenants; undefined → tenant creation disabled */
  adminApiKey?: string;
  /** 32-byte key for AES-256-GCM credential encryption */
  credentialsKey: Buffer;
  /** how the outside world reaches this service, without a trailing slash */
  publicBaseUrl: string;
  /** where the browser lands after a site authorization callback */
  connectReturnUrl: string;
  nextEngine: {
    clientId?: string;
    clientSecret?: string;
    /** NE sign-in host (base.next-engine.org); a connection's `settings.signInUrl` overrides it */
    signInUrl: string;
  };
  /** IPs sellers must whitelist on 11st and Crossmall */
  egressIps: string[];
  smtpUrl?: string;
  mailFrom?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** run the schedulers and job workers in this process (off for API-only instances and some tests) */
  workersEnabled: boolean;
  /** how often the scheduler looks for connections whose sync is due */
  syncTickSeconds: number;
  /** how often idle job workers poll the queue */
  jobPollingSeconds: number;
  /** how far back the first order pull of a new connection looks */
  initialLookbackDays: number;
  /** how often each connection's stock is compared with what its site shows (absolute sites are corrected) */
  stockReconcileIntervalSeconds?: number;
  /** per-call timeout for outbound site requests */
  siteRequestTimeoutMs?: number;
  /** first backoff delay between retries of a site call (doubles per attempt) */
  siteRetryBaseDelayMs?: number;
  /** caps every site's pacing between calls (simulators and sandboxes only; unset in production) */
  siteMinIntervalCapMs?: number;
  /** authenticated requests a tenant may make per minute, per instance; 0 turns the limit off (default 1200) */
  apiRateLimitPerMinute?: number;
  /**
   * how long one of the statements that answer requests (the orders page, the API-key lookup, the Smaregi webhook's
   * insert) may run, or wait for a lock, before PostgreSQL cancels it and the request answers 503 (default 10000)
   */
  requestStatementTimeoutMs?: number;
  /** memory per process for rendered orders-list items; 0 turns the cache off (default 32) */
  orderListCacheMb?: number;
  /** days a settled stock-bridge event, and an upload run no kept event names, is kept before the hourly prune deletes it; 0 keeps them all (default 90) */
  stockEventsRetentionDays?: number;
  /** browser origins allowed to call the API (CORS); empty → no CORS headers at all */
  corsOrigins?: string[];
  /** sliding lifetime of a console session, in hours */
  sessionTtlHours?: number;
  /** the service's own Qoo10 API key: sellers then give only their QSM login in the sign-in window */
  qoo10ApiKey?: string;
  /**
   * host names (or host:port) outbound webhooks may reach even where they resolve to a loopback, private or
   * link-local address (an on-premises receiver, a test receiver); every other such URL is refused
   */
  webhookAllowedPrivateHosts?: string[];
  /**
   * which proxies in front of this service to believe about the client address (Express's `trust proxy`: a
   * hop count, or addresses/subnets/`loopback`); the sign-in limit per client address depends on it
   */
  trustProxy?: number | string[];

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}
