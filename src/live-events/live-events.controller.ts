import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type AuthenticatedTenant, CurrentTenant } from '../auth/authenticated-tenant';
import { CallerValidity } from '../auth/caller-validity';
import { RequireRole } from '../auth/roles';
import { ApiProblems } from '../common/api-problems';
import { ValidationProblem } from '../common/problem';
import { LiveEventStreams } from './live-event-streams';
import { EVENT_ID_PATTERN, EventStreamQuery } from './live-events.dto';
import { TENANT_EVENT_TYPES } from './tenant-event-types';

const STREAM_FORMAT = `Server-Sent Events. Each event:

\`\`\`
id: <seq>
event: <type>
data: {"id": "<uuid>", "type": "<type>", "createdAt": "<ISO time>", "data": {…}}
\`\`\`

\`id\` is the event's position in the tenant's log; send the last one received as \`Last-Event-ID\` when
reconnecting to get every event after it, in order, with none missed or repeated (events are kept 7 days).
Without it the stream starts with the events that happen from now on. A \`: ping\` comment comes every 15 s, and the
stream ends once the credential that opened it no longer holds (a revoked key, a session ended or expired);
\`retry:\` says how long to wait before reconnecting. Types: ${TENANT_EVENT_TYPES.map((type) => `\`${type}\``).join(', ')}.

Browsers: \`EventSource\` cannot send \`Authorization\`; read the stream with \`fetch\` and a \`ReadableStream\`.`;

@ApiTags('Events')
@ApiProblems(400, 401)
@Controller('v1/events')
export class LiveEventsController {
  constructor(
    private readonly streams: LiveEventStreams,
    private readonly callers: CallerValidity,
  ) {}

  /** The tenant's events as they happen (orders, fulfillment, failed pushes, connections needing sign-in). */
  @Get('stream')
  @RequireRole('viewer')
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'types',
    required: false,
    description: 'only these event types (all when absent)',
    style: 'form',
    explode: false,
    schema: { type: 'array', minItems: 1, items: { type: 'string', enum: [...TENANT_EVENT_TYPES] } },
    example: ['orders.arrived', 'orders.cancelled'],
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'resume after this event id',
    schema: { type: 'string', pattern: EVENT_ID_PATTERN.source },
  })
  @ApiOkResponse({ description: STREAM_FORMAT, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  async stream(
    @CurrentTenant() caller: AuthenticatedTenant,
    @Query() query: EventStreamQuery,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const lastEventId = lastEventIdHeader?.trim() || query.lastEventId;
    if (lastEventId !== undefined && !EVENT_ID_PATTERN.test(lastEventId))
      throw new ValidationProblem([{ field: 'Last-Event-ID', message: 'Last-Event-ID must be the id of an event (digits)' }]);
    await this.streams.open(response, caller.tenantId, lastEventId === undefined ? undefined : Number(lastEventId), query.types, () =>
      this.callers.stillValid(caller),
    );
  }
}
