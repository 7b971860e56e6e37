import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import { InventoryWakeups } from '../inventory/inventory-wakeups';
import { FulfillmentOrdersService } from './fulfillment-orders.service';
import { FulfillmentWakeups } from './fulfillment-wakeups';
import {
  FulfillmentOrderDto,
  InboundScanDto,
  IssuedWaybillDto,
  IssueWaybillDto,
  ListFulfillmentOrdersQuery,
  ShippingInstructionDto,
} from './fulfillment.dto';
import { toFulfillmentOrderDto, toWaybillLabel } from './fulfillment.mapper';
import { TrackingPushService } from './tracking-push.service';
import { RequireRole } from '../auth/roles';

const detailDto = ({ order, ...detail }: Awaited<ReturnType<FulfillmentOrdersService['get']>>) => toFulfillmentOrderDto(order, detail);

@ApiTags('Fulfillment')
@ApiProblems(400, 401, 404)
@Controller('v1/orders')
export class ShippingInstructionController {
  constructor(
    private readonly fulfillment: FulfillmentOrdersService,
    private readonly stockWakeups: InventoryWakeups,
  ) {}

  /**
   * Shipping instruction: reserve the order's stock (every line at once) and create its fulfillment order.
   * An order with unmapped lines or not enough stock is held instead (`result: held`, the order `on_hold`
   * with the reason) and released automatically when stock arrives or its lines map.
   */
  @Post(':id/fulfillment')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: ShippingInstructionDto })
  @ApiProblems(409)
  async instruct(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<ShippingInstructionDto> {
    const outcome = await this.fulfillment.instruct(caller.tenantId, id, 'manual');
    if (outcome.result === 'held') return { result: 'held', holdReason: outcome.holdReason };
    await this.stockWakeups.stockPush();
    return {
      result: 'instructed',
      holdReason: null,
      fulfillmentOrder: detailDto(await this.fulfillment.get(caller.tenantId, outcome.fulfillmentOrderId)),
    };
  }
}

@ApiTags('Fulfillment')
@ApiProblems(400, 401)
@Controller('v1/fulfillment-orders')
export class FulfillmentOrdersController {
  constructor(
    private readonly fulfillment: FulfillmentOrdersService,
    private readonly tracking: TrackingPushService,
    private readonly wakeups: FulfillmentWakeups,
    private readonly stockWakeups: InventoryWakeups,
  ) {}

  /** Fulfillment orders, newest first. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(FulfillmentOrderDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListFulfillmentOrdersQuery): Promise<Page<FulfillmentOrderDto>> {
    const page = await this.fulfillment.list(caller.tenantId, query);
    return { data: page.data.map((order) => toFulfillmentOrderDto(order)), nextCursor: page.nextCursor };
  }

  /** With its lines, waybill, tracking-push state and timeline. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<FulfillmentOrderDto> {
    return detailDto(await this.fulfillment.get(caller.tenantId, id));
  }

  /**
   * Issue the waybill (a number is generated when none is given) and get the label to print. The tracking
   * number is queued for the site in the same transaction and pushed at once.
   */
  @Post(':id/waybill')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: IssuedWaybillDto })
  @ApiProblems(404, 409)
  async waybill(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: IssueWaybillDto,
  ): Promise<IssuedWaybillDto> {
    const detail = await this.fulfillment.issueWaybill(caller.tenantId, id, body);
    await this.wakeups.trackingPush();
    return { label: toWaybillLabel(detail.order, detail.lines), fulfillmentOrder: detailDto(detail) };
  }

  /** The labelled parcel arrived at the warehouse (its barcode scanned). Pushes the tracking number if no waybill did yet. */
  @Post(':id/inbound-scan')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409)
  async inboundScan(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: InboundScanDto,
  ): Promise<FulfillmentOrderDto> {
    const detail = await this.fulfillment.inboundScan(caller.tenantId, id, body);
    await this.wakeups.trackingPush();
    return detailDto(detail);
  }

  /** The parcel left: its stock leaves the warehouse and the sales order becomes shipped. */
  @Post(':id/ship')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409)
  async ship(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<FulfillmentOrderDto> {
    const detail = await this.fulfillment.ship(caller.tenantId, id);
    await this.stockWakeups.stockPush();
    return detailDto(detail);
  }

  /** Releases the reserved stock and puts the sales order back to confirmed. */
  @Post(':id/cancel')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409)
  async cancel(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<FulfillmentOrderDto> {
    const detail = await this.fulfillment.cancel(caller.tenantId, id);
    await this.wakeups.instruct(caller.tenantId, true);
    await this.stockWakeups.stockPush();
    return detailDto(detail);
  }

  /** Try a tracking push that failed for good once more. */
  @Post(':id/tracking-push/retry')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiProblems(404, 409)
  async retryTrackingPush(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<FulfillmentOrderDto> {
    await this.fulfillment.get(caller.tenantId, id);
    await this.tracking.retry(caller.tenantId, id);
    await this.wakeups.trackingPush();
    return detailDto(await this.fulfillment.get(caller.tenantId, id));
  }
}
