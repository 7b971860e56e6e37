import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** Something outside the catalog that still needs a SKU (an order line, a stock level). */
export interface SkuReference {
  skuId: string;
  /** for the seller, e.g. "order 1234-5678" or "stock on hand at warehouse TOKYO" */
  description: string;
}

/**
 * Asked before a SKU is deleted. Modules that hold SKU ids (orders, inventory) implement it so a SKU in use
 * cannot disappear under them.
 */
export interface SkuReferenceCheck {
  /** What references any of `skuIds` (a product is asked together with its options); empty when nothing does. */
  findReferences(tenantId: string, skuIds: readonly string[]): Promise<SkuReference[]>;
}

/**
 * Marks a provider as a {@link SkuReferenceCheck}: `@SkuReferenceCheckProvider() @Injectable() class …`.
 * Discovery collects every marked provider of the app at bootstrap, so modules that sit above the catalog
 * (orders, inventory) can register without the catalog importing them. None are registered by default.
 */
export const SkuReferenceCheckProvider = DiscoveryService.createDecorator<void>();

/** Every registered {@link SkuReferenceCheck}. */
@Injectable()
export class SkuReferenceChecks implements OnApplicationBootstrap {
  private readonly checks = new Set<SkuReferenceCheck>();

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: SkuReferenceCheckProvider.KEY })) {
      if (wrapper.instance) this.register(wrapper.instance as SkuReferenceCheck);
    }
  }

  /** Adds a check at run time (for code that is not a Nest provider); returns a function that removes it. */
  register(check: SkuReferenceCheck): () => void {
    this.checks.add(check);
    return () => this.checks.delete(check);
  }

  async findReferences(tenantId: string, skuIds: readonly string[]): Promise<SkuReference[]> {
    const answers = await Promise.all([...this.checks].map((check) => check.findReferences(tenantId, skuIds)));
    return answers.flat();
  }
}
