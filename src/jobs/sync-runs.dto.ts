import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { Optional } from '../common/validation';
import { PageQuery } from '../common/pagination';
import { SYNC_RUN_STATUSES, type SyncRunStatus, type SyncRunTrigger } from './sync-run.entity';

export class ListSyncRunsQuery extends PageQuery {
  @Optional()
  @IsUUID()
  connectionId?: string;

  /** e.g. `orders.pull` */
  @Optional()
  @IsString()
  @MaxLength(50)
  kind?: string;

  @ApiPropertyOptional({ enum: SYNC_RUN_STATUSES })
  @Optional()
  @IsIn(SYNC_RUN_STATUSES as unknown as string[])
  status?: SyncRunStatus;
}

export class SyncRunDto {
  id: string;
  connectionId: string;
  kind: string;
  @ApiProperty({ enum: ['schedule', 'manual'] })
  trigger: SyncRunTrigger;
  @ApiProperty({ enum: SYNC_RUN_STATUSES })
  status: SyncRunStatus;
  /** how many times the job ran (retries included) */
  attempts: number;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** orders the site handed over */
  seen: number;
  created: number;
  updated: number;
  /** seen again with no change: nothing written */
  unchanged: number;
  failed: number;
  /** cancels, holds and other changes after intake the site reported in the same run */
  changesSeen: number;
  /** of those, the ones that changed an order here (each written once to its timeline) */
  changesApplied: number;
  /** the last error, with the site's own words when it said something */
  error: string | null;
}

export class SyncStartedDto {
  /** the run that will carry this sync; follow it at `GET /v1/sync-runs/{id}` */
  runId: string;
  /** false when a sync of this connection was already waiting: the answer names that run */
  queued: boolean;
}
