import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/authenticated-tenant';
import { ApiProblems } from '../common/api-problems';
import { ConnectionsService } from './connections.service';

/**
 * Where a site sends the seller's browser back after sign-in. No API key: the single-use state
 * we generated is what ties the callback to a connection.
 */
@ApiTags('Connections')
@Controller('v1/connections/oauth')
export class OAuthCallbackController {
  constructor(private readonly connections: ConnectionsService) {}

  /** The site's sign-in callback: completes the authorization and sends the browser back to the console. */
  @Get(':site/callback')
  @Public()
  @ApiFoundResponse({ description: 'Back to CONNECT_RETURN_URL with `connectionId`, `site`, `result` (connected|failed) and `message`.' })
  @ApiProblems(400, 409)
  async callback(@Param('site') site: string, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    const params = Object.fromEntries(Object.entries(query).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
    response.redirect(302, await this.connections.completeAuthorization(site, params));
  }
}
