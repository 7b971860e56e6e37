import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { Role } from './roles';

/** Who is calling: resolved from the bearer credential (an API key or a console session) by {@link BearerStrategy}. */
export interface AuthenticatedTenant {
  tenantId: string;
  role: Role;
  /** set when the caller is an API key */
  apiKeyId?: string;
  /** set when the caller is a signed-in person */
  userId?: string;
  /** set when the caller is a signed-in person: the session the token opened */
  sessionId?: string;
}

/** The calling tenant's id; every service call that reads or writes business rows takes it. */
export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedTenant => {
  const request = context.switchToHttp().getRequest<{ user?: AuthenticatedTenant }>();
  if (!request.user) throw new Error('CurrentTenant used on a route without bearer authentication');
  return request.user;
});

export const IS_PUBLIC = 'mallbridge:isPublic';

/** The global API-key guard skips this route; it authenticates some other way (the admin key). */
export const SkipApiKey = () => SetMetadata(IS_PUBLIC, true);

/**
 * The route needs no credentials at all (health, metrics, webhooks checked by their own secret,
 * OAuth callbacks), and the OpenAPI document says so.
 */
export const Public = () => applyDecorators(SkipApiKey(), ApiSecurity({}));
