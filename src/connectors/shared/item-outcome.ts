import { SiteAuthError, SiteError, SiteRetryableError } from '../http/site-errors';
import type { ItemResult } from '../sales-site-connector';

/** The result of one site call inside a bulk operation, before it is attached to an item key. */
export type ItemOutcome = Omit<ItemResult, 'key'>;

/**
 * Runs one call of a bulk operation and turns a site failure into a per-item outcome, so one bad
 * item never sinks the batch. Credentials refused (`SiteAuthError`) and our own bugs propagate: the
 * first marks the connection for re-authorization in one place, the second must not look like the
 * site's word. `okCodes` are site codes that mean the target state is already reached.
 */
export async function itemOutcome(
  call: () => Promise<unknown>,
  options: { okCodes?: ReadonlySet<string>; retryableCodes?: ReadonlySet<string> } = {},
): Promise<ItemOutcome> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
    const siteCode = error.siteCode;
    if (siteCode !== undefined && options.okCodes?.has(siteCode)) return { ok: true };
    return failure(error, error instanceof SiteRetryableError || (siteCode !== undefined && !!options.retryableCodes?.has(siteCode)));
  }
}

/**
 * A site failure already caught, as one item's result. Auth failures and anything that is not a
 * SiteError propagate, for the same reasons as in {@link itemOutcome}.
 */
export function itemFailure(key: string, error: unknown): ItemResult {
  if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
  return { key, ...failure(error, error instanceof SiteRetryableError) };
}

function failure(error: SiteError, retryable: boolean): ItemOutcome {
  return {
    ok: false,
    ...(error.siteCode !== undefined ? { siteCode: error.siteCode } : {}),
    message: error.siteMessage ?? error.message,
    retryable,
  };
}
