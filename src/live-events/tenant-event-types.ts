/**
 * The tenant event log's event types: the names clients subscribe to (the live event stream's `types=` filter,
 * webhook subscriptions) and the `data` each carries. Rows of `tenant_events` hold one of these in `type` and the
 * matching shape in `data`.
 */
export const TENANT_EVENT_TYPES = [
  'orders.arrived',
  'orders.changed',
  'orders.cancelled',
  'orders.cancelled-after-instruction',
  'fulfillment.status-changed',
  'tracking.push-failed',
  'stock.push-failed',
  'connections.needs-sign-in',
] as const;

export type TenantEventType = (typeof TENANT_EVENT_TYPES)[number];

export interface TenantEventData {
  'orders.arrived': { orderId: string; connectionId: string; site: string; externalOrderId: string };
  /** the order's status or its site state moved */
  'orders.changed': { orderId: string; connectionId: string; status: string; siteState: string };
  'orders.cancelled': { orderId: string; connectionId: string; externalOrderId: string };
  /** the site cancelled an order the warehouse had already been instructed to ship */
  'orders.cancelled-after-instruction': {
    orderId: string;
    connectionId: string;
    externalOrderId: string;
    fulfillmentOrderId: string;
    fulfillmentStatus: string;
  };
  'fulfillment.status-changed': {
    fulfillmentOrderId: string;
    orderId: string;
    status: string;
    previousStatus: string;
  };
  'tracking.push-failed': { fulfillmentOrderId: string; orderId: string; connectionId: string; error: string };
  'stock.push-failed': { connectionId: string; skuId?: string; listingKey?: string; error: string };
  'connections.needs-sign-in': { connectionId: string; site: string; status: string };
}

/** One entry of the tenant event log, as readers (the live stream, webhooks) see it. */
export interface TenantEvent<T extends TenantEventType = TenantEventType> {
  seq: number;
  id: string;
  type: T;
  data: TenantEventData[T];
  createdAt: string;
}

export function isTenantEventType(name: string): name is TenantEventType {
  return (TENANT_EVENT_TYPES as readonly string[]).includes(name);
}
