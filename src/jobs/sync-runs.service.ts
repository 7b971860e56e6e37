import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { type EntityManager, In, Repository } from 'typeorm';
import { type Page, paginate } from '../common/pagination';
import { NotFoundProblem } from '../common/problem';
import { SyncRun, type SyncRunTrigger } from './sync-run.entity';
import type { ListSyncRunsQuery } from './sync-runs.dto';

export interface SyncCounts {
  seen: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** changes after intake the site reported in the same run (DESIGN §5a) */
  changesSeen?: number;
  /** of those, the ones that changed something here */
  changesApplied?: number;
}

function countsOf(counts: SyncCounts): Required<SyncCounts> {
  return {
    seen: counts.seen,
    created: counts.created,
    updated: counts.updated,
    unchanged: counts.unchanged,
    failed: counts.failed,
    changesSeen: counts.changesSeen ?? 0,
    changesApplied: counts.changesApplied ?? 0,
  };
}

@Injectable()
export class SyncRunsService {
  constructor(@InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>) {}

  newRunId(): string {
    return randomUUID();
  }

  async recordQueued(
    run: { id: string; tenantId: string; connectionId: string; kind: string; trigger: SyncRunTrigger },
    transaction?: EntityManager,
  ): Promise<void> {
    await (transaction?.getRepository(SyncRun) ?? this.runs)
      .createQueryBuilder()
      .insert()
      .values({ ...run, status: 'queued', attempts: 0, queuedAt: new Date(), seen: 0, created: 0, updated: 0, unchanged: 0, failed: 0 })
      .orIgnore()
      .execute();
  }

  /** The waiting run of a connection, if any (a second "sync now" joins it instead of queuing another). */
  findWaiting(connectionId: string, kind: string): Promise<SyncRun | null> {
    return this.runs.findOne({ where: { connectionId, kind, status: In(['queued', 'retrying']) }, order: { queuedAt: 'DESC' } });
  }

  async markRunning(id: string): Promise<void> {
    await this.runs
      .createQueryBuilder()
      .update()
      .set({ status: 'running', startedAt: () => 'now()', attempts: () => 'attempts + 1', error: null })
      .where('id = :id', { id })
      .execute();
  }

  async recordProgress(id: string, counts: SyncCounts): Promise<void> {
    await this.runs.update({ id }, countsOf(counts));
  }

  async markFinished(id: string, counts: SyncCounts): Promise<void> {
    await this.runs.update({ id }, { ...countsOf(counts), status: 'succeeded', finishedAt: new Date(), error: null });
  }

  /** `willRetry`: the queue tries again later; otherwise the run is over and stays failed, visible. */
  async markFailed(id: string, error: string, counts: SyncCounts | null, willRetry: boolean): Promise<void> {
    await this.runs.update(
      { id },
      { ...(counts ? countsOf(counts) : {}), status: willRetry ? 'retrying' : 'failed', finishedAt: willRetry ? null : new Date(), error: error.slice(0, 2000) },
    );
  }

  /** Every tenant's runs marked running, for the check for abandoned runs. */
  listRunning(kind: string): Promise<Pick<SyncRun, 'id' | 'connectionId'>[]> {
    return this.runs.find({ select: { id: true, connectionId: true }, where: { kind, status: 'running' } });
  }

  /** Still running only if no worker finished it meanwhile; the queue will try it again. */
  async markAbandoned(id: string, error: string): Promise<void> {
    await this.runs.update({ id, status: 'running' }, { status: 'retrying', error });
  }

  list(tenantId: string, query: ListSyncRunsQuery): Promise<Page<SyncRun>> {
    const builder = this.runs.createQueryBuilder('r').where('r.tenant_id = :tenantId', { tenantId });
    if (query.connectionId) builder.andWhere('r.connection_id = :connectionId', { connectionId: query.connectionId });
    if (query.kind) builder.andWhere('r.kind = :kind', { kind: query.kind });
    if (query.status) builder.andWhere('r.status = :status', { status: query.status });
    return paginate(builder, query, { alias: 'r', sortColumn: 'queued_at', sortProperty: 'queuedAt' });
  }

  async get(tenantId: string, id: string): Promise<SyncRun> {
    const run = await this.runs.findOne({ where: { id, tenantId } });
    if (!run) throw new NotFoundProblem('Sync run');
    return run;
  }
}
