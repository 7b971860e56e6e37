import { SiteAuthError, SiteError } from '../http/site-errors';
import type { ConnectionTestResult } from '../sales-site-connector';

/**
 * Runs a connector's test call under the rule documented on `SalesSiteConnector.testConnection`:
 * auth failures propagate, every other site failure becomes `ok: false` with the site's own words.
 * Anything that is not a SiteError is a bug of ours and propagates too, rather than being shown to the
 * seller as if the site had said it.
 */
export async function runConnectionTest(probe: () => Promise<Record<string, unknown> | undefined>): Promise<ConnectionTestResult> {
  const startedAt = performance.now();
  const latency = () => Math.round(performance.now() - startedAt);
  try {
    const details = await probe();
    return { ok: true, latencyMs: latency(), ...(details ? { details } : {}) };
  } catch (error) {
    if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
    return { ok: false, latencyMs: latency(), siteCode: error.siteCode, message: error.siteMessage ?? error.message };
  }
}
