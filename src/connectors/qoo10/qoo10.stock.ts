import { SiteAuthError, SiteError, SiteRejectedError } from '../http/site-errors';
import type { ConnectionContext, ItemResult, StockUpdate } from '../sales-site-connector';
import { itemFailure } from '../shared/item-outcome';
import type { Qoo10Client } from './qoo10.client';
import {
  ITEM_NOT_FOUND,
  optionProductCode,
  qoo10Address,
  type FoundListing,
  type Qoo10ItemDetail,
  type Qoo10ListingAddress,
  type Qoo10Listings,
} from './qoo10.listings';

/** "Processing Error - [Error Message]" of the item writes: what went wrong is only in the text (spec §2). */
const PROCESSING_ERROR = '-10101';

/**
 * Absolute quantities to Qoo10 (spec §7): an item without options by `ItemsOrder.SetGoodsPriceQty`, an option row
 * by `ItemsOptions.UpdateInventoryQtyUnit`, each addressed by the stored listing (`StockUpdate.listing`) or, when
 * there is none, by the listing looked up first (and handed back in `ItemResult.listing` to be stored). An address
 * Qoo10 says is gone comes back as `listing: null`, retryable, so the next push looks it up again.
 */
export class Qoo10StockPush {
  constructor(
    private readonly client: Qoo10Client,
    private readonly listings: Qoo10Listings,
  ) {}

  async pushStock(ctx: ConnectionContext, levels: StockUpdate[]): Promise<ItemResult[]> {
    const unaddressed = levels.filter((level) => isQuantity(level.quantity) && !qoo10Address(level.listing));
    let found = new Map<string, FoundListing>();
    let lookupFailure: unknown;
    if (unaddressed.length) {
      try {
        found = await this.listings.find(
          ctx,
          unaddressed.map((level) => ({ listingKey: level.listingKey, productCode: level.productCode ?? null })),
        );
      } catch (error) {
        lookupFailure = error;
      }
    }

    const results: ItemResult[] = [];
    for (const level of levels) {
      const key = level.listingKey;
      const quantity = level.quantity;
      const stored = qoo10Address(level.listing);
      if (!isQuantity(quantity)) {
        results.push({ key, ok: false, retryable: false, message: 'Qoo10 takes an absolute, non-negative whole quantity' });
      } else if (stored) {
        results.push(await this.push(ctx, key, quantity, stored));
      } else if (lookupFailure !== undefined) {
        results.push(itemFailure(key, lookupFailure));
      } else {
        results.push(await this.pushFound(ctx, level, quantity, found.get(key)));
      }
    }
    return results;
  }

  /** A push to a listing looked up just now: the result carries the listing, to be stored for the next push. */
  private async pushFound(
    ctx: ConnectionContext,
    level: StockUpdate,
    quantity: number,
    found: FoundListing | undefined,
  ): Promise<ItemResult> {
    const key = level.listingKey;
    const address = qoo10Address(found?.listing);
    if (!found || !address) {
      const productCode = optionProductCode(level);
      return {
        key,
        ok: false,
        retryable: false,
        message: productCode
          ? `Qoo10 has no option row with code ${key} under the item with seller code ${productCode}`
          : `Qoo10 has neither an item without options whose seller code is ${key} nor an option row with that code`,
      };
    }
    const result = await this.push(ctx, key, quantity, address, found.detail);
    if (result.listing === null) return result;
    return { ...result, listing: { ...found.listing, quantity: result.ok ? quantity : found.listing.quantity } };
  }

  private async push(
    ctx: ConnectionContext,
    key: string,
    quantity: number,
    address: Qoo10ListingAddress,
    detail?: Qoo10ItemDetail,
  ): Promise<ItemResult> {
    try {
      if (address.optionCode) {
        await this.client.call(ctx, 'ItemsOptions.UpdateInventoryQtyUnit', {
          ItemCode: address.itemCode,
          ...(address.sellerCode ? { SellerCode: address.sellerCode } : {}),
          OptionName: address.optionName!,
          OptionValue: address.optionValue!,
          OptionCode: address.optionCode,
          Qty: String(quantity),
        });
        return { key, ok: true };
      }
      return await this.setItemQuantity(ctx, key, quantity, address, detail);
    } catch (error) {
      const failure = itemFailure(key, error);
      return (await this.addressGone(ctx, address, error)) ? gone(failure) : failure;
    }
  }

  /**
   * `SetGoodsPriceQty` with the item's detail read just before (here, or by the lookup of this same push): Qoo10 sets
   * the expiry one year ahead when ExpireDate is left out (spec §7), so the listing's own goes back; Price and
   * TaxRate go back as they are, in the forms the call takes, so that a price the seller changed in QSM meanwhile is
   * never undone by a stored one.
   */
  private async setItemQuantity(
    ctx: ConnectionContext,
    key: string,
    quantity: number,
    address: Qoo10ListingAddress,
    detail?: Qoo10ItemDetail,
  ): Promise<ItemResult> {
    const current = detail ?? (await this.listings.details(ctx, { itemCode: address.itemCode, sellerCode: address.sellerCode }))[0];
    // Qoo10 may find the item by ItemCode alone: one whose seller code changed no longer carries this listing.
    if (!current || (address.sellerCode && current.sellerCode && current.sellerCode !== address.sellerCode)) {
      return gone({
        key,
        ok: false,
        message: `Qoo10 no longer has item ${address.itemCode} with seller code ${address.sellerCode ?? key}`,
      });
    }
    if (!current.expireDate) {
      return {
        key,
        ok: false,
        retryable: false,
        message: `Qoo10 did not report the expiry date of item ${current.itemCode}; its quantity was not updated, so as not to reset the expiry`,
      };
    }
    const sellerCode = current.sellerCode ?? address.sellerCode;
    await this.client.call(ctx, 'ItemsOrder.SetGoodsPriceQty', {
      ItemCode: current.itemCode,
      ...(sellerCode ? { SellerCode: sellerCode } : {}),
      ...(current.price ? { Price: current.price } : {}),
      ...(current.taxRate ? { TaxRate: current.taxRate } : {}),
      Qty: String(quantity),
      ExpireDate: current.expireDate,
    });
    return { key, ok: true };
  }

  /**
   * Whether a refused write means the address no longer exists: the item is unknown (-10001), or — the processing
   * error (-10101) says why only in words — the item now reads without that option row, or an item pushed as one
   * without options has option rows now. A read that fails leaves the original failure standing.
   */
  private async addressGone(ctx: ConnectionContext, address: Qoo10ListingAddress, error: unknown): Promise<boolean> {
    if (!(error instanceof SiteRejectedError)) return false;
    if (error.siteCode === ITEM_NOT_FOUND) return true;
    if (error.siteCode !== PROCESSING_ERROR) return false;
    let rows;
    try {
      rows = await this.listings.optionRows(ctx, address.itemCode);
    } catch (readError) {
      if (readError instanceof SiteAuthError || !(readError instanceof SiteError)) throw readError;
      return false;
    }
    if (rows === undefined) return true;
    if (!address.optionCode) return rows.length > 0;
    return !rows.some(
      (row) => row.optionName === address.optionName && row.optionValue === address.optionValue && row.optionCode === address.optionCode,
    );
  }
}

function gone(failure: ItemResult): ItemResult {
  return { ...failure, retryable: true, listing: null };
}

function isQuantity(quantity: number | undefined): quantity is number {
  return quantity !== undefined && Number.isInteger(quantity) && quantity >= 0;
}
