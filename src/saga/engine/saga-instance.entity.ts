import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { SagaStatus } from './saga-transition.js';

/** One running or finished saga. Only the engine writes it, always under a row lock. */
@Entity({ schema: 'saga', name: 'saga_instances' })
@Index('saga_instances_status_type', ['status', 'type'])
export class SagaInstance {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  status!: SagaStatus;

  @Column({ name: 'step_index', type: 'int' })
  stepIndex!: number;

  @Column({ name: 'current_step', type: 'text' })
  currentStep!: string;

  @Column({ type: 'jsonb' })
  data!: object;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** The command whose reply the saga waits for; any other reply is stale and dropped. */
  @Column({ name: 'awaiting_message_id', type: 'uuid', nullable: true })
  awaitingMessageId!: string | null;

  @Column({ type: 'int', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
