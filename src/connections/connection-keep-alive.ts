import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { ConnectorRegistry } from '../connectors/connector-registry';
import { Capability } from '../connectors/site-ports';
import { Connection } from './connection.entity';
import { ConnectionUnavailableError, SiteCalls } from './site-calls';

export interface KeepAliveOutcome {
  called: number;
  failed: number;
}

/**
 * Keeps sites whose tokens die unused signed in (NextEngine: the refresh token lapses 3 days after its last
 * rotation, and only an authenticated call renews it). A connection whose tokens expire within the site's
 * `keepAliveWithinMs` gets the site's cheap authenticated call; a bridge-only link or a shop idle over a
 * holiday then stays signed in. A refusal marks the connection `auth_expired` through the site-call runner.
 */
@Injectable()
export class ConnectionKeepAlive {
  private readonly logger = new Logger(ConnectionKeepAlive.name);

  constructor(
    @InjectRepository(Connection) private readonly connections: Repository<Connection>,
    private readonly connectors: ConnectorRegistry,
    private readonly siteCalls: SiteCalls,
    private readonly clock: Clock,
  ) {}

  async run(): Promise<KeepAliveOutcome> {
    const outcome: KeepAliveOutcome = { called: 0, failed: 0 };
    const now = this.clock.now();
    for (const descriptor of this.connectors.descriptors()) {
      if (!descriptor.keepAliveWithinMs) continue;
      const due = await this.connections
        .createQueryBuilder('c')
        .select('c.id')
        .where(`c.deleted_at IS NULL AND c.status = 'active' AND c.site = :site`, { site: descriptor.site })
        .andWhere('c.token_expires_at IS NOT NULL AND c.token_expires_at < :horizon', {
          horizon: new Date(now.getTime() + descriptor.keepAliveWithinMs),
        })
        .getMany();
      for (const { id } of due) {
        outcome.called += 1;
        try {
          const result = await this.siteCalls.run(id, Capability.Connection, (probe, ctx) => probe.testConnection(ctx));
          if (!result.ok) {
            outcome.failed += 1;
            this.logger.warn(
              { connectionId: id, siteCode: result.siteCode, message: result.message },
              'Keep-alive call failed; tried again next time',
            );
          }
        } catch (error) {
          outcome.failed += 1;
          if (error instanceof ConnectionUnavailableError) continue;
          this.logger.warn({ err: error, connectionId: id }, 'Keep-alive call failed');
        }
      }
    }
    return outcome;
  }
}
