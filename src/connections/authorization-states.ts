import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { ConflictProblem, ProblemException } from '../common/problem';
import type { SiteId } from '../connectors/sales-site-connector';
import { Connection } from './connection.entity';

/** How long a seller has to finish signing in (on the site, or in our sign-in window) after starting. */
const AUTHORIZATION_STATE_TTL_MS = 10 * 60_000;

function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/**
 * The single-use `state` that ties a browser sign-in (NextEngine's redirect, Qoo10's sign-in window) to one
 * connection. Only its hash is stored; it is bound to the connection (and so to its tenant), lives ten minutes,
 * and a new one replaces the previous one.
 */
@Injectable()
export class AuthorizationStates {
  constructor(@InjectRepository(Connection) private readonly connections: Repository<Connection>) {}

  async issue(row: Connection): Promise<{ state: string; expiresAt: Date }> {
    const state = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + AUTHORIZATION_STATE_TTL_MS);
    await this.connections.update(
      { id: row.id, tenantId: row.tenantId },
      { authorizationStateHash: hashState(state), authorizationStateExpiresAt: expiresAt },
    );
    return { state, expiresAt };
  }

  /** The live connection a state was issued for, leaving the state usable; 400 when it is unknown, used or expired. */
  async peek(site: string, state: string | undefined, field: string): Promise<Connection> {
    const row = state
      ? await this.connections.findOne({
          where: {
            site: site as SiteId,
            authorizationStateHash: hashState(state),
            authorizationStateExpiresAt: MoreThan(new Date()),
            deletedAt: IsNull(),
          },
        })
      : null;
    if (!row) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'authorization-state-invalid',
        'Invalid authorization',
        'This authorization link is unknown, already used or expired. Start the authorization again.',
        { errors: [{ field, message: `${field} is unknown, already used or expired` }] },
      );
    }
    return row;
  }

  /**
   * The connection a state was issued for, with the state used up: of two requests carrying the same state
   * only one gets past the conditional clear.
   */
  async consume(site: string, state: string | undefined, field: string): Promise<Connection> {
    const row = await this.peek(site, state, field);
    const consumed = await this.connections.update(
      { id: row.id, authorizationStateHash: hashState(state!), authorizationStateExpiresAt: MoreThan(new Date()) },
      { authorizationStateHash: null, authorizationStateExpiresAt: null },
    );
    if (!consumed.affected) throw new ConflictProblem('authorization-state-used', 'This authorization was already completed.');
    return row;
  }
}
