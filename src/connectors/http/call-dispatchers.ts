import { Agent } from 'undici';

/**
 * Node's fetch (undici) ends a call on its own after 300 s without response headers (`headersTimeout`) or
 * 300 s between body chunks (`bodyTimeout`), whatever AbortSignal it is given. A call allowed to take longer
 * (NextEngine holds a `wait_flag=1` call for up to 60 minutes under overload) would be cut short as a network
 * error, and a relative upload could look "not sent" when it was. So each call timeout gets a dispatcher whose
 * own limits lie just beyond it: the call's own timer is what ends a call, and it ends as a timeout.
 *
 * One dispatcher per distinct timeout, shared by every connection in the process like Node's global one (the
 * timeouts in use are a handful of constants, so the map stays small).
 */
const dispatchers = new Map<number, Agent>();

/** How much later than the call's own timer undici's limits fire (its timers are coarse, about a second). */
const UNDICI_LIMIT_MARGIN_MS = 5_000;

export function dispatcherFor(timeoutMs: number): Agent {
  let dispatcher = dispatchers.get(timeoutMs);
  if (!dispatcher) {
    const limit = timeoutMs + UNDICI_LIMIT_MARGIN_MS;
    dispatcher = new Agent({ headersTimeout: limit, bodyTimeout: limit });
    dispatchers.set(timeoutMs, dispatcher);
  }
  return dispatcher;
}

/** Connection-level failures that happen before a request is written: the site cannot have seen it. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a failed fetch provably never reached the site (as opposed to an answer that was lost). */
export function neverReachedSite(error: unknown): boolean {
  // read by shape: fetch's errors may come from another realm (test sandboxes), where instanceof fails
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && NEVER_CONNECTED.has(cause.code);
}
