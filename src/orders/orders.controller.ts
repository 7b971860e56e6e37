import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiAcceptedResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, JSON_CONTENT_TYPE } from '../common/pagination';
import { ConnectionsService } from '../connections/connections.service';
import { SyncStartedDto } from '../jobs/sync-runs.dto';
import type { OrderLine } from './order-line.entity';
import type { Order } from './order.entity';
import { OrderSyncJobs } from './order-sync.jobs';
import type { Page } from '../common/pagination';
import { OrderChangeIntakeService } from './order-change-intake.service';
import type { OrderEvent } from './order-event.entity';
import { OrderTimeline } from './order-timeline';
import {
  CreateManualOrderDto,
  ListOrdersQuery,
  OrderDto,
  OrderEventDto,
  OrderSummaryDto,
  type OrderLineDto,
  OrderTimelineQuery,
  RecheckResultDto,
} from './orders.dto';
import { OrdersService } from './orders.service';
import { RequireRole } from '../auth/roles';

function toLineDto(line: OrderLine): OrderLineDto {
  const { tenantId: _tenant, orderId: _order, raw: _raw, order: _parent, ...dto } = line;
  return dto;
}

function toOrderEventDto(event: OrderEvent): OrderEventDto {
  return {
    id: event.id,
    createdAt: event.createdAt,
    occurredAt: event.occurredAt,
    source: event.source,
    kind: event.kind,
    detail: event.detail,
    followState: event.followState,
  };
}

export function toOrderDto(order: Order): OrderDto {
  return {
    id: order.id,
    connectionId: order.connectionId,
    site: order.site,
    externalOrderId: order.externalOrderId,
    source: order.source,
    status: order.status,
    holdReason: order.holdReason,
    siteStatus: order.siteStatus,
    siteStatusName: order.siteStatusName,
    orderedAt: order.orderedAt,
    paidAt: order.paidAt,
    buyer: order.buyer,
    recipient: order.recipient,
    total: order.totalAmount === null ? null : { amount: order.totalAmount, currency: order.currency },
    lineCount: order.lineCount,
    unmappedLineCount: order.unmappedLineCount,
    confirmation: { state: order.confirmationState, error: order.confirmationError, attempts: order.confirmationAttempts },
    siteChange: {
      state: order.siteState,
      reason: order.siteStateReason,
      mergedInto: order.mergedInto,
      cancelledAfterInstructionAt: order.cancelledAfterInstructionAt,
      cancelApproval: order.cancelApprovalState,
    },
    fulfillmentStatus: order.fulfillmentStatus,
    trackingPushState: order.trackingPushState,
    trackingPushError: order.trackingPushError,
    refs: order.refs,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    ...(order.lines ? { lines: order.lines.map(toLineDto) } : {}),
  };
}

/**
 * Whether the request's `Accept-Encoding` allows gzip over the page as it is (q-values respected, `gzip;q=0` refused).
 * A request without the header gets the page as it is: RFC 9110 would allow any coding, but a client that sends
 * none (curl, a script) most likely cannot read one.
 */
function acceptsGzip(request: Request): boolean {
  return request.headers['accept-encoding'] !== undefined && request.acceptsEncodings('gzip', 'identity') === 'gzip';
}

@ApiTags('Orders')
@ApiProblems(400, 401)
@Controller('v1/orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly timelineEntries: OrderTimeline,
    private readonly changes: OrderChangeIntakeService,
  ) {}

  /**
   * Orders, newest first, with filters: each as a summary (status, recipient's name and prefecture, total,
   * fulfillment and tracking state…); `GET /v1/orders/{id}` shows all of an order. A page asked for again is
   * answered gzipped (`Content-Encoding: gzip`) to a client whose `Accept-Encoding` allows it, as browsers' does.
   */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(OrderSummaryDto)
  async list(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Query() query: ListOrdersQuery,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const page = await this.orders.list(caller.tenantId, query, acceptsGzip(request));
    // set here: Express does not hash the body for one
    response.setHeader('ETag', page.etag);
    // whether gzipped or not, so no shared cache hands a gzipped page to a client that did not ask for one
    response.vary('Accept-Encoding'); // added to CORS's `Vary: Origin`, not in its place
    if (request.fresh) {
      // without Content-Encoding: a cache freshening the page it holds with a 304's headers would take a gzip of
      // this answer as the coding of the page it kept, which may be the plain one
      response.status(304).end();
      return;
    }
    if (page.contentEncoding) response.setHeader('Content-Encoding', page.contentEncoding);
    // the body is bytes already: sent as they are (Nest would serialize a returned Buffer as a JSON object)
    response.setHeader('Content-Type', JSON_CONTENT_TYPE);
    response.send(page.body);
  }

  /** Enter an order the site can no longer hand over (waybill already printed there, or delivery started). */
  @Post()
  @RequireRole('operator')
  @ApiProblems(404, 409)
  async create(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateManualOrderDto): Promise<OrderDto> {
    return toOrderDto(await this.orders.createManual(caller.tenantId, body));
  }

  /** One order with its lines, how each line resolved to a SKU, and its confirmation state. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDto> {
    return toOrderDto(await this.orders.getWithLines(caller.tenantId, id));
  }

  /** Confirm a new order on the site (Qoo10, 11st); elsewhere just marks it confirmed. */
  @Post(':id/confirm')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409, 422)
  async confirm(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDto> {
    return toOrderDto(await this.orders.confirm(caller.tenantId, id));
  }

  /**
   * The order's history, newest first: every status change, every change the site reported after intake (cancel,
   * hold, release, line cancel, merge, split, address), and every call made to the site for it (confirm, tracking,
   * cancel approval, recheck) with the site's answer.
   */
  @Get(':id/timeline')
  @RequireRole('viewer')
  @ApiPageResponse(OrderEventDto)
  @ApiProblems(404)
  async timeline(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: OrderTimelineQuery,
  ): Promise<Page<OrderEventDto>> {
    const page = await this.timelineEntries.list(caller.tenantId, id, query);
    return { data: page.data.map(toOrderEventDto), nextCursor: page.nextCursor };
  }

  /**
   * Ask the site about the order now (cancelled? held? lines changed?) and apply what it says, exactly as the
   * scheduled change pull would. A site that cannot be asked about one order answers 409.
   */
  @Post(':id/recheck')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409, 422, 502)
  async recheck(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<RecheckResultDto> {
    const outcome = await this.changes.recheck(caller.tenantId, id);
    return { ...outcome, order: toOrderDto(await this.orders.getWithLines(caller.tenantId, id)) };
  }

  /** Cancel an order that has not shipped; an illegal transition answers 409. */
  @Post(':id/cancel')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409)
  async cancel(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<OrderDto> {
    return toOrderDto(await this.orders.cancel(caller.tenantId, id));
  }
}

@ApiTags('Connections')
@ApiProblems(401, 404)
@Controller('v1/connections')
export class ConnectionSyncController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly jobs: OrderSyncJobs,
  ) {}

  /** Pull orders now. Answers 202 with the run to follow; a sync already waiting is reused. */
  @Post(':id/sync')
  @RequireRole('operator')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SyncStartedDto })
  @ApiProblems(409)
  async sync(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<SyncStartedDto> {
    const connection = await this.connections.get(caller.tenantId, id);
    const started = await this.jobs.enqueuePull(connection, 'manual');
    return { runId: started.runId ?? '', queued: started.queued };
  }
}
