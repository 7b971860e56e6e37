import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, IsUUID, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { Optional } from '../common/validation';

export const RECONCILIATION_MAX_PAGE = 200;

/** A page of the reconciliation continues after a listing key: the cursor is that key, as this API wrote it. */
export function encodeListingCursor(listingKey: string): string {
  return Buffer.from(JSON.stringify({ after: listingKey })).toString('base64url');
}

/** The listing key a cursor continues after; null when it is not a cursor this API issued. */
export function decodeListingCursor(cursor: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown } | null;
    const after = parsed?.after;
    if (typeof after === 'string' && after.length > 0 && after.length <= 500 && !after.includes('\u0000')) return after;
  } catch {
    // not JSON: not ours
  }
  return null;
}

/** Validated with the other fields, so one answer names every field that is wrong. */
function IsListingCursor(): PropertyDecorator {
  return ValidateBy({
    name: 'isListingCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeListingCursor(value) !== null,
      defaultMessage: () => 'cursor is not a cursor this API issued',
    },
  });
}

export class ReconciliationQuery {
  /** the connection whose listings are compared */
  @IsUUID()
  connectionId: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: RECONCILIATION_MAX_PAGE, default: 50 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(RECONCILIATION_MAX_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's `nextCursor`." })
  @Optional()
  @IsString()
  @MaxLength(1000)
  @IsListingCursor()
  cursor?: string;
}

export class StartReconciliationDto {
  @IsUUID()
  connectionId: string;
}

export class ListingComparisonDto {
  listingKey: string;
  skuId: string;
  /** SKU units per listing unit (a 2-pack is 2) */
  quantityPerUnit: number;
  /** what the site shows now; null when it does not have the listing or could not be read */
  @ApiProperty({ type: 'integer', nullable: true })
  siteQuantity: number | null;
  /** absolute sites: what the next push sends (sellable stock, in listing units); relative sites: on-hand listing units */
  expectedQuantity: number;
  /** siteQuantity − expectedQuantity; null when the site's side is unknown */
  @ApiProperty({ type: 'integer', nullable: true })
  difference: number | null;
  @ApiProperty({ enum: ['match', 'different', 'missing_on_site', 'unreadable'] })
  state: 'match' | 'different' | 'missing_on_site' | 'unreadable';
  /** why the site's side is unknown */
  @ApiProperty({ type: 'string', nullable: true })
  error: string | null;
}

export class ReconciliationFindingDto {
  listingKey: string;
  @ApiProperty({ type: 'integer', nullable: true })
  siteQuantity: number | null;
  expectedQuantity: number;
  @ApiProperty({ type: 'integer', nullable: true })
  difference: number | null;
  /** corrected: pushed again (absolute sites with stock sync); reported: left to the seller (relative sites, or sync off) */
  @ApiProperty({ enum: ['corrected', 'reported', 'unreadable'] })
  action: 'corrected' | 'reported' | 'unreadable';
  @ApiProperty({ type: 'string', nullable: true })
  error: string | null;
}

export class ReconciliationRunDto {
  startedAt: Date;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  finishedAt: Date | null;
  /** listings compared */
  listings: number;
  differences: number;
  corrected: number;
  /** why the run could not read the site */
  @ApiProperty({ type: 'string', nullable: true })
  error: string | null;
  /** the listings that run found different or could not read */
  @ApiProperty({ type: [ReconciliationFindingDto] })
  findings: ReconciliationFindingDto[];
}

export class ReconciliationReportDto {
  connectionId: string;
  /** how the site takes stock */
  @ApiProperty({ enum: ['absolute', 'relative'] })
  mode: 'absolute' | 'relative';
  /** when the site was read for this page */
  checkedAt: Date;
  @ApiProperty({ type: [ListingComparisonDto] })
  data: ListingComparisonDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Cursor of the next page; null on the last page.' })
  nextCursor: string | null;
  /** the last scheduled (or requested) reconciliation of this connection; null when none ran yet */
  @ApiProperty({ type: ReconciliationRunDto, nullable: true })
  lastRun: ReconciliationRunDto | null;
}

export class ReconciliationSummaryDto {
  connectionId: string;
  listings: number;
  differences: number;
  corrected: number;
  @ApiProperty({ type: 'string', nullable: true })
  error: string | null;
}
