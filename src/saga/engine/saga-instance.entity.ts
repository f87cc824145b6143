import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { MessageMeta } from '../../messaging/message.js';
import type { GroupMember, SagaStatus } from './saga-transition.js';

/** A reply as a saga holds it, to apply it again later. */
export interface HeldReply {
  type: string;
  data: unknown;
  meta: MessageMeta;
}

/** What a saga keeps beyond one awaited command (see `progressOf`). */
export interface SagaProgress {
  /** The parallel group in flight: each member's command, attempt, status and due time. */
  members?: GroupMember[];
  /** Steps that did not happen and are never compensated. */
  notDone?: string[];
}

/** One running or finished saga. Only the engine writes it, always under a row lock. */
@Entity({ schema: 'saga', name: 'saga_instances' })
@Index('saga_instances_newest', ['createdAt', 'id'])
@Index('saga_instances_status_newest', ['status', 'createdAt', 'id'])
@Index('saga_instances_type_newest', ['type', 'createdAt', 'id'])
@Index('saga_instances_timeout', ['timeoutAt'], { where: '"timeout_at" IS NOT NULL' })
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

  /** Attempt number of the awaited command; a retry re-sends the same message id. */
  @Column({ type: 'int', default: 1 })
  attempt!: number;

  /**
   * The parallel group in flight (its members' commands are awaited, `awaiting_message_id` is
   * null meanwhile) and the steps that did not happen; null for a saga with neither.
   */
  @Column({ type: 'jsonb', nullable: true })
  progress!: SagaProgress | null;

  /** The last technical failure (exception or timeout), kept for a person when the saga FAILED. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** The whole saga's deadline: past it, a saga still executing compensates. */
  @Column({ name: 'deadline_at', type: 'timestamptz', nullable: true })
  deadlineAt!: Date | null;

  /**
   * The durable timer, written with the state it guards: when the awaited reply is due at the
   * latest (or the saga deadline, if sooner). Null once the saga waits for nothing.
   */
  @Column({ name: 'timeout_at', type: 'timestamptz', nullable: true })
  timeoutAt!: Date | null;

  /** Handlings of its timer or a reply that threw in a row (its definition cannot handle them); any decision resets it. */
  @Column({ name: 'poison_attempts', type: 'int', default: 0 })
  poisonAttempts!: number;

  /** Set when the saga is FAILED because it could not be handled: the status a retry resumes. */
  @Column({ name: 'poisoned_status', type: 'text', nullable: true })
  poisonedStatus!: SagaStatus | null;

  /** The reply its definition could not handle (type, data, meta), applied again on its next attempt. */
  @Column({ name: 'held_reply', type: 'jsonb', nullable: true })
  heldReply!: HeldReply | null;

  @Column({ type: 'int', default: 1 })
  version!: number;

  /** The version of its definition it started with and runs on to the end (see `SagaDefinition.version`). */
  @Column({ name: 'definition_version', type: 'int', default: 1 })
  definitionVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
