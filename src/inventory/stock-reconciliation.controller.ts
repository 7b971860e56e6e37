import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import {
  decodeListingCursor,
  encodeListingCursor,
  ReconciliationQuery,
  ReconciliationReportDto,
  ReconciliationSummaryDto,
  StartReconciliationDto,
} from './stock-reconciliation.dto';
import { StockReconciliation } from './stock-reconciliation';
import { RequireRole } from '../auth/roles';

const DEFAULT_PAGE = 50;

@ApiTags('Inventory')
@ApiProblems(400, 401, 404)
@Controller('v1/stock/reconciliation')
export class StockReconciliationController {
  constructor(private readonly reconciliation: StockReconciliation) {}

  /**
   * Per listing of the connection, in listing-key order: what the site shows now (read from the site for this page),
   * what Mallbridge would push, and the difference; absolute and relative sites alike. With the last reconciliation
   * run and what it corrected or reported.
   */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: ReconciliationReportDto })
  async report(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ReconciliationQuery): Promise<ReconciliationReportDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const report = await this.reconciliation.compare(caller.tenantId, query.connectionId, {
      afterKey: query.cursor ? decodeListingCursor(query.cursor) : null,
      limit: limit + 1,
    });
    const page = report.listings.slice(0, limit);
    return {
      connectionId: report.connectionId,
      mode: report.mode,
      checkedAt: report.checkedAt,
      data: page,
      nextCursor: report.listings.length > limit ? encodeListingCursor(page[page.length - 1].listingKey) : null,
      lastRun: await this.reconciliation.lastRun(caller.tenantId, query.connectionId),
    };
  }

  /** Reconcile the connection now, as the daily run does: absolute sites with stock sync are corrected, relative ones reported. */
  @Post('runs')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: ReconciliationSummaryDto })
  run(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: StartReconciliationDto): Promise<ReconciliationSummaryDto> {
    return this.reconciliation.run(caller.tenantId, body.connectionId);
  }
}
