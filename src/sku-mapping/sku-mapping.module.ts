import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectionsModule } from '../connections/connections.module';
import { Sku } from './sku.entity';
import { SkuImportService } from './sku-import.service';
import { SkuMapping } from './sku-mapping.entity';
import { SkuMappingFilesService } from './sku-mapping-files.service';
import { SkuMappingsController } from './sku-mappings.controller';
import { SkuMappingsService } from './sku-mappings.service';
import { SkuReferenceChecks } from './sku-reference-check';
import { SkuResolver } from './sku-resolver';
import { SkusController } from './skus.controller';
import { SkusService } from './skus.service';
import { UnmappedListings } from './unmapped-listings';

/**
 * SKUs, listing → SKU mappings, line resolution, and bulk files. Other modules use `SkuResolver`,
 * subscribe to `catalog.changed` on the EventBus, and guard SKU deletion with a `SkuReferenceCheck`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Sku, SkuMapping]), ConnectionsModule, DiscoveryModule],
  controllers: [SkusController, SkuMappingsController],
  providers: [SkusService, SkuImportService, SkuMappingsService, SkuMappingFilesService, SkuResolver, SkuReferenceChecks, UnmappedListings],
  exports: [SkusService, SkuResolver, SkuReferenceChecks],
})
export class SkuMappingModule {}
