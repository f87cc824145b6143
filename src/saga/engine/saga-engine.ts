import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { inTransaction } from '../../database/shared-transaction.js';
import { afterCommit } from '../../database/transaction-hooks.js';
import { DeliveryFailed } from '../../messaging/delivery-failed.js';
import { Inbox } from '../../messaging/inbox.js';
import type { Message } from '../../messaging/message.js';
import { MessageConsumers } from '../../messaging/message-consumers.js';
import { Outbox } from '../../messaging/outbox.js';
import { Metrics } from '../../observability/metrics.js';
import { currentTraceId } from '../../observability/tracing.js';
import type { SagaDefinition } from './saga-definition.js';
import { SagaInstance } from './saga-instance.entity.js';
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

/** A row of the saga's history, as `INSERT_HISTORY` takes them (a JSON array, $2). */
interface HistoryRow {
  step: string;
  action: string;
  attempt: number;
  status: string;
  message: string | null;
  message_id: string | null;
  trace_id: string | null;
  delay_ms: number;
  finished: boolean;
}

/** Adds history rows for saga $1 from the JSON array $2, in one statement. */
const INSERT_HISTORY = `INSERT INTO saga.saga_steps (saga_id, step, action, attempt, status, message, message_id, trace_id, started_at, finished_at)
  SELECT $1, r.step, r.action, r.attempt, r.status, r.message, r.message_id, r.trace_id,
         now() + r.delay_ms * interval '1 millisecond', CASE WHEN r.finished THEN now() END
    FROM jsonb_to_recordset($2::jsonb)
      AS r(step text, action text, attempt int, status text, message text, message_id uuid, trace_id text, delay_ms int, finished boolean)`;

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
    const { history, delayMs } = await this.sendNext(tx, sagaId, decision, decision.finished, null);
    const deadline = `now() + interval '${deadlineMs} milliseconds'`;
    const { state } = decision;
    // The saga and its history in one statement.
    await tx.query(
      `WITH saga AS (
         INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, failure_reason, awaiting_message_id, attempt, last_error, deadline_at, timeout_at)
         VALUES ($1, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, ${deadline}, ${this.timeoutSql(definition, decision, delayMs, deadline)}))
       ${INSERT_HISTORY}`,
      [
        sagaId,
        JSON.stringify(history),
        definition.type,
        ...stateParams(definition, state),
      ],
    );
    afterCommit(tx, () => {
      this.metrics.sagasStarted.inc({ type: definition.type });
      this.logTransition(definition.type, sagaId, data, null, decision);
    });
    return sagaId;
  }

  /** Applies a participant's reply or a delivery failure; stale, duplicate and unexpected ones change nothing. */
  async onReply(reply: Message): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      if (!(await this.inbox.markApplied(tx, SAGA_CONSUMER, reply))) return; // redelivered
      const saga = await lockSaga(tx, reply.meta.correlationId);
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
      const saga = fromRow(rows[0]);
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
      const saga = await lockSaga(tx, sagaId);
      if (!saga) return 'NOT_FOUND';
      if (saga.status !== 'FAILED') return 'NOT_FAILED';
      const definition = this.definitionOf(saga);
      await this.persist(tx, definition, saga, resumeFailed(definition, stateOf(saga)), null);
      return 'RESUMED';
    });
  }

  /**
   * Writes a decision in one statement: closes the answered attempt (and measures it), adds the
   * history rows, and updates the saga with its new state and timer. The next command goes to
   * the outbox before it.
   */
  private async persist(tx: EntityManager, definition: AnyDefinition, saga: SagaInstance, decision: Decision<unknown>, cause: Message | null): Promise<void> {
    const answered = saga.awaitingMessageId && decision.finished.length > 0 ? decision.finished[0] : null;
    const { history, delayMs } = await this.sendNext(tx, saga.id, decision, answered ? decision.finished.slice(1) : decision.finished, cause);
    const { state } = decision;
    // Past the point of no return the saga deadline no longer applies.
    const pastNoReturn = isRetriable(definition, state);
    const [row]: { seconds: number | null }[] = await tx.query(
      `WITH done AS (
         UPDATE saga.saga_steps SET status = $3, message = $4, finished_at = now()
          WHERE saga_id = $1 AND message_id = $5 AND attempt = $6 AND status = 'PENDING' -- not an earlier round's (after a resume)
         RETURNING greatest(0, extract(epoch FROM finished_at - started_at))::float AS seconds),
       added AS (${INSERT_HISTORY}),
       saved AS (
         UPDATE saga.saga_instances
            SET status = $7, step_index = $8, current_step = $9, data = $10::jsonb, failure_reason = $11,
                awaiting_message_id = $12, attempt = $13, last_error = $14, version = version + 1, updated_at = now(),
                deadline_at = CASE WHEN $15 THEN NULL ELSE deadline_at END,
                timeout_at = ${this.timeoutSql(definition, decision, delayMs, pastNoReturn ? null : 'deadline_at')}
          WHERE id = $1)
       SELECT (SELECT max(seconds) FROM done) AS seconds`,
      [
        saga.id,
        JSON.stringify(history),
        answered?.status ?? null,
        answered?.message ?? null,
        answered ? saga.awaitingMessageId : null,
        saga.attempt,
        ...stateParams(definition, state),
        pastNoReturn,
      ],
    );
    afterCommit(tx, () => {
      if (answered && row?.seconds != null) {
        this.metrics.stepDuration.observe({ type: saga.type, step: answered.step, action: answered.action, outcome: answered.status }, row.seconds);
      }
      this.observeTransition(saga, decision);
    });
  }

  /**
   * Addresses the next command (saga id, reply address, attempt) and puts it in the outbox, held
   * back by the retry backoff; returns the history rows to add: `finished` steps and the next attempt.
   */
  private async sendNext(
    tx: EntityManager,
    sagaId: string,
    decision: Decision<unknown>,
    finished: Decision<unknown>['finished'],
    cause: Message | null,
  ): Promise<{ history: HistoryRow[]; delayMs: number }> {
    const trace_id = currentTraceId() ?? null;
    const history: HistoryRow[] = finished.map((f) => ({ ...f, message_id: null, trace_id, delay_ms: 0, finished: true, attempt: 1 }));
    const next = decision.next;
    if (!next) return { history, delayMs: 0 };
    const { command } = next;
    if (cause) command.causedBy(cause);
    command.meta.correlationId = sagaId;
    command.meta.replyTo = SAGA_CONSUMER;
    command.meta.attempt = next.attempt;
    const delayMs = this.retryDelayMs(next.attempt);
    // A retry starts when its backoff is over.
    history.push({ step: next.step, action: next.action, attempt: next.attempt, status: 'PENDING', message: null, message_id: command.meta.messageId, trace_id, delay_ms: delayMs, finished: false });
    await this.outbox.add(tx, command, { delayMs });
    return { history, delayMs };
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

  /**
   * The saga's timer, as SQL: when the awaited reply is due at the latest (after the retry
   * backoff and the step timeout), or `deadline` (SQL) if sooner while the saga still executes.
   */
  private timeoutSql(definition: AnyDefinition, decision: Decision<unknown>, delayMs: number, deadline: string | null): string {
    if (!decision.next) return 'NULL';
    const stepDue = `now() + interval '${delayMs + this.stepTimeoutMs(definition, decision.state)} milliseconds'`;
    return deadline === null || !isExecuting(decision.state.status) ? stepDue : `least(${stepDue}, ${deadline})`;
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

/** The saga row's state columns as query parameters, in the order both the insert and the update list them. */
function stateParams(definition: AnyDefinition, state: SagaState<unknown>): unknown[] {
  const { status, step, data, failureReason, awaiting, attempt, lastError } = state;
  return [status, step, definition.steps[step].name, JSON.stringify(data), failureReason, awaiting, attempt, lastError];
}

/** Reads a saga under a row lock (plain SQL: this runs for every reply). */
async function lockSaga(tx: EntityManager, id: string): Promise<SagaInstance | null> {
  const rows: SagaRow[] = await tx.query('SELECT * FROM saga.saga_instances WHERE id = $1 FOR UPDATE', [id]);
  return rows.length > 0 ? fromRow(rows[0]) : null;
}

/** Maps a raw `saga_instances` row (snake_case) to the entity. */
function fromRow(row: SagaRow): SagaInstance {
  return Object.assign(new SagaInstance(), {
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
  });
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
