import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/authenticated-tenant';
import { ProblemException } from '../../common/problem';
import { AppConfig } from '../../config/app-config';
import { SIGN_IN_WINDOW_ROOT as PATH } from '../connections.service';
import { csrfTokenMatches, cookieValue, newCsrfPair, SIGN_IN_CSRF_COOKIE } from './sign-in-csrf';
import { SignInFormDto } from './sign-in-form.dto';
import { renderSignInPage } from './sign-in-page';
import { SignInWindowService } from './sign-in-window.service';

/** as long as a state lives: the cookie is worthless after that anyway */
const CSRF_COOKIE_MAX_AGE_MS = 10 * 60_000;

/**
 * The browser pages of the sign-in window (reached from `GET /v1/connections/{id}/authorize`). No bearer
 * credential: the single-use state ties them to one connection, as in the OAuth callback. Left out of the
 * OpenAPI document: they are pages for a seller's browser, not API operations.
 */
@ApiExcludeController()
@Controller(PATH)
export class SignInWindowController {
  constructor(
    private readonly window: SignInWindowService,
    private readonly config: AppConfig,
  ) {}

  @Get(':site')
  @Public()
  async page(@Param('site') site: string, @Query('state') state: unknown, @Res() response: Response): Promise<void> {
    const givenState = typeof state === 'string' ? state : undefined;
    const view = await this.window.open(site, givenState);
    const csrf = newCsrfPair(givenState!);
    response
      .status(200)
      .cookie(SIGN_IN_CSRF_COOKIE, csrf.cookie, {
        httpOnly: true,
        sameSite: 'strict',
        secure: this.config.publicBaseUrl.startsWith('https:'),
        path: `/${PATH}/${site}`,
        maxAge: CSRF_COOKIE_MAX_AGE_MS,
      })
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // The form posts here and is then redirected to the console: form-action must allow both.
        'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${new URL(this.config.connectReturnUrl).origin}; frame-ancestors 'none'; base-uri 'none'`,
      })
      .send(renderSignInPage({ ...view, state: givenState!, csrfToken: csrf.token, action: `/${PATH}/${site}` }));
  }

  /** The form: on to CONNECT_RETURN_URL with the result (303, so the browser does not post again). */
  @Post(':site')
  @Public()
  async submit(@Param('site') site: string, @Body() form: SignInFormDto, @Req() request: Request, @Res() response: Response): Promise<void> {
    if (!csrfTokenMatches(form.state, cookieValue(request.headers.cookie, SIGN_IN_CSRF_COOKIE), form.csrfToken)) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'csrf-token-invalid',
        'Forbidden',
        'This form did not come from the sign-in page it belongs to. Open the sign-in link again.',
        { errors: [{ field: 'csrfToken', message: 'csrfToken does not match this sign-in page' }] },
      );
    }
    const returnUrl = await this.window.submit(site, form);
    response.clearCookie(SIGN_IN_CSRF_COOKIE, { path: `/${PATH}/${site}` });
    response.redirect(HttpStatus.SEE_OTHER, returnUrl);
  }
}
