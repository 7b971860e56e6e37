import type { TestApp } from './test-app';

export interface ListedOrder {
  id: string;
  externalOrderId: string;
  status: string;
  holdReason: string | null;
}

export interface FulfillmentOrderBody {
  id: string;
  orderId: string;
  status: string;
  trigger: string;
  waybill: { carrier: string | null; trackingNumber: string | null; issuedAt: string | null };
  trackingPush: { state: string | null; lastError: string | null; lastSiteCode: string | null; attempts: number };
  lines: { skuCode: string; quantity: number; orderedQuantity: number }[];
  timeline: { event: string }[];
}

export interface StockLevel {
  onHand: number;
  reserved: number;
  available: number;
  /** sold on a site, not reserved yet */
  awaitingReservation: number;
  /** what absolute sites are told */
  sellable: number;
}

/**
 * The calls the fulfillment e2e specs make again and again, through the public API as one tenant.
 * `app` is read on each call: specs start their app in `beforeAll`.
 */
export function fulfillmentApi(app: () => TestApp, auth: () => { Authorization: string }) {
  const http = () => app().http;
  return {
    /** The order with this number on the connection, if pulled: found in the list, read in full (`GET /v1/orders/{id}`). */
    async orderByNumber<T extends { externalOrderId: string } = ListedOrder>(externalOrderId: string, connectionId: string): Promise<T | undefined> {
      const list = (
        await http()
          .get(`/v1/orders?connectionId=${connectionId}&q=${encodeURIComponent(externalOrderId)}`)
          .set(auth())
          .expect(200)
      ).body.data as { id: string; externalOrderId: string }[];
      const listed = list.find((order) => order.externalOrderId === externalOrderId);
      return listed ? ((await http().get(`/v1/orders/${listed.id}`).set(auth()).expect(200)).body as T) : undefined;
    },

    /** The order's fulfillment order in full, the one still instructed first, or null. */
    async fulfillmentOf(orderId: string): Promise<FulfillmentOrderBody | null> {
      const [instructed] = (await http().get(`/v1/fulfillment-orders?orderId=${orderId}&status=instructed`).set(auth()).expect(200)).body.data;
      const any = instructed ?? (await http().get(`/v1/fulfillment-orders?orderId=${orderId}`).set(auth()).expect(200)).body.data[0];
      return any ? (await http().get(`/v1/fulfillment-orders/${any.id}`).set(auth()).expect(200)).body : null;
    },

    async level(skuId: string): Promise<StockLevel | undefined> {
      const [row] = (await http().get(`/v1/inventory?skuId=${skuId}`).set(auth()).expect(200)).body.data;
      return row as StockLevel | undefined;
    },

    async createSku(code: string): Promise<string> {
      return (
        await http()
          .post('/v1/skus')
          .set(auth())
          .send({ code, name: `${code} name` })
          .expect(201)
      ).body.id;
    },

    /** `POST /v1/inventory/adjustments`, expecting `status`. */
    async adjust(skuId: string, reason: string, quantity: number, status = 201) {
      return (await http().post('/v1/inventory/adjustments').set(auth()).send({ skuId, reason, quantity }).expect(status)).body;
    },
  };
}
