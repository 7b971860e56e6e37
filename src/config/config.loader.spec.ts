import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.loader';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'mb-config-'));

  it('applies the documented defaults', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.connectReturnUrl).toBe('http://localhost:3000/docs');
    expect(config.nextEngine.signInUrl).toBe('https://base.next-engine.org');
    expect(config.logLevel).toBe('info');
    expect(config.egressIps).toEqual([]);
    expect(config.orderListCacheMb).toBe(32);
    expect(config.requestStatementTimeoutMs).toBe(10_000);
    expect(config.apiRateLimitPerMinute).toBe(1200);
    expect(config.corsOrigins).toEqual([]);
    expect(config.sessionTtlHours).toBe(12);
    expect(config.qoo10ApiKey).toBeUndefined();
    expect(config.webhookAllowedPrivateHosts).toEqual([]);
    expect(config.trustProxy).toBeUndefined();
  });

  it('reads browser origins, proxies and private webhook hosts, and refuses malformed ones by name', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      CORS_ORIGINS: 'https://console.example.com, http://localhost:5173',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: 'Receiver.Internal:8443',
    });
    expect(config.corsOrigins).toEqual(['https://console.example.com', 'http://localhost:5173']);
    expect(config.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(config.webhookAllowedPrivateHosts).toEqual(['receiver.internal:8443']);
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(() => loadConfig({ DATA_DIR: dataDir(), CORS_ORIGINS: 'https://console.example.com/app' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), SESSION_TTL_HOURS: '0' })).toThrow(/SESSION_TTL_HOURS/);
  });

  it('generates and then reuses a credentials key for the embedded default, with a warning', () => {
    const dir = dataDir();
    const warnings: string[] = [];
    const first = loadConfig({ DATA_DIR: dir }, (w) => warnings.push(w));
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.credentialsKey).toHaveLength(32);
    expect(second.credentialsKey.equals(first.credentialsKey)).toBe(true);
    expect(readFileSync(join(dir, 'credentials.key'), 'utf8').trim()).toBe(first.credentialsKey.toString('base64'));
    expect(warnings.join()).toMatch(/CREDENTIALS_KEY/);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'not a url', CREDENTIALS_KEY: KEY }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://x/y', CREDENTIALS_KEY: KEY }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://u:p@h/db' }, 'CREDENTIALS_KEY'],
    [{ CREDENTIALS_KEY: 'c2hvcnQ=' }, 'CREDENTIALS_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ EGRESS_IPS: '1.2.3.4, not-an-ip!' }, 'EGRESS_IPS'],
    [{ SMTP_URL: 'smtp://mail:25' }, 'MAIL_FROM'],
    [{ EMBEDDED_DATABASE: 'false' }, 'DATABASE_URL'],
    [{ WORKERS_ENABLED: 'maybe' }, 'WORKERS_ENABLED'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL'],
    [{ ORDER_LIST_CACHE_MB: '-1' }, 'ORDER_LIST_CACHE_MB'],
    [{ REQUEST_STATEMENT_TIMEOUT_MS: '0' }, 'REQUEST_STATEMENT_TIMEOUT_MS'],
    [{ API_RATE_LIMIT_PER_MINUTE: 'lots' }, 'API_RATE_LIMIT_PER_MINUTE'],
    [{ STOCK_EVENTS_RETENTION_DAYS: '-1' }, 'STOCK_EVENTS_RETENTION_DAYS'],
  ])('stops on %j naming %s', (env, variable) => {
    const run = () => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(new RegExp(`^Configuration error: ${variable} `));
  });

  it('reads an external database with an explicit key', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/mb',
      CREDENTIALS_KEY: KEY,
      EGRESS_IPS: '203.0.113.1, 203.0.113.2',
      PORT: '8080',
    });
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/mb');
    expect(config.credentialsKey.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(config.egressIps).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(config.publicBaseUrl).toBe('http://localhost:8080');
  });
});
