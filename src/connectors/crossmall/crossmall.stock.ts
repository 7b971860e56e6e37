import { Logger } from '@nestjs/common';

import { SiteRejectedError } from '../http/site-errors';
import type { ConnectionContext, ItemResult, SiteListing, StockUpdate } from '../sales-site-connector';
import type { ListingRef } from '../site-ports';
import { type ItemOutcome, itemOutcome } from '../shared/item-outcome';
import type { CrossmallClient, CrossmallParams } from './crossmall.client';
import { CROSSMALL_DEFAULTS, CROSSMALL_SETTINGS } from './crossmall.descriptor';
import { type CrossmallRow, crossmallListingKey, rowText } from './crossmall.mapper';

/** Where a SKU lives in CROSS MALL (§4.5, §4.6): its item code and attribute names, exact text. */
export interface CrossmallAddress {
  itemCode: string;
  attribute1Name: string;
  attribute2Name: string;
}

/**
 * CROSS MALL stock by listing key (`item_code`, `item_code:attr1`, `item_code:attr1,attr2`, see
 * `CrossmallConnector.listingKey`): read with `get_stock` by item code, written with `upd_stock`.
 *
 * Rows are matched by the key they make, never by splitting a key: an attribute name may hold a comma, while
 * a 商品コード may not hold a colon (半角英数 and `-` only, support.crossmall.jp 標準商品情報の項目一覧), so
 * the item code is always the text before the first colon.
 */
export class CrossmallStock {
  private readonly logger = new Logger(CrossmallStock.name);

  constructor(private readonly client: CrossmallClient) {}

  /**
   * One `get_stock?item_code=` per distinct item code (the call has no row limit and lists every SKU of the
   * item); a key no row makes is absent. Whether CROSS MALL answers an item code it does not know with zero
   * rows or with `GetStatus=error` is UNCONFIRMED (§3): an error with the site's message makes that item's
   * keys absent (logged), since one unknown item must not stop the others; a transport failure, an answer
   * with no status, or refused credentials throw.
   */
  async readListings(ctx: ConnectionContext, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>> {
    const stock = new StockReads(this.client, ctx);
    const found = new Map<string, SiteListing>();
    for (const { listingKey } of refs) {
      const itemCode = itemCodeOf(listingKey);
      if (itemCode === '') continue;
      let rows: CrossmallRow[];
      try {
        rows = await stock.rows(itemCode);
      } catch (error) {
        if (!isSiteAnswerAboutItem(error)) throw error;
        this.logger.warn(`CROSS MALL get_stock refused item code "${itemCode}"; its listings are taken as absent: ${error.message}`);
        continue;
      }
      const row = rows.find((candidate) => keyOfRow(candidate, itemCode) === listingKey);
      if (row) found.set(listingKey, listingOf(listingKey, row, itemCode));
    }
    return found;
  }

  /**
   * Absolute quantities through `upd_stock` (mode `u`, overwrite). The address is the stored listing's when
   * the update carries one, else found by `get_stock` on the key's item code and returned on the result for
   * the core to store. A stored address whose update is refused is checked with `get_stock`: when CROSS MALL
   * no longer lists it, the result says `listing: null` and is retryable (the next push looks it up again).
   *
   * The parameter names of upd_stock are UNCONFIRMED (§4.5): the quantity and mode names are settings, and
   * every update is read back with get_stock (once per item code), so a name the site ignores is reported
   * instead of passing silently.
   */
  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const upd = updStock(ctx);
    const stock = new StockReads(this.client, ctx);
    const results: ItemResult[] = [];
    const written: Array<{ index: number; address: CrossmallAddress; quantity: number }> = [];

    for (const level of levels) {
      const key = level.listingKey;
      const quantity = level.quantity;
      if (quantity === undefined || !Number.isInteger(quantity) || quantity < 0 || itemCodeOf(key) === '') {
        results.push({
          key,
          ok: false,
          message: 'CROSS MALL takes an absolute stock quantity (a whole number ≥ 0) for an item code',
          retryable: false,
        });
        continue;
      }
      const stored = storedAddress(level.listing);
      let found: SiteListing | undefined;
      let address: CrossmallAddress;
      if (stored) {
        address = stored;
      } else {
        const lookup = await this.lookUp(stock, key);
        if ('failure' in lookup) {
          results.push({ key, ...lookup.failure });
          continue;
        }
        ({ listing: found, address } = lookup);
      }
      let outcome = await itemOutcome(() => this.client.get(ctx, 'upd_stock', upd.params(address, quantity)));
      if (!outcome.ok && !outcome.retryable && stored) outcome = await this.unlessGone(stock, stored, outcome);
      // Once written, what the site shows is known only from the read-back below.
      if (found && outcome.ok) found = { ...found, quantity: null };
      results.push({ key, ...outcome, ...(found ? { listing: found } : {}) });
      if (outcome.ok) written.push({ index: results.length - 1, address, quantity });
    }

    for (const write of written) {
      const now = await stock.reread(write.address.itemCode);
      const row = now?.find((candidate) => keyOfRow(candidate, write.address.itemCode) === addressKey(write.address));
      // A failed read-back, or one that does not list the SKU, proves nothing either way: the site said success.
      if (row === undefined) continue;
      const result = results[write.index];
      const shown = quantityOf(row);
      if (result.listing) result.listing = { ...result.listing, quantity: shown };
      if (shown !== write.quantity) {
        results[write.index] = {
          key: result.key,
          ok: false,
          message: `CROSS MALL answered success but its stock reads ${row.stock ?? '?'} instead of ${write.quantity}: the upd_stock parameter names (${upd.names}) may be wrong for this account`,
          retryable: false,
          ...(result.listing ? { listing: result.listing } : {}),
        };
      }
    }
    return results;
  }

  /** The listing a key names, from get_stock; a failure when the site cannot be asked or lists no such SKU. */
  private async lookUp(
    stock: StockReads,
    key: string,
  ): Promise<{ listing: SiteListing; address: CrossmallAddress } | { failure: ItemOutcome }> {
    const itemCode = itemCodeOf(key);
    let row: CrossmallRow | undefined;
    const read = await itemOutcome(async () => {
      row = (await stock.rows(itemCode)).find((candidate) => keyOfRow(candidate, itemCode) === key);
    });
    if (!read.ok) return { failure: read };
    if (!row) {
      return {
        failure: {
          ok: false,
          message: `CROSS MALL has no SKU "${key}" (item code and attribute names must match exactly)`,
          retryable: false,
        },
      };
    }
    return { listing: listingOf(key, row, itemCode), address: addressOfRow(row, itemCode) };
  }

  /**
   * A refused update to a stored address: when get_stock no longer lists that SKU the address is gone, so the
   * result forgets it and may be retried; otherwise (listed, or unreadable) the refusal stands as it is. The
   * site's words for "no such SKU" are UNCONFIRMED, hence the read instead of matching them.
   */
  private async unlessGone(stock: StockReads, address: CrossmallAddress, refusal: ItemOutcome): Promise<ItemOutcome> {
    const rows = await stock.current(address.itemCode);
    if (rows === undefined || rows.some((row) => keyOfRow(row, address.itemCode) === addressKey(address))) return refusal;
    return {
      ...refusal,
      message: `CROSS MALL no longer has SKU "${addressKey(address)}" (${refusal.message ?? 'upd_stock refused'}); it will be looked up again`,
      retryable: true,
      listing: null,
    };
  }
}

/** get_stock rows by item code, read at most once per push (and once more, fresh, for the read-back). */
class StockReads {
  private readonly first = new Map<string, Promise<CrossmallRow[]>>();
  private readonly fresh = new Map<string, Promise<CrossmallRow[] | undefined>>();

  constructor(
    private readonly client: CrossmallClient,
    private readonly ctx: ConnectionContext,
  ) {}

  rows(itemCode: string): Promise<CrossmallRow[]> {
    let rows = this.first.get(itemCode);
    if (!rows) this.first.set(itemCode, (rows = this.read(itemCode)));
    return rows;
  }

  /** Once every write is made: read again, once per item code; undefined when the read failed. */
  reread(itemCode: string): Promise<CrossmallRow[] | undefined> {
    let rows = this.fresh.get(itemCode);
    if (!rows) this.fresh.set(itemCode, (rows = this.current(itemCode)));
    return rows;
  }

  /** A read now, never shared with another; undefined when it failed. */
  current(itemCode: string): Promise<CrossmallRow[] | undefined> {
    return this.read(itemCode).catch(() => undefined);
  }

  private async read(itemCode: string): Promise<CrossmallRow[]> {
    return (await this.client.get(this.ctx, 'get_stock', [['item_code', itemCode]])).rows.map(rowText);
  }
}

/** The upd_stock query for an address and a quantity, with the parameter names this connection uses. */
function updStock(ctx: ConnectionContext): { names: string; params(address: CrossmallAddress, quantity: number): CrossmallParams } {
  const quantityParam = setting(ctx, CROSSMALL_SETTINGS.stockQuantityParam, CROSSMALL_DEFAULTS.stockQuantityParam);
  const modeParam = setting(ctx, CROSSMALL_SETTINGS.stockModeParam, CROSSMALL_DEFAULTS.stockModeParam);
  return {
    names: `${quantityParam}, ${modeParam}`,
    params(address, quantity) {
      const params: [string, string][] = [['item_code', address.itemCode]];
      if (address.attribute1Name !== '' || address.attribute2Name !== '') params.push(['attribute1_name', address.attribute1Name]);
      if (address.attribute2Name !== '') params.push(['attribute2_name', address.attribute2Name]);
      params.push([quantityParam, String(quantity)], [modeParam, 'u']);
      return params;
    },
  };
}

function itemCodeOf(listingKey: string): string {
  const separator = listingKey.indexOf(':');
  return separator < 0 ? listingKey : listingKey.slice(0, separator);
}

function addressKey(address: CrossmallAddress): string {
  return crossmallListingKey(address.itemCode, address.attribute1Name, address.attribute2Name);
}

function addressOfRow(row: CrossmallRow, itemCode: string): CrossmallAddress {
  // §4.5: the spec-derived sample names the item `item_code`, production code reads `item_cd`.
  return {
    itemCode: row.item_code ?? row.item_cd ?? itemCode,
    attribute1Name: row.attribute1_name ?? '',
    attribute2Name: row.attribute2_name ?? '',
  };
}

function keyOfRow(row: CrossmallRow, itemCode: string): string {
  return addressKey(addressOfRow(row, itemCode));
}

function listingOf(listingKey: string, row: CrossmallRow, itemCode: string): SiteListing {
  const address = addressOfRow(row, itemCode);
  return { listingKey, productCode: address.itemCode, address: { ...address }, quantity: quantityOf(row) };
}

function quantityOf(row: CrossmallRow): number | null {
  const text = row.stock?.trim() ?? '';
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

/** A stored address as this connector wrote it; anything else (absent, another shape) is looked up again. */
function storedAddress(listing: SiteListing | undefined): CrossmallAddress | undefined {
  const address = listing?.address;
  if (!address || typeof address.itemCode !== 'string' || address.itemCode === '') return undefined;
  const attribute1Name = address.attribute1Name ?? '';
  const attribute2Name = address.attribute2Name ?? '';
  if (typeof attribute1Name !== 'string' || typeof attribute2Name !== 'string') return undefined;
  return { itemCode: address.itemCode, attribute1Name, attribute2Name };
}

/** CROSS MALL refused the call in its own words (`GetStatus=error` + `Message`), not a transport or HTTP failure. */
function isSiteAnswerAboutItem(error: unknown): error is SiteRejectedError {
  return error instanceof SiteRejectedError && error.siteMessage !== undefined;
}

function setting(ctx: ConnectionContext, name: string, fallback: string): string {
  const value = ctx.settings[name];
  return typeof value === 'string' && value.trim() !== '' ? value : fallback;
}
