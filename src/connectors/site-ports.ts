/**
 * What a site can do, as small capability ports (DESIGN §2 "Site ports"). A connector provides the ports
 * its site has in `ports`; business modules reach a port only through Connections' `siteCalls.run`, never by
 * holding a connector. What a site supports is said once, by the ports it provides: the capabilities shown in
 * `GET /v1/sales-sites` and the options a connection may turn on are derived from them.
 */
import type {
  ConnectionContext,
  ConnectionTestResult,
  ExternalOrderLine,
  ExternalOrderRef,
  ItemResult,
  ListingKey,
  OrderBatch,
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
  pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]>;
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
  /** 商品コード by 商品ID; products the site does not know are absent. */
  productCodes(ctx: ConnectionContext, productIds: readonly string[]): Promise<Map<string, string>>;
  /** 商品ID by 商品コード; codes the site does not know are absent. */
  productIdsByCode(ctx: ConnectionContext, productCodes: readonly string[]): Promise<Map<string, string>>;
}

/** A shipment (出庫) to register on a stock-keeping site. */
export interface ShipmentInput {
  shippingStoreId: string;
  receivingStoreId: string;
  /** `YYYY-MM-DD` */
  shippingDate: string;
  memo: string;
  details: Array<{ productId: string; quantity: number }>;
}

/** Registers shipments on a stock-keeping site (NextEngine orders → Smaregi shipments). Never retried blindly. */
export interface ShipmentRegistrar {
  registerShipment(ctx: ConnectionContext, input: ShipmentInput): Promise<{ shippingId: string }>;
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
  stockHistorySource?: StockHistorySource;
  shipmentRegistrar?: ShipmentRegistrar;
  stockDeltaSink?: StockDeltaSink;
  goodsCatalog?: GoodsCatalog;
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
  StockHistorySource: 'stockHistorySource',
  ShipmentRegistrar: 'shipmentRegistrar',
  StockDeltaSink: 'stockDeltaSink',
  GoodsCatalog: 'goodsCatalog',
} as const satisfies Record<string, Capability>;

/** Ports whose calls carry many items and answer per item: a failed call becomes one failed result per item. */
export const BULK_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>(['orderConfirmer', 'trackingSink', 'stockSink']);

/** What `GET /v1/sales-sites` says a site can do: derived from its ports, never declared beside them. */
export interface SiteCapabilities {
  orders: boolean;
  confirm: boolean;
  tracking: boolean;
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
    stock: ports.stockSink?.stockMode ?? false,
    authorization,
  };
}
