import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { CredentialCipher, maskSecret } from '../common/credential-cipher';
import { AppConfig } from '../config/app-config';
import { ConnectorRegistry } from '../connectors/connector-registry';
import { SiteHttpClientFactory } from '../connectors/http/site-http-client.factory';
import type { ConnectionContext, Credentials, SiteDescriptor } from '../connectors/sales-site-connector';
import { connectionRateLimit } from '../connectors/shared/pacing';
import { Connection } from './connection.entity';
import { KeyedTurns } from './keyed-turns';

/**
 * Builds the {@link ConnectionContext} a connector works with: decrypted credentials, the shared
 * transport for this connection, and callbacks that persist rotated tokens before the next call.
 */
/** A connection's site-call lock ($1: its id), for sites whose tokens rotate. */
const LOCK_SITE_CALLS = `SELECT pg_advisory_lock(hashtext('site-calls'), hashtext($1))`;
const UNLOCK_SITE_CALLS = `SELECT pg_advisory_unlock(hashtext('site-calls'), hashtext($1))`;

@Injectable()
export class ConnectionContextFactory {
  readonly cipher: CredentialCipher;
  private readonly localTurns = new KeyedTurns();

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly connectors: ConnectorRegistry,
    private readonly http: SiteHttpClientFactory,
    private readonly clock: Clock,
  ) {
    this.cipher = new CredentialCipher(config.credentialsKey);
  }

  decryptCredentials(connection: Pick<Connection, 'id' | 'credentialsCiphertext'>): Credentials {
    return this.cipher.decryptJson<Credentials>(connection.credentialsCiphertext, `connection:${connection.id}`);
  }

  encryptCredentials(connectionId: string, credentials: Credentials, descriptor: SiteDescriptor) {
    return {
      credentialsCiphertext: this.cipher.encryptJson(credentials, `connection:${connectionId}`),
      credentialHints: credentialHints(credentials, descriptor),
    };
  }

  create(connection: Connection): ConnectionContext {
    const descriptor = this.connectors.get(connection.site).descriptor;
    const credentials = this.decryptCredentials(connection);
    const context: ConnectionContext = {
      connectionId: connection.id,
      tenantId: connection.tenantId,
      site: connection.site,
      shopId: connection.shopId,
      endpoint: connection.endpoint.replace(/\/+$/, ''),
      credentials,
      settings: { ...connection.settings },
      http: this.http.forConnection(connection.id, connectionRateLimit(descriptor, connection.settings)),
      now: () => this.clock.now(),
      saveCredentials: async (patch, meta) => {
        const saved = await this.db.transaction((manager) => this.mergeCredentials(manager, connection.id, descriptor, patch, meta));
        replaceContents(context.credentials, saved);
      },
      reloadCredentials: async () => {
        const row = await this.db.getRepository(Connection).findOneByOrFail({ id: connection.id });
        replaceContents(context.credentials, this.decryptCredentials(row));
        return context.credentials;
      },
      serialized: (call) =>
        descriptor.tokensRotate
          ? this.alone(connection.id, async () => {
              await context.reloadCredentials();
              return call();
            })
          : call(),
    };
    return context;
  }

  /**
   * Runs `work` as the only one for this connection across every instance: first in line in this process
   * (so one pooled connection at most waits on the lock), then holding the connection's Postgres advisory
   * lock, which dies with the session of a process that dies.
   */
  private alone<T>(connectionId: string, work: () => Promise<T>): Promise<T> {
    return this.localTurns.run(connectionId, async () => {
      const session = this.db.createQueryRunner();
      await session.connect();
      try {
        await session.query(LOCK_SITE_CALLS, [connectionId]);
        try {
          return await work();
        } finally {
          await session.query(UNLOCK_SITE_CALLS, [connectionId]);
        }
      } finally {
        await session.release();
      }
    });
  }

  /** Read-modify-write under a row lock, so two workers rotating tokens never lose one another's write. */
  private async mergeCredentials(
    manager: EntityManager,
    connectionId: string,
    descriptor: SiteDescriptor,
    patch: Record<string, string | null>,
    meta?: { tokenExpiresAt?: Date | null },
  ): Promise<Credentials> {
    const repository = manager.getRepository(Connection);
    const row = await repository.findOne({ where: { id: connectionId }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new Error(`Connection ${connectionId} disappeared while saving its credentials`);
    const merged = { ...this.decryptCredentials(row) };
    for (const [name, value] of Object.entries(patch)) {
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    const update: Partial<Connection> = this.encryptCredentials(connectionId, merged, descriptor);
    if (meta && 'tokenExpiresAt' in meta) update.tokenExpiresAt = meta.tokenExpiresAt ?? null;
    await repository.update({ id: connectionId }, update);
    return merged;
  }
}

function replaceContents(target: Credentials, source: Credentials): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, source);
}

/** Secret fields as their last four characters; non-secret credential fields (an account code) as they are. */
export function credentialHints(credentials: Credentials, descriptor: SiteDescriptor): Record<string, string> {
  const secretByName = new Map(descriptor.credentialFields.map((field) => [field.name, field.secret]));
  const hints: Record<string, string> = {};
  for (const [name, value] of Object.entries(credentials)) {
    hints[name] = secretByName.get(name) === false ? value : maskSecret(value);
  }
  return hints;
}
