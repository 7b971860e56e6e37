import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ApiPageResponse, type Page } from '../common/pagination';
import type { SyncRun } from './sync-run.entity';
import { ListSyncRunsQuery, SyncRunDto } from './sync-runs.dto';
import { SyncRunsService } from './sync-runs.service';
import { RequireRole } from '../auth/roles';

export function toSyncRunDto(run: SyncRun): SyncRunDto {
  const { tenantId: _tenantId, ...dto } = run;
  return dto;
}

@ApiTags('Sync runs')
@ApiProblems(400, 401)
@Controller('v1/sync-runs')
export class SyncRunsController {
  constructor(private readonly runs: SyncRunsService) {}

  /** The sync history, newest first: trigger, timings, counts and the last error of each run. */
  @Get()
  @RequireRole('viewer')
  @ApiPageResponse(SyncRunDto)
  async list(@CurrentTenant() caller: AuthenticatedTenant, @Query() query: ListSyncRunsQuery): Promise<Page<SyncRunDto>> {
    const page = await this.runs.list(caller.tenantId, query);
    return { data: page.data.map(toSyncRunDto), nextCursor: page.nextCursor };
  }

  /** One sync run: trigger, timings, counts and error. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems(404)
  async get(@CurrentTenant() caller: AuthenticatedTenant, @Param('id', ParseUUIDPipe) id: string): Promise<SyncRunDto> {
    return toSyncRunDto(await this.runs.get(caller.tenantId, id));
  }
}
