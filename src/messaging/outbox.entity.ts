import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageMeta } from './message.js';

/** One row per (message, consumer): a delivery still owed, or done when `processedAt` is set. */
@Entity({ schema: 'messaging', name: 'outbox' })
@Index('outbox_message_consumer', ['messageId', 'consumer'], { unique: true })
@Index('outbox_due', ['availableAt', 'id'], { where: '"processed_at" IS NULL' })
export class OutboxRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'message_id', type: 'uuid' })
  messageId!: string;

  /** `command` (the CommandBus) or the name of the consumer it is addressed to. */
  @Column({ type: 'text' })
  consumer!: string;

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

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
