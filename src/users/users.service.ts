import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, IsNull, Repository } from 'typeorm';
import type { AuthenticatedTenant } from '../auth/authenticated-tenant';
import { type Page, type PageQuery, paginate } from '../common/pagination';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '../common/problem';
import { isUniqueViolation } from '../common/sql';
import { hashPassword, passwordMatches, spendVerificationTime } from './passwords';
import { SessionsService } from './sessions.service';
import { User } from './user.entity';
import type { CreateUserDto, UpdateUserDto } from './users.dto';

/** What checking an e-mail and password found. */
export type Credentials = { user: User } | { ambiguous: true } | null;

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: SessionsService,
  ) {}

  async create(tenantId: string, input: CreateUserDto, manager?: EntityManager): Promise<User> {
    const repository = manager ? manager.getRepository(User) : this.users;
    const row = repository.create({
      tenantId,
      email: input.email.toLowerCase(),
      name: input.name ?? null,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    });
    try {
      return await repository.save(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictProblem('email-taken', 'Someone in this tenant already signs in with this e-mail.');
      throw error;
    }
  }

  list(tenantId: string, page: PageQuery): Promise<Page<User>> {
    const query = this.users.createQueryBuilder('u').where('u.tenant_id = :tenantId AND u.deleted_at IS NULL', { tenantId });
    return paginate(query, page, { alias: 'u', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  async get(tenantId: string, id: string, manager?: EntityManager): Promise<User> {
    const repository = manager ? manager.getRepository(User) : this.users;
    const row = await repository.findOne({ where: { id, tenantId, deletedAt: IsNull() } });
    if (!row) throw new NotFoundProblem('User');
    return row;
  }

  /** A new password ends the person's other sessions; the one making the change stays open if it is theirs. */
  update(caller: AuthenticatedTenant, id: string, change: UpdateUserDto): Promise<User> {
    return this.changingPeopleOf(caller.tenantId, async (manager) => {
      const row = await this.get(caller.tenantId, id, manager);
      if (change.role && change.role !== 'owner') await this.keepAnOwner(manager, row);
      if (change.name !== undefined) row.name = change.name;
      if (change.role) row.role = change.role;
      if (change.password !== undefined) {
        row.passwordHash = await hashPassword(change.password);
        row.passwordChangedAt = new Date();
        await this.sessions.revokeAllOf(manager, caller.tenantId, id, caller.userId === id ? caller.sessionId : undefined);
      }
      return manager.getRepository(User).save(row);
    });
  }

  /**
   * A signed-in person changes their own password, proving the current one: every other session of theirs
   * ends, the one making the change stays open. A wrong current password changes nothing.
   */
  changeOwnPassword(caller: AuthenticatedTenant & { userId: string; sessionId: string }, current: string, next: string): Promise<void> {
    return this.changingPeopleOf(caller.tenantId, async (manager) => {
      const row = await this.get(caller.tenantId, caller.userId, manager);
      if (!(await passwordMatches(row.passwordHash, current))) {
        throw new ValidationProblem([{ field: 'currentPassword', message: 'currentPassword is not your password' }]);
      }
      row.passwordHash = await hashPassword(next);
      row.passwordChangedAt = new Date();
      await manager.getRepository(User).save(row);
      await this.sessions.revokeAllOf(manager, caller.tenantId, caller.userId, caller.sessionId);
    });
  }

  /** Removes a person: their sessions end and their e-mail is free again. */
  async remove(tenantId: string, id: string): Promise<void> {
    await this.changingPeopleOf(tenantId, async (manager) => {
      const row = await this.get(tenantId, id, manager);
      await this.keepAnOwner(manager, row);
      await manager.getRepository(User).update({ id, tenantId }, { deletedAt: () => 'now()' });
      await this.sessions.revokeAllOf(manager, tenantId, id);
    });
  }

  /**
   * The active person with this e-mail and password. Without a tenant, the e-mail is looked up in every
   * tenant: more than one account opened by the same password is ambiguous (the caller then names the
   * tenant). An unknown e-mail takes as long as a wrong password.
   */
  async checkCredentials(email: string, password: string, tenantId?: string): Promise<Credentials> {
    const candidates = await this.users
      .createQueryBuilder('u')
      .where('lower(u.email) = :email AND u.deleted_at IS NULL', { email: email.toLowerCase() })
      .andWhere(tenantId ? 'u.tenant_id = :tenantId' : 'TRUE', { tenantId })
      .getMany();
    if (candidates.length === 0) {
      await spendVerificationTime(password);
      return null;
    }
    const matches: User[] = [];
    for (const candidate of candidates) if (await passwordMatches(candidate.passwordHash, password)) matches.push(candidate);
    if (matches.length > 1) return { ambiguous: true };
    return matches.length === 1 ? { user: matches[0] } : null;
  }

  /**
   * Changes to a tenant's people run one at a time (the tenant row is locked), so two owners demoting
   * each other at once cannot leave the tenant without one.
   */
  private changingPeopleOf<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE`, [tenantId]);
      return work(manager);
    });
  }

  private async keepAnOwner(manager: EntityManager, row: User): Promise<void> {
    if (row.role !== 'owner') return;
    const others = await manager
      .getRepository(User)
      .createQueryBuilder('u')
      .where("u.tenant_id = :tenantId AND u.role = 'owner' AND u.deleted_at IS NULL AND u.id <> :id", {
        tenantId: row.tenantId,
        id: row.id,
      })
      .getCount();
    if (others === 0) {
      throw new ConflictProblem('last-owner', "This is the tenant's last owner: make someone else owner first.");
    }
  }
}
