/**
 * Every event on the {@link EventBus}, by name. An event is published after the change it describes is
 * committed.
 */
export interface DomainEvents {
  /**
   * Orders of a tenant may have become ready for fulfillment: a pull wrote new or changed orders, or a catalog
   * change resolved waiting lines.
   */
  'orders.changed': {
    tenantId: string;
    /** set when the change came from one connection's pull */
    connectionId?: string;
    reason: 'intake' | 'lines-resolved';
  };
  /** The tenant's SKUs or mappings changed: lines waiting for a SKU may resolve now. */
  'catalog.changed': { tenantId: string };
  /**
   * The seller added stock on hand (a receipt, an upward correction or count): orders held for lack of stock
   * may go ahead now. Inventory publishes it; Fulfillment re-checks its held orders.
   */
  'inventory.stock-added': { tenantId: string };
  /**
   * The site changed orders after intake (a cancel, hold, release, line cancel, merge, address edit; DESIGN §5a)
   * and Orders recorded it: Fulfillment brings their status and fulfillment orders in line.
   */
  'orders.site-changed': { tenantId: string; connectionId: string; orderIds: string[] };
  /**
   * The site cancelled an order (or part of it) after the warehouse had issued its waybill or shipped it:
   * nothing here can undo that; the warehouse and the seller must act.
   */
  'orders.cancelled-after-instruction': {
    tenantId: string;
    orderId: string;
    connectionId: string;
    externalOrderId: string;
    fulfillmentOrderId: string;
    fulfillmentStatus: string;
  };
}
