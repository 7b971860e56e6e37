import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const STOCK_MASTERS = ['smaregi', 'nextengine'] as const;
export type StockMaster = (typeof STOCK_MASTERS)[number];
export const ID_MATCHINGS = ['csv', 'jan'] as const;
export type IdMatching = (typeof ID_MATCHINGS)[number];

@Entity('stock_links')
export class StockLink {
  /** generated before the insert: the shipment token's ciphertext is bound to it */
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  smaregiConnectionId: string;

  @Column('uuid')
  nextengineConnectionId: string;

  @Column('text')
  stockMaster: StockMaster;

  @Column('text')
  idMatching: IdMatching;

  @Column('text', { nullable: true })
  storeId: string | null;

  @Column('text', { nullable: true })
  notificationEmail: string | null;

  @Column('int')
  uploadDelaySeconds: number;

  @Column('boolean')
  shipmentsEnabled: boolean;

  @Column('text', { nullable: true })
  shipmentContractId: string | null;

  @Column('text', { nullable: true })
  shipmentStoreId: string | null;

  @Column('text', { nullable: true })
  shipmentTokenCiphertext: string | null;

  @Column('text', { nullable: true })
  shipmentTokenHint: string | null;

  @Column('text')
  linkToken: string;

  @Column('text')
  secretHash: string;

  @Column('timestamptz', { nullable: true })
  seededAt: Date | null;

  @Column('timestamptz', { nullable: true })
  lastUploadAt: Date | null;

  @Column('timestamptz', { nullable: true })
  lastShipmentImportAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ type: 'timestamptz' })
  deletedAt: Date | null;
}
