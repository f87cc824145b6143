import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { StepAction } from './saga-transition.js';

export type StepStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** The saga's history: one row per step attempt, execute or compensate. */
@Entity({ schema: 'saga', name: 'saga_steps' })
@Index('saga_steps_saga', ['sagaId', 'id'])
export class SagaStepRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'saga_id', type: 'uuid' })
  sagaId!: string;

  @Column({ type: 'text' })
  step!: string;

  @Column({ type: 'text' })
  action!: StepAction;

  @Column({ type: 'int', default: 1 })
  attempt!: number;

  @Column({ type: 'text' })
  status!: StepStatus;

  /** The reply type, or the failure reason. */
  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** The command sent for this attempt. */
  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId!: string | null;

  /** The trace the attempt ran in: the bridge from the saga's history to its spans and logs. */
  @Column({ name: 'trace_id', type: 'text', nullable: true })
  traceId!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
