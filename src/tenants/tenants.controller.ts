import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard } from '../auth/admin-key.guard';
import { ApiKeyDto } from '../auth/api-keys.dto';
import { SkipApiKey } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ADMIN_KEY_SCHEME } from '../openapi/security-schemes';
import { UserDto } from '../users/users.dto';
import { CreateTenantDto, TenantCreatedDto } from './tenants.dto';
import { TenantsService } from './tenants.service';

@ApiTags('Tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  /**
   * Create a tenant (a seller account) with its first API key. Operator only: send
   * `Authorization: Bearer <ADMIN_API_KEY>`.
   */
  @Post()
  @SkipApiKey()
  @UseGuards(AdminKeyGuard)
  @ApiSecurity(ADMIN_KEY_SCHEME)
  @ApiProblems(400, 401, 403)
  async create(@Body() body: CreateTenantDto): Promise<TenantCreatedDto> {
    const { tenant, apiKey, key, owner } = await this.tenants.create(body.name, body.firstOwner);
    return {
      tenant: { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt },
      apiKey: Object.assign(ApiKeyDto.from(apiKey), { key }),
      firstOwner: owner ? UserDto.from(owner) : null,
    };
  }
}
