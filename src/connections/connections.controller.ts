import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import type { Connection } from './connection.entity';
import { NO_OPTIONS } from './connection-input.validator';
import {
  AuthorizationUrlDto,
  AuthorizeQuery,
  ConnectionDto,
  ConnectionTestResultDto,
  CreateConnectionDto,
  ListConnectionsQuery,
  RenewTokensDto,
  SalesSiteListDto,
  UpdateConnectionDto,
} from './connections.dto';
import { ConnectionsService } from './connections.service';
import { RequireRole } from '../auth/roles';

export function toConnectionDto(row: Connection): ConnectionDto {
  return {
    id: row.id,
    site: row.site,
    shopId: row.shopId,
    endpoint: row.endpoint,
    status: row.deletedAt ? 'deleted' : row.status,
    options: { ...NO_OPTIONS, ...row.options },
    settings: row.settings,
    credentials: row.credentialHints,
    tokenExpiresAt: row.tokenExpiresAt,
    orderSyncIntervalMinutes: row.orderSyncIntervalMinutes,
    lastTest: row.lastTest,
    lastError: row.lastError,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

@ApiTags('Sales sites')
@ApiProblems(401)
@Controller('v1/sales-sites')
export class SalesSitesController {
  constructor(private readonly connections: ConnectionsService) {}

  /** Every supported site: credential fields, settings, collectable statuses, capabilities, options, and the IPs to whitelist. */
  @Get()
  @RequireRole('viewer')
  list(): SalesSiteListDto {
    return { data: this.connections.salesSites() };
  }
}

@ApiTags('Connections')
@ApiProblems(400, 401)
@Controller('v1/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  /**
   * Register a sales-site connection. Credentials are validated against the site's fields and stored
   * encrypted. NextEngine starts as `pending_authorization` (continue with `GET …/authorize`); Qoo10
   * exchanges the one-time password for a key at once.
   */
  @Post()
  @RequireRole('owner')
  @ApiProblems(409)
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateConnectionDto): Promise<ConnectionDto> {
    return toConnectionDto(await this.connections.create(caller.tenantId, body));
  }

  /** The tenant's connections, newest first, by site and status. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(ConnectionDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListConnectionsQuery): Promise<Page<ConnectionDto>> {
    const result = await this.connections.list(caller.tenantId, query, query);
    return { data: result.data.map(toConnectionDto), nextCursor: result.nextCursor };
  }

  /**
   * One connection: status, options, settings, masked credentials, last test and last error. A deleted one
   * answers too (status `deleted`, `deletedAt`), since orders keep the connection they came from.
   */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<ConnectionDto> {
    return toConnectionDto(await this.connections.read(caller.tenantId, id));
  }

  /** Change options, settings, endpoint or credentials, or disable/enable the connection. */
  @Patch(':id')
  @RequireRole('owner')
  @ApiProblems(404)
  async update(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateConnectionDto,
  ): Promise<ConnectionDto> {
    return toConnectionDto(await this.connections.update(caller.tenantId, id, body));
  }

  /** Remove the connection; its shop id can then be registered again. */
  @Delete(':id')
  @RequireRole('owner')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems(404)
  async remove(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.connections.remove(caller.tenantId, id);
  }

  /** Make the site's cheapest authenticated call. Answers 200 either way; `ok` and the site's own words say how it went. */
  @Post(':id/test')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404)
  test(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<ConnectionTestResultDto> {
    return this.connections.test(caller.tenantId, id);
  }

  /** Renew the site credentials (NextEngine token refresh; Qoo10 a new key from the password or a fresh API key). */
  @Post(':id/renew-tokens')
  @RequireRole('owner')
  @HttpCode(200)
  @ApiProblems(404, 409, 422)
  async renewTokens(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RenewTokensDto,
  ): Promise<ConnectionDto> {
    return toConnectionDto(await this.connections.renewTokens(caller.tenantId, id, body.credentials));
  }

  /**
   * Start the seller's browser sign-in: 302 to the site (NextEngine), which calls back
   * `/v1/connections/oauth/{site}/callback`, or to Mallbridge's own sign-in window for a site whose key is made
   * from the seller's login (Qoo10 "Get Auth": QSM login and password, used once). Both end at
   * `CONNECT_RETURN_URL` with `connectionId`, `site`, `result` (connected | failed) and `message`.
   * With `mode=json` the URL is returned instead.
   */
  @Get(':id/authorize')
  @RequireRole('owner')
  @ApiFoundResponse({ description: "Redirect to the site's sign-in page, or to Mallbridge's sign-in window (Qoo10)." })
  @ApiOkResponse({ type: AuthorizationUrlDto, description: 'With mode=json.' })
  @ApiProblems(404, 409)
  async authorize(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: AuthorizeQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthorizationUrlDto | void> {
    const started = await this.connections.startAuthorization(caller.tenantId, id);
    if (query.mode === 'json') return started;
    response.redirect(302, started.authorizationUrl);
  }
}
