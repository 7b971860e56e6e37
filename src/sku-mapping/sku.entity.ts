import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A stock-keeping unit: a single product, a product with options, or one option of such a product
 * (`parentId` set). Codes are seller-defined and unique per tenant across all three.
 */
@Entity('skus')
export class Sku {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('text')
  code: string;

  @Column('text')
  name: string;

  @Column({ type: 'text', nullable: true })
  optionName: string | null;

  @Column({ type: 'text', nullable: true })
  jan: string | null;

  @Column({ type: 'uuid', nullable: true })
  parentId: string | null;

  @Column('text')
  sellerManagementCode: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
