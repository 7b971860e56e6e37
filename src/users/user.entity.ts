import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '../auth/roles';

/** A person of a tenant who signs in to the console. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  tenantId: string;

  /** always lowercased: e-mail addresses are compared without case */
  @Column('text')
  email: string;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column('text')
  role: Role;

  /** argon2id, in its PHC string form (algorithm, parameters and salt included) */
  @Column('text')
  passwordHash: string;

  @Column({ type: 'timestamptz', precision: 3 })
  passwordChangedAt: Date;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt: Date | null;
}
