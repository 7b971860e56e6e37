import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a tenant wants its events sent, and which ones. */
@Entity('webhook_endpoints')
export class WebhookEndpoint {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  @Column('text')
  url: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column('text', { array: true })
  eventTypes: string[];

  /** the signing secret, encrypted (CredentialCipher, bound to `id`); shown in clear only at creation */
  @Column('text')
  secretCiphertext: string;

  @Column('boolean')
  enabled: boolean;

  @Column({ type: 'timestamptz', precision: 3, insert: false, update: false })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt: Date | null;
}
