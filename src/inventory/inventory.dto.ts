import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { Optional } from '../common/validation';
import { PageQuery } from '../common/pagination';
import { MOVEMENT_REASONS, type MovementReason } from './inventory.entity';

export const ADJUSTMENT_REASONS = ['receipt', 'loss', 'adjustment', 'stocktake'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export class ListInventoryQuery extends PageQuery {
  @Optional()
  @IsUUID()
  skuId?: string;
}

export class ListMovementsQuery extends PageQuery {
  @Optional()
  @IsUUID()
  skuId?: string;

  @ApiPropertyOptional({ enum: MOVEMENT_REASONS })
  @Optional()
  @IsIn(MOVEMENT_REASONS as unknown as string[])
  reason?: MovementReason;
}

export class CreateAdjustmentDto {
  @IsUUID()
  skuId: string;

  /** receipt: +quantity; loss: −quantity; adjustment: a signed change; stocktake: the counted quantity on hand */
  @ApiProperty({ enum: ADJUSTMENT_REASONS })
  @IsIn(ADJUSTMENT_REASONS as unknown as string[])
  reason: AdjustmentReason;

  // Stated explicitly: the Swagger plugin drops this property (numeric separators in the bounds).
  @ApiProperty({ type: 'integer', minimum: -1000000, maximum: 1000000, description: 'units, read as the reason says' })
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  quantity: number;

  /** what the change refers to (a delivery slip, a count sheet…) */
  @Optional()
  @IsString()
  @MaxLength(200)
  reference?: string;

  @Optional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class InventoryLevelDto {
  skuId: string;
  skuCode: string | null;
  skuName: string | null;
  optionName: string | null;
  onHand: number;
  /** held for fulfillment orders not shipped yet */
  reserved: number;
  /** on hand − reserved: free in the warehouse */
  available: number;
  /** units sold on a site and pulled, not cancelled, not reserved yet (waiting for mapping, stock, confirmation or instruction) */
  awaitingReservation: number;
  /** on hand − reserved − awaiting reservation, never below 0: what absolute sites are told they may sell */
  sellable: number;
  updatedAt: Date;
}

export class InventoryMovementDto {
  id: string;
  skuId: string;
  @ApiProperty({ enum: MOVEMENT_REASONS })
  reason: MovementReason;
  onHandDelta: number;
  reservedDelta: number;
  onHandAfter: number;
  reservedAfter: number;
  /** `fulfillment_order` (its id) or `adjustment` (the reference given) */
  referenceType: string | null;
  referenceId: string | null;
  note: string | null;
  createdAt: Date;
}

export class AdjustmentResultDto {
  level: InventoryLevelDto;
  /** absent when a stocktake confirmed the count as it was */
  movement?: InventoryMovementDto;
}
