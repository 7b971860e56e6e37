import { SiteRejectedError } from '../http/site-errors';
import type { ConnectionContext, SiteListing } from '../sales-site-connector';
import type { ListingRef } from '../site-ports';
import type { Qoo10Client } from './qoo10.client';

/**
 * Where a Qoo10 listing lives (`SiteListing.address`): its item, and for an option row the row's name, value
 * and code. Qoo10 addresses an option row by OptionName + OptionValue, multi-axis joined by `||*` (spec §7).
 */
export interface Qoo10ListingAddress {
  itemCode: string;
  sellerCode: string | null;
  optionName?: string;
  optionValue?: string;
  optionCode?: string;
}

/** What `GetItemDetailInfo` says of an item, in the forms `SetGoodsPriceQty` takes back. */
export interface Qoo10ItemDetail {
  itemCode: string;
  sellerCode: string | null;
  quantity: number | null;
  /** `yyyy-mm-dd`; undefined when the answer carries none that reads as a date */
  expireDate?: string;
  /** whole yen; undefined when the answer's price is not a whole number of yen */
  price?: string;
  /** one of S / 10 / 8 / 0; undefined when the answer's rate is not one of them */
  taxRate?: string;
}

export interface Qoo10OptionRow {
  optionName: string;
  optionValue: string;
  optionCode: string;
  quantity: number | null;
}

/** A listing found on Qoo10, with the item detail read on the way when there was one (a non-option item). */
export interface FoundListing {
  listing: SiteListing;
  detail?: Qoo10ItemDetail;
}

/** "Fail to find Item information with 'ItemCode','SellerCode'." (item lookups and writes, CONFIRMED as documented). */
export const ITEM_NOT_FOUND = '-10001';
/**
 * The item statuses a sweep lists: 거래가능 S2 (on sale) first, then 거래대기 S1 — the two GetItemDetailInfo reports,
 * the ones whose stock a seller sells. Under review (S0), stopped or restricted by Qoo10 (S3, S5) and refused (S8)
 * are left out (the guide's own -10001 text allows only S0/S1/S2/S4, which contradicts its table: UNCONFIRMED).
 */
const SWEPT_STATUSES = ['S2', 'S1'];
/** GetItemDetailInfo is documented at QAPIVersion 1.2 (spec §7). */
const DETAIL_VERSION = '1.2';
/** SetGoodsPriceQty `Price`: 1 ~ 999,999,999 (passoffer items/SetGoodsPriceQty.md). */
const MAX_PRICE = 999_999_999;
/** SetGoodsPriceQty `TaxRate`: S (the shop's default), 10, 8, 0 (passoffer items/SetGoodsPriceQty.md). */
const TAX_RATES: ReadonlySet<string> = new Set(['S', '10', '8', '0']);

/**
 * Finds listings on Qoo10 and reads what they show (the `ListingDirectory` port). A listing key is a 販売者商品コード
 * (SellerCode) for an item without options, or a 販売者オプションコード (ItemTypeCode on read) for an option row, whose
 * item Qoo10 finds only by its own codes. So:
 * - an option with a known product code: the item by that SellerCode (GetItemDetailInfo), then its option rows
 *   (GetGoodsInventoryInfo);
 * - any other key is first tried as a SellerCode; an item found without option rows is the listing;
 * - what is still missing after that (an option never ordered, so its item is unknown) is swept for: every item
 *   (GetAllGoodsInfo, paged, on sale then waiting) and its option rows, until every key is found or none is left.
 */
export class Qoo10Listings {
  constructor(private readonly client: Qoo10Client) {}

  async readListings(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>> {
    const found = await this.find(ctx, refs);
    return new Map([...found].map(([key, { listing }]) => [key, listing]));
  }

  /** The listings by key, each with the item detail read on the way; keys Qoo10 does not have are absent. */
  async find(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, FoundListing>> {
    const search = new ListingSearch(refs);
    const byProduct = new Map<string, string[]>();
    for (const ref of search.refs()) {
      const productCode = optionProductCode(ref);
      if (productCode) byProduct.set(productCode, [...(byProduct.get(productCode) ?? []), ref.listingKey]);
    }
    for (const productCode of byProduct.keys()) await this.readItemsBySellerCode(ctx, productCode, search);
    for (const ref of search.missing()) {
      if (!optionProductCode(ref) && !search.found.has(ref.listingKey)) await this.readItemsBySellerCode(ctx, ref.listingKey, search);
    }
    if (search.missing().some((ref) => !optionProductCode(ref))) await this.sweep(ctx, search);
    return search.found;
  }

  /** `GetItemDetailInfo` by ItemCode and/or SellerCode (both narrow); empty when Qoo10 has no such item (-10001). */
  async details(ctx: ConnectionContext, by: { itemCode?: string; sellerCode?: string | null }): Promise<Qoo10ItemDetail[]> {
    const params: Record<string, string> = {};
    if (by.itemCode) params.ItemCode = by.itemCode;
    if (by.sellerCode) params.SellerCode = by.sellerCode;
    const envelope = await this.orNotFound(() =>
      this.client.call(ctx, 'ItemsLookup.GetItemDetailInfo', params, { version: DETAIL_VERSION }),
    );
    return rowsOf(envelope?.ResultObject).flatMap((row) => {
      const detail = detailOf(row);
      return detail && (!by.itemCode || detail.itemCode === by.itemCode) ? [detail] : [];
    });
  }

  /** The option rows of an item (`GetGoodsInventoryInfo`); undefined when Qoo10 has no such item (-10001). */
  async optionRows(ctx: ConnectionContext, itemCode: string): Promise<Qoo10OptionRow[] | undefined> {
    const envelope = await this.orNotFound(() => this.client.call(ctx, 'ItemsLookup.GetGoodsInventoryInfo', { ItemCode: itemCode }));
    if (!envelope) return undefined;
    return rowsOf(envelope.ResultObject).flatMap((row) => {
      const option = optionRowOf(row);
      return option ? [option] : [];
    });
  }

  private async readItemsBySellerCode(ctx: ConnectionContext, sellerCode: string, search: ListingSearch): Promise<void> {
    for (const detail of await this.details(ctx, { sellerCode })) {
      if (search.wasRead(detail.itemCode)) continue;
      const options = await this.optionRows(ctx, detail.itemCode);
      search.offer({ itemCode: detail.itemCode, sellerCode: detail.sellerCode ?? sellerCode }, options ?? [], detail);
    }
  }

  /**
   * Every item on sale, then every item waiting, page by page, and each one's option rows, until nothing is
   * missing. Items already read are skipped. Only option rows are matched here: a key that is an item's SellerCode
   * was already asked for by that code.
   */
  private async sweep(ctx: ConnectionContext, search: ListingSearch): Promise<void> {
    for (const status of SWEPT_STATUSES) {
      for (let page = 1; ; page++) {
        const envelope = await this.client.call(ctx, 'ItemsLookup.GetAllGoodsInfo', { ItemStatus: status, Page: String(page) });
        const result = (envelope.ResultObject ?? {}) as Record<string, unknown>;
        const items = rowsOf(result.Items);
        for (const item of items) {
          const itemCode = text(item.ItemCode);
          if (!itemCode || search.wasRead(itemCode)) continue;
          const options = await this.optionRows(ctx, itemCode);
          search.offer({ itemCode, sellerCode: text(item.SellerCode) ?? null }, options ?? []);
          if (!search.sweepWanted()) return;
        }
        const totalPages = Number(result.TotalPages);
        if (!items.length || !Number.isFinite(totalPages) || page >= totalPages) break;
      }
    }
  }

  private async orNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SiteRejectedError && error.siteCode === ITEM_NOT_FOUND) return undefined;
      throw error;
    }
  }
}

/** The refs of one lookup, what was found for them, and which items were read already. */
class ListingSearch {
  readonly found = new Map<string, FoundListing>();
  private readonly wanted = new Map<string, ListingRef>();
  private readonly readItems = new Set<string>();

  constructor(refs: readonly ListingRef[]) {
    for (const ref of refs) if (!this.wanted.has(ref.listingKey)) this.wanted.set(ref.listingKey, ref);
  }

  refs(): ListingRef[] {
    return [...this.wanted.values()];
  }

  missing(): ListingRef[] {
    return this.refs().filter((ref) => !this.found.has(ref.listingKey));
  }

  /** Whether a sweep can still find something: an option whose item is unknown. */
  sweepWanted(): boolean {
    return this.missing().some((ref) => !optionProductCode(ref));
  }

  wasRead(itemCode: string): boolean {
    return this.readItems.has(itemCode);
  }

  /**
   * One item read: its option rows answer the keys they carry (an option whose product code is known only under
   * that product), and an item without option rows answers its own SellerCode.
   */
  offer(item: { itemCode: string; sellerCode: string | null }, options: Qoo10OptionRow[], detail?: Qoo10ItemDetail): void {
    this.readItems.add(item.itemCode);
    for (const option of options) {
      const ref = this.wanted.get(option.optionCode);
      if (!ref || this.found.has(ref.listingKey)) continue;
      const productCode = optionProductCode(ref);
      if (productCode && productCode !== item.sellerCode) continue;
      const address: Qoo10ListingAddress = {
        ...item,
        optionName: option.optionName,
        optionValue: option.optionValue,
        optionCode: option.optionCode,
      };
      this.found.set(ref.listingKey, {
        listing: { listingKey: ref.listingKey, productCode: item.sellerCode, address: { ...address }, quantity: option.quantity },
      });
    }
    const ref = item.sellerCode === null ? undefined : this.wanted.get(item.sellerCode);
    if (detail && options.length === 0 && ref && !this.found.has(ref.listingKey) && !optionProductCode(ref)) {
      const address: Qoo10ListingAddress = { itemCode: item.itemCode, sellerCode: item.sellerCode };
      this.found.set(ref.listingKey, {
        listing: { listingKey: ref.listingKey, productCode: null, address: { ...address }, quantity: detail.quantity },
        detail,
      });
    }
  }
}

/** The product code of an option ref (an option code under a different 販売者商品コード), else undefined. */
export function optionProductCode(ref: { listingKey: string; productCode?: string | null }): string | undefined {
  const productCode = ref.productCode?.trim();
  return productCode && productCode !== ref.listingKey ? productCode : undefined;
}

/** A stored address read back; undefined when it is not a Qoo10 address. */
export function qoo10Address(listing: SiteListing | undefined): Qoo10ListingAddress | undefined {
  const address = listing?.address;
  const itemCode = text(address?.itemCode);
  if (!address || !itemCode) return undefined;
  const option = { optionName: text(address.optionName), optionValue: text(address.optionValue), optionCode: text(address.optionCode) };
  const sellerCode = text(address.sellerCode) ?? null;
  if (!option.optionName || !option.optionValue || !option.optionCode) return { itemCode, sellerCode };
  return { itemCode, sellerCode, optionName: option.optionName, optionValue: option.optionValue, optionCode: option.optionCode };
}

/**
 * One GetItemDetailInfo row. Every field is a String (CONFIRMED, passoffer items/GetItemDetailInfo.md); prices may
 * come as "1871.0000".
 */
function detailOf(row: Record<string, unknown>): Qoo10ItemDetail | undefined {
  const itemCode = text(row.ItemCode);
  if (!itemCode) return undefined;
  const expireDate = isoDate(text(row.ExpireDate));
  const price = wholeYen(text(row.ItemPrice));
  const taxRate = taxRateOf(text(row.TaxRate));
  return {
    itemCode,
    sellerCode: text(row.SellerCode) ?? null,
    quantity: count(row.ItemQty),
    ...(expireDate ? { expireDate } : {}),
    ...(price ? { price } : {}),
    ...(taxRate ? { taxRate } : {}),
  };
}

/** One GetGoodsInventoryInfo row: up to five axes (Name1/Value1 … Name5/Value5) joined by `||*` (spec §7). */
function optionRowOf(row: Record<string, unknown>): Qoo10OptionRow | undefined {
  const names: string[] = [];
  const values: string[] = [];
  for (let axis = 1; axis <= 5; axis++) {
    const name = text(row[`Name${axis}`]);
    if (!name) continue;
    names.push(name);
    values.push(text(row[`Value${axis}`]) ?? '');
  }
  const optionCode = text(row.ItemTypeCode);
  if (!optionCode || !names.length) return undefined;
  return { optionName: names.join('||*'), optionValue: values.join('||*'), optionCode, quantity: count(row.Qty) };
}

/**
 * A price as SetGoodsPriceQty takes it: digits, 1 ~ 999,999,999. The detail's "1871.0000" is 1871; a price with
 * yen fractions or out of range cannot be sent back as it is, and is left out (an omitted Price is not updated,
 * as passoffer reads the guide: UNCONFIRMED).
 */
function wholeYen(value: string | undefined): string | undefined {
  if (!value || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const amount = Number(value);
  return Number.isInteger(amount) && amount >= 1 && amount <= MAX_PRICE ? String(amount) : undefined;
}

/**
 * The detail's TaxRate as SetGoodsPriceQty's enum. UNCONFIRMED: the detail documents the field only as "the rate
 * applied to the item", not its form; "10", "10.00", "10%" read as 10, "S" as the shop's default, and a value that
 * is none of S / 10 / 8 / 0 is left out rather than guessed.
 */
function taxRateOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.toUpperCase() === 'S') return 'S';
  const rate = /^(\d+(?:\.\d+)?)\s*%?$/.exec(value);
  if (!rate) return undefined;
  const normalized = String(Number(rate[1]));
  return TAX_RATES.has(normalized) ? normalized : undefined;
}

/** `yyyy-mm-dd` (the documented form), tolerating a time after it or slashes for dashes. */
function isoDate(value: string | undefined): string | undefined {
  const date = value && /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T].*)?$/.exec(value);
  return date ? `${date[1]}-${date[2]}-${date[3]}` : undefined;
}

/** A quantity: digits, or a decimal string with no fraction ("12.0000"); null when it reads as neither. */
function count(value: unknown): number | null {
  const raw = text(value);
  if (!raw || !/^\d+(\.0+)?$/.test(raw)) return null;
  return Number(raw);
}

function rowsOf(value: unknown): Record<string, unknown>[] {
  const rows = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
  return rows.filter((row): row is Record<string, unknown> => !!row && typeof row === 'object');
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const result = String(value).trim();
  return result === '' ? undefined : result;
}
