import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { LiveEventStreams } from './live-event-streams';
import { LiveEventsController } from './live-events.controller';
import { LiveEventsTimings } from './live-events-timings';
import { TenantEventLog } from './tenant-event-log';
import { TenantEventNotifications } from './tenant-event-notifications';
import { TenantEventRelay } from './tenant-event-relay';

/**
 * The tenant event log (recorded by triggers, numbered by the relay) and the live stream that follows it.
 * Exports the log and its notifications for other readers (outbound webhooks).
 */
@Module({
  imports: [AuthModule],
  controllers: [LiveEventsController],
  providers: [LiveEventsTimings, TenantEventNotifications, TenantEventRelay, TenantEventLog, LiveEventStreams],
  exports: [TenantEventLog, TenantEventNotifications, TenantEventRelay],
})
export class LiveEventsModule {}
