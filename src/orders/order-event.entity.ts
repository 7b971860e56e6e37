import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * `site`: a change the site reported after intake (DESIGN §5a); `status`: our own status moved (written by a
 * trigger on `orders`, so no code path can miss it); `site_call`: a call made to the site for this order, with
 * the site's answer; `mallbridge`: something we did because of a change (a cancel approved, a late cancel flagged).
 */
export type OrderEventSource = 'site' | 'status' | 'site_call' | 'mallbridge';

/** One entry of an order's timeline; site changes Fulfillment still has to follow are its outbox. */
@Entity('order_events')
export class OrderEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('uuid')
  orderId: string;

  @Column('text')
  source: OrderEventSource;

  @Column('text')
  kind: string;

  @Column('jsonb')
  detail: Record<string, unknown>;

  @Column({ type: 'text', nullable: true, select: false })
  dedupeKey: string | null;

  @Column({ type: 'text', nullable: true })
  followState: 'pending' | 'done' | null;

  @Column({ type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
