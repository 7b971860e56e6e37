import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, PageQuery } from '../common/pagination';
import { ApiKeyCreatedDto, ApiKeyDto, CreateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';
import { type AuthenticatedTenant, CurrentTenant } from './authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { RequireRole } from './roles';

@ApiTags('API keys')
@ApiProblems(400, 401)
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Create an API key for the calling tenant. The key is shown only in this response. */
  @Post()
  @RequireRole('owner')
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateApiKeyDto): Promise<ApiKeyCreatedDto> {
    const { row, key } = await this.apiKeys.create(caller.tenantId, body.name);
    return Object.assign(ApiKeyDto.from(row), { key });
  }

  /** List the tenant's API keys, newest first (revoked ones included, with `revokedAt`). */
  @Get()
  @RequireRole('owner')
  @ApiPageResponse(ApiKeyDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() page: PageQuery): Promise<Page<ApiKeyDto>> {
    const result = await this.apiKeys.list(caller.tenantId, page);
    return { data: result.data.map((row) => ApiKeyDto.from(row)), nextCursor: result.nextCursor };
  }

  /** Revoke an API key; requests with it are refused from now on. */
  @Delete(':id')
  @RequireRole('owner')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiProblems(404)
  async revoke(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.apiKeys.revoke(caller.tenantId, id);
  }
}
