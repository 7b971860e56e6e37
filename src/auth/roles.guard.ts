import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../common/problem';
import { IS_PUBLIC, type AuthenticatedTenant } from './authenticated-tenant';
import { REQUIRED_ROLE, type Role, roleAllows } from './roles';

/** Global guard after the bearer guard: the caller's role must reach the route's {@link RequireRole}. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const needed = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets);
    const caller = context.switchToHttp().getRequest<{ user?: AuthenticatedTenant }>().user;
    if (!needed || !caller) {
      // A route without a declared role is a programming error; refusing it keeps the mistake from granting access.
      throw new ProblemException(403, 'forbidden', 'Forbidden', 'This route declares no role, so no caller may use it.');
    }
    if (!roleAllows(caller.role, needed)) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', `This needs the ${needed} role; you are signed in as ${caller.role}.`);
    }
    return true;
  }
}
