import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../common/problem';
import { SiteAuthError, SiteError, SiteRetryableError } from '../connectors/http/site-errors';

/** How a site's refusal reaches the API client: with the site's own code and words. */
export function siteErrorToProblem(error: SiteError): ProblemException {
  const extensions = { siteCode: error.siteCode, siteMessage: error.siteMessage };
  if (error instanceof SiteAuthError) {
    return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'site-auth-failed', 'The site refused the credentials', error.siteMessage ?? error.message, extensions);
  }
  if (error instanceof SiteRetryableError) {
    return new ProblemException(HttpStatus.BAD_GATEWAY, 'site-unavailable', 'The site did not answer', error.siteMessage ?? error.message, extensions);
  }
  return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'site-rejected', 'The site refused the request', error.siteMessage ?? error.message, extensions);
}
