import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Optional } from '../common/validation';
import { SITE_IDS, type SiteId } from '../connectors/sales-site-connector';

export class UnmappedListingDto {
  @ApiProperty({ enum: SITE_IDS })
  site: SiteId;
  listingKey: string;
  productCode: string;
  optionCode: string | null;
  /** a product name seen on an order, to recognise the listing */
  productName: string;
  /** orders held until this listing maps to a SKU */
  waitingOrders: number;
  firstSeenAt: Date;
}

export class UnmappedQuery {
  @ApiPropertyOptional({ enum: SITE_IDS })
  @Optional()
  @IsIn(SITE_IDS as unknown as string[])
  site?: SiteId;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class UnmappedListDto {
  data: UnmappedListingDto[];
}
