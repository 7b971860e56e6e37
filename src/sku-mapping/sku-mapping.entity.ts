import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SiteId } from '../connectors/sales-site-connector';
import { Sku } from './sku.entity';

/** A listing on a sales site (optionally on one connection only) → the SKU it sells, `quantityPerUnit` at a time. */
@Entity('sku_mappings')
export class SkuMapping {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('text')
  site: SiteId;

  @Column({ type: 'uuid', nullable: true })
  connectionId: string | null;

  @Column('text')
  listingKey: string;

  @Column('uuid')
  skuId: string;

  @ManyToOne(() => Sku, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'sku_id' })
  sku?: Sku;

  @Column('integer')
  quantityPerUnit: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
