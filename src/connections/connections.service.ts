import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { type Page, type PageQuery, paginate } from '../common/pagination';
import { ConflictProblem, NotFoundProblem, ProblemException, ValidationProblem } from '../common/problem';
import { isUniqueViolation } from '../common/sql';
import { AppConfig } from '../config/app-config';
import { ConnectorRegistry } from '../connectors/connector-registry';
import { SiteAuthError, SiteError } from '../connectors/http/site-errors';
import {
  AUTHORIZATION_STATE_PARAM,
  type ConnectionTestResult,
  type ConnectionContext,
  type Credentials,
  type SiteConnector,
  type SiteDescriptor,
} from '../connectors/sales-site-connector';
import { AuthorizationStates } from './authorization-states';
import { Connection, type ConnectionStatus } from './connection.entity';
import { ConnectionContextFactory } from './connection-context.factory';
import {
  applyOptions,
  NO_OPTIONS,
  storableCredentials,
  supportedOptions,
  validateCredentials,
  validateOptions,
  validateSettings,
  withSettingDefaults,
} from './connection-input.validator';
import type { CreateConnectionDto, ListConnectionsQuery, SalesSiteDto, UpdateConnectionDto } from './connections.dto';
import { siteErrorToProblem } from './site-error.problem';

/** Under this path, then the site id, the sign-in window of a key-exchange site (Qoo10 "Get Auth") is served. */
export const SIGN_IN_WINDOW_ROOT = 'v1/connections/sign-in';

/** A refused credential expires a connection that worked; one never signed in stays pending, a disabled one disabled. */
function expiresOnAuthFailure(status: ConnectionStatus): boolean {
  return status !== 'disabled' && status !== 'pending_authorization';
}

@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);

  constructor(
    @InjectRepository(Connection) private readonly connections: Repository<Connection>,
    private readonly connectors: ConnectorRegistry,
    private readonly contexts: ConnectionContextFactory,
    private readonly config: AppConfig,
    private readonly states: AuthorizationStates,
  ) {}

  salesSites(): SalesSiteDto[] {
    return this.connectors.descriptors().map((descriptor) => ({
      site: descriptor.site,
      displayName: descriptor.displayName,
      defaultEndpoint: descriptor.defaultEndpoint,
      credentialFields: descriptor.credentialFields,
      settingFields: descriptor.settingFields,
      collectableStatuses: descriptor.collectableStatuses,
      capabilities: this.connectors.capabilities(descriptor.site),
      options: supportedOptions(this.connectors.capabilities(descriptor.site)),
      egressIps: descriptor.requiresIpAllowList ? this.config.egressIps : [],
      requiresIpAllowList: descriptor.requiresIpAllowList,
    }));
  }

  async create(tenantId: string, input: CreateConnectionDto): Promise<Connection> {
    const connector = this.connectors.get(input.site);
    const { descriptor } = connector;
    const settings = input.settings ?? {};
    const errors = [
      ...validateCredentials(descriptor, input.credentials),
      ...validateSettings(descriptor, settings),
      ...validateOptions(descriptor, this.connectors.capabilities(descriptor.site), input.options ?? {}),
    ];
    if (errors.length) throw new ValidationProblem(errors);

    const id = randomUUID();
    const initialStatus: ConnectionStatus = descriptor.authorization === 'none' ? 'active' : 'pending_authorization';
    const row = this.connections.create({
      id,
      tenantId,
      site: input.site,
      shopId: input.shopId.trim(),
      endpoint: (input.endpoint ?? descriptor.defaultEndpoint).replace(/\/+$/, ''),
      status: initialStatus,
      options: applyOptions(NO_OPTIONS, input.options),
      settings: withSettingDefaults(descriptor, settings),
      orderSyncIntervalMinutes: input.orderSyncIntervalMinutes ?? 10,
      ...this.contexts.encryptCredentials(id, storableCredentials(descriptor, input.credentials), descriptor),
    });
    try {
      await this.connections.insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictProblem('connection-exists', `A ${descriptor.displayName} connection for shop "${row.shopId}" already exists.`);
      }
      throw error;
    }

    if (descriptor.authorization === 'key-exchange' && connector.authorize && this.givesOneTimeCredentials(descriptor, input.credentials)) {
      await this.keyExchange(row, connector, input.credentials);
    }
    return this.get(tenantId, id);
  }

  /** Deleted connections only with `includeDeleted` (orders keep pointing at them). */
  list(tenantId: string, query: ListConnectionsQuery, page: PageQuery): Promise<Page<Connection>> {
    const builder = this.connections.createQueryBuilder('c').where('c.tenant_id = :tenantId', { tenantId });
    if (query.includeDeleted) builder.withDeleted();
    else builder.andWhere('c.deleted_at IS NULL');
    if (query.site) builder.andWhere('c.site = :site', { site: query.site });
    if (query.status) builder.andWhere('c.status = :status', { status: query.status });
    return paginate(builder, page, { alias: 'c', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  /** A live connection of this tenant; anything else (missing, deleted, another tenant's) is 404. */
  async get(tenantId: string, id: string): Promise<Connection> {
    const row = await this.connections.findOne({ where: { id, tenantId, deletedAt: IsNull() } });
    if (!row) throw new NotFoundProblem('Connection');
    return row;
  }

  /**
   * A connection of this tenant as it is, deleted ones included: orders keep the connection they came from, and
   * a console following an order's `connectionId` must find it. Missing or another tenant's is 404.
   */
  async read(tenantId: string, id: string): Promise<Connection> {
    const row = await this.connections.findOne({ where: { id, tenantId }, withDeleted: true });
    if (!row) throw new NotFoundProblem('Connection');
    return row;
  }

  async update(tenantId: string, id: string, input: UpdateConnectionDto): Promise<Connection> {
    const row = await this.get(tenantId, id);
    const { descriptor } = this.connectors.get(row.site);
    const errors = [
      ...validateCredentials(descriptor, input.credentials ?? {}, true),
      ...validateSettings(descriptor, input.settings ?? {}, true),
      ...validateOptions(descriptor, this.connectors.capabilities(descriptor.site), input.options ?? {}),
    ];
    if (errors.length) throw new ValidationProblem(errors);

    const update: Partial<Connection> = {};
    if (input.options) update.options = applyOptions(row.options, input.options);
    if (input.settings) {
      const settings = { ...row.settings };
      for (const [name, value] of Object.entries(input.settings)) {
        if (value === null) delete settings[name];
        else settings[name] = value;
      }
      update.settings = settings;
    }
    if (input.endpoint) update.endpoint = input.endpoint.replace(/\/+$/, '');
    if (input.orderSyncIntervalMinutes) update.orderSyncIntervalMinutes = input.orderSyncIntervalMinutes;
    if (input.credentials && Object.keys(input.credentials).length) {
      const merged = { ...this.contexts.decryptCredentials(row), ...storableCredentials(descriptor, input.credentials) };
      Object.assign(update, this.contexts.encryptCredentials(row.id, merged, descriptor));
    }
    if (input.enabled === false) update.status = 'disabled';
    if (input.enabled === true && row.status === 'disabled') {
      update.status =
        descriptor.authorization === 'none' || row.tokenExpiresAt || this.hasObtainedCredentials(row) ? 'active' : 'pending_authorization';
    }
    if (Object.keys(update).length) await this.connections.update({ id: row.id, tenantId }, update);
    return this.get(tenantId, id);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const row = await this.get(tenantId, id);
    await this.connections.update({ id: row.id, tenantId }, { deletedAt: new Date(), status: 'disabled', authorizationStateHash: null });
  }

  /** The site's cheap authenticated call; records the outcome and moves the status with it. */
  async test(tenantId: string, id: string): Promise<ConnectionTestResult & { status: ConnectionStatus }> {
    const row = await this.get(tenantId, id);
    const connector = this.connectors.get(row.site);
    const startedAt = performance.now();
    let result: ConnectionTestResult;
    let status: ConnectionStatus = row.status;
    try {
      result = await connector.ports.connection.testConnection(this.contexts.create(row));
      if (result.ok && row.status !== 'disabled') status = 'active';
    } catch (error) {
      if (!(error instanceof SiteError)) throw error;
      const refusedSignIn = row.status === 'pending_authorization' ? row.lastError : null;
      result = {
        ok: false,
        latencyMs: Math.round(performance.now() - startedAt),
        siteCode: error.siteCode,
        // Never signed in: the site's refusal of the last sign-in says more than "no key yet".
        message: (error instanceof SiteAuthError && refusedSignIn) || error.siteMessage || error.message,
      };
      if (error instanceof SiteAuthError && expiresOnAuthFailure(row.status)) status = 'auth_expired';
    }
    await this.connections.update(
      { id: row.id, tenantId },
      {
        status,
        lastTest: {
          ok: result.ok,
          at: new Date().toISOString(),
          latencyMs: result.latencyMs,
          siteCode: result.siteCode,
          message: result.message,
        },
        lastError: result.ok ? null : (result.message ?? 'The connection test failed'),
      },
    );
    return { ...result, status };
  }

  /** Renew credentials on the site: NE token refresh, Qoo10 a new key from the password or a fresh API key. */
  async renewTokens(tenantId: string, id: string, input: Credentials = {}): Promise<Connection> {
    const row = await this.get(tenantId, id);
    const connector = this.connectors.get(row.site);
    const { descriptor } = connector;
    const errors = validateCredentials(descriptor, input, true);
    if (errors.length) throw new ValidationProblem(errors);
    if (!connector.renewCredentials) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'renew-not-supported',
        'Conflict',
        `${descriptor.displayName} has no credentials to renew.`,
      );
    }
    const context = this.contexts.create(row);
    try {
      await connector.renewCredentials(context, input);
    } catch (error) {
      if (error instanceof SiteError) {
        await this.recordFailure(row, error);
        throw siteErrorToProblem(error);
      }
      throw error;
    }
    const stored = storableCredentials(descriptor, input);
    if (Object.keys(stored).length) await context.saveCredentials(stored);
    await this.connections.update({ id: row.id, tenantId }, { status: row.status === 'disabled' ? 'disabled' : 'active', lastError: null });
    return this.get(tenantId, id);
  }

  /**
   * Start a browser sign-in: NextEngine's redirect to the site (which calls back
   * `/v1/connections/oauth/{site}/callback`), or, for a site whose key is made from the seller's own login
   * (Qoo10 "Get Auth"), our sign-in window. Either way a single-use state bound to this connection.
   */
  async startAuthorization(tenantId: string, id: string): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    const row = await this.get(tenantId, id);
    const connector = this.connectors.get(row.site);
    const signInWindow = connector.descriptor.authorization === 'key-exchange' && connector.authorize;
    if (!connector.authorizationRedirect && !signInWindow) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'authorization-not-redirect',
        'Conflict',
        `${connector.descriptor.displayName} is not authorized through the browser.`,
      );
    }
    const { state, expiresAt } = await this.states.issue(row);
    if (!connector.authorizationRedirect) {
      const url = new URL(`${this.config.publicBaseUrl}/${SIGN_IN_WINDOW_ROOT}/${row.site}`);
      url.searchParams.set('state', state);
      return { authorizationUrl: url.toString(), expiresAt };
    }
    const callbackUrl = `${this.config.publicBaseUrl}/v1/connections/oauth/${row.site}/callback`;
    const { redirectUrl } = connector.authorizationRedirect(this.contexts.create(row), state, callbackUrl);
    return { authorizationUrl: redirectUrl, expiresAt };
  }

  /**
   * The site's callback. The state is looked up by hash and consumed, so a callback works once,
   * only for the connection that started it, and only before it expires. Returns where to send
   * the browser next.
   */
  async completeAuthorization(site: string, params: Record<string, string>): Promise<string> {
    // Ours travels in the redirect URI under its own name: the site's `state` belongs to the site.
    const row = await this.states.consume(site, params[AUTHORIZATION_STATE_PARAM], AUTHORIZATION_STATE_PARAM);
    const connector = this.connectors.get(row.site);
    return this.finishAuthorization(row, (context) => connector.completeAuthorization!(context, params));
  }

  /**
   * Runs the last step of a browser sign-in (`signIn` gets the connection's context) and answers where to send
   * the browser: `CONNECT_RETURN_URL` with `connectionId`, `site`, `result` (connected | failed) and, on failure,
   * the site's own `message`. A refusal leaves a connection that never signed in pending, with the message kept.
   */
  async finishAuthorization(row: Connection, signIn: (context: ConnectionContext) => Promise<void>): Promise<string> {
    const result = new URL(this.config.connectReturnUrl);
    result.searchParams.set('connectionId', row.id);
    result.searchParams.set('site', row.site);
    try {
      await signIn(this.contexts.create(row));
      await this.connections.update({ id: row.id }, { status: row.status === 'disabled' ? 'disabled' : 'active', lastError: null });
      result.searchParams.set('result', 'connected');
    } catch (error) {
      if (!(error instanceof SiteError)) throw error;
      await this.recordFailure(row, error);
      result.searchParams.set('result', 'failed');
      result.searchParams.set('message', error.siteMessage ?? error.message);
    }
    return result.toString();
  }

  // ------------------------------------------------------------ for the workers (no tenant in hand)

  /** A live connection by id, for background work that was handed only the id. */
  findLive(id: string): Promise<Connection | null> {
    return this.connections.findOne({ where: { id, deletedAt: IsNull() } });
  }

  /** The site refused the stored credentials during background work: the seller must act. */
  async markAuthExpired(id: string, message: string): Promise<void> {
    await this.connections.update({ id, status: 'active' }, { status: 'auth_expired', lastError: message });
  }

  /** Active connections pulling orders whose interval has passed since their last queued sync. */
  async dueForOrderSync(now: Date, limit = 500): Promise<Connection[]> {
    return this.connections
      .createQueryBuilder('c')
      .where('c.deleted_at IS NULL AND c.status = :active', { active: 'active' })
      .andWhere(`(c.options ->> 'autoOrderIntegration')::boolean IS TRUE`)
      .andWhere(
        `(c.last_order_sync_queued_at IS NULL OR c.last_order_sync_queued_at + make_interval(mins => c.order_sync_interval_minutes) <= :now)`,
        { now },
      )
      .orderBy('c.last_order_sync_queued_at', 'ASC', 'NULLS FIRST')
      .limit(limit)
      .getMany();
  }

  async markOrderSyncQueued(id: string, at: Date): Promise<void> {
    await this.connections.update({ id }, { lastOrderSyncQueuedAt: at });
  }

  /**
   * Registration with the one-time credentials (Qoo10's QSM password): the key is made at once. A refusal
   * registers nothing (the row never served) and answers with the site's own code and words.
   */
  private async keyExchange(row: Connection, connector: SiteConnector, input: Credentials): Promise<void> {
    try {
      await connector.authorize!(this.contexts.create(row), input);
      await this.connections.update({ id: row.id }, { status: 'active', lastError: null });
    } catch (error) {
      await this.connections.delete({ id: row.id, tenantId: row.tenantId });
      if (!(error instanceof SiteError)) throw error;
      this.logger.warn({ connectionId: row.id, site: row.site, siteCode: error.siteCode }, 'Key exchange refused by the site');
      throw siteErrorToProblem(error);
    }
  }

  private givesOneTimeCredentials(descriptor: SiteDescriptor, credentials: Credentials): boolean {
    return descriptor.credentialFields.some((field) => field.lifecycle === 'once' && credentials[field.name] !== undefined);
  }

  private async recordFailure(row: Connection, error: SiteError): Promise<void> {
    const status: ConnectionStatus = error instanceof SiteAuthError && expiresOnAuthFailure(row.status) ? 'auth_expired' : row.status;
    await this.connections.update({ id: row.id }, { status, lastError: error.siteMessage ?? error.message });
  }

  private hasObtainedCredentials(row: Connection): boolean {
    const { descriptor } = this.connectors.get(row.site);
    const obtained = descriptor.credentialFields.filter((field) => field.lifecycle === 'obtained').map((field) => field.name);
    return obtained.some((name) => name in row.credentialHints);
  }
}
