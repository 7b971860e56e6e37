import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const MOVEMENT_REASONS = ['receipt', 'loss', 'adjustment', 'stocktake', 'reservation', 'release', 'shipment'] as const;
export type MovementReason = (typeof MOVEMENT_REASONS)[number];

/** A SKU's stock: on hand in the warehouse, and how much of it fulfillment orders have reserved. */
@Entity('inventory_levels')
export class InventoryLevel {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  skuId: string;

  @Column('int')
  onHand: number;

  @Column('int')
  reserved: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/** One change of a level, never updated or deleted. */
@Entity('inventory_movements')
export class InventoryMovement {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  skuId: string;

  @Column('text')
  reason: MovementReason;

  @Column('int')
  onHandDelta: number;

  @Column('int')
  reservedDelta: number;

  @Column('int')
  onHandAfter: number;

  @Column('int')
  reservedAfter: number;

  /** what caused it: 'fulfillment_order', 'adjustment'… */
  @Column({ type: 'text', nullable: true })
  referenceType: string | null;

  @Column({ type: 'text', nullable: true })
  referenceId: string | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
