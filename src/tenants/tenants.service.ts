import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import type { ApiKey } from '../auth/api-key.entity';
import { Tenant } from './tenant.entity';

export const DEFAULT_TENANT_NAME = 'Default tenant';

@Injectable()
export class TenantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** A tenant and its first API key, in one transaction. */
  async create(name: string): Promise<{ tenant: Tenant; apiKey: ApiKey; key: string }> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.getRepository(Tenant).save({ name });
      const { row, key } = await this.apiKeys.create(tenant.id, 'first key', manager);
      return { tenant, apiKey: row, key };
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
