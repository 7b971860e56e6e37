import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Address, SiteId } from '../connectors/sales-site-connector';
import { OrderLine } from './order-line.entity';
import type { OrderStatus } from './order-state';
import type { FulfillmentStatus } from '../fulfillment/fulfillment-state';
import type { OrderTrackingPushState } from './order-fulfillment-states';

export const CONFIRMATION_STATES = ['not_needed', 'pending', 'confirmed', 'failed'] as const;
export type ConfirmationState = (typeof CONFIRMATION_STATES)[number];

/**
 * What the site now says of the order after intake (DESIGN §5a), beside our own `status`: Orders records it
 * from the change intake, Fulfillment brings the status and the fulfillment order in line with it.
 */
export const SITE_STATES = ['open', 'on_hold', 'cancel_requested', 'cancelled', 'merged'] as const;
export type SiteState = (typeof SITE_STATES)[number];

export type CancelApprovalState = 'pending' | 'approved' | 'failed';

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

  @Column('text')
  siteState: SiteState;

  /** the site's words for its hold or cancel */
  @Column({ type: 'text', nullable: true })
  siteStateReason: string | null;

  /** a buyer's cancel request waiting for the seller: the site's identifiers of it */
  @Column({ type: 'jsonb', nullable: true })
  cancelRequest: Record<string, string> | null;

  /** the external order id this order was merged into */
  @Column({ type: 'text', nullable: true })
  mergedInto: string | null;

  /** our status before a site hold, restored when the site releases it */
  @Column({ type: 'text', nullable: true })
  statusBeforeHold: OrderStatus | null;

  /** the site cancelled the order (or some of it) after the warehouse had its waybill or had shipped it */
  @Column({ type: 'timestamptz', nullable: true })
  cancelledAfterInstructionAt: Date | null;

  @Column({ type: 'text', nullable: true })
  cancelApprovalState: CancelApprovalState | null;

  /** the status of the order's fulfillment order (the live one, else the latest cancelled); kept by a trigger, never written here */
  @Column({ type: 'text', nullable: true, insert: false, update: false })
  fulfillmentStatus: FulfillmentStatus | null;

  /** where pushing the tracking number to the site stands (written by Fulfillment through `OrderFulfillmentStates`) */
  @Column({ type: 'text', nullable: true })
  trackingPushState: OrderTrackingPushState | null;

  @Column({ type: 'text', nullable: true })
  trackingPushError: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany(() => OrderLine, (line) => line.order)
  lines?: OrderLine[];
}
