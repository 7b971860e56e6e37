import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { type AuthenticatedTenant, CurrentTenant, Public } from '../auth/authenticated-tenant';
import { RequireRole } from '../auth/roles';
import { ApiProblems } from '../common/api-problems';
import { ProblemException } from '../common/problem';
import { CallersService } from './callers.service';
import { authenticateLocally } from './local.strategy';
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';
import { ChangeOwnPasswordDto, MeDto, SignedInDto, SignInDto, UserDto } from './users.dto';

@ApiTags('People')
@Controller('v1')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly callers: CallersService,
    private readonly users: UsersService,
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
    const session = this.sessionCaller(
      caller,
      'Sign-out ends a session opened by POST /v1/auth/sign-in; an API key is revoked with DELETE /v1/api-keys/{id}.',
    );
    await this.sessions.revoke(session.tenantId, session.sessionId);
  }

  /**
   * Change your own password, giving the current one (a wrong one is a 400 naming `currentPassword`): your other
   * sessions end, this one stays open. Only for a session token; owners set others' passwords with PATCH /v1/users/{id}.
   */
  @Put('me/password')
  @RequireRole('viewer')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password changed; your other sessions have ended.' })
  @ApiProblems(400, 401)
  async changeOwnPassword(@CurrentTenant() caller: AuthenticatedTenant, @Body() body: ChangeOwnPasswordDto): Promise<void> {
    await this.users.changeOwnPassword(
      this.sessionCaller(caller, 'A password belongs to a person signed in with POST /v1/auth/sign-in; an API key has none.'),
      body.currentPassword,
      body.newPassword,
    );
  }

  /** Who is calling: a signed-in person (with the session's expiry) or an API key (which acts as owner). */
  @Get('me')
  @RequireRole('viewer')
  @ApiProblems(401)
  me(@CurrentTenant() caller: AuthenticatedTenant): Promise<MeDto> {
    return this.callers.describe(caller);
  }

  private sessionCaller(caller: AuthenticatedTenant, detail: string): AuthenticatedTenant & { userId: string; sessionId: string } {
    if (!caller.sessionId || !caller.userId) throw new ProblemException(HttpStatus.BAD_REQUEST, 'not-a-session', 'Not a session', detail);
    return caller as AuthenticatedTenant & { userId: string; sessionId: string };
  }
}
