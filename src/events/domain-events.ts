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
}
