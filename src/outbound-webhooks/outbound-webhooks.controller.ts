import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { RequireRole } from '../auth/roles';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page, PageQuery } from '../common/pagination';
import { CreateWebhookEndpointDto, WebhookDeliveryDto, WebhookEndpointCreatedDto, WebhookEndpointDto } from './outbound-webhooks.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

@ApiTags('Webhooks')
@ApiProblems(400, 401)
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  /**
   * Send the chosen events to a URL of yours, signed with a secret shown only in this response. A URL whose host
   * resolves to a loopback, private or link-local address is refused (400, field `url`).
   */
  @Post()
  @RequireRole('owner')
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateWebhookEndpointDto): Promise<WebhookEndpointCreatedDto> {
    const { row, secret } = await this.endpoints.create(caller.tenantId, body);
    return Object.assign(new WebhookEndpointCreatedDto(), WebhookEndpointDto.from(row), { secret });
  }

  /** The tenant's webhook endpoints, newest first. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(WebhookEndpointDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() page: PageQuery): Promise<Page<WebhookEndpointDto>> {
    const result = await this.endpoints.list(caller.tenantId, page);
    return { data: result.data.map((row) => WebhookEndpointDto.from(row)), nextCursor: result.nextCursor };
  }

  /** One webhook endpoint (its secret is not shown again). */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookEndpointDto> {
    return WebhookEndpointDto.from(await this.endpoints.get(caller.tenantId, id));
  }

  /** Stop sending to this endpoint; deliveries still waiting fail. */
  @Delete(':id')
  @RequireRole('owner')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems(404)
  async remove(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.endpoints.remove(caller.tenantId, id);
  }

  /** The endpoint's delivery log, newest first: each event sent, its attempts and the last response code. */
  @Get(':id/deliveries')
  @RequireRole('viewer')
  @ApiPageResponse(WebhookDeliveryDto)
  @ApiProblems(404)
  async deliveries(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() page: PageQuery,
  ): Promise<Page<WebhookDeliveryDto>> {
    const result = await this.endpoints.listDeliveries(caller.tenantId, id, page);
    return { data: result.data.map((row) => WebhookDeliveryDto.from(row)), nextCursor: result.nextCursor };
  }
}

@ApiTags('Webhooks')
@ApiProblems(400, 401)
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  /** Send a delivery again now (failed, waiting for its next attempt, or succeeded), with a fresh set of retries. */
  @Post(':id/retry')
  @RequireRole('operator')
  @HttpCode(202)
  @ApiProblems(404, 409)
  async retry(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookDeliveryDto> {
    return WebhookDeliveryDto.from(await this.endpoints.retry(caller.tenantId, id));
  }
}
