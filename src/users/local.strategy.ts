import { HttpStatus, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-local';
import { ConflictProblem, ProblemException } from '../common/problem';
import { SignInThrottle } from './sign-in-throttle';
import type { User } from './user.entity';
import { UsersService } from './users.service';

/** One answer for an unknown e-mail and a wrong password, so neither can be told from the other. */
export class SignInFailed extends ProblemException {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'sign-in-failed', 'Sign-in failed', 'The e-mail or the password is wrong.');
  }
}

export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/** E-mail and password (passport-local), counted by the sign-in throttle before the password is checked. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(
    private readonly users: UsersService,
    private readonly throttle: SignInThrottle,
  ) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false });
  }

  async validate(request: Request, email: string, password: string): Promise<User> {
    const address = clientAddress(request);
    await this.throttle.claimAttempt(email, address);
    const tenantId = (request.body as { tenantId?: string }).tenantId;
    const found = await this.users.checkCredentials(email, password, tenantId);
    if (!found) throw new SignInFailed();
    await this.throttle.forgive(email, address);
    if ('ambiguous' in found) {
      throw new ConflictProblem('tenant-ambiguous', 'This e-mail and password open accounts in more than one tenant: send `tenantId` too.');
    }
    return found.user;
  }
}

/**
 * Runs the local strategy for a request whose body the validation pipe has already accepted: as a guard it
 * would run before validation, and a malformed body would be counted as a sign-in attempt.
 */
export function authenticateLocally(request: Request): Promise<User> {
  return new Promise((resolve, reject) => {
    const done = (error: unknown, user: User | false) => (error ? reject(error) : user ? resolve(user) : reject(new SignInFailed()));
    passport.authenticate('local', { session: false }, done)(request, {} as Response, reject);
  });
}
