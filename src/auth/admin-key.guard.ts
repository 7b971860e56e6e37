import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { ProblemException } from '../common/problem';
import { secretsEqual } from './api-key-secret';

/** Guards operator-only routes with ADMIN_API_KEY (sent as the bearer token), compared in constant time. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.adminApiKey) {
      throw new ProblemException(403, 'admin-disabled', 'Forbidden', 'Tenant creation is disabled: ADMIN_API_KEY is not set.');
    }
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !secretsEqual(match[1].trim(), this.config.adminApiKey)) {
      throw new ProblemException(
        401,
        'unauthorized',
        'Unauthorized',
        'This route needs the admin key as "Authorization: Bearer <ADMIN_API_KEY>".',
      );
    }
    return true;
  }
}
