import { Logger } from '@nestjs/common';
import { FindOperator, type FindOneOptions, type Repository, type UpdateResult } from 'typeorm';

import { ConnectorRegistry } from '../connectors/connector-registry';
import { SiteAuthError, SiteRejectedError, SiteRetryableError } from '../connectors/http/site-errors';
import type {
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrderRef,
  ItemResult,
  SiteConnector,
  SiteDescriptor,
  SiteId,
} from '../connectors/sales-site-connector';
import { testConnectionContext } from '../connectors/testing/test-connection-context';
import type { ConnectionContextFactory } from './connection-context.factory';
import { Connection, type ConnectionStatus } from './connection.entity';
import { deferred } from '../common/testing/deferred';
import { Capability, CapabilityMissingError, ConnectionUnavailableError, SiteCalls, type SiteConnection } from './site-calls';

type Where = Record<string, unknown>;

/** `WHERE a = $1 AND b IS NULL …`: every condition must hold, as Postgres evaluates it. */
function matches(row: Connection, where: Where): boolean {
  return Object.entries(where).every(([column, condition]) => {
    const value = (row as unknown as Record<string, unknown>)[column];
    if (condition instanceof FindOperator) {
      if (condition.type === 'isNull') return value === null || value === undefined;
      throw new Error(`The fake repository does not understand the operator ${condition.type}`);
    }
    if (condition !== null && typeof condition === 'object') throw new Error(`The fake repository does not understand ${column}`);
    return value === condition;
  });
}

/**
 * The two calls SiteCalls makes on `Repository<Connection>`, over an array of rows. `update` is one
 * `UPDATE … WHERE <criteria>` statement: the check and the write happen together (a single JS turn here, a row
 * lock in Postgres), so a condition that no longer holds changes nothing and reports `affected: 0`.
 */
class FakeConnectionRepository {
  readonly updates: Array<{ criteria: Where; values: Partial<Connection>; affected: number }> = [];
  findOneCalls = 0;

  constructor(readonly rows: Connection[]) {}

  async findOne(options: FindOneOptions<Connection>): Promise<Connection | null> {
    this.findOneCalls += 1;
    await Promise.resolve();
    const where = options.where;
    if (!where || Array.isArray(where)) throw new Error('The fake repository takes one where object');
    const row = this.rows.find((candidate) => matches(candidate, where as Where));
    // a query returns a fresh copy, never the stored row itself
    return row ? Object.assign(new Connection(), { ...row, options: { ...row.options }, settings: { ...row.settings } }) : null;
  }

  async update(criteria: unknown, values: Partial<Connection>): Promise<UpdateResult> {
    await Promise.resolve();
    if (criteria === null || typeof criteria !== 'object' || Array.isArray(criteria)) {
      throw new Error('The fake repository takes one criteria object');
    }
    const hit = this.rows.filter((row) => matches(row, criteria as Where));
    for (const row of hit) Object.assign(row, values);
    this.updates.push({ criteria: { ...(criteria as Where) }, values: { ...values }, affected: hit.length });
    return { affected: hit.length, raw: [], generatedMaps: [] };
  }

  row(id: string): Connection {
    const row = this.rows.find((candidate) => candidate.id === id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  }

  /** Updates that changed a row. */
  effectiveUpdates() {
    return this.updates.filter((update) => update.affected > 0);
  }
}

const OPTIONS = {
  autoOrderIntegration: true,
  autoOrderConfirmation: false,
  autoFulfillmentShippingInstruction: false,
  autoStockSync: true,
};

function connectionRow(overrides: Partial<Connection> & { id: string }): Connection {
  return Object.assign(new Connection(), {
    tenantId: 'tenant-1',
    site: 'qoo10-jp' as SiteId,
    shopId: `shop-${overrides.id}`,
    endpoint: 'https://api.qoo10.example/',
    status: 'active' as ConnectionStatus,
    options: { ...OPTIONS },
    settings: { region: 'jp' },
    credentialsCiphertext: `ciphertext-of-${overrides.id}`,
    credentialHints: { apiKey: '••••1234' },
    tokenExpiresAt: null,
    lastTest: null,
    lastError: null,
    authorizationStateHash: null,
    authorizationStateExpiresAt: null,
    orderSyncIntervalMinutes: 15,
    lastOrderSyncQueuedAt: null,
    createdAt: new Date('2025-01-01T00:00:00Z'),
    updatedAt: new Date('2025-01-01T00:00:00Z'),
    deletedAt: null,
    ...overrides,
  });
}

function descriptor(site: SiteId, displayName: string): SiteDescriptor {
  return {
    site,
    displayName,
    defaultEndpoint: `https://${site}.example`,
    credentialFields: [],
    settingFields: [],
    collectableStatuses: [],
    authorization: 'none',
    requiresIpAllowList: false,
    rateLimit: { maxConcurrent: 1, minTimeMs: 0 },
  };
}

function setup(rows: Connection[]) {
  const testConnection = jest.fn<Promise<ConnectionTestResult>, [ConnectionContext]>(async () => ({ ok: true, latencyMs: 1 }));
  const confirmOrders = jest.fn<Promise<ItemResult[]>, [ConnectionContext, ExternalOrderRef[]]>(async (_ctx, refs) =>
    refs.map((ref) => ({ key: ref.externalOrderId, ok: true })),
  );
  const smaregiProbe = jest.fn<Promise<ConnectionTestResult>, [ConnectionContext]>(async () => ({ ok: true, latencyMs: 1 }));
  const qoo10 = {
    descriptor: descriptor('qoo10-jp', 'Qoo10 JP'),
    ports: { connection: { testConnection }, orderConfirmer: { confirmOrders } },
  } as SiteConnector;
  // Smaregi takes no orders: no orderConfirmer port.
  const smaregi = {
    descriptor: descriptor('smaregi', 'Smaregi'),
    ports: { connection: { testConnection: smaregiProbe } },
  } as SiteConnector;
  const registry = new ConnectorRegistry([qoo10, smaregi]);
  const repository = new FakeConnectionRepository(rows);
  const contexts = {
    create: jest.fn(
      (row: Connection): ConnectionContext =>
        testConnectionContext(registry.get(row.site).descriptor, {
          connectionId: row.id,
          shopId: row.shopId,
          credentials: { apiKey: `secret-key-of-${row.id}` },
        }),
    ),
  };
  const siteCalls = new SiteCalls(
    repository as unknown as Repository<Connection>,
    registry,
    contexts as unknown as ConnectionContextFactory,
  );
  return { siteCalls, repository, contexts, testConnection, confirmOrders, smaregiProbe, qoo10 };
}

const probe = (port: { testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult> }, ctx: ConnectionContext) =>
  port.testConnection(ctx);

const refs: ExternalOrderRef[] = [{ externalOrderId: 'A' }, { externalOrderId: 'B' }, { externalOrderId: 'C' }];
const keyOf = (ref: ExternalOrderRef) => ref.externalOrderId;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('SiteCalls', () => {
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
  });

  describe('a refused credential', () => {
    it('marks the connection auth_expired once when two concurrent calls are refused, and calls the site no more', async () => {
      const { siteCalls, repository, contexts, testConnection } = setup([connectionRow({ id: 'c-1' })]);
      const bothInside = deferred<void>();
      const release = deferred<void>();
      const thrown: SiteAuthError[] = [];
      testConnection.mockImplementation(async () => {
        if (testConnection.mock.calls.length === 2) bothInside.resolve();
        await release.promise;
        const error = new SiteAuthError('Qoo10 refused the API key', '-10001', 'Invalid API key');
        thrown.push(error);
        throw error;
      });

      const first = rejectionOf(siteCalls.run('c-1', Capability.Connection, probe));
      const second = rejectionOf(siteCalls.run('c-1', Capability.Connection, probe));
      // Both calls passed the active check and are at the site before either is refused.
      await bothInside.promise;
      expect(repository.row('c-1').status).toBe('active');
      release.resolve();

      const errors = await Promise.all([first, second]);
      expect(thrown).toHaveLength(2);
      // each caller gets the site's own error, as thrown
      expect(errors).toEqual(expect.arrayContaining(thrown));
      expect(errors[0]).not.toBe(errors[1]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(SiteAuthError);
        expect(error).toMatchObject({ siteCode: '-10001', siteMessage: 'Invalid API key' });
      }

      expect(repository.row('c-1')).toMatchObject({ status: 'auth_expired', lastError: 'Invalid API key' });
      // both tried the conditional update; only the first found the row still active
      expect(repository.updates).toHaveLength(2);
      for (const update of repository.updates) {
        expect(update.criteria).toEqual({ id: 'c-1', status: 'active' });
        expect(update.values).toEqual({ status: 'auth_expired', lastError: 'Invalid API key' });
      }
      expect(repository.effectiveUpdates()).toHaveLength(1);
      expect(warn).toHaveBeenCalledTimes(1);

      // A third call is refused here, before the site is asked.
      const third = await rejectionOf(siteCalls.run('c-1', Capability.Connection, probe));
      expect(third).toBeInstanceOf(ConnectionUnavailableError);
      expect(third).toMatchObject({ connectionId: 'c-1', state: 'auth_expired', permanent: false });
      expect((third as Error).message).toContain('Last error: Invalid API key');
      expect(testConnection).toHaveBeenCalledTimes(2);
      expect(contexts.create).toHaveBeenCalledTimes(2);
      expect(repository.effectiveUpdates()).toHaveLength(1);
    });

    it('records the error message as lastError when the site gave no message of its own', async () => {
      const { siteCalls, repository, testConnection } = setup([connectionRow({ id: 'c-1' })]);
      const refused = new SiteAuthError('HTTP 401 from the site');
      testConnection.mockRejectedValue(refused);

      await expect(siteCalls.run('c-1', Capability.Connection, probe)).rejects.toBe(refused);

      expect(repository.row('c-1')).toMatchObject({ status: 'auth_expired', lastError: 'HTTP 401 from the site' });
    });

    it('leaves the connection active on failures other than a refused credential', async () => {
      const { siteCalls, repository, testConnection } = setup([connectionRow({ id: 'c-1' })]);
      const busy = new SiteRetryableError('Qoo10 is busy', '503', 'busy');
      const rejected = new SiteRejectedError('no such order', '-2', 'unknown order');
      testConnection.mockRejectedValueOnce(busy).mockRejectedValueOnce(rejected);

      await expect(siteCalls.run('c-1', Capability.Connection, probe)).rejects.toBe(busy);
      await expect(siteCalls.run('c-1', Capability.Connection, probe)).rejects.toBe(rejected);

      expect(repository.updates).toHaveLength(0);
      expect(repository.row('c-1')).toMatchObject({ status: 'active', lastError: null });
    });

    it('does not move a connection that is not active (called with anyStatus) to auth_expired', async () => {
      const { siteCalls, repository, testConnection } = setup([connectionRow({ id: 'c-1', status: 'pending_authorization' })]);
      const refused = new SiteAuthError('refused', '401', 'bad key');
      testConnection.mockRejectedValue(refused);

      await expect(siteCalls.run('c-1', Capability.Connection, probe, { anyStatus: true })).rejects.toBe(refused);

      expect(repository.effectiveUpdates()).toHaveLength(0);
      expect(repository.row('c-1').status).toBe('pending_authorization');
    });
  });

  describe('a connection that cannot be called', () => {
    it.each([
      ['soft-deleted', [connectionRow({ id: 'c-1', deletedAt: new Date('2025-02-01T00:00:00Z') })]],
      ['absent', [connectionRow({ id: 'other' })]],
    ])('is refused as deleted (permanent) when the row is %s, without calling the site', async (_label, rows) => {
      const { siteCalls, contexts, testConnection } = setup(rows);
      const call = jest.fn(probe);

      const error = await rejectionOf(siteCalls.run('c-1', Capability.Connection, call));

      expect(error).toBeInstanceOf(ConnectionUnavailableError);
      expect(error).toMatchObject({ connectionId: 'c-1', state: 'deleted', permanent: true });
      expect(call).not.toHaveBeenCalled();
      expect(testConnection).not.toHaveBeenCalled();
      expect(contexts.create).not.toHaveBeenCalled();
    });

    it('is refused as deleted even with anyStatus', async () => {
      const { siteCalls, testConnection } = setup([connectionRow({ id: 'c-1', deletedAt: new Date() })]);

      const error = await rejectionOf(siteCalls.run('c-1', Capability.Connection, probe, { anyStatus: true }));

      expect(error).toBeInstanceOf(ConnectionUnavailableError);
      expect((error as ConnectionUnavailableError).permanent).toBe(true);
      expect(testConnection).not.toHaveBeenCalled();
    });

    it.each<ConnectionStatus>(['disabled', 'pending_authorization', 'auth_expired', 'error'])(
      'is refused, not permanently, when %s, without calling the site',
      async (status) => {
        const { siteCalls, contexts, testConnection } = setup([connectionRow({ id: 'c-1', status })]);
        const call = jest.fn(probe);

        const error = await rejectionOf(siteCalls.run('c-1', Capability.Connection, call));

        expect(error).toBeInstanceOf(ConnectionUnavailableError);
        expect(error).toMatchObject({ connectionId: 'c-1', state: status, permanent: false });
        expect(call).not.toHaveBeenCalled();
        expect(testConnection).not.toHaveBeenCalled();
        expect(contexts.create).not.toHaveBeenCalled();
      },
    );

    it('throws ConnectionUnavailableError from runBulk too, rather than item results', async () => {
      const { siteCalls, confirmOrders } = setup([connectionRow({ id: 'c-1', status: 'disabled' })]);

      const error = await rejectionOf(
        siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs, keyOf, (port, ctx) => port.confirmOrders(ctx, [...refs])),
      );

      expect(error).toBeInstanceOf(ConnectionUnavailableError);
      expect(confirmOrders).not.toHaveBeenCalled();
    });

    it.each<ConnectionStatus>(['disabled', 'pending_authorization', 'auth_expired'])('is called when %s with anyStatus', async (status) => {
      const { siteCalls, testConnection } = setup([connectionRow({ id: 'c-1', status })]);

      const result = await siteCalls.run('c-1', Capability.Connection, probe, { anyStatus: true });

      expect(result).toEqual({ ok: true, latencyMs: 1 });
      expect(testConnection).toHaveBeenCalledTimes(1);
      expect(testConnection.mock.calls[0][0].connectionId).toBe('c-1');
    });
  });

  describe('runBulk', () => {
    it('turns a whole-call site error into one retryable failure per item, in input order', async () => {
      const { siteCalls, repository, confirmOrders } = setup([connectionRow({ id: 'c-1' })]);
      confirmOrders.mockRejectedValue(new SiteRetryableError('Qoo10 answered 503', '503', 'busy'));

      const results = await siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs, keyOf, (port, ctx) =>
        port.confirmOrders(ctx, [...refs]),
      );

      expect(results).toStrictEqual([
        { key: 'A', ok: false, siteCode: '503', message: 'busy', retryable: true },
        { key: 'B', ok: false, siteCode: '503', message: 'busy', retryable: true },
        { key: 'C', ok: false, siteCode: '503', message: 'busy', retryable: true },
      ]);
      expect(confirmOrders).toHaveBeenCalledTimes(1);
      expect(repository.updates).toHaveLength(0);
    });

    it("uses the error's message and no siteCode when the site gave neither", async () => {
      const { siteCalls, confirmOrders } = setup([connectionRow({ id: 'c-1' })]);
      confirmOrders.mockRejectedValue(new SiteRetryableError('socket hang up'));

      const results = await siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs.slice(0, 2), keyOf, (port, ctx) =>
        port.confirmOrders(ctx, refs.slice(0, 2)),
      );

      expect(results).toStrictEqual([
        { key: 'A', ok: false, message: 'socket hang up', retryable: true },
        { key: 'B', ok: false, message: 'socket hang up', retryable: true },
      ]);
    });

    it('turns a refused credential into retryable item failures and marks the connection auth_expired', async () => {
      const { siteCalls, repository, confirmOrders } = setup([connectionRow({ id: 'c-1' })]);
      confirmOrders.mockRejectedValue(new SiteAuthError('refused', '-10001', 'Invalid API key'));

      const results = await siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs, keyOf, (port, ctx) =>
        port.confirmOrders(ctx, [...refs]),
      );

      expect(results).toStrictEqual(
        refs.map((ref) => ({ key: ref.externalOrderId, ok: false, siteCode: '-10001', message: 'Invalid API key', retryable: true })),
      );
      expect(repository.row('c-1')).toMatchObject({ status: 'auth_expired', lastError: 'Invalid API key' });
    });

    it('answers in input order and fills an item the site did not report on with a retryable failure', async () => {
      const { siteCalls, confirmOrders } = setup([connectionRow({ id: 'c-1' })]);
      const rejectedA: ItemResult = { key: 'A', ok: false, siteCode: '-3', message: 'already confirmed', retryable: false };
      const confirmedC: ItemResult = { key: 'C', ok: true };
      confirmOrders.mockResolvedValue([confirmedC, rejectedA]);

      const results = await siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs, keyOf, (port, ctx) =>
        port.confirmOrders(ctx, [...refs]),
      );

      expect(results.map((result) => result.key)).toEqual(['A', 'B', 'C']);
      expect(results[0]).toStrictEqual(rejectedA);
      expect(results[1]).toStrictEqual({ key: 'B', ok: false, message: expect.any(String), retryable: true });
      expect(results[1].message).not.toBe('');
      expect(results[2]).toStrictEqual(confirmedC);
    });

    it('lets an error that is not a SiteError (a bug) through as it is', async () => {
      const { siteCalls, repository, confirmOrders } = setup([connectionRow({ id: 'c-1' })]);
      const bug = new TypeError("Cannot read properties of undefined (reading 'result_cd')");
      confirmOrders.mockRejectedValue(bug);

      await expect(
        siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs, keyOf, (port, ctx) => port.confirmOrders(ctx, [...refs])),
      ).rejects.toBe(bug);
      expect(repository.updates).toHaveLength(0);
    });

    it('refuses a capability that is not a bulk port before loading anything', async () => {
      const { siteCalls, repository, contexts, testConnection } = setup([connectionRow({ id: 'c-1' })]);
      const call = jest.fn(async (): Promise<ItemResult[]> => []);

      await expect(siteCalls.runBulk('c-1', Capability.Connection, refs, keyOf, call)).rejects.toThrow('connection is not a bulk port');

      expect(call).not.toHaveBeenCalled();
      expect(testConnection).not.toHaveBeenCalled();
      expect(repository.findOneCalls).toBe(0);
      expect(contexts.create).not.toHaveBeenCalled();
    });
  });

  describe('a missing port', () => {
    it('throws CapabilityMissingError and calls nothing', async () => {
      const { siteCalls, contexts, testConnection, confirmOrders, smaregiProbe } = setup([connectionRow({ id: 'c-1', site: 'smaregi' })]);
      const call = jest.fn(async () => 'unreachable');

      const error = await rejectionOf(siteCalls.run('c-1', Capability.OrderConfirmer, call));

      expect(error).toBeInstanceOf(CapabilityMissingError);
      expect(error).toMatchObject({ site: 'Smaregi', capability: 'orderConfirmer' });
      expect(call).not.toHaveBeenCalled();
      expect(contexts.create).not.toHaveBeenCalled();
      expect(smaregiProbe).not.toHaveBeenCalled();
      expect(testConnection).not.toHaveBeenCalled();
      expect(confirmOrders).not.toHaveBeenCalled();
    });

    it('throws CapabilityMissingError from runBulk rather than item results', async () => {
      const { siteCalls, contexts } = setup([connectionRow({ id: 'c-1', site: 'smaregi' })]);
      const call = jest.fn(async (): Promise<ItemResult[]> => []);

      const error = await rejectionOf(siteCalls.runBulk('c-1', Capability.OrderConfirmer, refs, keyOf, call));

      expect(error).toBeInstanceOf(CapabilityMissingError);
      expect(call).not.toHaveBeenCalled();
      expect(contexts.create).not.toHaveBeenCalled();
    });
  });

  describe('what the port is given', () => {
    it("passes the connection's own context and port, and the connection without credentials", async () => {
      const rows = [
        connectionRow({ id: 'c-1', shopId: 'shop-one' }),
        connectionRow({ id: 'c-2', tenantId: 'tenant-2', shopId: 'shop-two', settings: { region: 'kr', pageSize: 50 } }),
      ];
      const { siteCalls, contexts, qoo10 } = setup(rows);
      const seen: Array<{ port: unknown; ctx: ConnectionContext; connection: SiteConnection }> = [];

      const answer = await siteCalls.run('c-2', Capability.OrderConfirmer, async (port, ctx, connection) => {
        seen.push({ port, ctx, connection });
        return 'done';
      });

      expect(answer).toBe('done');
      expect(seen).toHaveLength(1);
      const [{ port, ctx, connection }] = seen;
      expect(port).toBe(qoo10.ports.orderConfirmer);

      // the context built from c-2's row, by the factory, for this call
      expect(contexts.create).toHaveBeenCalledTimes(1);
      const [builtFrom] = contexts.create.mock.calls[0];
      expect(builtFrom).toMatchObject({ id: 'c-2', tenantId: 'tenant-2', shopId: 'shop-two', credentialsCiphertext: 'ciphertext-of-c-2' });
      expect(ctx).toBe(contexts.create.mock.results[0].value);
      expect(ctx).toMatchObject({ connectionId: 'c-2', shopId: 'shop-two', credentials: { apiKey: 'secret-key-of-c-2' } });

      expect(connection).toStrictEqual({
        id: 'c-2',
        tenantId: 'tenant-2',
        site: 'qoo10-jp',
        shopId: 'shop-two',
        displayName: 'Qoo10 JP',
        status: 'active',
        options: OPTIONS,
        settings: { region: 'kr', pageSize: 50 },
      });
      expect(connection).not.toHaveProperty('credentials');
      expect(connection).not.toHaveProperty('credentialsCiphertext');
      expect(connection).not.toHaveProperty('credentialHints');
      expect(JSON.stringify(connection)).not.toContain('secret-key-of-c-2');
      expect(JSON.stringify(connection)).not.toContain('ciphertext-of-c-2');
    });
  });
});
