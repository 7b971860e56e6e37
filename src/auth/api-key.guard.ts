import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../common/problem';
import { IS_PUBLIC } from './authenticated-tenant';

/** Global guard: every route needs a valid API key or session token unless marked {@link Public}. */
@Injectable()
export class ApiKeyGuard extends AuthGuard('bearer') {
  constructor(private readonly reflector: Reflector) {
    super({ session: false });
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, user: T): T {
    if (error || !user) {
      throw new ProblemException(
        401,
        'unauthorized',
        'Unauthorized',
        'Send a valid API key or session token as "Authorization: Bearer <key or token>"; a session ends at sign-out or when unused for SESSION_TTL_HOURS.',
      );
    }
    return user;
  }
}
