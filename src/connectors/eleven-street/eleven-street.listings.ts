import { Logger } from '@nestjs/common';

import { SiteAuthError, SiteError, SiteRejectedError } from '../http/site-errors';
import type { ConnectionContext, SiteListing } from '../sales-site-connector';
import type { ListingRef } from '../site-ports';
import { type XmlNode, textOf } from '../shared/xml';
import { ELEVEN_STREET_ROOTS, type ElevenStreetClient } from './eleven-street.client';

/** Where 11st keeps one listing's stock: all a `stockqty` PUT needs (§7: four fields, the current optWght kept). */
export interface ElevenStreetStockAddress {
  prdNo: string;
  prdStckNo: string;
  optWght: string;
}

/** What a lookup found, and the listings it could not look for because 11st could not be asked. */
export interface ListingLookup {
  found: Map<string, SiteListing>;
  failed: Map<string, SiteError>;
}

/**
 * The product search (다중 상품 조회, apiSeq 1007) pages by `limit` and `start`. The guide asks for a small
 * `limit` ("가능한 작게", at most 500).
 */
const SEARCH_PAGE_SIZE = 100;
/** A seller with more products than this is not swept to the end in one lookup (it is logged). */
const MAX_SEARCH_PAGES = 1000;
/** `selStatCd` 106 판매정상종료, 107 판매강제종료, 108 판매금지: a listing there is looked at last. */
const ENDED_SALE_STATUSES = new Set(['106', '107', '108']);
/**
 * How an empty page of the product search is answered is UNCONFIRMED: an empty `ns2:products`, or an error
 * envelope saying nothing was found, as the order lists' "조회된 결과가 없습니다".
 */
const NOTHING_FOUND_TEXT = /조회된?\s*(결과|상품|데이터)[가이]?\s*없/;

interface Product {
  prdNo: string;
  sellerPrdCd: string;
  selStatCd: string;
}

interface StockRow {
  prdNo: string;
  prdStckNo: string;
  sellerStockCd: string;
  optWght: string;
  stckQty: number | null;
}

/** A product's stock rows, with the product's own seller code (`ns2:sellerPrdCd` of the stock read). */
interface ProductStocks {
  sellerPrdCd: string;
  rows: StockRow[];
}

/**
 * Finds 11st listings and reads what they show, from 11st's product and stock API only (specs/11st.md §7),
 * never from orders: a listing is a stock row (`prdStckNo`) of a product (`prdNo`), keyed by its
 * `sellerStockCd`, or by the product's `sellerPrdCd` when the product has a single row.
 *
 * A ref with its product code is looked up by that code (`sellerprodcode`, a PRODUCT code only: the issue
 * forbids asking it with an option code) and the product's stock rows are read. Refs without one, and refs
 * whose product code 11st does not know, are found by sweeping the seller's products page by page
 * (`POST prodmarket`), reading each product's stock rows until every ref is found.
 *
 * Nothing is remembered between calls: Inventory stores what is found (`site_listings`).
 */
export class ElevenStreetListingReader {
  private readonly logger = new Logger(ElevenStreetListingReader.name);

  constructor(private readonly client: ElevenStreetClient) {}

  async lookup(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<ListingLookup> {
    const lookup: ListingLookup = { found: new Map(), failed: new Map() };
    const stocks = new ProductStockReads(this.client, ctx);
    const toSweep = new Set<string>();
    const byProductCode = new Map<string, Set<string>>();
    for (const ref of refs) {
      const code = ref.productCode?.trim();
      if (!code) toSweep.add(ref.listingKey);
      else byProductCode.set(code, (byProductCode.get(code) ?? new Set()).add(ref.listingKey));
    }

    for (const [code, keys] of byProductCode) {
      let products: Product[];
      try {
        products = await this.productsByCode(ctx, code);
      } catch (error) {
        failAll(lookup, keys, siteFailure(error));
        continue;
      }
      // 11st does not know the code (the product was re-registered under another): the sweep may still find it.
      if (products.length === 0) {
        for (const key of keys) toSweep.add(key);
        continue;
      }
      const missing = new Set(keys);
      const unreadable = await this.findAmong(liveFirst(products), missing, stocks, lookup);
      if (unreadable) failAll(lookup, missing, unreadable);
    }

    const pending = new Set([...toSweep].filter((key) => !lookup.found.has(key) && !lookup.failed.has(key)));
    if (pending.size > 0) await this.sweep(ctx, pending, stocks, lookup);
    return lookup;
  }

  /**
   * Reads the products' stock rows in order until no key is `missing`, taking each key found out of it. A
   * product whose rows cannot be read is passed over, and its failure returned: the keys still missing may
   * live there.
   */
  private async findAmong(
    products: Product[],
    missing: Set<string>,
    stocks: ProductStockReads,
    lookup: ListingLookup,
  ): Promise<SiteError | undefined> {
    let unreadable: SiteError | undefined;
    for (const product of products) {
      if (missing.size === 0) break;
      let read: ProductStocks;
      try {
        read = await stocks.of(product.prdNo);
      } catch (error) {
        unreadable ??= siteFailure(error);
        continue;
      }
      for (const key of [...missing]) {
        const row = matchRow(read, key, product.sellerPrdCd);
        if (!row) continue;
        lookup.found.set(key, toListing(key, row, read.sellerPrdCd || product.sellerPrdCd));
        missing.delete(key);
      }
    }
    return unreadable;
  }

  /**
   * Pages through the seller's products until every pending key is found. Paging is UNCONFIRMED (the guide
   * shows `limit` 10, `start` 7, `end` 17; public clients send a 1-based `start` stepped by `limit`): the first
   * page is asked without `start`, later pages overlap the previous one by a row so that a 0-based `start`
   * loses nothing, and products are told apart by `prdNo`. A short page is the last; so is a page that brings
   * no new product (the API ignored `start`). Ended products (106–108) are read only when the live ones did
   * not hold every key.
   */
  private async sweep(ctx: ConnectionContext, pending: Set<string>, stocks: ProductStockReads, lookup: ListingLookup): Promise<void> {
    const seen = new Set<string>();
    const ended: Product[] = [];
    let unreadable: SiteError | undefined;
    let start: number | undefined;
    for (let page = 1; ; page += 1) {
      if (page > MAX_SEARCH_PAGES) {
        this.logger.warn(`connection ${ctx.connectionId}: 11st product search stopped after ${MAX_SEARCH_PAGES} pages`);
        break;
      }
      let products: Product[];
      try {
        products = await this.searchPage(ctx, start);
      } catch (error) {
        failAll(lookup, pending, siteFailure(error));
        return;
      }
      const fresh = products.filter((product) => !seen.has(product.prdNo));
      for (const product of fresh) seen.add(product.prdNo);
      ended.push(...fresh.filter(isEnded));
      // A product registered under a pending key is most likely where it lives (a product without options).
      const live = fresh
        .filter((product) => !isEnded(product))
        .sort((a, b) => Number(!pending.has(a.sellerPrdCd)) - Number(!pending.has(b.sellerPrdCd)));
      unreadable ??= await this.findAmong(live, pending, stocks, lookup);
      if (pending.size === 0) return;
      if (products.length < SEARCH_PAGE_SIZE || fresh.length === 0) break;
      start = (start ?? 1) + SEARCH_PAGE_SIZE - 1;
    }
    unreadable ??= await this.findAmong(ended, pending, stocks, lookup);
    if (unreadable) failAll(lookup, pending, unreadable);
  }

  /** `sellerprodcode/{code}` (apiSeq 1621): the products registered under a seller product code. */
  private async productsByCode(ctx: ConnectionContext, code: string): Promise<Product[]> {
    const result = await this.client.get(ctx, `prodmarketservice/sellerprodcode/${encodeURIComponent(code)}`, {
      roots: ELEVEN_STREET_ROOTS.products,
    });
    return productsOf(result.document);
  }

  /** One page of `POST prodmarketservice/prodmarket` (apiSeq 1007), every sale status. */
  private async searchPage(ctx: ConnectionContext, start: number | undefined): Promise<Product[]> {
    const body = `<SearchProduct><limit>${SEARCH_PAGE_SIZE}</limit>${start === undefined ? '' : `<start>${start}</start>`}</SearchProduct>`;
    try {
      const result = await this.client.post(ctx, 'prodmarketservice/prodmarket', body, { roots: ELEVEN_STREET_ROOTS.productSearch });
      return productsOf(result.document);
    } catch (error) {
      if (error instanceof SiteRejectedError && NOTHING_FOUND_TEXT.test(error.siteMessage ?? '')) return [];
      throw error;
    }
  }
}

/** Stock reads (`prodmarket/stck/{prdNo}`, apiSeq 1623) of one lookup: each product read once. */
class ProductStockReads {
  private readonly reads = new Map<string, Promise<ProductStocks>>();

  constructor(
    private readonly client: ElevenStreetClient,
    private readonly ctx: ConnectionContext,
  ) {}

  of(prdNo: string): Promise<ProductStocks> {
    let read = this.reads.get(prdNo);
    if (!read) this.reads.set(prdNo, (read = this.read(prdNo)));
    return read;
  }

  private async read(prdNo: string): Promise<ProductStocks> {
    let document: XmlNode;
    try {
      document = (
        await this.client.get(this.ctx, `prodmarketservice/prodmarket/stck/${encodeURIComponent(prdNo)}`, {
          roots: ELEVEN_STREET_ROOTS.stocks,
        })
      ).document;
    } catch (error) {
      // A product listed a moment ago and gone now has no rows (the not-found answer of this read is
      // UNCONFIRMED; 404 is the stock API's own code for it, §7).
      if (error instanceof SiteRejectedError && error.siteCode === '404') return { sellerPrdCd: '', rows: [] };
      throw error;
    }
    const stocks = document.ProductStocks as XmlNode | undefined;
    return {
      sellerPrdCd: cleanText(stocks?.sellerPrdCd),
      rows: listOf(stocks?.ProductStock).map((stock) => ({
        prdNo: cleanText(stock.prdNo) || prdNo,
        prdStckNo: cleanText(stock.prdStckNo),
        sellerStockCd: cleanText(stock.sellerStockCd),
        optWght: cleanText(stock.optWght),
        stckQty: wholeNumber(cleanText(stock.stckQty)),
      })),
    };
  }
}

/**
 * The stored address of a listing, when it is a whole 11st address (numbers where 11st has numbers); anything
 * else is looked up again.
 */
export function stockAddressOf(listing: SiteListing | undefined): ElevenStreetStockAddress | undefined {
  const address = listing?.address;
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '');
  const prdNo = text(address?.prdNo);
  const prdStckNo = text(address?.prdStckNo);
  const optWght = text(address?.optWght);
  if (!/^\d+$/.test(prdNo) || !/^\d+$/.test(prdStckNo) || !/^(\d+(\.\d+)?)?$/.test(optWght)) return undefined;
  return { prdNo, prdStckNo, optWght };
}

function toListing(listingKey: string, row: StockRow, sellerPrdCd: string): SiteListing {
  const address: ElevenStreetStockAddress = { prdNo: row.prdNo, prdStckNo: row.prdStckNo, optWght: row.optWght };
  return { listingKey, productCode: sellerPrdCd || null, address: { ...address }, quantity: row.stckQty };
}

/**
 * The row a key names: the option whose `sellerStockCd` it is, or the one row of a product without options
 * whose `sellerPrdCd` it is (the listing key falls back to the product code, `listingKey()`).
 */
function matchRow(stocks: ProductStocks, key: string, listedProductCode: string): StockRow | undefined {
  const usable = stocks.rows.filter((row) => row.prdStckNo);
  const option = usable.find((row) => row.sellerStockCd === key);
  if (option) return option;
  const productCode = stocks.sellerPrdCd || listedProductCode;
  return productCode === key && usable.length === 1 ? usable[0] : undefined;
}

function productsOf(document: XmlNode): Product[] {
  const products = document.products as XmlNode | undefined;
  return listOf(products?.product)
    .map((product) => ({
      prdNo: cleanText(product.prdNo),
      sellerPrdCd: cleanText(product.sellerPrdCd),
      selStatCd: cleanText(product.selStatCd),
    }))
    .filter((product) => product.prdNo);
}

function liveFirst(products: Product[]): Product[] {
  return [...products].sort((a, b) => Number(isEnded(a)) - Number(isEnded(b)));
}

function isEnded(product: Product): boolean {
  return ENDED_SALE_STATUSES.has(product.selStatCd);
}

function failAll(lookup: ListingLookup, keys: Iterable<string>, failure: SiteError): void {
  for (const key of keys) if (!lookup.found.has(key)) lookup.failed.set(key, failure);
}

/** A site failure is one listing's; refused credentials and our own bugs are everyone's, and propagate. */
function siteFailure(error: unknown): SiteError {
  if (error instanceof SiteAuthError || !(error instanceof SiteError)) throw error;
  return error;
}

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}

function listOf(value: unknown): XmlNode[] {
  if (Array.isArray(value)) return value.filter((item): item is XmlNode => item !== null && typeof item === 'object');
  return value !== null && typeof value === 'object' ? [value as XmlNode] : [];
}

function cleanText(value: unknown): string {
  const text = textOf(value)?.trim() ?? '';
  return text === 'null' ? '' : text;
}
