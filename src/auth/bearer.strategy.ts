import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { isSessionToken } from '../users/session-token';
import { SessionsService } from '../users/sessions.service';
import { ApiKeysService } from './api-keys.service';
import type { AuthenticatedTenant } from './authenticated-tenant';

/** A bearer credential is a server's API key or a signed-in person's session token; their prefixes tell them apart. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: SessionsService,
  ) {
    super();
  }

  async validate(token: string): Promise<AuthenticatedTenant | false> {
    const caller = isSessionToken(token) ? await this.sessions.authenticate(token) : await this.apiKeys.authenticate(token);
    return caller ?? false;
  }
}
