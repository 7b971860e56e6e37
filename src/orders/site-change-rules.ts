import { createHash } from 'node:crypto';
import type { Address } from '../connectors/sales-site-connector';
import type { OrderChange, OrderChangeKind } from '../connectors/site-ports';
import type { SiteState } from './order.entity';

/** What Orders holds of an order's site facts, as a change is weighed against it. */
export interface SiteFacts {
  siteState: SiteState;
  siteStateReason: string | null;
  cancelRequest: Record<string, string> | null;
  mergedInto: string | null;
  recipient: Address | null;
  lines: Array<{ id: string; externalLineId: string; quantity: number; cancelledQuantity: number }>;
}

/** What applying a change does: the facts to write, and what the timeline says. */
export interface SiteFactsUpdate {
  siteState?: SiteState;
  siteStateReason?: string | null;
  cancelRequest?: Record<string, string> | null;
  mergedInto?: string | null;
  recipient?: Address;
  /** order line id → its new cancelled quantity */
  cancelledQuantities?: Map<string, number>;
  /** false: recorded on the timeline only, nothing for Fulfillment to follow */
  follow: boolean;
  /** what the timeline entry shows, besides the kind */
  detail: Record<string, unknown>;
}

const CLOSED: ReadonlySet<SiteState> = new Set(['cancelled', 'merged']);
const HELD: ReadonlySet<SiteState> = new Set(['on_hold', 'cancel_requested']);

/** The change's idempotency key: the site's own reference with what the change says. */
export function changeKey(change: OrderChange): string {
  const payload = {
    kind: change.kind,
    siteRef: change.siteRef,
    lines: change.lines ?? null,
    related: change.relatedExternalOrderId ?? null,
    recipient: change.recipient ?? null,
    request: change.request ?? null,
  };
  return createHash('sha256').update(JSON.stringify(payload)).digest('base64url');
}

/**
 * What a change does to the facts Orders holds, or null when it is already true (a re-read, a duplicate, a
 * snapshot site restating a valid order): then nothing is written. A cancelled or merged order stays so — the
 * site reinstating it is recorded for the seller, never acted on (its fulfillment may already be undone).
 */
export function applySiteChange(facts: SiteFacts, change: OrderChange): SiteFactsUpdate | null {
  const reason = change.reason ?? null;
  switch (change.kind) {
    case 'cancelled':
      if (CLOSED.has(facts.siteState)) return null;
      return { siteState: 'cancelled', siteStateReason: reason, cancelRequest: null, follow: true, detail: { reason } };
    case 'merged_into': {
      const into = change.relatedExternalOrderId ?? null;
      if (facts.siteState === 'merged' && facts.mergedInto === into) return null;
      if (facts.siteState === 'cancelled') return null;
      return {
        siteState: 'merged',
        siteStateReason: reason,
        mergedInto: into,
        cancelRequest: null,
        follow: true,
        detail: { into, reason },
      };
    }
    case 'on_hold':
      if (CLOSED.has(facts.siteState)) return null;
      if (facts.siteState === 'on_hold' && facts.siteStateReason === reason) return null;
      return { siteState: 'on_hold', siteStateReason: reason, follow: true, detail: { reason } };
    case 'cancel_requested': {
      if (CLOSED.has(facts.siteState)) return null;
      const request = change.request ?? {};
      if (facts.siteState === 'cancel_requested' && sameJson(facts.cancelRequest, request)) return null;
      return { siteState: 'cancel_requested', siteStateReason: reason, cancelRequest: request, follow: true, detail: { reason, request } };
    }
    case 'released':
      if (!HELD.has(facts.siteState)) return null;
      return { siteState: 'open', siteStateReason: null, cancelRequest: null, follow: true, detail: { from: facts.siteState, reason } };
    case 'line_cancelled':
      return lineCancel(facts, change);
    case 'address_changed': {
      if (!change.recipient || sameJson(facts.recipient, change.recipient)) return null;
      return { recipient: change.recipient, follow: true, detail: { recipient: change.recipient, previous: facts.recipient } };
    }
    case 'split_from':
    case 'return_requested':
    case 'exchange_requested':
      // Recorded once (the key dedupes it); they move nothing here.
      return { follow: false, detail: { related: change.relatedExternalOrderId ?? null, reason, lines: change.lines ?? null } };
    default:
      return unknownKind(change.kind);
  }
}

function lineCancel(facts: SiteFacts, change: OrderChange): SiteFactsUpdate | null {
  if (CLOSED.has(facts.siteState)) return null;
  const cancelledQuantities = new Map<string, number>();
  const detailLines: Array<{ externalLineId: string; liveQuantity: number; before: number }> = [];
  for (const stated of change.lines ?? []) {
    const line = facts.lines.find((candidate) => candidate.externalLineId === stated.externalLineId);
    if (!line) continue; // a line we never held (the site's own bookkeeping rows): nothing to shrink
    const live = Math.min(line.quantity, Math.max(0, Math.trunc(stated.liveQuantity)));
    const cancelled = line.quantity - live;
    if (cancelled === line.cancelledQuantity) continue;
    cancelledQuantities.set(line.id, cancelled);
    detailLines.push({ externalLineId: line.externalLineId, liveQuantity: live, before: line.quantity - line.cancelledQuantity });
  }
  if (!cancelledQuantities.size) return null;
  const allGone = facts.lines.every((line) => (cancelledQuantities.get(line.id) ?? line.cancelledQuantity) >= line.quantity);
  return {
    cancelledQuantities,
    // Every line cancelled is the order cancelled, whichever way the site said it.
    ...(allGone ? { siteState: 'cancelled' as const, siteStateReason: change.reason ?? 'every line cancelled', cancelRequest: null } : {}),
    follow: true,
    detail: { lines: detailLines, reason: change.reason ?? null, ...(allGone ? { allLinesCancelled: true } : {}) },
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortedKeys(a ?? null)) === JSON.stringify(sortedKeys(b ?? null));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortedKeys(v)]),
    );
  }
  return value;
}

function unknownKind(kind: never | OrderChangeKind): null {
  void kind;
  return null;
}
