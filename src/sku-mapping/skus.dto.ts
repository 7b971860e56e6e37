import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '../common/pagination';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Optional } from '../common/validation';
import { JAN_PATTERN, MAX_CODE_LENGTH, MAX_NAME_LENGTH } from './site-codes';

const NOT_BLANK = /\S/;
const JAN_MESSAGE = { message: 'jan must be 8 or 13 digits' };

export class SkuOptionInputDto {
  /** The option's seller-defined code (unique across all SKUs of the tenant), e.g. `TSHIRT-RED-M`. */
  @IsString()
  @Matches(NOT_BLANK, { message: 'code must not be blank' })
  @MaxLength(MAX_CODE_LENGTH)
  code: string;

  /** The option label, e.g. `Red / M`. */
  @IsString()
  @Matches(NOT_BLANK, { message: 'optionName must not be blank' })
  @MaxLength(MAX_NAME_LENGTH)
  optionName: string;

  /** Defaults to the product's name. */
  @Optional()
  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(MAX_NAME_LENGTH)
  name?: string;

  /** JAN code, 8 or 13 digits. */
  @Optional()
  @Matches(JAN_PATTERN, JAN_MESSAGE)
  jan?: string;
}

export class CreateSkuDto {
  /** The seller-defined code, unique per tenant across products and options. Surrounding spaces are trimmed. */
  @IsString()
  @Matches(NOT_BLANK, { message: 'code must not be blank' })
  @MaxLength(MAX_CODE_LENGTH)
  code: string;

  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(MAX_NAME_LENGTH)
  name: string;

  /** JAN code, 8 or 13 digits. */
  @Optional()
  @Matches(JAN_PATTERN, JAN_MESSAGE)
  jan?: string;

  /** For an option SKU: its label, e.g. `Red / M`. */
  @Optional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  optionName?: string;

  /** Create this SKU as an option of an existing product (a SKU that is not itself an option). */
  @Optional()
  @IsUUID()
  parentId?: string;

  /** Create a product with these option SKUs (not together with `parentId`). */
  @Optional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => SkuOptionInputDto)
  options?: SkuOptionInputDto[];
}

export class UpdateSkuDto {
  /** A new code; an option's product code changes its options' `sellerManagementCode` with it. */
  @Optional()
  @IsString()
  @Matches(NOT_BLANK, { message: 'code must not be blank' })
  @MaxLength(MAX_CODE_LENGTH)
  code?: string;

  @Optional()
  @IsString()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  @MaxLength(MAX_NAME_LENGTH)
  name?: string;

  /** 8 or 13 digits; null removes it. */
  @ApiPropertyOptional({ type: String, nullable: true, pattern: JAN_PATTERN.source })
  @Optional({ nullable: true })
  @Matches(JAN_PATTERN, JAN_MESSAGE)
  jan?: string | null;

  /** null removes it. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: MAX_NAME_LENGTH })
  @Optional({ nullable: true })
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  optionName?: string | null;
}

/** Filters and paging in one class: every query DTO of a route sees the whole query string, so they cannot be split. */
export class ListSkusQuery extends PageQuery {
  /** Part of the code or name (case-insensitive). */
  @Optional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  q?: string;

  /** Only the options of this product. */
  @Optional()
  @IsUUID()
  parentId?: string;

  /** Only the SKUs of this product group (the product and its options). */
  @Optional()
  @IsString()
  @MaxLength(MAX_CODE_LENGTH)
  sellerManagementCode?: string;
}

export class SkuDto {
  id: string;
  code: string;
  name: string;
  optionName: string | null;
  jan: string | null;
  /** the product this option belongs to; null for products */
  parentId: string | null;
  /** the product code that groups options: a product's own code, an option's product code */
  sellerManagementCode: string;
  /** a product's options (on create and on `GET /v1/skus/{id}`; absent in lists) */
  @ApiPropertyOptional({ type: () => [SkuDto] })
  options?: SkuDto[];
  createdAt: Date;
  updatedAt: Date;
}

export class ImportResultDto {
  /** data rows read from the file */
  rows: number;
  /** records created (SKUs also count products created from their options' management code) */
  created: number;
  updated: number;
  /** records already exactly as in the file */
  unchanged: number;
}

/** The multipart body of an import. */
export class ImportFileDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'CSV (UTF-8, with or without BOM, or Shift_JIS) or XLSX' })
  file: unknown;
}
