import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import {
  AdjustmentResultDto,
  CreateAdjustmentDto,
  InventoryLevelDto,
  InventoryMovementDto,
  ListInventoryQuery,
  ListMovementsQuery,
} from './inventory.dto';
import { toLevelDto, toMovementDto } from './inventory.mapper';
import { InventoryService } from './inventory.service';
import { RequireRole } from '../auth/roles';

@ApiTags('Inventory')
@ApiProblems(400, 401)
@Controller('v1/inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  /** Stock per SKU: on hand, reserved for fulfillment orders, and available. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(InventoryLevelDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListInventoryQuery): Promise<Page<InventoryLevelDto>> {
    const page = await this.inventory.list(caller.tenantId, query);
    return { data: page.data.map(toLevelDto), nextCursor: page.nextCursor };
  }

  /**
   * Record a receipt, a loss or a correction (a change), or a stocktake (the counted quantity). Orders held
   * for lack of stock are re-checked, and sites with autoStockSync get the new quantity.
   */
  @Post('adjustments')
  @RequireRole('operator')
  @ApiCreatedResponse({ type: AdjustmentResultDto })
  @ApiProblems(404, 409)
  async adjust(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: CreateAdjustmentDto): Promise<AdjustmentResultDto> {
    const result = await this.inventory.adjust(caller.tenantId, body);
    return { level: toLevelDto(result.level), ...(result.movement ? { movement: toMovementDto(result.movement) } : {}) };
  }

  /** The stock ledger, newest first: every change with its reason and what caused it. */
  @Get('movements')
  @RequireRole('viewer')
  @ApiPageResponse(InventoryMovementDto)
  async movements(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListMovementsQuery): Promise<Page<InventoryMovementDto>> {
    const page = await this.inventory.listMovements(caller.tenantId, query);
    return { data: page.data.map(toMovementDto), nextCursor: page.nextCursor };
  }
}
