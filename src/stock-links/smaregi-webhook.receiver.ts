import { HttpException, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestIdFor } from '../logging/logging.module';
import { MetricsRegistry } from '../metrics/metrics';
import { StockWebhookIntake } from './stock-webhook-intake.service';

export const SMAREGI_WEBHOOK_ROUTE = '/v1/webhooks/smaregi/:linkToken';

/**
 * Answers `POST /v1/webhooks/smaregi/{linkToken}` as middleware, ahead of Nest's guards, interceptors and pipes,
 * and without the per-request access log: the route is public (the link's secret code authenticates it inside
 * the intake), takes no validated body, and is the one route Smaregi may hit thousands of times a second, where
 * that machinery cost more than the intake itself (`npm run bench:webhook`: 0.28 → 0.55 of a bare route). It
 * still gets a request id, its failures are logged here, its count and timing are in /metrics, and its errors go
 * to the app's exception filter (problem+json) like any other. Its contract is declared on
 * SmaregiWebhookController, which serves the same call should this receiver not be mounted.
 */
@Injectable()
export class SmaregiWebhookReceiver implements NestMiddleware {
  private readonly logger = new Logger(SmaregiWebhookReceiver.name);

  constructor(
    private readonly intake: StockWebhookIntake,
    private readonly metrics: MetricsRegistry,
  ) {}

  use(request: Request & { id?: string }, response: Response, next: NextFunction): void {
    request.id ??= requestIdFor(request);
    // middleware may run before the app-wide request timer: time it here (once, whichever comes first)
    this.metrics.timeRequest(request, response, SMAREGI_WEBHOOK_ROUTE);
    this.intake
      .receive(String(request.params.linkToken), {
        headers: request.headers,
        query: request.query as Record<string, unknown>,
        body: request.body as unknown,
      })
      .then(
        // written as is: `json()` would also hash the answer for an ETag, which an answer to a POST never uses
        (accepted) => response.status(200).type('application/json').end(JSON.stringify(accepted)),
        (error: unknown) => {
          const status = error instanceof HttpException ? error.getStatus() : 500;
          // a 5xx is logged by the exception filter, with its stack
          if (status < 500) this.logger.warn({ requestId: request.id, status, err: (error as Error).message }, 'Smaregi webhook refused');
          next(error);
        },
      );
  }
}
