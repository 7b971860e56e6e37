import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TrackingPushState } from './fulfillment-order.entity';

/** The outbox row for one tracking number of one fulfillment order: sent at most once successfully. */
@Entity('tracking_pushes')
export class TrackingPush {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  fulfillmentOrderId: string;

  @Column('uuid')
  orderId: string;

  @Column('uuid')
  connectionId: string;

  @Column('text')
  carrier: string;

  @Column('text')
  trackingNumber: string;

  @Column('timestamptz')
  shippedAt: Date;

  @Column('text')
  state: TrackingPushState;

  @Column('int')
  attempts: number;

  @Column('timestamptz')
  nextAttemptAt: Date;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Column({ type: 'text', nullable: true })
  lastSiteCode: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
