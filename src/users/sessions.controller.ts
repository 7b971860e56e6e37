import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { type AuthenticatedTenant, CurrentTenant, Public } from '../auth/authenticated-tenant';
import { RequireRole } from '../auth/roles';
import { ApiProblems } from '../common/api-problems';
import { ProblemException } from '../common/problem';
import { CallersService } from './callers.service';
import { authenticateLocally } from './local.strategy';
import { SessionsService } from './sessions.service';
import { MeDto, SignedInDto, SignInDto, UserDto } from './users.dto';

@ApiTags('People')
@Controller('v1')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly callers: CallersService,
  ) {}

  /**
   * Sign in with e-mail and password; the answer carries a session token for `Authorization: Bearer`.
   * A wrong e-mail and a wrong password get the same 401. Attempts are limited per e-mail and per client
   * address (429 with `Retry-After`, even for the right password, until the window ends).
   */
  @Post('auth/sign-in')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiProblems(400, 401, 409, 429)
  async signIn(@Body() _body: SignInDto, @Req() request: Request): Promise<SignedInDto> {
    const user = await authenticateLocally(request);
    const session = await this.sessions.open(user.tenantId, user.id);
    return { token: session.token, expiresAt: session.expiresAt, user: UserDto.from(user) };
  }

  /** End the calling session: its token is refused from now on. Only for a session token (an API key is revoked instead). */
  @Post('auth/sign-out')
  @RequireRole('viewer')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Signed out.' })
  @ApiProblems(400, 401)
  async signOut(@CurrentTenant() caller: AuthenticatedTenant): Promise<void> {
    if (!caller.sessionId) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'not-a-session',
        'Not a session',
        'Sign-out ends a session opened by POST /v1/auth/sign-in; an API key is revoked with DELETE /v1/api-keys/{id}.',
      );
    }
    await this.sessions.revoke(caller.tenantId, caller.sessionId);
  }

  /** Who is calling: a signed-in person (with the session's expiry) or an API key (which acts as owner). */
  @Get('me')
  @RequireRole('viewer')
  @ApiProblems(401)
  me(@CurrentTenant() caller: AuthenticatedTenant): Promise<MeDto> {
    return this.callers.describe(caller);
  }
}
