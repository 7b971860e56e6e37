import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Address, SiteId } from '../connectors/sales-site-connector';
import type { FulfillmentStatus } from './fulfillment-state';

export type TrackingPushState = 'pending' | 'sent' | 'failed' | 'cancelled';

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

/** A sales order handed to the warehouse: its lines reserved, then labelled, scanned in and shipped. */
@Entity('fulfillment_orders')
export class FulfillmentOrder {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  orderId: string;

  @Column('uuid')
  connectionId: string;

  @Column('text')
  site: SiteId;

  @Column('text')
  externalOrderId: string;

  @Column('text')
  status: FulfillmentStatus;

  /** auto: the connection's autoFulfillmentShippingInstruction; manual: POST /v1/orders/{id}/fulfillment */
  @Column('text')
  trigger: 'auto' | 'manual';

  @Column({ type: 'jsonb', nullable: true })
  recipient: Address | null;

  /** while the site holds the order (`on_hold`): the status it resumes */
  @Column({ type: 'text', nullable: true })
  heldFrom: FulfillmentStatus | null;

  @Column({ type: 'text', nullable: true })
  carrier: string | null;

  @Column({ type: 'text', nullable: true })
  trackingNumber: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  waybillIssuedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  shippedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ type: 'text', nullable: true })
  trackingPushState: TrackingPushState | null;

  @Column({ type: 'text', nullable: true })
  trackingPushError: string | null;

  @Column('jsonb')
  timeline: TimelineEntry[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('fulfillment_order_lines')
export class FulfillmentOrderLine {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  fulfillmentOrderId: string;

  @Column('uuid')
  orderLineId: string;

  @Column('int')
  position: number;

  @Column('uuid')
  skuId: string;

  @Column('text')
  skuCode: string;

  @Column('text')
  productName: string;

  @Column({ type: 'text', nullable: true })
  optionName: string | null;

  /** units sold on the site */
  @Column('int')
  orderedQuantity: number;

  /** SKU units taken from stock (ordered × quantity per unit) */
  @Column('int')
  quantity: number;
}
