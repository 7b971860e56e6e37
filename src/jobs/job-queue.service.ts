import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { PlannedOnceJobDb } from './planned-once-job-db';

export interface QueueDefinition {
  name: string;
  /** pg-boss policy: 'short' keeps at most one job waiting per singletonKey */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
  retryLimit: number;
  retryDelaySeconds: number;
  /** a job running longer than this is considered dead and retried */
  expireInSeconds: number;
}

export type JobHandler<T> = (data: T, job: { id: string; retryCount: number; retryLimit: number }) => Promise<void>;

/**
 * The job queue, on the application's own PostgreSQL (pg-boss). Every instance can send; only
 * instances with workers enabled process jobs. Failed jobs retry with exponential backoff and stay
 * in the queue's tables, visible, when their retries are exhausted.
 */
@Injectable()
export class JobQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly boss: PgBoss;
  private readonly db: PlannedOnceJobDb;
  private readonly queues = new Map<string, QueueDefinition>();
  private started: Promise<void> | null = null;

  constructor(private readonly config: AppConfig) {
    this.db = new PlannedOnceJobDb(config.databaseUrl, (error) => this.logger.warn({ err: error }, 'A job queue connection failed'));
    this.boss = new PgBoss({
      db: this.db,
      schema: 'pgboss',
      supervise: config.workersEnabled,
      schedule: false, // schedules are ours (@nestjs/schedule); pg-boss only queues
      migrate: true,
    });
    this.boss.on('error', (error) => this.logger.error({ err: error }, 'Job queue error'));
  }

  async onModuleInit(): Promise<void> {
    await this.ensureStarted();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: true, timeout: 10_000, close: true }).catch(() => undefined);
    // the connection is ours (pg-boss's `db` option): pg-boss stops without closing it
    await this.db.end();
  }

  ensureStarted(): Promise<void> {
    this.started ??= this.boss.start().then(() => undefined);
    return this.started;
  }

  async define(queue: QueueDefinition): Promise<void> {
    await this.ensureStarted();
    this.queues.set(queue.name, queue);
    const options = {
      name: queue.name,
      policy: queue.policy ?? 'standard',
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.expireInSeconds,
    };
    const existing = await this.boss.getQueue(queue.name);
    if (existing) await this.boss.updateQueue(queue.name, options);
    else await this.boss.createQueue(queue.name, options);
  }

  /**
   * Enqueue; returns null when the queue's policy refused it (one is already waiting for that key).
   * With `transaction`, the job is written in that transaction: it exists, for workers too, only if it commits.
   */
  async send<T extends object>(
    queue: string,
    data: T,
    options: { singletonKey?: string; startAfterSeconds?: number; transaction?: EntityManager } = {},
  ): Promise<string | null> {
    await this.ensureStarted();
    const transaction = options.transaction;
    return this.boss.send(queue, data, {
      singletonKey: options.singletonKey,
      startAfter: options.startAfterSeconds,
      ...(transaction
        ? {
            db: {
              executeSql: async (text: string, values: unknown[]) => ({
                rows: (await transaction.queryRunner!.query(text, values, true)).records,
              }),
            },
          }
        : {}),
    });
  }

  /** Process jobs of `queue` with `concurrency` parallel workers in this instance. */
  async work<T extends object>(queue: string, concurrency: number, handler: JobHandler<T>): Promise<void> {
    await this.ensureStarted();
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work<T>(
        queue,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.config.jobPollingSeconds },
        async ([job]) => {
          await handler(job.data, { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit });
        },
      );
    }
  }

  async jobState(queue: string, id: string): Promise<string | null> {
    const job = await this.boss.getJobById(queue, id);
    return job?.state ?? null;
  }
}
