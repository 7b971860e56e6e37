import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '../common/pagination';
import { IsIn, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { Optional } from '../common/validation';
import { SITE_IDS, type SiteId } from '../connectors/sales-site-connector';
import { MAX_QUANTITY_PER_UNIT } from './bulk/mapping-import';
import { MAX_LISTING_KEY_LENGTH } from './site-codes';

export class CreateSkuMappingDto {
  @ApiProperty({ enum: SITE_IDS })
  @IsIn(SITE_IDS as unknown as string[])
  site: SiteId;

  /** Limit the mapping to one connection of the site; omit for every connection of the site. */
  @Optional()
  @IsUUID()
  connectionId?: string;

  /**
   * The listing on the site: NextEngine 商品コード; Qoo10 販売者オプションコード or 販売者商品コード; 11st セラー在庫コード or
   * 販売者商品コード; Crossmall `itemCode` or `itemCode:attr1,attr2` (exact text, spacing and case kept); Smaregi 商品ID.
   * Surrounding spaces are trimmed except for Crossmall.
   */
  @IsString()
  @Matches(/\S/, { message: 'listingKey must not be blank' })
  @MaxLength(MAX_LISTING_KEY_LENGTH)
  listingKey: string;

  /** A single product or an option (not a product with options). */
  @IsUUID()
  skuId: string;

  /** SKUs per unit sold, e.g. 2 for a 2-pack. */
  @ApiPropertyOptional({ type: 'integer', default: 1, minimum: 1, maximum: MAX_QUANTITY_PER_UNIT })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY_PER_UNIT)
  quantityPerUnit?: number;
}

/** Filters and paging in one class: every query DTO of a route sees the whole query string, so they cannot be split. */
export class ListSkuMappingsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SITE_IDS })
  @Optional()
  @IsIn(SITE_IDS as unknown as string[])
  site?: SiteId;

  /** Mappings limited to this connection (site-wide ones are not included). */
  @Optional()
  @IsUUID()
  connectionId?: string;

  @Optional()
  @IsUUID()
  skuId?: string;

  /** Part of the listing key (case-insensitive). */
  @Optional()
  @IsString()
  @MaxLength(MAX_LISTING_KEY_LENGTH)
  q?: string;
}

export class ExportSkuMappingsQuery {
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], default: 'csv' })
  @Optional()
  @IsIn(['csv', 'xlsx'])
  format?: 'csv' | 'xlsx';

  @ApiPropertyOptional({ enum: SITE_IDS })
  @Optional()
  @IsIn(SITE_IDS as unknown as string[])
  site?: SiteId;

  @Optional()
  @IsUUID()
  connectionId?: string;
}

export class SkuMappingDto {
  id: string;
  @ApiProperty({ enum: SITE_IDS })
  site: SiteId;
  /** null: every connection of the site */
  connectionId: string | null;
  listingKey: string;
  skuId: string;
  skuCode: string;
  quantityPerUnit: number;
  createdAt: Date;
  updatedAt: Date;
}
