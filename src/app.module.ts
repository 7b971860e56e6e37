import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { RolesGuard } from './auth/roles.guard';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthModule } from './auth/auth.module';
import { FixedWindowCounter } from './auth/fixed-window-counter';
import { TenantRateLimitGuard } from './auth/tenant-rate-limit.guard';
import { ProblemFilter } from './common/problem.filter';
import { ConnectionsModule } from './connections/connections.module';
import type { AppConfig } from './config/app-config';
import { DEFAULT_API_RATE_LIMIT_PER_MINUTE } from './config/config.loader';
import { ConfigModule } from './config/config.module';
import { EventsModule } from './events/event-bus';
import { FulfillmentModule } from './fulfillment/fulfillment.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { InventoryModule } from './inventory/inventory.module';
import { JobsModule } from './jobs/jobs.module';
import { LiveEventsModule } from './live-events/live-events.module';
import { OrdersModule } from './orders/orders.module';
import { OutboundWebhooksModule } from './outbound-webhooks/outbound-webhooks.module';
import { loggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { SkuMappingModule } from './sku-mapping/sku-mapping.module';
import { SchedulesModule } from './schedules/schedules';
import { StockLinksModule } from './stock-links/stock-links.module';
import { TenantsModule } from './tenants/tenants.module';
import { DatabaseModule } from './database/database.module';
import { UsersModule } from './users/users.module';

export interface AppModuleOptions {
  /** where log lines go besides stdout's default (tests capture them) */
  logDestination?: Writable;
  /** modules mounted beside the app's own, behind the same middleware, guard and interceptors (benchmarks) */
  extraModules?: (Type | DynamicModule)[];
}

@Module({})
export class AppModule {
  static register(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const rateLimit = config.apiRateLimitPerMinute ?? DEFAULT_API_RATE_LIMIT_PER_MINUTE;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(config, options.logDestination),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl ?? 'postgres://unset'),
          autoLoadEntities: true,
          migrationsRun: false,
        }),
        DatabaseModule,
        ScheduleModule.forRoot(),
        PassportModule,
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(rateLimit, 1) }],
          // one count per tenant across every route (the default key is per route)
          generateKey: (_context, tenantId) => `tenant:${tenantId}`,
          storage: new FixedWindowCounter(),
        }),
        EventsModule,
        AuthModule,
        UsersModule,
        TenantsModule,
        ConnectionsModule,
        JobsModule,
        OrdersModule,
        SkuMappingModule,
        StockLinksModule,
        FulfillmentModule,
        InventoryModule,
        IdempotencyModule,
        OutboundWebhooksModule,
        SchedulesModule,
        HealthModule,
        MetricsModule,
        LiveEventsModule,
        ...(options.extraModules ?? []),
      ],
      providers: [
        // in this order: the bearer guard resolves the caller, whose role the roles guard checks; the rate
        // limit counts per tenant
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        ...(rateLimit > 0 ? [{ provide: APP_GUARD, useClass: TenantRateLimitGuard }] : []),
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
