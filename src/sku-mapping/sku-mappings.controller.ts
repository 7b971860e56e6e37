import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  StreamableFile,
  UploadedFile,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import { ApiFileImport } from './bulk/api-file-import';
import { MAPPING_FILE_DESCRIPTION } from './bulk/mapping-import';
import { uploadedContent, type UploadedFileLike } from './bulk/upload';
import { CSV_MIME, XLSX_MIME } from './bulk/tabular-file';
import type { SkuMapping } from './sku-mapping.entity';
import { SkuMappingFilesService } from './sku-mapping-files.service';
import { CreateSkuMappingDto, ExportSkuMappingsQuery, ListSkuMappingsQuery, SkuMappingDto } from './sku-mappings.dto';
import { SkuMappingsService } from './sku-mappings.service';
import { UnmappedListings } from './unmapped-listings';
import { UnmappedListDto, UnmappedQuery } from './unmapped-listings.dto';
import { ImportResultDto } from './skus.dto';
import { RequireRole } from '../auth/roles';

export function toSkuMappingDto(row: SkuMapping): SkuMappingDto {
  return {
    id: row.id,
    site: row.site,
    connectionId: row.connectionId,
    listingKey: row.listingKey,
    skuId: row.skuId,
    skuCode: row.sku?.code ?? '',
    quantityPerUnit: row.quantityPerUnit,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

@ApiTags('SKU mappings')
@ApiProblems(400, 401)
@Controller('v1/sku-mappings')
export class SkuMappingsController {
  constructor(
    private readonly mappings: SkuMappingsService,
    private readonly files: SkuMappingFilesService,
    private readonly unmappedListings: UnmappedListings,
  ) {}

  /**
   * Map a listing on a site — on every connection of the site, or on one (`connectionId`) — to a SKU.
   * Order lines resolve by a mapping for their own connection first, then a site-wide one, then by a SKU
   * whose code equals the site's code. Waiting orders are re-resolved.
   */
  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: SkuMappingDto })
  @ApiProblems(409, 422)
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateSkuMappingDto): Promise<SkuMappingDto> {
    return toSkuMappingDto(await this.mappings.create(caller.tenantId, body));
  }

  /** The tenant's mappings, newest first, filtered by site, connection, SKU or part of the listing key. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(SkuMappingDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListSkuMappingsQuery): Promise<Page<SkuMappingDto>> {
    const result = await this.mappings.list(caller.tenantId, query);
    return { data: result.data.map(toSkuMappingDto), nextCursor: result.nextCursor };
  }

  /**
   * Create or update many mappings from a CSV or XLSX file (the columns `GET /v1/sku-mappings/export`
   * writes), all or nothing: any bad row answers 422 with every bad row's number (header = row 1) and
   * nothing is written. Rows are upserted by site, connection and listing key.
   */
  @Post('import')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiFileImport(MAPPING_FILE_DESCRIPTION)
  async import(
    @CurrentTenant() caller: AuthenticatedTenant,
    @UploadedFile() file: UploadedFileLike | undefined,
    @Req() request: Request,
  ): Promise<ImportResultDto> {
    return this.files.import(caller.tenantId, await uploadedContent(file, request));
  }

  /** Every mapping as a file with the import's columns (`site, connection_id, listing_key, sku_code, quantity_per_unit`). */
  @Get('export')
  @RequireRole('viewer')
  @ApiProduces(CSV_MIME, XLSX_MIME)
  @ApiOkResponse({ description: 'The file, as an attachment.', schema: { type: 'string', format: 'binary' } })
  async export(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ExportSkuMappingsQuery): Promise<StreamableFile> {
    const { format = 'csv', ...filter } = query;
    const file = await this.files.export(caller.tenantId, format, filter);
    return new StreamableFile(file.content, {
      type: file.contentType,
      disposition: `attachment; filename="${file.fileName}"`,
      length: file.content.length,
    });
  }

  /** Listing keys seen on open orders that map to no SKU, with how many orders wait on each, most-waited-on first. */
  @Get('unmapped')
  @RequireRole('viewer')
  async unmapped(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: UnmappedQuery): Promise<UnmappedListDto> {
    return { data: await this.unmappedListings.list(caller.tenantId, query) };
  }

  /** A mapping, with its SKU's code. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<SkuMappingDto> {
    return toSkuMappingDto(await this.mappings.get(caller.tenantId, id));
  }

  /** Remove a mapping; lines it resolved keep their SKU, new lines fall back to code equality. */
  @Delete(':id')
  @RequireRole('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems(404)
  async remove(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.mappings.remove(caller.tenantId, id);
  }
}
