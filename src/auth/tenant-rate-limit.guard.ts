import { type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { ProblemException } from '../common/problem';
import type { AuthenticatedTenant } from './authenticated-tenant';

/**
 * The public API's rate limit, per tenant (all its keys together), in a fixed window of a minute
 * (`API_RATE_LIMIT_PER_MINUTE`; 0 turns it off). Runs after the API-key guard, so only authenticated calls
 * count: public routes (health, webhooks checked by their own secret, OAuth callbacks) are not limited here.
 * The counts live in this process's memory, so with N instances behind a balancer a tenant gets up to N
 * times the limit.
 */
@Injectable()
export class TenantRateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.tenantOf(context);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (request.user as AuthenticatedTenant).tenantId;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(limit.timeToBlockExpire));
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'too-many-requests',
      'Too many requests',
      `This account made more than ${limit.limit} requests in ${Math.round(limit.ttl / 1000)} s. Try again in ${seconds} s.`,
      { retryAfterSeconds: seconds },
    );
  }

  private tenantOf(context: ExecutionContext): AuthenticatedTenant | undefined {
    return context.switchToHttp().getRequest<{ user?: AuthenticatedTenant }>().user;
  }
}
