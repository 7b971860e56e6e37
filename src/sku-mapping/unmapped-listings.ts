import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { UnmappedListingDto, UnmappedQuery } from './unmapped-listings.dto';

/** Where unmapped listings are seen: order lines, which live in a module above the catalog. */
export interface UnmappedListingsSource {
  unmapped(tenantId: string, query: UnmappedQuery): Promise<UnmappedListingDto[]>;
}

/**
 * Marks the provider that answers `GET /v1/sku-mappings/unmapped`. Discovered at bootstrap, so the
 * catalog serves the route (declared before `/{id}`, whatever the module order) without importing Orders.
 */
export const UnmappedListingsSourceProvider = DiscoveryService.createDecorator<void>();

@Injectable()
export class UnmappedListings implements OnApplicationBootstrap {
  private source: UnmappedListingsSource | null = null;

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const [found] = this.discovery.getProviders({ metadataKey: UnmappedListingsSourceProvider.KEY });
    this.source = (found?.instance as UnmappedListingsSource | undefined) ?? null;
  }

  /** Empty until a module that holds order lines is part of the app. */
  list(tenantId: string, query: UnmappedQuery): Promise<UnmappedListingDto[]> {
    return this.source ? this.source.unmapped(tenantId, query) : Promise.resolve([]);
  }
}
