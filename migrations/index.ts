/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works compiled and
 * under the test transpiler. `npm run migration:create -- name` adds a file and a line here.
 */
import { Foundation1763856000000 } from './1763856000000-foundation';
import { Connections1763856100000 } from './1763856100000-connections';
import { Orders1763856200000 } from './1763856200000-orders';
import { SkuCatalog1763856300000 } from './1763856300000-sku-catalog';
import { Fulfillment1763856400000 } from './1763856400000-fulfillment';
import { StockLinks1763856500000 } from './1763856500000-stock-links';
import { MillisecondTimestamps1763856600000 } from './1763856600000-millisecond-timestamps';
import { OrderChanges1763856700000 } from './1763856700000-order-changes';
import { StockCorrectness1763856800000 } from './1763856800000-stock-correctness';
import { StockBridgeTravel1763856900000 } from './1763856900000-stock-bridge-travel';
import { StockLinkShipments1763856901000 } from './1763856901000-stock-link-shipments';
import { StockLinkNotices1763856902000 } from './1763856902000-stock-link-notices';
import { DemandMarksOpenOrdersOnly1763856903000 } from './1763856903000-demand-marks-open-orders-only';
import { People1765000000000 } from './1765000000000-people';
import { TenantEvents1765000001000 } from './1765000001000-tenant-events';
import { OutboundWebhooks1765000002000 } from './1765000002000-outbound-webhooks';
import { OrderFulfillmentStatus1765000003000 } from './1765000003000-order-fulfillment-status';
import { OrdersSiteStatusOrdered1765000004000 } from './1765000004000-orders-site-status-ordered';
import { StockEventsKeyReceived1765000005000 } from './1765000005000-stock-events-key-received';
import { StockEventsUnrecognised1765000006000 } from './1765000006000-stock-events-unrecognised';

export const migrations = [Foundation1763856000000, Connections1763856100000, Orders1763856200000, SkuCatalog1763856300000, Fulfillment1763856400000, StockLinks1763856500000, MillisecondTimestamps1763856600000, OrderChanges1763856700000, StockCorrectness1763856800000, StockBridgeTravel1763856900000, StockLinkShipments1763856901000, StockLinkNotices1763856902000, DemandMarksOpenOrdersOnly1763856903000, People1765000000000, TenantEvents1765000001000, OutboundWebhooks1765000002000, OrderFulfillmentStatus1765000003000, OrdersSiteStatusOrdered1765000004000, StockEventsKeyReceived1765000005000, StockEventsUnrecognised1765000006000];
