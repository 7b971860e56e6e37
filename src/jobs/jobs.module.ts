import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobQueue } from './job-queue.service';
import { SyncRun } from './sync-run.entity';
import { SyncRunsController } from './sync-runs.controller';
import { SyncRunsService } from './sync-runs.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SyncRun])],
  controllers: [SyncRunsController],
  providers: [JobQueue, SyncRunsService],
  exports: [JobQueue, SyncRunsService],
})
export class JobsModule {}
