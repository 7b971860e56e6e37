import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import type { ApiKey } from '../auth/api-key.entity';
import type { User } from '../users/user.entity';
import type { FirstOwnerDto } from '../users/users.dto';
import { UsersService } from '../users/users.service';
import { Tenant } from './tenant.entity';

export const DEFAULT_TENANT_NAME = 'Default tenant';

@Injectable()
export class TenantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly users: UsersService,
  ) {}

  /** A tenant, its first API key and, when given, its first owner, in one transaction. */
  async create(name: string, firstOwner?: FirstOwnerDto): Promise<{ tenant: Tenant; apiKey: ApiKey; key: string; owner: User | null }> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.getRepository(Tenant).save({ name });
      const { row, key } = await this.apiKeys.create(tenant.id, 'first key', manager);
      const owner = firstOwner ? await this.users.create(tenant.id, { ...firstOwner, role: 'owner' }, manager) : null;
      return { tenant, apiKey: row, key, owner };
    });
  }

  /**
   * On the very first boot, create a default tenant so a new user can call the API at once.
   * Returns its key, or null when tenants already exist. Safe when instances boot together:
   * the advisory lock makes exactly one of them create it.
   */
  async createDefaultTenantIfNone(): Promise<{ tenant: Tenant; key: string } | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(727002)');
      const count = await manager.getRepository(Tenant).count();
      if (count > 0) return null;
      const tenant = await manager.getRepository(Tenant).save({ name: DEFAULT_TENANT_NAME });
      const { key } = await this.apiKeys.create(tenant.id, 'default key', manager);
      return { tenant, key };
    });
  }
}
