import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsObject,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Optional } from '../common/validation';
import { PageQuery } from '../common/pagination';
import { ID_MATCHINGS, type IdMatching, STOCK_MASTERS, type StockMaster } from './stock-link.entity';

/** Importing NextEngine orders into Smaregi as shipments (Retail Business plan). */
export class ShipmentSettingsDto {
  @IsBoolean()
  enabled: boolean;

  /** Smaregi contract id (契約ID) the shipments are registered in. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  contractId: string;

  /** The store (店舗ID) the shipped stock leaves from. */
  @ApiProperty({ pattern: '^[0-9]{1,15}$', example: '1' })
  @Matches(/^[0-9]{1,15}$/, { message: 'storeId must be 1 to 15 digits' })
  storeId: string;

  /** Retail Business access token; stored encrypted, shown masked. Optional on update when one is stored. */
  @Optional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  accessToken?: string;
}

export class CreateStockLinkDto {
  @IsUUID()
  smaregiConnectionId: string;

  @IsUUID()
  nextengineConnectionId: string;

  /** Which side is the master: `smaregi` (every Smaregi change reaches NE) or `nextengine` (Smaregi sends its sales deltas). */
  @ApiProperty({ enum: STOCK_MASTERS })
  @IsIn(STOCK_MASTERS as unknown as string[])
  stockMaster: StockMaster;

  /** How Smaregi product ids become NextEngine goods codes: an uploaded CSV map (`csv`) or the JAN (`jan`). */
  @ApiProperty({ enum: ID_MATCHINGS })
  @IsIn(ID_MATCHINGS as unknown as string[])
  idMatching: IdMatching;

  /** Forward only this Smaregi store's (or warehouse's) changes; omit (or, on update, `null`) to forward every store's, transfers netting to zero. */
  @ApiPropertyOptional({ type: String, nullable: true, pattern: '^[0-9]{1,15}$', example: '1' })
  @Optional({ nullable: true })
  @Matches(/^[0-9]{1,15}$/, { message: 'storeId must be 1 to 15 digits' })
  storeId?: string | null;

  /** Where upload results are mailed; on update, `null` stops the mails. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'stock@example.jp' })
  @Optional({ nullable: true })
  @IsEmail()
  @MaxLength(254)
  notificationEmail?: string | null;

  /**
   * With NextEngine as the master, the Smaregi 在庫区分 (stockDivision) codes that travel: those of sales and
   * returns (取引). Transfers, losses, stocktakes and receipts never travel. Smaregi's code table is not published
   * outside the contract's スマレジAPI仕様書, so the default `["02"]` is UNCONFIRMED: check it there. Ignored with
   * Smaregi as the master (every change travels but the shipments Mallbridge registered).
   */
  @ApiPropertyOptional({ type: [String], example: ['02'], default: ['02'], minItems: 1, maxItems: 30 })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @Matches(/^[0-9]{2}$/, { each: true, message: 'each neMasterDivisions entry must be a two-digit 在庫区分 code' })
  neMasterDivisions?: string[];

  /** How long pending deltas wait so that they are uploaded together (default 60). */
  @ApiPropertyOptional({ type: 'integer' })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(86400)
  uploadDelaySeconds?: number;

  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => ShipmentSettingsDto)
  shipments?: ShipmentSettingsDto;
}

/** Any field of the link but its two connections; `null` clears the store filter or the mail address. */
export class UpdateStockLinkDto extends PartialType(
  OmitType(CreateStockLinkDto, ['smaregiConnectionId', 'nextengineConnectionId'] as const),
  // PartialType's default adds @IsOptional(), which would let `null` through every field (see `Optional`)
  { skipNullProperties: false },
) {}

export class ListStockLinksQuery extends PageQuery {}

export class ShipmentSettingsViewDto {
  enabled: boolean;
  contractId: string | null;
  storeId: string | null;
  /** the stored access token, masked (last four characters) */
  accessToken: string | null;
}

export class StockUploadDto {
  id: string;
  @ApiProperty({ enum: ['schedule', 'flush'] })
  trigger: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'partial', 'failed'] })
  status: string;
  /** rows in the CSV sent to NextEngine (after netting) */
  rowsSent: number;
  /** changes that reached NextEngine */
  uploaded: number;
  /** changes that failed (each with its reason, in the mail) */
  failed: number;
  /** changes that cancelled out within the batch (transfers) */
  netted: number;
  error: string | null;
  /** `sent`, `off` (no SMTP configured), `no-address`, `failed` */
  mailStatus: string | null;
  mailError: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export class StockLinkDto {
  id: string;
  smaregiConnectionId: string;
  nextengineConnectionId: string;
  @ApiProperty({ enum: STOCK_MASTERS })
  stockMaster: StockMaster;
  @ApiProperty({ enum: ID_MATCHINGS })
  idMatching: IdMatching;
  @ApiProperty({ type: String, nullable: true })
  storeId: string | null;
  @ApiProperty({ type: String, nullable: true })
  notificationEmail: string | null;
  /** with NextEngine as the master, the 在庫区分 codes that travel (sales and returns) */
  neMasterDivisions: string[];
  uploadDelaySeconds: number;
  shipments: ShipmentSettingsViewDto;
  /** Enter this as the 送信URL in Smaregi (API送信設定), or as the Platform app's webhook URL. */
  customerUrl: string;
  /** changes received or waiting for the next upload */
  pendingUploads: number;
  /** payloads kept raw because they were not understood */
  unrecognisedEvents: number;
  @ApiProperty({ type: Date, nullable: true })
  lastUploadAt: Date | null;
  /** the most recent upload run; absent before the first */
  lastUpload?: StockUploadDto;
  @ApiProperty({ type: Date, nullable: true })
  seededAt: Date | null;
  /** the mails the guide promises the notification address */
  notices: StockLinkNoticesDto;
  createdAt: Date;
  updatedAt: Date;
}

export class StockLinkNoticesDto {
  /** the link-created mail with the customer URL and code: sent, off (no SMTP), no-address, failed */
  @ApiProperty({ type: String, nullable: true, enum: ['sent', 'off', 'no-address', 'failed'] })
  setupMail: string | null;
  @ApiProperty({ type: String, nullable: true })
  setupMailError: string | null;
  /** when the first change reached NextEngine; its notice is sent once */
  @ApiProperty({ type: Date, nullable: true })
  firstChangeAppliedAt: Date | null;
  @ApiProperty({ type: String, nullable: true, enum: ['sent', 'off', 'no-address', 'failed'] })
  firstChangeMail: string | null;
}

export class CreatedStockLinkDto extends StockLinkDto {
  /**
   * The secret code (`sncode`), shown only now. Add it on Smaregi's send screen as a ヘッダ情報 row
   * `sncode` (or append `?sncode=` to the customer URL).
   */
  secretCode: string;
}

export class CodeMapResultDto {
  /** entries now in the map */
  entries: number;
  /** true when the upload was empty and the map was cleared */
  reset: boolean;
}

export class ShipmentImportDto {
  registered: number;
  /** shipments taken back because their NextEngine order was cancelled */
  reversed: number;
  failed: number;
}

export class FlushResultDto {
  /** received changes turned into deltas by this flush */
  processed: number;
  /** the upload run; absent when nothing was pending */
  upload?: StockUploadDto;
  /** NextEngine orders imported as Smaregi shipments; absent when the link does not import them */
  shipments?: ShipmentImportDto;
  /**
   * true when the flush left work that goes on in the background, already asked for: the rest of a stocktake
   * (a flush folds at most 200 products), changes whose Smaregi history record is not shown yet (looked for again
   * in seconds), or deltas NextEngine refused for now (tried again in 2 minutes). The link's events show them.
   */
  continuesInBackground: boolean;
}

export class WebhookAcceptedDto {
  /** changes stored for processing */
  accepted: number;
  /** changes already stored earlier (a resend) */
  duplicates: number;
  /** payload parts kept raw because they were not understood */
  unrecognised: number;
}
