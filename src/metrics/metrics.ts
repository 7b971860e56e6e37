import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per app instance (tests boot several apps in one process). */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Times one request until its response is finished, labelled by its route pattern (never the raw URL, which
   * would explode cardinality); `route` names it where no Express route matched (an answer given by middleware).
   * A request is timed once, whoever asks first.
   */
  timeRequest(request: Request, response: Response, route?: string): void {
    if (response.locals.timed) return;
    response.locals.timed = true;
    const stop = this.httpDuration.startTimer();
    response.once('finish', () => {
      const pattern = (request as Request & { route?: { path?: string } }).route?.path;
      const label = pattern ? `${request.baseUrl}${pattern}` : (route ?? 'unmatched');
      stop({ method: request.method, route: label, status: String(response.statusCode) });
    });
  }
}

/** Times every request that reaches Nest's routes (see {@link MetricsRegistry.timeRequest}). */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsRegistry) {}

  use(request: Request, response: Response, next: NextFunction): void {
    this.metrics.timeRequest(request, response);
    next();
  }
}
