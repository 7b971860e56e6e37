import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, Repository } from 'typeorm';
import { NotFoundProblem } from '../common/problem';
import { type Page, type PageQuery, paginate } from '../common/pagination';
import { ApiKey } from './api-key.entity';
import { generateApiKey, hashApiKey } from './api-key-secret';
import type { AuthenticatedTenant } from './authenticated-tenant';

// Writing last_used_at on every request would turn every read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  /** Create a key; the plain key is returned once and never stored. */
  async create(tenantId: string, name: string, manager?: EntityManager): Promise<{ row: ApiKey; key: string }> {
    const { key, prefix, hash } = generateApiKey();
    const repository = manager ? manager.getRepository(ApiKey) : this.keys;
    const row = await repository.save(repository.create({ tenantId, name, prefix, keyHash: hash }));
    return { row, key };
  }

  list(tenantId: string, page: PageQuery): Promise<Page<ApiKey>> {
    const query = this.keys.createQueryBuilder('k').where('k.tenant_id = :tenantId', { tenantId });
    return paginate(query, page, { alias: 'k', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  /** Revoke a key of this tenant; another tenant's key is "not found", exactly like a missing one. */
  async revoke(tenantId: string, id: string): Promise<void> {
    const result = await this.keys.update({ id, tenantId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    if (!result.affected) {
      const exists = await this.keys.exists({ where: { id, tenantId } });
      if (!exists) throw new NotFoundProblem('API key');
    }
  }

  async authenticate(key: string): Promise<AuthenticatedTenant | null> {
    const row = await this.keys.findOne({ where: { keyHash: hashApiKey(key), revokedAt: IsNull() } });
    if (!row) return null;
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: row.id }, { lastUsedAt: () => 'now()' });
    }
    return { tenantId: row.tenantId, apiKeyId: row.id, role: 'owner' };
  }
}
