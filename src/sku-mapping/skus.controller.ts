import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, UploadedFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import { ApiFileImport } from './bulk/api-file-import';
import { SKU_IMPORT_DESCRIPTION } from './bulk/sku-import';
import { uploadedContent, type UploadedFileLike } from './bulk/upload';
import type { Sku } from './sku.entity';
import { SkuImportService } from './sku-import.service';
import { CreateSkuDto, ImportResultDto, ListSkusQuery, SkuDto, UpdateSkuDto } from './skus.dto';
import { SkusService, type SkuWithOptions } from './skus.service';
import { RequireRole } from '../auth/roles';

export function toSkuDto(row: Sku, options?: Sku[]): SkuDto {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    optionName: row.optionName,
    jan: row.jan,
    parentId: row.parentId,
    sellerManagementCode: row.sellerManagementCode,
    ...(options ? { options: options.map((option) => toSkuDto(option)) } : {}),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const withOptions = ({ sku, options }: SkuWithOptions) => toSkuDto(sku, options);

@ApiTags('SKUs')
@ApiProblems(400, 401)
@Controller('v1/skus')
export class SkusController {
  constructor(
    private readonly skus: SkusService,
    private readonly imports: SkuImportService,
  ) {}

  /**
   * Create a single product, a product with its option SKUs (`options`), or one more option of an
   * existing product (`parentId`). Codes are unique per tenant across products and options.
   */
  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: SkuDto })
  @ApiProblems(409)
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateSkuDto): Promise<SkuDto> {
    return withOptions(await this.skus.create(caller.tenantId, body));
  }

  /** Every SKU (products and options), newest first. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(SkuDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListSkusQuery): Promise<Page<SkuDto>> {
    const result = await this.skus.list(caller.tenantId, query);
    return { data: result.data.map((row) => toSkuDto(row)), nextCursor: result.nextCursor };
  }

  /**
   * Create or update many SKUs from a CSV or XLSX file, all or nothing: any bad row answers 422 with
   * every bad row's number (`errors[].row`, header = row 1), and nothing is written. Rows are upserted by
   * `sku_code`, so importing the same file again changes nothing.
   */
  @Post('import')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiFileImport(SKU_IMPORT_DESCRIPTION)
  async import(
    @CurrentTenant() caller: AuthenticatedTenant,
    @UploadedFile() file: UploadedFileLike | undefined,
    @Req() request: Request,
  ): Promise<ImportResultDto> {
    return this.imports.import(caller.tenantId, await uploadedContent(file, request));
  }

  /** A SKU; a product comes with its options. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<SkuDto> {
    return withOptions(await this.skus.getWithOptions(caller.tenantId, id));
  }

  /** Change a SKU's code, name, JAN or option label; a product's new code becomes its options' management code. */
  @Patch(':id')
  @RequireRole('operator')
  @ApiProblems(404, 409)
  async update(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateSkuDto,
  ): Promise<SkuDto> {
    return withOptions(await this.skus.update(caller.tenantId, id, body));
  }

  /** Delete a SKU (a product with its options, and their mappings). Refused with 409 while orders or stock use it. */
  @Delete(':id')
  @RequireRole('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems(404, 409)
  async remove(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.skus.remove(caller.tenantId, id);
  }
}
