import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, Repository } from 'typeorm';
import { NotFoundProblem } from '../common/problem';
import { PreparedStatements } from '../database/prepared-statements';
import { type Page, type PageQuery, paginate } from '../common/pagination';
import { ApiKey } from './api-key.entity';
import { generateApiKey, hashApiKey } from './api-key-secret';
import type { AuthenticatedTenant } from './authenticated-tenant';

// Writing last_used_at on every request would turn every read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly preparedStatements: PreparedStatements,
  ) {}

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

  /**
   * Read on every request, so a revoked key is refused at once on every instance. A prepared statement, not a
   * repository query: this runs before every API call, and TypeORM's query building allocated more than the
   * rest of a bare request's guards (bench:api; what a request allocates sets how often the garbage collector
   * pauses the server).
   */
  async authenticate(key: string): Promise<AuthenticatedTenant | null> {
    const [row] = await this.preparedStatements.query<{ id: string; tenant_id: string; last_used_at: Date | null }>(
      'SELECT id, tenant_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hashApiKey(key)],
    );
    if (!row) return null;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: row.id }, { lastUsedAt: () => 'now()' });
    }
    return { tenantId: row.tenant_id, apiKeyId: row.id, role: 'owner' };
  }
}
