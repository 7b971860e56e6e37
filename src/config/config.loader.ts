import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig } from './app-config';

/** A missing or malformed environment variable: the process stops with this message. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function port(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  return Number(raw);
}

export const DEFAULT_ORDER_LIST_CACHE_MB = 32;
export const DEFAULT_REQUEST_STATEMENT_TIMEOUT_MS = 10_000;
export const DEFAULT_STOCK_EVENTS_RETENTION_DAYS = 90;
export const DEFAULT_API_RATE_LIMIT_PER_MINUTE = 1200;

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new ConfigError(name, `must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback?: string): string | undefined {
  const raw = optional(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (!['http:', 'https:', 'postgres:', 'postgresql:', 'smtp:', 'smtps:'].includes(parsed.protocol)) throw new Error();
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function credentialsKey(env: Env, dataDir: string, embedded: boolean, warn: (message: string) => void): Buffer {
  const raw = optional(env, 'CREDENTIALS_KEY');
  if (raw !== undefined) {
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32) throw new ConfigError('CREDENTIALS_KEY', 'must be 32 bytes encoded as base64 (openssl rand -base64 32)');
    return key;
  }
  if (!embedded) {
    throw new ConfigError('CREDENTIALS_KEY', 'is required when DATABASE_URL is set (32 bytes, base64: openssl rand -base64 32)');
  }
  // Only for the embedded, single-machine default: a key kept beside the data it protects.
  const keyFile = join(dataDir, 'credentials.key');
  if (existsSync(keyFile)) return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString('base64') + '\n', { mode: 0o600 });
  warn(`CREDENTIALS_KEY is not set: generated one into ${keyFile}. Set CREDENTIALS_KEY in production and keep it safe.`);
  return key;
}

/**
 * Read and validate the environment. Throws {@link ConfigError} naming the first bad variable.
 * Every variable is listed in the README with its default.
 */
export function loadConfig(env: Env = process.env, warn: (message: string) => void = () => undefined): AppConfig {
  const httpPort = port(env, 'PORT', 3000);
  const databaseUrl = url(env, 'DATABASE_URL');
  const embeddedAllowed = bool(env, 'EMBEDDED_DATABASE', true);
  if (!databaseUrl && !embeddedAllowed) {
    throw new ConfigError('DATABASE_URL', 'is required when EMBEDDED_DATABASE=false');
  }
  if (databaseUrl && !/^postgres(ql)?:/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  }
  const dataDir = resolve(optional(env, 'DATA_DIR') ?? '.data');
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${httpPort}`)!;
  const logLevel = (optional(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const adminApiKey = optional(env, 'ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    throw new ConfigError('ADMIN_API_KEY', 'must be at least 16 characters');
  }
  const egressIps = list(env, 'EGRESS_IPS');
  for (const ip of egressIps) {
    if (!/^[0-9a-fA-F:.]+$/.test(ip)) throw new ConfigError('EGRESS_IPS', `must be comma-separated IP addresses, got "${ip}"`);
  }
  const corsOrigins = list(env, 'CORS_ORIGINS');
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError('CORS_ORIGINS', `must be comma-separated origins like https://console.example.com (no path), got "${origin}"`);
  }
  const smtpUrl = url(env, 'SMTP_URL');
  const mailFrom = optional(env, 'MAIL_FROM');
  if (smtpUrl && !mailFrom) throw new ConfigError('MAIL_FROM', 'is required when SMTP_URL is set');

  return new AppConfig({
    port: httpPort,
    databaseUrl,
    dataDir,
    adminApiKey,
    credentialsKey: credentialsKey(env, dataDir, !databaseUrl, warn),
    publicBaseUrl,
    connectReturnUrl: url(env, 'CONNECT_RETURN_URL', `${publicBaseUrl}/docs`)!,
    nextEngine: {
      clientId: optional(env, 'NEXTENGINE_CLIENT_ID'),
      clientSecret: optional(env, 'NEXTENGINE_CLIENT_SECRET'),
      signInUrl: url(env, 'NEXTENGINE_SIGN_IN_URL', 'https://base.next-engine.org')!,
    },
    egressIps,
    smtpUrl,
    mailFrom,
    logLevel: logLevel as AppConfig['logLevel'],
    workersEnabled: bool(env, 'WORKERS_ENABLED', true),
    syncTickSeconds: number(env, 'SYNC_TICK_SECONDS', 30, 1, 3600),
    jobPollingSeconds: number(env, 'JOB_POLLING_SECONDS', 2, 0.5, 60),
    initialLookbackDays: number(env, 'INITIAL_LOOKBACK_DAYS', 30, 1, 365),
    stockReconcileIntervalSeconds: number(env, 'STOCK_RECONCILE_INTERVAL_SECONDS', 24 * 3600, 1, 30 * 24 * 3600),
    siteRequestTimeoutMs: number(env, 'SITE_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    siteRetryBaseDelayMs: number(env, 'SITE_RETRY_BASE_DELAY_MS', 500, 1, 60_000),
    ...(env.SITE_MIN_INTERVAL_CAP_MS ? { siteMinIntervalCapMs: number(env, 'SITE_MIN_INTERVAL_CAP_MS', 0, 0, 60_000) } : {}),
    apiRateLimitPerMinute: number(env, 'API_RATE_LIMIT_PER_MINUTE', DEFAULT_API_RATE_LIMIT_PER_MINUTE, 0, 1_000_000_000),
    requestStatementTimeoutMs: number(env, 'REQUEST_STATEMENT_TIMEOUT_MS', DEFAULT_REQUEST_STATEMENT_TIMEOUT_MS, 100, 600_000),
    orderListCacheMb: number(env, 'ORDER_LIST_CACHE_MB', DEFAULT_ORDER_LIST_CACHE_MB, 0, 4096),
    stockEventsRetentionDays: number(env, 'STOCK_EVENTS_RETENTION_DAYS', DEFAULT_STOCK_EVENTS_RETENTION_DAYS, 0, 3650),
    corsOrigins,
    sessionTtlHours: number(env, 'SESSION_TTL_HOURS', 12, 0.01, 24 * 365),
    qoo10ApiKey: optional(env, 'QOO10_API_KEY'),
    webhookAllowedPrivateHosts: list(env, 'WEBHOOK_ALLOWED_PRIVATE_HOSTS').map((host) => host.toLowerCase()),
    trustProxy: trustProxy(env),
  });
}

/** A comma-separated variable as trimmed, non-empty items; unset → none. */
function list(env: Env, name: string): string[] {
  return (optional(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** TRUST_PROXY: a hop count, or comma-separated addresses, subnets or Express's names (loopback, linklocal, uniquelocal). */
function trustProxy(env: Env): number | string[] | undefined {
  const value = optional(env, 'TRUST_PROXY');
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return number(env, 'TRUST_PROXY', 0, 0, 32);
  const entries = list(env, 'TRUST_PROXY');
  for (const entry of entries) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(entry)) {
      throw new ConfigError('TRUST_PROXY', `must be a hop count or comma-separated addresses/subnets, got "${entry}"`);
    }
  }
  return entries;
}
