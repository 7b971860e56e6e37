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

  /** NextEngine master: the 在庫区分 codes (取引: sales and returns) that travel; see stock-delta.ts */
  @Column('text', { array: true })
  neMasterDivisions: string[];

  /**
   * The contract's highest stock-history id when the baselines were last read from Smaregi (legacy API): history
   * above it is what changed since. Null where it cannot be read (Platform API) or before the first seed.
   */
  @Column('bigint', { nullable: true })
  historyFloor: string | null;

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

  /** when the shipment import was switched on: only NextEngine orders received from then on are imported */
  @Column('timestamptz', { nullable: true })
  shipmentsEnabledAt: Date | null;

  /** the shipment import's own NextEngine cursor (orders changed since) */
  @Column('text', { nullable: true })
  shipmentCursor: string | null;

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

  /** what became of the link-created mail (customer URL and code): sent, off, no-address, failed */
  @Column('text', { nullable: true })
  setupMailStatus: string | null;

  @Column('text', { nullable: true })
  setupMailError: string | null;

  /** when the first change reached NextEngine (and its notice was sent, once) */
  @Column('timestamptz', { nullable: true })
  firstChangeNoticeAt: Date | null;

  @Column('text', { nullable: true })
  firstChangeMailStatus: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ type: 'timestamptz' })
  deletedAt: Date | null;
}
