/**
 * What a site can do, as small capability ports (DESIGN §2 "Site ports"). A connector provides the ports
 * its site has in `ports`; business modules reach a port only through Connections' `siteCalls.run`, never by
 * holding a connector. What a site supports is said once, by the ports it provides: the capabilities shown in
 * `GET /v1/sales-sites` and the options a connection may turn on are derived from them.
 */
import type {
  Address,
  ConnectionContext,
  ExternalOrder,
  ConnectionTestResult,
  ExternalOrderLine,
  ExternalOrderRef,
  ItemResult,
  ListingKey,
  OrderBatch,
  SiteListing,
  StockUpdate,
  SyncCursor,
  TrackingUpdate,
} from './sales-site-connector';

/** Every site has it: the cheap authenticated call behind "Test Connection" and the token keep-alive. */
export interface ConnectionProbe {
  testConnection(ctx: ConnectionContext): Promise<ConnectionTestResult>;
}

/** Pulls the collectable orders, batch by batch, each batch with the cursor to resume from once it is stored. */
export interface OrderSource {
  pullOrders(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderBatch>;
  /**
   * Every pull reads the site's whole collectable set (NextEngine's status-20 work queue, DESIGN §5): an open order
   * a complete pull no longer lists left it for a reason the pull cannot see, and is rechecked by id
   * (`OrderChangeSource.recheck`), never assumed shipped or cancelled.
   */
  readonly listsWholeCollectableSet?: boolean;
  /**
   * The site's order lists leave out a line while a claim is open on it (11st lists 202/301 lines only, a line at
   * 701 drops out; Qoo10 leaves out lines being cancelled): a line missing from a re-read is not a cancel there,
   * and only the change intake says what became of it. Elsewhere a line the site no longer lists is cancelled.
   */
  readonly hidesLinesUnderClaim?: boolean;
  /** The key SKU mappings know a line by on this site, and the codes it was built from. */
  listingKey(line: ExternalOrderLine): ListingKey;
}

/** Confirms new orders on the site (Qoo10 2 → 3, 11st 202 → 301). A bulk port: one result per order. */
export interface OrderConfirmer {
  confirmOrders(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<ItemResult[]>;
}

/** Takes waybill numbers. A bulk port: one result per order. */
export interface TrackingSink {
  pushTracking(ctx: ConnectionContext, shipments: TrackingUpdate[]): Promise<ItemResult[]>;
}

/** Takes stock, as absolute quantities or as relative changes (NextEngine). A bulk port: one result per listing. */
export interface StockSink {
  readonly stockMode: 'absolute' | 'relative';
  /**
   * The site lowers its own stock when one of its orders ships (NextEngine at 出荷確定, `specs/cancellations.md`
   * §1.6): the shipment of an order pulled from it must never be sent to it again as a stock change.
   */
  readonly ownShipmentsLowerStock?: boolean;
  pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]>;
}

/** A listing to find on its site: its key, and the product code it belongs to when Mallbridge knows it. */
export interface ListingRef {
  listingKey: string;
  productCode?: string | null;
}

/**
 * Finds listings on an absolute-stock site and reads what they show (11st product and stock API, Qoo10 item and
 * option lookups, Crossmall `get_stock`). Used to address stock pushes and by the stock reconciliation.
 */
export interface ListingDirectory {
  /**
   * The listings by key, each with its address and current quantity; keys the site does not have are absent.
   * Throws (a SiteError) only when the site could not be asked.
   */
  readListings(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>>;
}

/** One (store, product) stock row of a POS (Smaregi). */
export interface SiteStockLevel {
  storeId: string;
  productId: string;
  amount: number;
}

/** A stock-history record (Smaregi 在庫変動履歴): `amount` is the change, `stockAmount` the stock after it. */
export interface SiteStockHistory {
  id: string;
  productId: string;
  storeId: string;
  amount: number;
  stockAmount: number;
  /** the site's 在庫区分 (`stockDivision`), verbatim */
  stockDivision: string | null;
}

/** The POS side of the stock bridge (DESIGN §7): current stock, stock history, and product codes (Smaregi). */
export interface StockHistorySource {
  /** Every stock row, or one store's. */
  readStock(ctx: ConnectionContext, filter?: { storeId?: string | null }): Promise<SiteStockLevel[]>;
  /** History records by id; records the site does not show yet are absent. */
  readHistory(
    ctx: ConnectionContext,
    refs: ReadonlyArray<{ id: string; productId: string; storeId: string }>,
  ): Promise<Map<string, SiteStockHistory>>;
  /**
   * One (store, product)'s history records with an id above `afterId`, oldest first: what a legacy API送信
   * push (absolute amounts only) does not say — each change's own amount and 在庫区分.
   */
  historySince(ctx: ConnectionContext, key: { productId: string; storeId: string; afterId: string }): Promise<SiteStockHistory[]>;
  /** The highest history id of the whole contract (the floor a fresh baseline starts from); null where it cannot be read. */
  latestHistoryId(ctx: ConnectionContext): Promise<string | null>;
  /** 商品コード by 商品ID; products the site does not know are absent. */
  productCodes(ctx: ConnectionContext, productIds: readonly string[]): Promise<Map<string, string>>;
  /** 商品ID by 商品コード; codes the site does not know are absent. */
  productIdsByCode(ctx: ConnectionContext, productCodes: readonly string[]): Promise<Map<string, string>>;
}

/** A shipment (出荷) of sold goods to register on a stock-keeping site: the quantities leave the store at once. */
export interface ShipmentInput {
  /**
   * Ours, unique per shipment and stored on it: reading it back tells whether a call whose answer was lost
   * registered the shipment (never a second registration on a guess).
   */
  reference: string;
  shippingStoreId: string;
  /** `YYYY-MM-DD` */
  shippingDate: string;
  memo: string;
  details: Array<{ productId: string; quantity: number }>;
}

/** A shipment the site holds, found by our reference. */
export interface RegisteredShipment {
  shipmentId: string;
}

/**
 * Registers and reverses shipments on a stock-keeping site (NextEngine orders → Smaregi shipments). A call is never
 * retried blindly: a lost answer is settled by {@link findShipment}.
 */
export interface ShipmentRegistrar {
  /** The shipment carrying `reference`, or null when the site has none (a registration that never happened). */
  findShipment(ctx: ConnectionContext, reference: string): Promise<RegisteredShipment | null>;
  /** Registers once per call; the id is null when the site's answer does not carry it (find it by reference). */
  registerShipment(ctx: ConnectionContext, input: ShipmentInput): Promise<{ shipmentId: string | null }>;
  /** Takes the shipment back, returning its quantities to the store. */
  cancelShipment(ctx: ConnectionContext, shipmentId: string): Promise<void>;
}

/** One line of a sold order: a goods code and its live (not cancelled) quantity. */
export interface SoldOrderLine {
  goodsCode: string;
  quantity: number;
  /** the order this line was merged (同梱) from, when it was */
  mergedFromOrderId: string | null;
}

/** An order as a stock keeper needs it: when it was received, whether it counts as sold, and what it sold. */
export interface SoldOrder {
  externalOrderId: string;
  receivedAt: Date | null;
  /** confirmed on the site and not void: its goods are sold */
  sold: boolean;
  /** void on the site (cancelled or deleted; a merge into another order is not: its lines live on there) */
  cancelled: boolean;
  lines: SoldOrderLine[];
}

export interface SoldOrderBatch {
  orders: SoldOrder[];
  /** where the next read starts once this batch is stored */
  nextCursor: SyncCursor;
}

/**
 * Orders changed since a cursor, each read whole (NextEngine `receiveorder_base` by last-modified date with an overlap,
 * and its rows): new sales and cancels alike, never the whole open set on every run.
 */
export interface SoldOrderFeed {
  /** `start` is where a first read (no cursor) begins. */
  pullSoldOrders(ctx: ConnectionContext, cursor: SyncCursor | null, start: Date): AsyncIterable<SoldOrderBatch>;
}

/** A goods code's stock on a relative-stock site (NextEngine `master_stock/search`). */
export interface SiteGoodsStock {
  /** 在庫数: what a relative upload adds to */
  stock: number;
  /** フリー在庫数: the most a negative change may subtract */
  free: number;
}

/**
 * Stock changes as deltas to a relative-stock site, with its stock read before and after (NextEngine's
 * goods-master upload and its queue). The stock bridge sends Smaregi's deltas through it as they are.
 */
export interface StockDeltaSink {
  /** Stock by goods code; codes the site does not know are absent. */
  readStock(ctx: ConnectionContext, goodsCodes: readonly string[]): Promise<Map<string, SiteGoodsStock>>;
  /** One result per distinct goods code; `snapshot` is the stock the caller just read, if any. */
  uploadDeltas(
    ctx: ConnectionContext,
    deltas: ReadonlyArray<{ goodsCode: string; delta: number }>,
    snapshot?: Map<string, SiteGoodsStock>,
  ): Promise<ItemResult[]>;
}

/** The goods master of a site, for matching by JAN (NextEngine `master_goods/search`). */
export interface GoodsCatalog {
  /** goods codes by JAN; a JAN several goods share maps to all of them */
  codesByJan(ctx: ConnectionContext, jans: readonly string[]): Promise<Map<string, string[]>>;
  /** JAN codes by goods code; goods without a JAN are absent */
  jansByCode(ctx: ConnectionContext, codes: readonly string[]): Promise<Map<string, string[]>>;
}

// ---------------------------------------------------------------- changes after intake (DESIGN §5a)

/**
 * What a site can say about an order after it was pulled (`specs/cancellations.md`):
 * - `cancelled`: the whole order is void on the site (NE cancel type ≠ 0, 3 excepted; Qoo10 ClaimStat 3 on every
 *   line; 11st every line B01; Crossmall `cancel_flag` 2 or a cancel phase).
 * - `line_cancelled`: some lines lost quantity; `lines` gives each one's live quantity now.
 * - `on_hold`: the site says do not ship for now (NE type 12 / 確認必要, Crossmall `cancel_flag` 1 or a hold phase).
 * - `cancel_requested`: the buyer asked to cancel and the site waits for the seller (Qoo10 ClaimStat 1/2, 11st
 *   `ordCnStatCd` 01); it holds the order, and `request` is what {@link CancelRequestHandler} needs to approve it.
 * - `released`: nothing holds the order on the site any more (hold lifted, cancel request withdrawn).
 * - `merged_into`: the order was merged into `relatedExternalOrderId` (NE type 3 + include_to, Crossmall
 *   `bundle_ahead_number`); its lines ship with that order.
 * - `split_from`: this order was split off `relatedExternalOrderId` (NE `-bk-n`); the source shrinks by a
 *   `line_cancelled` change of its own.
 * - `address_changed`: the recipient is now `recipient`.
 * - `return_requested`, `exchange_requested`: after shipment; recorded for the seller, they move nothing.
 */
export const ORDER_CHANGE_KINDS = [
  'cancelled',
  'line_cancelled',
  'on_hold',
  'cancel_requested',
  'released',
  'merged_into',
  'split_from',
  'address_changed',
  'return_requested',
  'exchange_requested',
] as const;
export type OrderChangeKind = (typeof ORDER_CHANGE_KINDS)[number];

/**
 * One change, stated as what is now true on the site, never as a delta: applying it twice, or applying one
 * that is already true (a snapshot site such as NextEngine states `released` for every valid slip it re-reads),
 * changes nothing and writes nothing. So a re-read window, a retried batch or two instances never apply a
 * change twice.
 */
export interface OrderChange {
  /** the order as Mallbridge holds it (`ExternalOrder.externalOrderId`) */
  externalOrderId: string;
  kind: OrderChangeKind;
  /**
   * The site's own identity of this change: a claim number (11st `ordPrdCnSeq`), a request date (Qoo10), a
   * last-modified stamp (NE, Crossmall). With the kind and the payload it makes the change's idempotency key.
   */
  siteRef: string;
  /** when the site says it happened */
  occurredAt?: Date | null;
  /** the site's words, shown on the order's timeline (a cancel reason, the raw status) */
  reason?: string | null;
  /** `line_cancelled`: each affected line's live quantity now (0: wholly cancelled); lines not listed keep theirs */
  lines?: Array<{ externalLineId: string; liveQuantity: number }>;
  /** `merged_into`: the order that carries the lines now; `split_from`: the order this one came from */
  relatedExternalOrderId?: string;
  /** `address_changed`: the new recipient */
  recipient?: Address;
  /** `cancel_requested`: the site's identifiers of the request, handed back to `approveCancel` */
  request?: Record<string, string>;
  raw?: unknown;
}

export interface OrderChangeBatch {
  changes: OrderChange[];
  /**
   * Orders the changes concern that Mallbridge may not hold yet or holds in an older shape (an NE split's new
   * slip, a merge parent that gained lines): written exactly like pulled orders, before the changes are applied.
   */
  orders?: ExternalOrder[];
  /** where the next change pull starts once this batch is committed */
  nextCursor: SyncCursor | null;
}

/** What a site says about one order read by id. */
export interface RecheckResult {
  externalOrderId: string;
  /** false: the site does not know the order (never assume shipped or cancelled from that) */
  found: boolean;
  /** what is true of it now, as changes (an open, untouched order gives `released` or nothing) */
  changes: OrderChange[];
  /** the order's current site status, when the site gave one */
  siteStatus?: string;
  /** orders the answer brings (a merge parent that gained lines, a split's new slip), as in {@link OrderChangeBatch.orders} */
  orders?: ExternalOrder[];
}

/**
 * Reads what changed after intake (DESIGN §5a), since its own cursor and within the site's limits, and reads
 * single orders by id. Changes about orders Mallbridge does not hold are ignored by the caller.
 */
export interface OrderChangeSource {
  pullChanges(ctx: ConnectionContext, cursor: SyncCursor | null): AsyncIterable<OrderChangeBatch>;
  recheck(ctx: ConnectionContext, refs: ExternalOrderRef[]): Promise<RecheckResult[]>;
}

/** A buyer's cancel request waiting for the seller, as a `cancel_requested` change carried it. */
export interface CancelRequest extends ExternalOrderRef {
  request: Record<string, string>;
}

/** Approves buyers' cancel requests (11st `cancelreqconf`; Qoo10 `Claim.SetCancelProcess`). A bulk port. */
export interface CancelRequestHandler {
  approveCancel(ctx: ConnectionContext, requests: CancelRequest[]): Promise<ItemResult[]>;
}

/**
 * Every port by its capability name. Room is left for the change intake (`orderChangeSource`) and for
 * listing catalogs (`listingCatalog`): they join here when a site provides them.
 */
export interface SitePorts {
  connection: ConnectionProbe;
  orderSource?: OrderSource;
  orderConfirmer?: OrderConfirmer;
  trackingSink?: TrackingSink;
  stockSink?: StockSink;
  listingDirectory?: ListingDirectory;
  stockHistorySource?: StockHistorySource;
  shipmentRegistrar?: ShipmentRegistrar;
  soldOrderFeed?: SoldOrderFeed;
  stockDeltaSink?: StockDeltaSink;
  goodsCatalog?: GoodsCatalog;
  orderChangeSource?: OrderChangeSource;
  cancelRequestHandler?: CancelRequestHandler;
}

export type Capability = keyof SitePorts;
export type PortOf<C extends Capability> = NonNullable<SitePorts[C]>;

/** The capability names, for call sites: `siteCalls.run(id, Capability.OrderSource, …)`. */
export const Capability = {
  Connection: 'connection',
  OrderSource: 'orderSource',
  OrderConfirmer: 'orderConfirmer',
  TrackingSink: 'trackingSink',
  StockSink: 'stockSink',
  ListingDirectory: 'listingDirectory',
  StockHistorySource: 'stockHistorySource',
  ShipmentRegistrar: 'shipmentRegistrar',
  SoldOrderFeed: 'soldOrderFeed',
  StockDeltaSink: 'stockDeltaSink',
  GoodsCatalog: 'goodsCatalog',
  OrderChangeSource: 'orderChangeSource',
  CancelRequestHandler: 'cancelRequestHandler',
} as const satisfies Record<string, Capability>;

/** Ports whose calls carry many items and answer per item: a failed call becomes one failed result per item. */
export const BULK_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'orderConfirmer',
  'trackingSink',
  'stockSink',
  'cancelRequestHandler',
]);

/** What `GET /v1/sales-sites` says a site can do: derived from its ports, never declared beside them. */
export interface SiteCapabilities {
  orders: boolean;
  confirm: boolean;
  tracking: boolean;
  /** cancels, holds and changes after intake are read (DESIGN §5a) */
  changes: boolean;
  /** buyers' cancel requests can be approved from here (`autoCancelApproval`) */
  cancelApproval: boolean;
  /** how the site takes stock: absolute quantities, relative deltas, or not at all */
  stock: 'absolute' | 'relative' | false;
  /** 'redirect': browser sign-in (NextEngine); 'key-exchange': credentials exchanged for a key (Qoo10) */
  authorization: 'none' | 'redirect' | 'key-exchange';
}

export function capabilitiesOf(ports: SitePorts, authorization: SiteCapabilities['authorization']): SiteCapabilities {
  return {
    orders: !!ports.orderSource,
    confirm: !!ports.orderConfirmer,
    tracking: !!ports.trackingSink,
    changes: !!ports.orderChangeSource,
    cancelApproval: !!ports.cancelRequestHandler,
    stock: ports.stockSink?.stockMode ?? false,
    authorization,
  };
}
