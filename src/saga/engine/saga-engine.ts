import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { afterCommit } from '../../database/after-commit.js';
import { DeliveryFailed } from '../../messaging/delivery-failed.js';
import { Inbox } from '../../messaging/inbox.js';
import type { Message } from '../../messaging/message.js';
import { MessageConsumers } from '../../messaging/message-consumers.js';
import { Outbox } from '../../messaging/outbox.js';
import { Metrics } from '../../observability/metrics.js';
import { currentTraceId } from '../../observability/tracing.js';
import type { SagaDefinition } from './saga-definition.js';
import { SagaInstance } from './saga-instance.entity.js';
import { SagaStepRecord } from './saga-step.entity.js';
import {
  applyDeadline,
  applyFailure,
  applyReply,
  type Decision,
  isExecuting,
  isRetriable,
  resumeFailed,
  type SagaState,
  startSaga,
} from './saga-transition.js';

/** The consumer name replies to saga commands are addressed to. */
export const SAGA_CONSUMER = 'saga';

type AnyDefinition = SagaDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type ResumeResult = 'RESUMED' | 'NOT_FOUND' | 'NOT_FAILED';

/**
 * Runs sagas: persists each decision of `saga-transition` (state, history, next command, timer)
 * in one transaction, under a lock on the saga row, so one reply is applied once and in order.
 */
@Injectable()
export class SagaEngine implements OnModuleInit {
  private readonly logger = new Logger(SagaEngine.name);
  private readonly definitions = new Map<string, AnyDefinition>();

  constructor(
    private readonly db: DataSource,
    private readonly outbox: Outbox,
    private readonly inbox: Inbox,
    private readonly consumers: MessageConsumers,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.consumers.register(SAGA_CONSUMER, (reply) => this.onReply(reply));
  }

  /** Makes a saga type runnable; every module owning a saga registers it at start-up. */
  register(definition: AnyDefinition): void {
    this.definitions.set(definition.type, definition);
  }

  /** Starts a saga inside the caller's transaction: its row, its history and its first command commit with the caller's change. */
  async start<D extends object>(tx: EntityManager, definition: SagaDefinition<D>, data: D, sagaId = randomUUID()): Promise<string> {
    if (this.definitions.get(definition.type) !== definition) throw new Error(`saga ${definition.type} is not registered`);
    const decision = startSaga(definition, data);
    const deadlineMs = definition.timeoutMs ?? this.config.saga.timeoutMs;
    await tx.insert(SagaInstance, {
      id: sagaId,
      type: definition.type,
      ...this.columnsOf(definition, decision.state),
      deadlineAt: () => `now() + interval '${deadlineMs} milliseconds'`,
      timeoutAt: this.timeoutOf(definition, decision, deadlineMs),
    });
    await this.record(tx, definition.type, sagaId, decision, null);
    afterCommit(tx, () => {
      this.metrics.sagasStarted.inc({ type: definition.type });
      this.logTransition(definition.type, sagaId, data, null, decision);
    });
    return sagaId;
  }

  /** Applies a participant's reply or a delivery failure; stale, duplicate and unexpected ones change nothing. */
  async onReply(reply: Message): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.inbox.markApplied(tx, SAGA_CONSUMER, reply))) return; // redelivered
      const saga = await tx.findOne(SagaInstance, { where: { id: reply.meta.correlationId }, lock: { mode: 'pessimistic_write' } });
      const stale = reply instanceof DeliveryFailed && reply.data.attempt !== saga?.attempt;
      if (!saga || saga.awaitingMessageId !== reply.meta.causationId || stale) {
        this.logger.warn(`dropped ${reply.type} ${reply.meta.messageId}: saga ${reply.meta.correlationId} is not waiting for it`);
        return;
      }
      const definition = this.definitionOf(saga);
      const state = stateOf(saga);
      let decision: Decision<unknown>;
      try {
        decision = reply instanceof DeliveryFailed
          ? applyFailure(definition, state, { kind: 'ERROR', message: reply.data.error }, this.maxAttempts(definition, state))
          : applyReply(definition, state, reply);
      } catch (error) {
        this.logger.error(`saga ${saga.id} cannot apply ${reply.type}: ${String(error)}`);
        return; // a reply the definition does not expect; retrying it would not help
      }
      await this.persist(tx, definition, saga, decision, reply);
    });
  }

  /** Fires a saga's timer if it is due: the step timed out, or the whole saga did. Returns whether it fired. */
  async onTimer(sagaId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows: (SagaRow & { deadline_passed: boolean })[] = await tx.query(
        `SELECT *, deadline_at <= now() AS deadline_passed FROM saga.saga_instances
          WHERE id = $1 AND timeout_at <= now()
          FOR UPDATE SKIP LOCKED -- another instance is firing or advancing it`,
        [sagaId],
      );
      if (rows.length === 0) return false;
      const saga = tx.create(SagaInstance, fromRow(rows[0]));
      const definition = this.definitionOf(saga);
      const state = stateOf(saga);
      const timeoutMs = this.stepTimeoutMs(definition, state);
      const decision =
        (rows[0].deadline_passed ? applyDeadline(definition, state) : null) ??
        applyFailure(definition, state, { kind: 'TIMEOUT', message: `no reply within ${timeoutMs} ms` }, this.maxAttempts(definition, state));
      const step = definition.steps[state.step].name;
      const action = state.status === 'COMPENSATING' ? 'compensate' : 'execute';
      afterCommit(tx, () => this.metrics.stepTimeouts.inc({ type: saga.type, step, action }));
      await this.persist(tx, definition, saga, decision, null);
      return true;
    });
  }

  /** A person's retry of a FAILED saga: its compensation runs again from where it stopped. */
  async resume(sagaId: string): Promise<ResumeResult> {
    return this.db.transaction(async (tx) => {
      const saga = await tx.findOne(SagaInstance, { where: { id: sagaId }, lock: { mode: 'pessimistic_write' } });
      if (!saga) return 'NOT_FOUND';
      if (saga.status !== 'FAILED') return 'NOT_FAILED';
      const definition = this.definitionOf(saga);
      await this.persist(tx, definition, saga, resumeFailed(definition, stateOf(saga)), null);
      return 'RESUMED';
    });
  }

  private async persist(tx: EntityManager, definition: AnyDefinition, saga: SagaInstance, decision: Decision<unknown>, cause: Message | null): Promise<void> {
    const answered = saga.awaitingMessageId ? { messageId: saga.awaitingMessageId, attempt: saga.attempt } : null;
    await this.record(tx, saga.type, saga.id, decision, answered, cause);
    afterCommit(tx, () => this.observeTransition(saga, decision));
    const pastNoReturn = isRetriable(definition, decision.state);
    await tx.update(SagaInstance, { id: saga.id }, {
      ...this.columnsOf(definition, decision.state),
      version: saga.version + 1,
      // Past the point of no return the saga deadline no longer applies.
      ...(pastNoReturn && { deadlineAt: null }),
      timeoutAt: this.timeoutOf(definition, decision, pastNoReturn ? null : 'deadline_at'),
    });
  }

  /**
   * Writes the history: closes the answered attempt, adds steps done without a command, opens
   * the next attempt, and puts its command in the outbox (held back by the retry backoff).
   */
  private async record(
    tx: EntityManager,
    type: string,
    sagaId: string,
    decision: Decision<unknown>,
    answered: { messageId: string; attempt: number } | null,
    cause: Message | null = null,
  ): Promise<void> {
    let finished = decision.finished;
    if (answered && finished.length > 0) {
      const [first, ...rest] = finished;
      const [done]: { seconds: number }[] = await tx.query(
        `WITH done AS (
           UPDATE saga.saga_steps SET status = $4, message = $5, finished_at = now()
            WHERE saga_id = $1 AND message_id = $2 AND attempt = $3
           RETURNING greatest(0, extract(epoch FROM finished_at - started_at))::float AS seconds)
         SELECT seconds FROM done`,
        [sagaId, answered.messageId, answered.attempt, first.status, first.message],
      );
      if (done) {
        const labels = { type, step: first.step, action: first.action, outcome: first.status };
        afterCommit(tx, () => this.metrics.stepDuration.observe(labels, done.seconds));
      }
      finished = rest;
    }
    const traceId = currentTraceId() ?? null;
    const rows: QueryDeepPartialEntity<SagaStepRecord>[] = finished.map((f) => ({ sagaId, ...f, traceId, finishedAt: () => 'now()' }));
    const next = decision.next;
    if (next) {
      const { command } = next;
      if (cause) command.causedBy(cause);
      command.meta.correlationId = sagaId;
      command.meta.replyTo = SAGA_CONSUMER;
      command.meta.attempt = next.attempt;
      const delayMs = this.retryDelayMs(next.attempt);
      rows.push({
        sagaId,
        step: next.step,
        action: next.action,
        attempt: next.attempt,
        status: 'PENDING',
        messageId: command.meta.messageId,
        traceId,
        // A retry starts when its backoff is over.
        ...(delayMs > 0 && { startedAt: () => `now() + interval '${delayMs} milliseconds'` }),
      });
      await this.outbox.add(tx, command, { delayMs });
    }
    if (rows.length > 0) await tx.insert(SagaStepRecord, rows);
  }

  /** Counts what the decision changed, and logs the saga's transition; runs after the commit. */
  private observeTransition(saga: SagaInstance, decision: Decision<unknown>): void {
    const { state, next } = decision;
    if (next && next.attempt > 1) this.metrics.stepRetries.inc({ type: saga.type, step: next.step, action: next.action });
    if (state.status === 'COMPENSATING' && isExecuting(saga.status)) {
      this.metrics.compensations.inc({ type: saga.type, reason: state.failureReason ?? 'UNKNOWN' });
    }
    if (state.status !== saga.status && ['COMPLETED', 'COMPENSATED', 'FAILED'].includes(state.status)) {
      this.metrics.sagasFinished.inc({ type: saga.type, status: state.status });
    }
    this.logTransition(saga.type, saga.id, saga.data, saga.status, decision);
  }

  private logTransition(type: string, sagaId: string, data: unknown, from: string | null, { state, next }: Decision<unknown>): void {
    const { orderId } = data as { orderId?: string };
    this.logger.log({
      msg: 'saga transition',
      sagaId,
      orderId,
      sagaType: type,
      from,
      to: state.status,
      ...(next && { next: `${next.step}/${next.action}#${next.attempt}` }),
      ...(state.failureReason && { failureReason: state.failureReason }),
    });
  }

  private columnsOf(definition: AnyDefinition, state: SagaState<unknown>) {
    return {
      status: state.status,
      stepIndex: state.step,
      currentStep: definition.steps[state.step].name,
      data: state.data as object,
      failureReason: state.failureReason,
      awaitingMessageId: state.awaiting,
      attempt: state.attempt,
      lastError: state.lastError,
    };
  }

  /**
   * The saga's timer, as SQL: when the awaited reply is due at the latest (after the retry
   * backoff and the step timeout), or the saga's deadline if sooner while it still executes.
   */
  private timeoutOf(definition: AnyDefinition, decision: Decision<unknown>, deadline: number | 'deadline_at' | null): (() => string) | null {
    if (!decision.next) return null;
    const dueMs = this.retryDelayMs(decision.next.attempt) + this.stepTimeoutMs(definition, decision.state);
    const stepDue = `now() + interval '${dueMs} milliseconds'`;
    if (deadline === null || !isExecuting(decision.state.status)) return () => stepDue;
    const deadlineSql = deadline === 'deadline_at' ? 'deadline_at' : `now() + interval '${deadline} milliseconds'`;
    return () => `least(${stepDue}, ${deadlineSql})`;
  }

  private stepTimeoutMs(definition: AnyDefinition, state: SagaState<unknown>): number {
    return definition.steps[state.step].timeoutMs ?? this.config.saga.stepTimeoutMs;
  }

  private maxAttempts(definition: AnyDefinition, state: SagaState<unknown>): number {
    if (state.status === 'COMPENSATING') return this.config.saga.compensationAttempts;
    return definition.steps[state.step].retry?.attempts ?? this.config.saga.retryAttempts;
  }

  /** Backoff before attempt n: exponential from SAGA_RETRY_DELAY_MS, capped, with jitter (half fixed, half random). */
  private retryDelayMs(attempt: number): number {
    if (attempt <= 1) return 0;
    const { retryDelayMs, maxRetryDelayMs } = this.config.saga;
    const backoff = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempt - 2, 20));
    return Math.round(backoff / 2 + Math.random() * (backoff / 2));
  }

  private definitionOf(saga: SagaInstance): AnyDefinition {
    const definition = this.definitions.get(saga.type);
    if (!definition) throw new Error(`saga type ${saga.type} is not registered`);
    return definition;
  }
}

type SagaRow = Record<string, unknown>;

/** Maps a raw `saga_instances` row (snake_case) to the entity's fields. */
function fromRow(row: SagaRow): Partial<SagaInstance> {
  return {
    id: row.id as string,
    type: row.type as string,
    status: row.status as SagaInstance['status'],
    stepIndex: row.step_index as number,
    currentStep: row.current_step as string,
    data: row.data as object,
    failureReason: row.failure_reason as string | null,
    awaitingMessageId: row.awaiting_message_id as string | null,
    attempt: row.attempt as number,
    lastError: row.last_error as string | null,
    version: row.version as number,
  };
}

function stateOf(saga: SagaInstance): SagaState<unknown> {
  return {
    status: saga.status,
    step: saga.stepIndex,
    data: saga.data,
    failureReason: saga.failureReason,
    attempt: saga.attempt,
    awaiting: saga.awaitingMessageId,
    lastError: saga.lastError,
  };
}
