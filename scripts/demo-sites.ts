/**
 * How each simulator's inspection state (`GET <sim>/_sim/state`) reads for the demo's story: an order's status and
 * tracking number on the site, and the stock the site shows per listing.
 */
import { ELEVEN_STREET_COURIERS } from '../test/simulators/eleven-street/eleven-street.simulator';
import type { DemoSite } from './demo-catalog';

type Row = Record<string, any>;

export interface SiteOrderView {
  /** the site's status, in the site's words */
  status: string;
  /** the waybill number the site holds, if any */
  tracking: string | null;
  /** the carrier the site holds, if any */
  carrier: string | null;
}

export interface SiteView {
  /** the site's rows for one Mallbridge order (Qoo10: the pack's orderNos; 11st: the lines of a delivery) */
  orderRows(state: any, externalOrderId: string): Row[];
  describe(rows: Row[]): SiteOrderView;
  /** status code → count over all orders, e.g. "20×3 40×1" */
  statusCounts(state: any): string;
  /** listing → quantity the site shows */
  stock(state: any): Map<string, number>;
  /** what a confirmed order looks like on the site, for sites with a confirm call */
  isConfirmed?(rows: Row[]): boolean;
}

const QOO10_STATUS: Record<string, string> = { '1': '入金待ち', '2': '新規注文', '3': '配送準備', '4': '配送中', '5': '配送完了' };
const ELEVEN_STATUS: Record<string, string> = {
  '202': '결제완료',
  '301': '배송준비중',
  '401': '배송중',
  '501': '배송완료',
  '901': '구매확정',
};

function counts(values: string[]): string {
  const map = new Map<string, number>();
  for (const value of values) map.set(value, (map.get(value) ?? 0) + 1);
  return [...map].map(([value, n]) => `${value}×${n}`).join(' ');
}

const unique = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];

export const SITE_VIEWS: Record<DemoSite, SiteView> = {
  nextengine: {
    orderRows: (state, id) => state.companies.flatMap((c: Row) => c.orders).filter((o: Row) => String(o.receive_order_id) === id),
    describe: (rows) => ({
      status: unique(rows.map((o) => `${o.receive_order_order_status_id} ${o.receive_order_order_status_name}`)).join(', '),
      tracking: rows[0]?.receive_order_delivery_cut_form_id ?? null,
      carrier: rows[0]?.receive_order_delivery_name ?? null,
    }),
    statusCounts: (state) => counts(state.companies.flatMap((c: Row) => c.orders).map((o: Row) => String(o.receive_order_order_status_id))),
    stock: (state) => new Map(state.companies.flatMap((c: Row) => c.goods).map((g: Row) => [g.goodsId, g.stockQuantity])),
  },
  'qoo10-jp': {
    orderRows: (state, id) => state.orders.filter((o: Row) => String(o.packNo) === id || String(o.orderNo) === id),
    describe: (rows) => ({
      status: unique(rows.map((o) => `${o.status} ${QOO10_STATUS[String(o.status)] ?? ''}`.trim())).join(', '),
      tracking: unique(rows.map((o) => o.trackingNo)).join(', ') || null,
      carrier: unique(rows.map((o) => o.deliveryCompany)).join(', ') || null,
    }),
    statusCounts: (state) => counts(state.orders.map((o: Row) => String(o.status))),
    stock: (state) => {
      const stock = new Map<string, number>();
      for (const item of state.items) {
        if (item.options?.length)
          for (const option of item.options) stock.set(option.optionCode ?? `${item.sellerCode}:${option.optionValue}`, option.qty);
        else stock.set(item.sellerCode, item.qty);
      }
      return stock;
    },
    isConfirmed: (rows) => rows.length > 0 && rows.every((o) => Number(o.status) >= 3),
  },
  '11st': {
    orderRows: (state, id) => state.orders.filter((o: Row) => o.dlvNo === id || o.ordNo === id),
    describe: (rows) => ({
      status: unique(rows.map((o) => `${o.ordPrdStat} ${ELEVEN_STATUS[o.ordPrdStat] ?? ''}`.trim())).join(', '),
      tracking: unique(rows.map((o) => o.invcNo)).join(', ') || null,
      carrier:
        unique(rows.map((o) => (o.dlvEtprsCd ? `${o.dlvEtprsCd} ${ELEVEN_STREET_COURIERS[o.dlvEtprsCd] ?? ''}`.trim() : null))).join(
          ', ',
        ) || null,
    }),
    statusCounts: (state) => counts(state.orders.map((o: Row) => String(o.ordPrdStat))),
    stock: (state) => new Map(state.products.flatMap((p: Row) => p.stocks).map((s: Row) => [s.sellerStockCd || s.prdStckNo, s.stckQty])),
    isConfirmed: (rows) => rows.length > 0 && rows.every((o) => Number(o.ordPrdStat) >= 301),
  },
  crossmall: {
    orderRows: (state, id) => state.orders.filter((o: Row) => String(o.order_number) === id),
    describe: (rows) => ({
      status: unique(rows.map((o) => o.phase_name)).join(', '),
      tracking: rows[0]?.delivery_number || null,
      carrier: rows[0]?.delivery_name || null,
    }),
    statusCounts: (state) => counts(state.orders.map((o: Row) => String(o.phase_name))),
    stock: (state) =>
      new Map(
        state.skus.map((s: Row) => {
          const option = [s.attribute1_name, s.attribute2_name].filter(Boolean).join(',');
          return [option ? `${s.item_code}:${option}` : s.item_code, s.stock];
        }),
      ),
  },
};

export async function simState(url: string): Promise<any> {
  const response = await fetch(`${url}/_sim/state`);
  if (!response.ok) throw new Error(`${url}/_sim/state → ${response.status}`);
  return response.json();
}
