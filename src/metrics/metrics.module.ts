import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry, RequestMetricsMiddleware } from './metrics';

@Module({
  providers: [MetricsRegistry],
  controllers: [MetricsController],
  exports: [MetricsRegistry],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestMetricsMiddleware).forRoutes('*path');
  }
}
