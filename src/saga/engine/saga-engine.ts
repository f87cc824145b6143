import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { Inbox } from '../../messaging/inbox.js';
import type { Message } from '../../messaging/message.js';
import { MessageConsumers } from '../../messaging/message-consumers.js';
import { Outbox } from '../../messaging/outbox.js';
import type { SagaDefinition } from './saga-definition.js';
import { SagaInstance } from './saga-instance.entity.js';
import { SagaStepRecord } from './saga-step.entity.js';
import { applyReply, startSaga, type Decision } from './saga-transition.js';

/** The consumer name replies to saga commands are addressed to. */
export const SAGA_CONSUMER = 'saga';

type AnyDefinition = SagaDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Runs sagas: persists each decision of `saga-transition` (state, history, next command) in
 * one transaction, under a lock on the saga row, so one reply is applied once and in order.
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
    await tx.insert(SagaInstance, {
      id: sagaId,
      type: definition.type,
      status: decision.state.status,
      stepIndex: decision.state.step,
      currentStep: definition.steps[decision.state.step].name,
      data,
      failureReason: null,
      awaitingMessageId: decision.next?.command.meta.messageId ?? null,
    });
    await this.record(tx, sagaId, decision, null);
    return sagaId;
  }

  /** Applies a participant's reply; stale, duplicate and unexpected replies change nothing. */
  async onReply(reply: Message): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.inbox.markApplied(tx, SAGA_CONSUMER, reply))) return; // redelivered
      const saga = await tx.findOne(SagaInstance, {
        where: { id: reply.meta.correlationId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!saga || saga.awaitingMessageId !== reply.meta.causationId) {
        this.logger.warn(`dropped ${reply.type} ${reply.meta.messageId}: saga ${reply.meta.correlationId} is not waiting for it`);
        return;
      }
      const definition = this.definitions.get(saga.type);
      if (!definition) throw new Error(`saga type ${saga.type} is not registered`);
      let decision: Decision<unknown>;
      try {
        decision = applyReply(definition, { status: saga.status, step: saga.stepIndex, data: saga.data, failureReason: saga.failureReason }, reply);
      } catch (error) {
        this.logger.error(`saga ${saga.id} cannot apply ${reply.type}: ${String(error)}`);
        return; // a reply the definition does not expect; retrying it would not help
      }
      await this.record(tx, saga.id, decision, reply);
      await tx.update(SagaInstance, { id: saga.id }, {
        status: decision.state.status,
        stepIndex: decision.state.step,
        currentStep: definition.steps[decision.state.step].name,
        data: decision.state.data as object,
        failureReason: decision.state.failureReason,
        awaitingMessageId: decision.next?.command.meta.messageId ?? null,
        version: saga.version + 1,
      });
    });
  }

  /** Writes the finished attempts, opens the next one and puts its command in the outbox. */
  private async record(tx: EntityManager, sagaId: string, decision: Decision<unknown>, reply: Message | null): Promise<void> {
    let finished = decision.finished;
    if (reply && finished.length > 0) {
      const [answered, ...rest] = finished;
      await tx.update(SagaStepRecord, { sagaId, messageId: reply.meta.causationId! }, {
        status: answered.status,
        message: answered.message,
        finishedAt: () => 'now()',
      });
      finished = rest;
    }
    const rows: Partial<SagaStepRecord>[] = finished.map((f) => ({ sagaId, ...f, finishedAt: new Date() }));
    const next = decision.next;
    if (next) {
      const { command } = next;
      if (reply) command.causedBy(reply);
      command.meta.correlationId = sagaId;
      command.meta.replyTo = SAGA_CONSUMER;
      rows.push({ sagaId, step: next.step, action: next.action, status: 'PENDING', messageId: command.meta.messageId });
      await this.outbox.add(tx, command);
    }
    if (rows.length > 0) await tx.insert(SagaStepRecord, rows);
  }
}
