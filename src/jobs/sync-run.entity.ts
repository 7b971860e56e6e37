import { Column, Entity, PrimaryColumn } from 'typeorm';

export const SYNC_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'retrying'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];
export type SyncRunTrigger = 'schedule' | 'manual';

/** One sync of one connection: what a seller sees in the history. */
@Entity('sync_runs')
export class SyncRun {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  connectionId: string;

  /** what was synced, e.g. `orders.pull` */
  @Column('text')
  kind: string;

  @Column('text')
  trigger: SyncRunTrigger;

  @Column('text')
  status: SyncRunStatus;

  @Column('int')
  attempts: number;

  @Column('timestamptz')
  queuedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column('int')
  seen: number;

  @Column('int')
  created: number;

  @Column('int')
  updated: number;

  @Column('int')
  unchanged: number;

  @Column('int')
  failed: number;

  @Column('int')
  changesSeen: number;

  @Column('int')
  changesApplied: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
