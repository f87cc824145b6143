import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { afterCommit } from '../../database/transaction-hooks.js';
import { DeliveryFailed } from '../../messaging/delivery-failed.js';
import { type Message, restoreMessage } from '../../messaging/message.js';
import { Metrics } from '../../observability/metrics.js';
import type { HeldReply, SagaInstance } from './saga-instance.entity.js';
import { savePoisoning, stateOf } from './saga-store.js';
import { applyPoison, resumePoisoned, retryDelayMs } from './saga-transition.js';

/**
 * Poisoned sagas: a saga whose timer or reply its definition cannot handle (its type is no longer
 * registered, its step no longer exists, a function of it throws). The engine records it in the
 * transaction that could not decide, which has written nothing for the saga, so that transaction
 * goes on with everything else (a timer whose decision cannot be written is recorded in a
 * transaction of its own): the saga alone waits, holding the reply, is tried again after a
 * backoff, then is FAILED for a person, who resumes it once the cause is fixed.
 */
@Injectable()
export class SagaPoison {
  private readonly logger = new Logger(SagaPoison.name);

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Records that `saga` cannot handle its timer or `reply` (see `applyPoison`). */
  async record(tx: EntityManager, saga: SagaInstance, error: unknown, reply: Message | null): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const attempts = saga.poisonAttempts + 1;
    const { state, retry, poisonedIn } = applyPoison(stateOf(saga), message, attempts, this.config.saga.poisonAttempts);
    await savePoisoning(tx, saga.id, {
      status: state.status,
      lastError: state.lastError,
      attempts,
      poisonedStatus: poisonedIn,
      heldReply: reply ? heldReplyOf(reply) : saga.heldReply,
      timerMs: retry ? retryDelayMs(attempts + 1, { retryDelayMs: this.config.saga.poisonDelayMs, maxRetryDelayMs: 16 * this.config.saga.poisonDelayMs }) : null,
    });
    this.logger.error(`saga ${saga.id} (${saga.type}) cannot handle ${reply?.type ?? 'its timer'}, attempt ${attempts}${retry ? '' : ', FAILED'}: ${message}`);
    afterCommit(tx, () => {
      this.metrics.sagasPoisoned.inc({ type: saga.type, outcome: retry ? 'retried' : 'failed' });
      if (state.status !== saga.status) this.metrics.sagaFinished(saga.type, state.status, saga.createdAt);
    });
  }

  /** A saga FAILED because it could not be handled waits for a person: the reply to its awaited command waits with it. */
  async hold(tx: EntityManager, saga: SagaInstance, reply: Message): Promise<void> {
    const { status, lastError, poisonAttempts: attempts, poisonedStatus } = saga;
    await savePoisoning(tx, saga.id, { status, lastError, attempts, poisonedStatus, heldReply: heldReplyOf(reply), timerMs: null });
  }

  /** A person's retry (see `resumePoisoned`): due at once, with a fresh count, so the timer sweep tries again what failed. */
  async resume(tx: EntityManager, saga: SagaInstance): Promise<void> {
    const { status, lastError } = resumePoisoned(stateOf(saga), saga.poisonedStatus!);
    await savePoisoning(tx, saga.id, { status, lastError, attempts: 0, poisonedStatus: null, heldReply: saga.heldReply, timerMs: 0 });
  }

  /**
   * Whether the reply `saga` holds outranks `reply`, which is then dropped: a success it could not
   * handle yet against a failure report of the same command (a second delivery that threw),
   * which cannot undo what was done.
   */
  outranks(saga: SagaInstance, reply: Message): boolean {
    const drop = reply instanceof DeliveryFailed && saga.heldReply !== null && saga.heldReply.type !== DeliveryFailed.type;
    if (drop) this.logger.warn(`dropped ${reply.type} ${reply.meta.messageId}: saga ${saga.id} holds the success of the command it reports on`);
    return drop;
  }

  /** The reply the saga holds, to apply before anything else; throws if its type is no longer known. */
  heldReply(saga: SagaInstance): Message | null {
    const held = saga.heldReply;
    return held && restoreMessage(held.type, held.data, held.meta);
  }
}

function heldReplyOf(reply: Message): HeldReply {
  return { type: reply.type, data: reply.data, meta: reply.meta };
}
