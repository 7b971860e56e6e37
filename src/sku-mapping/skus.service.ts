import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, In, type Repository } from 'typeorm';
import { type Page, paginate } from '../common/pagination';
import { isUniqueViolation } from '../common/sql';
import { ConflictProblem, NotFoundProblem, ProblemException, ValidationProblem } from '../common/problem';
import { Sku } from './sku.entity';
import { EventBus } from '../events/event-bus';
import { SkuReferenceChecks } from './sku-reference-check';
import type { CreateSkuDto, ListSkusQuery, UpdateSkuDto } from './skus.dto';

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export interface SkuWithOptions {
  sku: Sku;
  options?: Sku[];
}

@Injectable()
export class SkusService {
  constructor(
    @InjectRepository(Sku) private readonly skus: Repository<Sku>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventBus,
    private readonly referenceChecks: SkuReferenceChecks,
  ) {}

  /** A single product, a product with its options, or (with `parentId`) one more option of an existing product. */
  async create(tenantId: string, input: CreateSkuDto): Promise<SkuWithOptions> {
    if (input.parentId && input.options?.length) {
      throw new ValidationProblem([{ field: 'options', message: 'an option SKU (parentId) cannot have options of its own' }]);
    }
    const code = input.code.trim();
    const optionInputs = input.options ?? [];
    const codes = [code, ...optionInputs.map((option) => option.code.trim())];
    const duplicates = codes
      .map((value, index) => ({ value, index }))
      .filter(({ value, index }) => codes.indexOf(value) !== index)
      .map(({ index }) => ({ field: `options[${index - 1}].code`, message: `code "${codes[index]}" is used twice in this request` }));
    if (duplicates.length) throw new ValidationProblem(duplicates);

    const parent = input.parentId ? await this.parentFor(tenantId, input.parentId) : null;
    await this.refuseTakenCodes(tenantId, codes);

    const created = await this.db
      .transaction(async (manager) => {
        const repository = manager.getRepository(Sku);
        const sku = await repository.save(
          repository.create({
            tenantId,
            code,
            name: input.name.trim(),
            optionName: input.optionName?.trim() || null,
            jan: input.jan ?? null,
            parentId: parent?.id ?? null,
            sellerManagementCode: parent?.code ?? code,
          }),
        );
        const options = await repository.save(
          optionInputs.map((option) =>
            repository.create({
              tenantId,
              code: option.code.trim(),
              name: option.name?.trim() || sku.name,
              optionName: option.optionName.trim(),
              jan: option.jan ?? null,
              parentId: sku.id,
              sellerManagementCode: code,
            }),
          ),
        );
        return { sku, options };
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new ConflictProblem('sku-code-exists', 'A SKU with one of these codes already exists.');
        throw error;
      });
    this.changed(tenantId);
    return { sku: created.sku, options: parent ? undefined : created.options };
  }

  list(tenantId: string, query: ListSkusQuery): Promise<Page<Sku>> {
    const builder = this.skus.createQueryBuilder('s').where('s.tenant_id = :tenantId', { tenantId });
    if (query.q) builder.andWhere(`(s.code ILIKE :q OR s.name ILIKE :q)`, { q: `%${escapeLike(query.q)}%` });
    if (query.parentId) builder.andWhere('s.parent_id = :parentId', { parentId: query.parentId });
    if (query.sellerManagementCode) builder.andWhere('s.seller_management_code = :group', { group: query.sellerManagementCode });
    return paginate(builder, query, { alias: 's', sortColumn: 'created_at', sortProperty: 'createdAt' });
  }

  /** This tenant's SKU; anything else (missing, another tenant's) is 404. */
  async get(tenantId: string, id: string): Promise<Sku> {
    const row = await this.skus.findOne({ where: { id, tenantId } });
    if (!row) throw new NotFoundProblem('SKU');
    return row;
  }

  async getWithOptions(tenantId: string, id: string): Promise<SkuWithOptions> {
    const sku = await this.get(tenantId, id);
    return { sku, options: sku.parentId ? undefined : await this.optionsOf(tenantId, sku.id) };
  }

  async update(tenantId: string, id: string, input: UpdateSkuDto): Promise<SkuWithOptions> {
    const sku = await this.get(tenantId, id);
    const code = input.code?.trim();
    const changes: Partial<Sku> = {};
    if (code !== undefined && code !== sku.code) {
      await this.refuseTakenCodes(tenantId, [code]);
      changes.code = code;
      if (!sku.parentId) changes.sellerManagementCode = code;
    }
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.jan !== undefined) changes.jan = input.jan;
    if (input.optionName !== undefined) changes.optionName = input.optionName?.trim() || null;
    if (Object.keys(changes).length) {
      await this.db
        .transaction(async (manager) => {
          await manager.getRepository(Sku).update({ id: sku.id, tenantId }, changes);
          if (changes.code && !sku.parentId) {
            await manager.getRepository(Sku).update({ tenantId, parentId: sku.id }, { sellerManagementCode: changes.code });
          }
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) throw new ConflictProblem('sku-code-exists', `A SKU with code "${code}" already exists.`);
          throw error;
        });
      this.changed(tenantId);
    }
    return this.getWithOptions(tenantId, id);
  }

  /**
   * Deletes the SKU (a product with its options, and the mappings to them) unless something still needs
   * it: every registered SkuReferenceCheck (orders, stock) is asked first.
   */
  async remove(tenantId: string, id: string): Promise<void> {
    const sku = await this.get(tenantId, id);
    const options = sku.parentId ? [] : await this.optionsOf(tenantId, sku.id);
    const references = await this.referenceChecks.findReferences(tenantId, [sku.id, ...options.map((option) => option.id)]);
    if (references.length) {
      throw new ConflictProblem(
        'sku-in-use',
        `SKU "${sku.code}" is still in use (${references
          .slice(0, 5)
          .map((reference) => reference.description)
          .join('; ')}${references.length > 5 ? '; …' : ''}).`,
        {
          references,
        },
      );
    }
    await this.skus.delete({ id: sku.id, tenantId });
    this.changed(tenantId);
  }

  changed(tenantId: string): void {
    this.events.publish('catalog.changed', { tenantId });
  }

  private optionsOf(tenantId: string, parentId: string): Promise<Sku[]> {
    return this.skus.find({ where: { tenantId, parentId }, order: { createdAt: 'ASC', code: 'ASC' } });
  }

  private async parentFor(tenantId: string, parentId: string): Promise<Sku> {
    const parent = await this.skus.findOne({ where: { id: parentId, tenantId } });
    if (!parent) throw new ValidationProblem([{ field: 'parentId', message: 'no such SKU' }]);
    if (parent.parentId) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'sku-option-nesting',
        'Conflict',
        `SKU "${parent.code}" is itself an option; options cannot have options.`,
      );
    }
    return parent;
  }

  private async refuseTakenCodes(tenantId: string, codes: string[]): Promise<void> {
    const taken = await this.skus.find({ select: { code: true }, where: { tenantId, code: In(codes) } });
    if (taken.length) {
      const list = taken.map((row) => `"${row.code}"`).join(', ');
      throw new ConflictProblem('sku-code-exists', `A SKU with code ${list} already exists.`, { codes: taken.map((row) => row.code) });
    }
  }
}
