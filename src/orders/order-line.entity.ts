import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Order } from './order.entity';

export type LineResolution = 'mapping' | 'code';

@Entity('order_lines')
export class OrderLine {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  orderId: string;

  @ManyToOne(() => Order, (order) => order.lines, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: Order;

  @Column('int')
  position: number;

  @Column('text')
  externalLineId: string;

  @Column('text')
  productCode: string;

  @Column({ type: 'text', nullable: true })
  optionCode: string | null;

  @Column('text')
  productName: string;

  @Column({ type: 'text', nullable: true })
  optionName: string | null;

  /** units sold, as the site first listed them (or lists them now) */
  @Column('int')
  quantity: number;

  /** units the site has cancelled since (a line cancel, a split, a line no longer listed); live = quantity − this */
  @Column('int')
  cancelledQuantity: number;

  @Column({ type: 'numeric', precision: 14, scale: 2, nullable: true })
  unitPrice: string | null;

  /** what identifies the sold product for SKU mapping on this site */
  @Column('text')
  listingKey: string;

  @Column({ type: 'uuid', nullable: true })
  skuId: string | null;

  @Column({ type: 'int', nullable: true })
  quantityPerUnit: number | null;

  /** how the SKU was found: an explicit mapping, or a SKU code equal to the site's code */
  @Column({ type: 'text', nullable: true })
  resolution: LineResolution | null;

  @Column({ type: 'jsonb', nullable: true })
  raw: Record<string, unknown> | null;
}
