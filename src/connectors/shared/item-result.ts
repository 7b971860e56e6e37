import { SiteAuthError, SiteError, SiteRetryableError } from '../http/site-errors';
import type { ItemResult } from '../sales-site-connector';

/**
 * A site failure as one item's result, with the site's own code and message. Auth failures propagate
 * (the caller marks the connection `auth_expired` in one place), and so does anything that is not a
 * SiteError: that is a bug of ours, not something the site said about this item.
 */
export function itemFailure(key: string, error: unknown): ItemResult {
  if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
  return {
    key,
    ok: false,
    siteCode: error.siteCode,
    message: error.siteMessage || error.message,
    retryable: error instanceof SiteRetryableError,
  };
}
