import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { afterCommit, beforeCommit, flushGathered, gathered } from '../../database/transaction-hooks.js';
import { isTransientDatabaseError } from '../../database/transient-errors.js';
import type { DeliveryContext } from '../../messaging/delivery-context.js';
import { DeliveryFailed } from '../../messaging/delivery-failed.js';
import { Inbox } from '../../messaging/inbox.js';
import type { Message } from '../../messaging/message.js';
import { MessageConsumers } from '../../messaging/message-consumers.js';
import { Outbox } from '../../messaging/outbox.js';
import { Metrics } from '../../observability/metrics.js';
import { currentTraceId } from '../../observability/tracing.js';
import type { SagaDefinition } from './saga-definition.js';
import type { SagaInstance } from './saga-instance.entity.js';
import { SagaPoison } from './saga-poison.js';
import { closeAttempts, type DecisionRow, decisionRow, type HistoryRow, insertSaga, lockDueSaga, lockSaga, lockSagas, recordRetry, saveDecisions, stateOf, type Timer } from './saga-store.js';
import {
  applyDeadline,
  applyFailure,
  applyMemberFailures,
  applyReply,
  type Decision,
  type GroupMember,
  isExecuting,
  isRetriable,
  resumeFailed,
  retryDelayMs,
  type SagaState,
  startSaga,
} from './saga-transition.js';

/** The consumer name replies to saga commands are addressed to. */
export const SAGA_CONSUMER = 'saga';

type AnyDefinition = SagaDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The key under which a transaction gathers its decisions until its commit (see `persist`). */
const DECISIONS = 'saga-decisions';

export type ResumeResult = 'RESUMED' | 'NOT_FOUND' | 'NOT_FAILED';

/**
 * Runs sagas: persists each decision of `saga-transition` (state, history, next command, timer)
 * in one transaction, under a lock on the saga row, so one reply is applied once and in order.
 */
@Injectable()
export class SagaEngine implements OnModuleInit {
  private readonly logger = new Logger(SagaEngine.name);
  /** Every registered definition, by type, then version: a saga runs on the version it started with. */
  private readonly definitions = new Map<string, Map<number, AnyDefinition>>();

  constructor(
    private readonly db: DataSource,
    private readonly outbox: Outbox,
    private readonly inbox: Inbox,
    private readonly consumers: MessageConsumers,
    private readonly metrics: Metrics,
    private readonly poisoned: SagaPoison,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.consumers.register<Map<string, SagaInstance>>(SAGA_CONSUMER, (reply, delivery, locked) => this.onReply(delivery, reply, locked), {
      // One statement locks every saga a batch of replies touches, instead of one per reply; the
      // sagas it read are handed to the replies' handling (each taken once, see `lock`).
      beforeBatch: (delivery, replies) => lockSagas(delivery.tx, replies.map((r) => r.meta.correlationId)),
    });
  }

  /**
   * Makes a version of a saga type runnable; every module owning a saga registers it at start-up,
   * with the older versions its sagas in flight may still run on.
   */
  register(definition: AnyDefinition): void {
    const versions = this.definitions.get(definition.type) ?? new Map<number, AnyDefinition>();
    const version = definition.version ?? 1;
    const known = versions.get(version);
    if (known && known !== definition) throw new Error(`saga ${definition.type} version ${version} is registered twice with different steps: give the new one a new version`);
    this.definitions.set(definition.type, versions.set(version, definition));
  }

  /** Every registered definition, each type's versions in the order they were registered. */
  registered(): AnyDefinition[] {
    return [...this.definitions.values()].flatMap((versions) => [...versions.values()]);
  }

  /** Starts a saga inside the caller's transaction: its row, its history and its first command commit with the caller's change. */
  async start<D extends object>(tx: EntityManager, definition: SagaDefinition<D>, data: D, sagaId = randomUUID()): Promise<string> {
    if (this.definitions.get(definition.type)?.get(definition.version ?? 1) !== definition) throw new Error(`saga ${definition.type} version ${definition.version ?? 1} is not registered`);
    const decision = startSaga(definition, data);
    const deadlineMs = definition.timeoutMs ?? this.config.saga.timeoutMs;
    const { history, delayMs } = await this.sendNext(tx, definition, sagaId, decision, decision.finished, null);
    await insertSaga(tx, sagaId, definition, decision.state, history, deadlineMs, this.timer(definition, decision, delayMs, true));
    afterCommit(tx, () => {
      this.metrics.sagasStarted.inc({ type: definition.type });
      this.logTransition(definition.type, sagaId, data, null, decision);
    });
    return sagaId;
  }

  /**
   * Applies a participant's reply or a delivery failure in the transaction of its `delivery`;
   * stale and duplicate ones change nothing. `locked`: the sagas its batch locked up front.
   */
  private async onReply(delivery: DeliveryContext, reply: Message, locked: Map<string, SagaInstance>): Promise<void> {
    const { tx } = delivery;
    if (!(await this.inbox.markApplied(delivery, SAGA_CONSUMER, reply))) return; // redelivered
    const saga = await this.lock(tx, reply.meta.correlationId, locked);
    const attempt = saga && awaitedAttempt(saga, reply.meta.causationId);
    const stale = reply instanceof DeliveryFailed && reply.data.attempt !== attempt;
    if (!saga || attempt === null || stale) {
      this.logger.warn(`dropped ${reply.type} ${reply.meta.messageId}: saga ${reply.meta.correlationId} is not waiting for it`);
      return;
    }
    if (this.poisoned.outranks(saga, reply)) return; // it holds the success this reports a failure of
    // FAILED because it could not be handled: it waits for a person, and the reply waits with it.
    if (saga.poisonedStatus) return this.poisoned.hold(tx, saga, reply);
    await this.decide(tx, saga, reply, (definition, state) => this.replyDecision(definition, state, reply));
  }

  /**
   * Fires a saga's timer if it is due: the step timed out, or the whole saga did; or a poisoned
   * saga's next attempt is due. Returns whether it fired.
   */
  async onTimer(sagaId: string): Promise<boolean> {
    try {
      return await this.db.transaction(async (tx) => {
        const due = await lockDueSaga(tx, sagaId);
        if (!due) return false;
        const { saga, deadlinePassed } = due;
        // A reply the saga could not handle came before its timer: it is tried again first.
        const held = this.poisoned.heldReply(saga);
        if (held) await this.decide(tx, saga, held, (definition, state) => this.replyDecision(definition, state, held));
        else await this.decide(tx, saga, null, (definition, state) => this.timerDecision(tx, saga.type, definition, state, deadlinePassed));
        return true;
      });
    } catch (error) {
      // The database failing for now (a lost connection, a deadlock, a timeout) is no fault of the
      // saga's: its timer stays due and the next sweep tries again.
      if (isTransientDatabaseError(error)) throw error;
      // What it decided could not be written (e.g. a command that cannot be stored): it is
      // poisoned all the same, in a transaction of its own.
      return this.db.transaction(async (tx) => {
        const due = await lockDueSaga(tx, sagaId);
        if (due) await this.poisoned.record(tx, due.saga, error, null);
        return due !== null;
      });
    }
  }

  /**
   * A person's retry of a FAILED saga: its compensation runs again from where it stopped; or, if
   * it FAILED because it could not be handled, it resumes where it was (see `resumePoisoned`).
   */
  async resume(sagaId: string, actor: string): Promise<ResumeResult> {
    return this.db.transaction(async (tx) => {
      const saga = await lockSaga(tx, sagaId);
      if (!saga) return 'NOT_FOUND';
      if (saga.status !== 'FAILED') return 'NOT_FAILED';
      await recordRetry(tx, saga.id, saga.currentStep, actor);
      if (saga.poisonedStatus) {
        await this.poisoned.resume(tx, saga);
        return 'RESUMED';
      }
      const definition = this.definitionOf(saga);
      await this.persist(tx, definition, saga, resumeFailed(definition, stateOf(saga)), null);
      return 'RESUMED';
    });
  }

  /**
   * Decides with `decide` what `saga` does next, and persists it. If deciding throws, its
   * definition cannot handle it: the saga is poisoned instead (see `SagaPoison`), and the transaction
   * goes on for everything else in it.
   */
  private async decide(
    tx: EntityManager,
    saga: SagaInstance,
    cause: Message | null,
    decide: (definition: AnyDefinition, state: SagaState<unknown>) => Decision<unknown>,
  ): Promise<void> {
    let definition: AnyDefinition;
    let decision: Decision<unknown>;
    try {
      definition = this.definitionOf(saga);
      decision = decide(definition, stateOf(saga));
    } catch (error) {
      return this.poisoned.record(tx, saga, error, cause);
    }
    await this.persist(tx, definition, saga, decision, cause);
  }

  private replyDecision(definition: AnyDefinition, state: SagaState<unknown>, reply: Message): Decision<unknown> {
    if (reply instanceof DeliveryFailed && state.members) {
      const failure = { messageId: reply.meta.causationId!, failure: { kind: 'ERROR' as const, message: reply.data.error } };
      return applyMemberFailures(definition, state, [failure], (step) => this.stepAttempts(definition, step));
    }
    return reply instanceof DeliveryFailed
      ? applyFailure(definition, state, { kind: 'ERROR', message: reply.data.error }, this.maxAttempts(definition, state))
      : applyReply(definition, state, reply);
  }

  /** The saga's timer fired: the whole saga ran out of time, or its step did (a technical failure). */
  private timerDecision(tx: EntityManager, type: string, definition: AnyDefinition, state: SagaState<unknown>, deadlinePassed: boolean): Decision<unknown> {
    if (state.members) return this.groupTimerDecision(tx, type, definition, state, deadlinePassed);
    const timeoutMs = this.stepTimeoutMs(definition, state);
    const decision =
      (deadlinePassed ? applyDeadline(definition, state) : null) ??
      applyFailure(definition, state, { kind: 'TIMEOUT', message: `no reply within ${timeoutMs} ms` }, this.maxAttempts(definition, state));
    const step = definition.steps[state.step].name;
    const action = state.status === 'COMPENSATING' ? 'compensate' : 'execute';
    afterCommit(tx, () => this.metrics.stepTimeouts.inc({ type, step, action }));
    return decision;
  }

  /**
   * The timer of a saga running a parallel group fired: the saga's deadline passed, or members
   * timed out: those due by now, and at least the earliest (the one the timer was set for, by the
   * database's clock).
   */
  private groupTimerDecision(tx: EntityManager, type: string, definition: AnyDefinition, state: SagaState<unknown>, deadlinePassed: boolean): Decision<unknown> {
    if (deadlinePassed) return applyDeadline(definition, state)!;
    const pending = state.members!.filter((m) => m.status === 'PENDING');
    const cutoff = Math.max(Date.now(), Math.min(...pending.map((m) => m.dueAt)));
    const due = pending.filter((m) => m.dueAt <= cutoff);
    const failures = due.map((m) => ({ messageId: m.awaiting, failure: { kind: 'TIMEOUT' as const, message: `no reply within ${this.memberTimeoutMs(definition, m)} ms` } }));
    afterCommit(tx, () => {
      for (const m of due) this.metrics.stepTimeouts.inc({ type, step: definition.steps[m.step].name, action: 'execute' });
    });
    return applyMemberFailures(definition, state, failures, (step) => this.stepAttempts(definition, step));
  }

  /**
   * Records a decision: its next command goes to the outbox, and the decision itself (the answered
   * attempt closed, the history rows added, the saga's new state and timer) is gathered with the
   * transaction's other decisions (`beforeCommit` under `DECISIONS`) and written just before the
   * commit: a batch of replies costs one statement, and it goes out with the COMMIT.
   */
  private async persist(tx: EntityManager, definition: AnyDefinition, saga: SagaInstance, decision: Decision<unknown>, cause: Message | null): Promise<void> {
    if (decision.answered) return this.persistGroup(tx, definition, saga, decision, cause);
    const [first, ...rest] = decision.finished;
    // A reply closes the awaited attempt's PENDING history row. A FAILED saga's last timeout has
    // closed that row already, so a late reply to it is recorded as a row of its own.
    const late = saga.awaitingMessageId && first && saga.status === 'FAILED';
    const answered = saga.awaitingMessageId && first && !late ? first : null;
    const finished = late ? [{ ...first, attempt: saga.attempt, messageId: saga.awaitingMessageId }, ...rest] : answered ? rest : decision.finished;
    const { history, delayMs } = await this.sendNext(tx, definition, saga.id, decision, finished, cause);
    const { state } = decision;
    // Past the point of no return the saga deadline no longer applies.
    const pastNoReturn = isRetriable(definition, state);
    const row = decisionRow(saga, definition, state, answered, pastNoReturn, this.timer(definition, decision, delayMs, !pastNoReturn));
    const pending: Unwritten = { row, history, seconds: undefined };
    await beforeCommit(tx, DECISIONS, [pending], (all) => this.write(tx, all));
    afterCommit(tx, () => {
      if (answered && pending.seconds != null) {
        this.metrics.stepDuration.observe({ type: saga.type, step: answered.step, action: answered.action, outcome: answered.status }, pending.seconds);
      }
      this.observeTransition(saga, decision);
    });
  }

  /**
   * Records a decision about a parallel group: the members' attempts it finished are closed at once
   * (one statement, only for sagas running a group), the rest is written as any decision.
   */
  private async persistGroup(tx: EntityManager, definition: AnyDefinition, saga: SagaInstance, decision: Decision<unknown>, cause: Message | null): Promise<void> {
    const closed = await closeAttempts(tx, saga.id, decision.answered!);
    const { history, delayMs } = await this.sendNext(tx, definition, saga.id, decision, decision.finished, cause);
    const pastNoReturn = isRetriable(definition, decision.state); // the step after the group may be past it
    const row = decisionRow(saga, definition, decision.state, null, pastNoReturn, this.timer(definition, decision, delayMs, !pastNoReturn));
    await beforeCommit(tx, DECISIONS, [{ row, history, seconds: undefined }], (all) => this.write(tx, all));
    afterCommit(tx, () => {
      for (const c of closed) this.metrics.stepDuration.observe({ type: saga.type, step: c.step, action: c.action, outcome: c.status }, c.seconds);
      this.observeTransition(saga, decision);
    });
  }

  /**
   * Writes decisions `tx` gathered (at most one per saga, see `lock`), in one statement.
   * Not async: its statement is sent before it returns, or it throws (see `beforeCommit`).
   */
  private write(tx: EntityManager, pending: Unwritten[]): Promise<void> {
    return saveDecisions(tx, pending.map((p) => p.row), pending.flatMap((p) => p.history)).then((seconds) => {
      for (const p of pending) p.seconds = seconds.get(p.row.id);
    });
  }

  /**
   * Addresses the next command (saga id, reply address, attempt) and puts it in the outbox, held
   * back by the retry backoff; returns the history rows to add: `finished` steps and the next attempt.
   */
  private async sendNext(
    tx: EntityManager,
    definition: AnyDefinition,
    sagaId: string,
    decision: Decision<unknown>,
    finished: Decision<unknown>['finished'],
    cause: Message | null,
  ): Promise<{ history: HistoryRow[]; delayMs: number }> {
    const trace_id = currentTraceId() ?? null;
    const history: HistoryRow[] = finished.map(({ messageId, ...f }) => ({ ...f, saga_id: sagaId, message_id: messageId ?? null, trace_id, delay_ms: 0, finished: true, attempt: f.attempt ?? 1 }));
    let delayMs = 0;
    for (const next of decision.parallel ?? (decision.next ? [decision.next] : [])) {
      const { command } = next;
      if (cause) command.causedBy(cause);
      command.meta.correlationId = sagaId;
      command.meta.replyTo = SAGA_CONSUMER;
      command.meta.attempt = next.attempt;
      delayMs = retryDelayMs(next.attempt, this.config.saga);
      // A retry starts when its backoff is over.
      history.push({ saga_id: sagaId, step: next.step, action: next.action, attempt: next.attempt, status: 'PENDING', message: null, message_id: command.meta.messageId, trace_id, delay_ms: delayMs, finished: false });
      await this.outbox.add(tx, command, { delayMs });
      // A group member's reply is due after its own backoff and timeout.
      const member = decision.state.members?.find((m) => m.awaiting === command.meta.messageId);
      if (member) member.dueAt = Date.now() + delayMs + this.memberTimeoutMs(definition, member);
    }
    return { history, delayMs };
  }

  /**
   * The saga under a row lock: as its batch `locked` it, the first time (the lock is held till
   * the commit); read again after that, since a decision since then changed it.
   */
  private async lock(tx: EntityManager, id: string, locked: Map<string, SagaInstance>): Promise<SagaInstance | null> {
    // Decided already in this transaction: what was decided is written before the row is read again.
    if (gathered<Unwritten>(tx, DECISIONS).some((pending) => pending.row.id === id)) {
      locked.delete(id);
      await flushGathered(tx, DECISIONS);
      return lockSaga(tx, id);
    }
    const saga = locked.get(id);
    if (!saga) return lockSaga(tx, id);
    locked.delete(id);
    return saga;
  }

  /** Counts what the decision changed, and logs the saga's transition; runs after the commit. */
  private observeTransition(saga: SagaInstance, decision: Decision<unknown>): void {
    const { state, next } = decision;
    for (const sent of decision.parallel ?? (next ? [next] : [])) {
      if (sent.attempt > 1) this.metrics.stepRetries.inc({ type: saga.type, step: sent.step, action: sent.action });
    }
    if (state.status === 'COMPENSATING' && isExecuting(saga.status)) {
      this.metrics.compensations.inc({ type: saga.type, reason: state.failureReason ?? 'UNKNOWN' });
    }
    if (state.status !== saga.status && ['COMPLETED', 'COMPENSATED', 'FAILED'].includes(state.status)) {
      this.metrics.sagaFinished(saga.type, state.status, saga.createdAt);
    }
    this.logTransition(saga.type, saga.id, saga.data, saga.status, decision);
  }

  private logTransition(type: string, sagaId: string, data: unknown, from: string | null, { state, next, parallel }: Decision<unknown>): void {
    const { orderId } = data as { orderId?: string };
    const sent = parallel ?? (next ? [next] : []);
    this.logger.log({
      msg: 'saga transition',
      sagaId,
      orderId,
      sagaType: type,
      from,
      to: state.status,
      ...(sent.length > 0 && { next: sent.map((n) => `${n.step}/${n.action}#${n.attempt}`).join(' + ') }),
      ...(state.failureReason && { failureReason: state.failureReason }),
    });
  }

  /**
   * The saga's timer: when the awaited reply is due at the latest (after the retry backoff and the
   * step timeout), or the saga's deadline if sooner while the saga executes and `deadlineApplies`.
   */
  private timer(definition: AnyDefinition, decision: Decision<unknown>, delayMs: number, deadlineApplies: boolean): Timer {
    const pending = decision.state.members?.filter((m) => m.status === 'PENDING');
    if (pending?.length) return { inMs: Math.max(0, Math.min(...pending.map((m) => m.dueAt)) - Date.now()), capped: deadlineApplies };
    if (!decision.next) return { inMs: null, capped: false };
    return { inMs: delayMs + this.stepTimeoutMs(definition, decision.state), capped: deadlineApplies && isExecuting(decision.state.status) };
  }

  private stepTimeoutMs(definition: AnyDefinition, state: SagaState<unknown>): number {
    return definition.steps[state.step].timeoutMs ?? this.config.saga.stepTimeoutMs;
  }

  private maxAttempts(definition: AnyDefinition, state: SagaState<unknown>): number {
    if (state.status === 'COMPENSATING') return this.config.saga.compensationAttempts;
    return this.stepAttempts(definition, state.step);
  }

  private stepAttempts(definition: AnyDefinition, step: number): number {
    return definition.steps[step].retry?.attempts ?? this.config.saga.retryAttempts;
  }

  private memberTimeoutMs(definition: AnyDefinition, member: GroupMember): number {
    return definition.steps[member.step].timeoutMs ?? this.config.saga.stepTimeoutMs;
  }

  /**
   * The definition `saga` started on. One whose type or version is not registered here throws:
   * the saga is poisoned (held, tried again later: another instance of a rolling deploy may know
   * it), then FAILED with this reason; it never goes on with another version's steps.
   */
  private definitionOf(saga: SagaInstance): AnyDefinition {
    const versions = this.definitions.get(saga.type);
    if (!versions) throw new Error(`saga type ${saga.type} is not registered`);
    const definition = versions.get(saga.definitionVersion);
    if (!definition) throw new Error(`saga ${saga.type} version ${saga.definitionVersion} is not registered (registered: ${[...versions.keys()].join(', ')})`);
    return definition;
  }
}

/** The attempt of the command `messageId` that `saga` awaits: its single awaited command, or a group member in flight; null if none. */
function awaitedAttempt(saga: SagaInstance, messageId: string | null | undefined): number | null {
  if (saga.awaitingMessageId === messageId) return saga.attempt;
  return saga.progress?.members?.find((m) => m.status === 'PENDING' && m.awaiting === messageId)?.attempt ?? null;
}

/** A decision waiting for its transaction's commit; `seconds`: how long the attempt it answered took, once written. */
interface Unwritten {
  row: DecisionRow;
  history: HistoryRow[];
  seconds: number | undefined;
}
