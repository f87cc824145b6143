import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageMeta } from './message.js';

/**
 * One delivery owed to one consumer: done when `processedAt` is set, given up (dead letter)
 * when `deadAt` is. A saga's retry of a command is a new row with the same message id.
 */
@Entity({ schema: 'messaging', name: 'outbox' })
@Index('outbox_due', ['availableAt', 'id'], { where: '"processed_at" IS NULL AND "dead_at" IS NULL' })
export class OutboxRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId!: string;

  /** `command` (the CommandBus) or the name of the consumer it is addressed to. */
  @Column({ type: 'text' })
  consumer!: string;

  /** The module (or process-level consumer) it is for: only a relay that hosts or reaches it claims the row. */
  @Column({ type: 'text' })
  destination!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'jsonb' })
  meta!: MessageMeta;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt!: Date;

  /** Written by each claim or hand-over; every later write of that delivery must name it (fencing). */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  /** Set when the relay gave up on the row; the dead-letter API re-drives it. */
  @Column({ name: 'dead_at', type: 'timestamptz', nullable: true })
  deadAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
