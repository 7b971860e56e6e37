import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Capability, SiteCalls } from '../connections/site-calls';
import type { SiteListing } from '../connectors/sales-site-connector';
import type { ListingRef } from '../connectors/site-ports';
import { InventoryTimings } from './inventory-timings';

/**
 * Where each listing lives on its site (`site_listings`, DESIGN §6): the address a stock push needs (11st
 * `prdStckNo` per option, Qoo10 item and option rows, Crossmall item + attributes), read from the site's own
 * product and stock API and kept, so that a push after a restart, on another instance, or for a listing never
 * ordered needs no lookup. An address older than a day is read again before use; one the site says is gone is
 * forgotten and read again on the next push. Inventory is the only writer.
 */
@Injectable()
export class SiteListings {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly siteCalls: SiteCalls,
    private readonly timings: InventoryTimings,
  ) {}

  /**
   * The addresses of these listings: stored ones while fresh, the rest read from the site (and stored). `absent`: the
   * keys the site was asked for and does not have. On a site that cannot be asked (no directory), both are empty and
   * the connector finds the listing itself. Throws when the site could not be read.
   */
  async addresses(
    connection: { id: string; tenantId: string; site: string },
    refs: readonly ListingRef[],
  ): Promise<{ found: Map<string, SiteListing>; absent: Set<string> }> {
    if (!refs.length || !this.siteCalls.provides(connection.site, Capability.ListingDirectory)) return { found: new Map(), absent: new Set() };
    const stored = await this.stored(connection.id, refs.map((ref) => ref.listingKey), this.timings.listingRefreshAfterMs);
    const missing = refs.filter((ref) => !stored.has(ref.listingKey));
    if (!missing.length) return { found: stored, absent: new Set() };
    const read = await this.read(connection, missing);
    return {
      found: new Map([...stored, ...read]),
      absent: new Set(missing.map((ref) => ref.listingKey).filter((key) => !read.has(key))),
    };
  }

  /** Reads the listings from the site now (what they show, and where they live) and stores what it found. */
  async read(connection: { id: string; tenantId: string }, refs: readonly ListingRef[]): Promise<Map<string, SiteListing>> {
    const found = await this.siteCalls.run(connection.id, Capability.ListingDirectory, (directory, ctx) => directory.readListings(ctx, refs));
    await this.store(connection, [...found.values()]);
    return found;
  }

  /** Keeps listings a connector found on its own while pushing. */
  async store(connection: { id: string; tenantId: string }, listings: readonly SiteListing[]): Promise<void> {
    if (!listings.length) return;
    await this.db.query(
      `INSERT INTO site_listings (tenant_id, connection_id, listing_key, product_code, address, site_quantity, read_at)
       SELECT $1, $2, r.listing_key, r.product_code, r.address, r.quantity, now()
         FROM unnest($3::text[], $4::text[], $5::jsonb[], $6::int[]) AS r(listing_key, product_code, address, quantity)
       ON CONFLICT (connection_id, listing_key) DO UPDATE SET
         product_code = COALESCE(EXCLUDED.product_code, site_listings.product_code),
         address = EXCLUDED.address, site_quantity = EXCLUDED.site_quantity, read_at = EXCLUDED.read_at`,
      [
        connection.tenantId,
        connection.id,
        listings.map((listing) => listing.listingKey),
        listings.map((listing) => listing.productCode ?? null),
        listings.map((listing) => JSON.stringify(listing.address)),
        listings.map((listing) => (Number.isInteger(listing.quantity) ? listing.quantity : null)),
      ],
    );
  }

  /** The site says these addresses no longer exist: the next push reads them again. */
  async forget(connectionId: string, listingKeys: readonly string[]): Promise<void> {
    if (listingKeys.length)
      await this.db.query(`DELETE FROM site_listings WHERE connection_id = $1 AND listing_key = ANY($2::text[])`, [connectionId, [...listingKeys]]);
  }

  private async stored(connectionId: string, listingKeys: readonly string[], maxAgeMs: number): Promise<Map<string, SiteListing>> {
    const rows: { listing_key: string; product_code: string | null; address: Record<string, unknown>; site_quantity: number | null }[] =
      await this.db.query(
        `SELECT listing_key, product_code, address, site_quantity FROM site_listings
          WHERE connection_id = $1 AND listing_key = ANY($2::text[]) AND read_at > now() - make_interval(secs => $3)`,
        [connectionId, [...listingKeys], maxAgeMs / 1000],
      );
    return new Map(
      rows.map((row) => [
        row.listing_key,
        { listingKey: row.listing_key, productCode: row.product_code, address: row.address, quantity: row.site_quantity },
      ]),
    );
  }
}
