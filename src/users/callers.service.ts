import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKey } from '../auth/api-key.entity';
import type { AuthenticatedTenant } from '../auth/authenticated-tenant';
import { SessionsService } from './sessions.service';
import { type MeDto, UserDto } from './users.dto';
import { UsersService } from './users.service';

/** Describes the caller of `GET /v1/me`. */
@Injectable()
export class CallersService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    @InjectRepository(ApiKey) private readonly apiKeys: Repository<ApiKey>,
  ) {}

  async describe(caller: AuthenticatedTenant): Promise<MeDto> {
    const me: MeDto = { kind: 'api-key', tenantId: caller.tenantId, role: caller.role, user: null, session: null, apiKey: null };
    if (caller.userId && caller.sessionId) {
      const [user, expiresAt] = await Promise.all([
        this.users.get(caller.tenantId, caller.userId),
        this.sessions.expiresAt(caller.tenantId, caller.sessionId),
      ]);
      return { ...me, kind: 'user', user: UserDto.from(user), session: { id: caller.sessionId, expiresAt: expiresAt! } };
    }
    const key = await this.apiKeys.findOneByOrFail({ id: caller.apiKeyId, tenantId: caller.tenantId });
    return { ...me, apiKey: { id: key.id, name: key.name, prefix: key.prefix } };
  }
}
