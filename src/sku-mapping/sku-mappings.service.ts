import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { type Page, paginate } from '../common/pagination';
import { ConflictProblem, type FieldError, NotFoundProblem, ProblemException, ValidationProblem } from '../common/problem';
import { ConnectionsService } from '../connections/connections.service';
import { siteCode } from './site-codes';
import { Sku } from './sku.entity';
import { EventBus } from '../events/event-bus';
import { SkuMapping } from './sku-mapping.entity';
import type { CreateSkuMappingDto, ListSkuMappingsQuery } from './sku-mappings.dto';
import { isUniqueViolation } from '../common/sql';
import { escapeLike } from './skus.service';

/** Why a connection cannot carry a mapping for `site`, or null when it can. */
export type ConnectionCheck = (connectionId: string, site: string) => Promise<string | null>;

@Injectable()
export class SkuMappingsService {
  constructor(
    @InjectRepository(SkuMapping) private readonly mappings: Repository<SkuMapping>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly connections: ConnectionsService,
    private readonly events: EventBus,
  ) {}

  async create(tenantId: string, input: CreateSkuMappingDto): Promise<SkuMapping> {
    const listingKey = siteCode(input.site, input.listingKey);
    const errors: FieldError[] = [];
    if (listingKey === '') errors.push({ field: 'listingKey', message: 'listingKey must not be blank' });
    if (input.connectionId) {
      const problem = await this.connectionCheck(tenantId)(input.connectionId, input.site);
      if (problem) errors.push({ field: 'connectionId', message: problem });
    }
    const sku = await this.db.getRepository(Sku).findOne({ where: { id: input.skuId, tenantId } });
    if (!sku) errors.push({ field: 'skuId', message: 'no such SKU' });
    if (errors.length) throw new ValidationProblem(errors);
    if (await this.hasOptions(tenantId, sku!.id)) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'sku-has-options',
        'SKU has options',
        `SKU "${sku!.code}" has options; map the listing to one of them.`,
      );
    }

    let id: string;
    try {
      const inserted = await this.mappings.insert({
        tenantId,
        site: input.site,
        connectionId: input.connectionId?.toLowerCase() ?? null,
        listingKey,
        skuId: sku!.id,
        quantityPerUnit: input.quantityPerUnit ?? 1,
      });
      id = inserted.identifiers[0].id as string;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictProblem(
          'sku-mapping-exists',
          `Listing "${listingKey}" on ${input.site} is already mapped${input.connectionId ? ' for this connection' : ''}.`,
        );
      }
      throw error;
    }
    this.changed(tenantId);
    return this.get(tenantId, id);
  }

  list(tenantId: string, query: ListSkuMappingsQuery): Promise<Page<SkuMapping>> {
    const builder = this.mappings.createQueryBuilder('m').innerJoinAndSelect('m.sku', 's').where('m.tenant_id = :tenantId', { tenantId });
    if (query.site) builder.andWhere('m.site = :site', { site: query.site });
    if (query.connectionId) builder.andWhere('m.connection_id = :connectionId', { connectionId: query.connectionId });
    if (query.skuId) builder.andWhere('m.sku_id = :skuId', { skuId: query.skuId });
    if (query.q) builder.andWhere('m.listing_key ILIKE :q', { q: `%${escapeLike(query.q)}%` });
    return paginate(builder, query, { alias: 'm', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  /** This tenant's mapping; anything else is 404. */
  async get(tenantId: string, id: string): Promise<SkuMapping> {
    const row = await this.mappings.findOne({ where: { id, tenantId }, relations: { sku: true } });
    if (!row) throw new NotFoundProblem('SKU mapping');
    return row;
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const row = await this.get(tenantId, id);
    await this.mappings.delete({ id: row.id, tenantId });
    this.changed(tenantId);
  }

  changed(tenantId: string): void {
    this.events.publish('catalog.changed', { tenantId });
  }

  /** A memoizing check that a connection is this tenant's, live, and on the mapping's site. */
  connectionCheck(tenantId: string): ConnectionCheck {
    const sites = new Map<string, Promise<string | null>>();
    return async (connectionId, site) => {
      const key = connectionId.toLowerCase();
      if (!sites.has(key)) {
        sites.set(
          key,
          this.connections.get(tenantId, key).then(
            (connection) => connection.site as string,
            (error: unknown) => {
              if (error instanceof NotFoundProblem) return null;
              throw error;
            },
          ),
        );
      }
      const connectionSite = await sites.get(key)!;
      if (connectionSite === null) return 'no such connection';
      if (connectionSite !== site) return `the connection is a ${connectionSite} connection, not ${site}`;
      return null;
    };
  }

  private async hasOptions(tenantId: string, skuId: string): Promise<boolean> {
    return (await this.db.getRepository(Sku).count({ where: { tenantId, parentId: skuId } })) > 0;
  }
}
