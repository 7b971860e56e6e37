import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Address, SiteId } from '../connectors/sales-site-connector';
import { OrderLine } from './order-line.entity';
import type { OrderStatus } from './order-state';

export type ConfirmationState = 'not_needed' | 'pending' | 'confirmed' | 'failed';

@Entity('orders')
export class Order {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  connectionId: string;

  @Column('text')
  site: SiteId;

  @Column('text')
  externalOrderId: string;

  @Column('text')
  source: 'site' | 'manual';

  @Column('text')
  status: OrderStatus;

  @Column({ type: 'text', nullable: true })
  holdReason: string | null;

  @Column('text')
  siteStatus: string;

  @Column({ type: 'text', nullable: true })
  siteStatusName: string | null;

  @Column('timestamptz')
  orderedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  paidAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  buyer: Address | null;

  @Column({ type: 'jsonb', nullable: true })
  recipient: Address | null;

  @Column({ type: 'text', nullable: true })
  recipientName: string | null;

  @Column({ type: 'numeric', precision: 14, scale: 2, nullable: true })
  totalAmount: string | null;

  @Column({ type: 'text', nullable: true })
  currency: string | null;

  @Column('jsonb')
  refs: Record<string, any>;

  @Column({ type: 'jsonb', nullable: true, select: false })
  raw: unknown;

  @Column({ type: 'text', nullable: true })
  contentHash: string | null;

  @Column('int')
  lineCount: number;

  @Column('int')
  unmappedLineCount: number;

  @Column('text')
  confirmationState: ConfirmationState;

  @Column({ type: 'text', nullable: true })
  confirmationError: string | null;

  @Column('int')
  confirmationAttempts: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany(() => OrderLine, (line) => line.order)
  lines?: OrderLine[];
}
