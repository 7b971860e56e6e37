import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { IdempotencyService } from './idempotency.service';

@Injectable()
export class IdempotencySweeper {
  private readonly logger = new Logger(IdempotencySweeper.name);

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly config: AppConfig,
  ) {}

  /** Hourly (schedules.ts). */
  async sweep(): Promise<void> {
    if (!this.config.workersEnabled) return;
    const removed = await this.idempotency.sweepExpired();
    if (removed) this.logger.log(`Removed ${removed} expired idempotency keys`);
  }
}
