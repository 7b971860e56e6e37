import { Controller, Get, Module } from '@nestjs/common';
import { RequireRole } from '../../src/auth/roles';

/**
 * The benchmark's baseline: a route that does nothing, mounted in the real app (`AppModule.register`'s
 * `extraModules`) so it pays for the same middleware, API-key and role guards, interceptors and JSON serialization as
 * `GET /v1/orders`. Whatever the orders list costs beyond it is the orders module's own.
 */
@Controller('v1/bench')
export class BareController {
  @Get('bare')
  @RequireRole('viewer')
  bare(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
export class BenchBareModule {}
