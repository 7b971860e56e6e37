import type { INestApplication } from '@nestjs/common';
import type { CorsOptions, CorsOptionsDelegate } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { Request } from 'express';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import { installLeanAsyncResourceBind } from './runtime/async-resource-bind';
import { MallbridgeExpressAdapter } from './runtime/express-adapter';
import { installValidationMetadataCache } from './runtime/validation-metadata-cache';
import { JsonBodyInterceptor } from './common/json-body.interceptor';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { buildOpenApiDocument } from './openapi/openapi';

export const JSON_BODY_LIMIT = '1mb';

/**
 * CORS for the browser consoles in CORS_ORIGINS only: an origin not exactly in the list gets no CORS headers,
 * so the browser refuses it. Allows what a console sends (the bearer token, idempotency keys, a stream's last
 * event id) and exposes what it reads.
 */
export function corsOptions(origins: string[]): CorsOptionsDelegate<Request> {
  const listed: CorsOptions = {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
    exposedHeaders: [
      'ETag',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
      'Idempotent-Replayed',
      'Location',
    ],
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
  // `cors` given a list still sends the allowed methods and headers to any origin; this sends nothing
  return (request, callback) => callback(null, origins.includes(request.headers.origin ?? '') ? listed : { origin: false });
}

/** Everything about the HTTP app that both `main.ts` and the e2e tests need, so tests run what ships. */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<INestApplication> {
  installLeanAsyncResourceBind();
  installValidationMetadataCache();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, options), new MallbridgeExpressAdapter(), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  // Node's `querystring` (Express 5's default), not `qs`: no query of this API nests (`a[b]=`), repeated keys
  // still make arrays, and qs cost every list request ~20 µs (bench:api's profile) for a feature nothing uses
  app.set('query parser', 'simple');
  // the client address (sign-in limits) comes from X-Forwarded-For only through proxies named here
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  if (config.corsOrigins?.length) app.enableCors(corsOptions(config.corsOrigins));
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  app.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT, extended: true });
  app.use(
    helmet({
      // Swagger UI needs inline scripts and styles; the API itself serves only JSON.
      contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:', 'https:'] } },
    }),
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new JsonBodyInterceptor());
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
    customSiteTitle: 'Mallbridge API',
  });
  return app;
}
