import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { RequireRole } from '../auth/roles';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page, PageQuery } from '../common/pagination';
import { CreateUserDto, UpdateUserDto, UserDto } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('People')
@ApiProblems(400, 401)
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Add a person to the tenant with a role and a first password. */
  @Post()
  @RequireRole('owner')
  @ApiProblems(409)
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.create(caller.tenantId, body));
  }

  /** The tenant's people, newest first. */
  @Get()
  @RequireRole('owner')
  @ApiPageResponse(UserDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() page: PageQuery): Promise<Page<UserDto>> {
    const result = await this.users.list(caller.tenantId, page);
    return { data: result.data.map((row) => UserDto.from(row)), nextCursor: result.nextCursor };
  }

  /** One person of the tenant. */
  @Get(':id')
  @RequireRole('owner')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return UserDto.from(await this.users.get(caller.tenantId, id));
  }

  /** Rename, change the role, or set a new password (which ends the person's other sessions). */
  @Patch(':id')
  @RequireRole('owner')
  @ApiProblems(404, 409)
  async update(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserDto> {
    return UserDto.from(await this.users.update(caller, id, body));
  }

  /** Remove a person; their sessions end. The last owner cannot be removed (409). */
  @Delete(':id')
  @RequireRole('owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems(404, 409)
  async remove(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.users.remove(caller.tenantId, id);
  }
}
