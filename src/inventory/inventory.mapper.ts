import type { InventoryLevelDto, InventoryMovementDto } from './inventory.dto';
import type { InventoryMovement } from './inventory.entity';
import type { LevelWithSku } from './inventory.service';
import { sellableUnits } from './sellable-stock';

export function toLevelDto({ level, sku, awaitingReservation }: LevelWithSku): InventoryLevelDto {
  return {
    skuId: level.skuId,
    skuCode: sku?.code ?? null,
    skuName: sku?.name ?? null,
    optionName: sku?.optionName ?? null,
    onHand: level.onHand,
    reserved: level.reserved,
    available: level.onHand - level.reserved,
    awaitingReservation,
    sellable: sellableUnits({ onHand: level.onHand, reserved: level.reserved, awaitingReservation }),
    updatedAt: level.updatedAt,
  };
}

export function toMovementDto(movement: InventoryMovement): InventoryMovementDto {
  const { tenantId: _tenant, ...dto } = movement;
  return dto;
}
