/**
 * Failures a connector reports. The shared transport retries only {@link SiteRetryableError} and
 * network errors; {@link SiteAuthError} marks the connection `auth_expired` and is never retried.
 */
export class SiteError extends Error {
  constructor(
    message: string,
    /** the site's own code, verbatim (NE "002004", Qoo10 "-90004", 11st "-1000", HTTP "503"...) */
    readonly siteCode?: string,
    /** the site's own message, verbatim */
    readonly siteMessage?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Worth trying again: 5xx, 429, the site's "busy" codes, timeouts, network errors. */
export class SiteRetryableError extends SiteError {
  constructor(
    message: string,
    siteCode?: string,
    siteMessage?: string,
    /** how long the site asked us to wait (Retry-After), if it said */
    readonly retryAfterMs?: number,
  ) {
    super(message, siteCode, siteMessage);
  }
}

/**
 * The request may have reached the site but its answer never reached us (timeout, connection dropped
 * mid-call): the site may have acted on it. Trying again is fine for reads and absolute writes; a relative
 * change must first find out whether it was applied. (A request that provably never left — connection
 * refused, unknown host — is a plain {@link SiteRetryableError}.)
 */
export class SiteAnswerLostError extends SiteRetryableError {}

/** The credentials are no longer accepted: the seller must re-authorize. Never retried. */
export class SiteAuthError extends SiteError {}

/** The site refused the request for a reason retrying will not fix (bad input, unknown item...). */
export class SiteRejectedError extends SiteError {}
