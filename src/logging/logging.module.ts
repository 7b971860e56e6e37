import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { REDACTED, redactDeep, redactUrl } from '../common/redaction';

/** The caller's `X-Request-Id` when it is a sane token, else a new one. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
}

/**
 * JSON logs with a request id on every line. Secrets are removed twice over: pino's path redaction
 * for request headers, and a deep pass over every logged object for fields named like
 * secret/token/password/key — so a connector that logs a payload by mistake still leaks nothing.
 */
export function loggingModule(config: AppConfig, destination?: Writable) {
  return LoggerModule.forRoot({
    pinoHttp: [
      {
        level: config.logLevel,
        genReqId: requestIdFor,
        redact: {
          paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers.sncode'],
          censor: REDACTED,
        },
        formatters: { log: (object: Record<string, unknown>) => redactDeep(object) as Record<string, unknown> },
        serializers: {
          req: (request: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
            id: request.id,
            method: request.method,
            url: redactUrl(request.url),
            headers: request.headers,
          }),
        },
        customProps: () => ({ service: 'mallbridge' }),
        autoLogging: { ignore: (request: IncomingMessage) => request.url === '/health' || request.url === '/metrics' },
        quietReqLogger: true,
      },
      ...(destination ? [destination] : []),
    ] as never,
    // Smaregi's stock webhook may come thousands of times a second: its receiver (SmaregiWebhookReceiver) gives
    // it a request id and logs its failures itself; its count and timing are in /metrics
    exclude: [{ path: 'v1/webhooks/smaregi/:linkToken', method: RequestMethod.POST }],
  });
}
