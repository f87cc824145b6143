import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { execute } from '../database/prepared.js';
import { sharingTransaction } from '../database/shared-transaction.js';
import { afterCommit, beforeCommit } from '../database/transaction-hooks.js';
import { Metrics } from '../observability/metrics.js';
import { contextFrom, inSpan, SpanKind } from '../observability/tracing.js';
import { DeliveryFailed } from './delivery-failed.js';
import { FaultInjector } from './fault-injector.js';
import { isLostLease } from './lost-lease.js';
import { type Message, restoreMessage } from './message.js';
import { COMMAND_BUS_CONSUMER, MessageConsumers } from './message-consumers.js';
import { Outbox, type OutboxDelivery } from './outbox.js';
import { RESCHEDULE, SETTLE, SETTLE_FAILED } from './relay-statements.js';
import { Routes } from './routes.js';
import type { Transport } from './transport.js';

type ClaimedRow = OutboxDelivery;
/** The writes after a claim that a lost lease turns into no-ops (the `write` label of `relay_lost_leases_total`). */
export type LostLeaseWrite = 'settle' | 'settle-failed' | 'reschedule' | 'dead-letter' | 'release';

/**
 * How the relay delivers the rows it holds (see `Relay`): a batch in one transaction that every
 * consumer joins, settling each row there (via the consumer's inbox, or here). If any message of
 * a batch fails, the batch rolls back and its rows go one by one, each in its own transaction, so
 * one failure never undoes the others. A reply a delivery sends to a consumer of this process is
 * applied in the delivery's own transaction (see `applyLocalReplies`). When a handler throws: a
 * command whose requester awaits a reply is answered with DeliveryFailed (the requester, e.g. a
 * saga, owns the retry policy); anything else is retried with backoff and, past
 * RELAY_MAX_ATTEMPTS, dead-lettered.
 */
@Injectable()
export class Delivery {
  private readonly logger = new Logger(Delivery.name);
  /** Rows (id → claim token) whose failure could not be recorded (the database was gone): the relay releases them on its next claim. */
  readonly unreleased = new Map<string, string>();

  constructor(
    private readonly db: DataSource,
    private readonly commandBus: CommandBus,
    private readonly consumers: MessageConsumers,
    private readonly outbox: Outbox,
    private readonly metrics: Metrics,
    private readonly faults: FaultInjector,
    private readonly routes: Routes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Delivers a batch of rows in one transaction that every consumer joins; if anything in it
   * fails, the batch rolls back and each row goes alone, with its own failure handling.
   */
  async deliverBatch(rows: ClaimedRow[]): Promise<void> {
    const transport = this.routes.transportOf(rows[0].destination); // a lane's rows share their destination
    if (transport && transport !== 'local') return this.deliverRemote(transport, rows);
    // Injected latency (off unless configured) is served here, before the delivery's transaction
    // opens, once for the batch (its slowest command): slept inside, it would hold the
    // transaction and its connection open, latency × batch size.
    await this.faults.delay(rows.filter((row) => row.consumer === COMMAND_BUS_CONSUMER).map((row) => row.type));
    if (rows.length === 1) return this.deliver(rows[0]);
    let messages: Message[] = [];
    try {
      messages = rows.map((row) => this.restore(row));
      const timings = await this.inTransaction(rows, messages, true);
      this.metrics.relayBatch.observe(rows.length);
      rows.forEach((row, i) => this.metrics.relayDispatch.observe({ consumer: row.consumer, outcome: 'delivered' }, timings[i]));
      return;
    } catch (error) {
      this.logger.debug(`a batch of ${rows.length} rows failed, delivering them one by one: ${String(error)}`);
    }
    // The same message objects: a delivery's injected fault, if any, is decided once (see FaultInjector).
    for (const [i, row] of rows.entries()) await this.deliver(row, messages[i]);
  }

  /**
   * Sends rows to the process that hosts their module, all at once, outside any transaction (a
   * slow module holds no connection here); then, in one transaction, settles the rows that went
   * and applies the replies they brought back (a gRPC answer), so the saga's next command commits
   * with the answer to its last. A row that could not be sent fails as a local delivery would.
   * If that transaction fails, the sent rows go again later: their module's inbox applies each
   * once and answers a repeat the same.
   */
  private async deliverRemote(transport: Transport, rows: ClaimedRow[]): Promise<void> {
    const messages: (Message | undefined)[] = [];
    const timers = rows.map((row) => this.metrics.relayDispatch.startTimer({ consumer: row.consumer }));
    const send = async (row: ClaimedRow, i: number) => transport.send(row.destination, (messages[i] = this.restore(row)));
    const outcomes = await Promise.allSettled(rows.map(send));
    const sent: number[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') sent.push(i);
      else {
        timers[i]({ outcome: 'failed' });
        await this.failed(rows[i], messages[i], outcome.reason);
      }
    }
    if (sent.length === 0) return;
    const replies = sent.flatMap((i) => (outcomes[i] as PromiseFulfilledResult<Message[]>).value);
    try {
      await this.inTransaction(sent.map((i) => rows[i]), sent.map((i) => messages[i]!), true, (tx) => this.outbox.add(tx, replies).then(() => []));
      this.metrics.relayBatch.observe(sent.length);
      for (const i of sent) timers[i]({ outcome: 'delivered' });
    } catch (error) {
      for (const i of sent) {
        timers[i]({ outcome: 'failed' });
        if (isLostLease(error)) this.lostLease(rows[i], 'settle');
        else await this.reschedule(rows[i], `sent, but settling it failed: ${String(error)}`);
      }
    }
  }

  /**
   * Delivers `rows` (one, or a lane's batch) in one transaction that their consumers join, with
   * the replies they send to consumers of this process unless `applyReplies` is off; settles every
   * row that the consumer's inbox did not. Returns each row's dispatch time in seconds.
   */
  private inTransaction(
    rows: ClaimedRow[],
    messages: Message[],
    applyReplies: boolean,
    dispatch: (tx: EntityManager) => Promise<number[]> = (tx) => this.dispatchAll(tx, rows, messages),
  ): Promise<number[]> {
    return this.db.transaction((tx) =>
      sharingTransaction(tx, rows.length > 1, async () => {
        for (const message of messages) Object.assign(message.delivery!, { settled: false, replied: false }); // of this attempt
        if (applyReplies) this.outbox.collectLocalReplies(tx);
        const seconds = await dispatch(tx);
        await this.applyLocalReplies(tx, messages);
        const unsettled = rows.filter((_, i) => !messages[i].delivery!.settled);
        // Settled with the transaction's last writes, in the COMMIT's round trip; if another relay
        // has claimed one of the rows since, SETTLE raises and the whole transaction rolls back.
        if (unsettled.length > 0) await beforeCommit(tx, 'relay-settle', unsettled, (settle) => execute(tx, SETTLE, [settle.map((row) => row.id), settle.map((row) => row.claimToken)]).then(() => undefined));
        return seconds;
      }),
    );
  }

  /** Dispatches rows of one consumer in `tx`, after its batch hook; returns each one's time in seconds. */
  private async dispatchAll(tx: EntityManager, rows: ClaimedRow[], messages: Message[]): Promise<number[]> {
    await this.consumers.batchHook(rows[0].consumer)?.(tx, messages); // a lane's rows share their consumer
    const seconds: number[] = [];
    for (const [i, row] of rows.entries()) {
      const t0 = performance.now();
      await this.dispatch(row, messages[i]);
      seconds.push((performance.now() - t0) / 1000);
    }
    return seconds;
  }

  /**
   * Applies, in `tx`, the replies its deliveries sent to consumers of this process (their rows are
   * written already processed, in the same commit), and the replies those send in turn. A reply
   * to the saga engine thus costs no transaction, claim or hand-over of its own, and the saga's
   * next command commits with the effect that answered the last one. Marks each of `causes` that
   * sent one as `replied`.
   */
  private async applyLocalReplies(tx: EntityManager, causes: Message[]): Promise<void> {
    for (let local = this.outbox.takeLocalReplies(tx); local.length > 0; local = this.outbox.takeLocalReplies(tx)) {
      const answered = new Set(local.map((reply) => reply.message.meta.causationId));
      for (const cause of causes) if (answered.has(cause.meta.messageId)) cause.delivery!.replied = true;
      for (const consumer of new Set(local.map((reply) => reply.row.consumer))) {
        const mine = local.filter((reply) => reply.row.consumer === consumer);
        const seconds = await this.dispatchAll(tx, mine.map((reply) => reply.row), mine.map((reply) => reply.message));
        afterCommit(tx, () => seconds.forEach((s) => this.metrics.relayDispatch.observe({ consumer, outcome: 'delivered' }, s)));
      }
    }
  }

  private restore(row: ClaimedRow): Message {
    const message = restoreMessage(row.type, row.payload, row.meta);
    message.delivery = { outboxId: row.id, claimToken: row.claimToken, settled: false };
    return message;
  }

  /** Delivers one row in a transaction of its own that the consumer joins, with the relay's failure handling. */
  private async deliver(row: ClaimedRow, restored?: Message): Promise<void> {
    let message = restored;
    const timer = this.metrics.relayDispatch.startTimer({ consumer: row.consumer });
    try {
      message ??= this.restore(row);
      const delivered = [message];
      // If the message was handled but a reply failed to apply here, undoing both, it goes again
      // with its replies left to the outbox, so that failure never counts against the message.
      await this.inTransaction([row], delivered, true).catch((error: unknown) => {
        if (!delivered[0].delivery!.replied || isLostLease(error)) throw error;
        return this.inTransaction([row], delivered, false);
      });
      this.metrics.relayBatch.observe(1);
      timer({ outcome: 'delivered' });
    } catch (error) {
      timer({ outcome: 'failed' });
      await this.failed(row, message, error);
    }
  }

  /**
   * A delivery of `row` failed with `error`: a command whose requester awaits a reply is reported
   * to it; anything else is retried with backoff.
   */
  private async failed(row: ClaimedRow, message: Message | undefined, error: unknown): Promise<void> {
    if (isLostLease(error)) return this.lostLease(row, 'settle'); // rolled back: the row is another relay's now
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`delivery of ${row.type} #${row.id} to ${row.destination} failed (attempt ${row.attempts}): ${reason}`);
    if (message && row.consumer === COMMAND_BUS_CONSUMER && message.meta.replyTo) {
      await this.reportFailure(row, message, reason);
    } else {
      await this.reschedule(row, reason);
    }
  }

  /** Hands the message to its consumer, in a span that continues the trace the message carries. */
  private dispatch(row: ClaimedRow, message: Message): Promise<unknown> {
    const attributes = {
      'messaging.message.id': row.meta.messageId,
      'messaging.consumer': row.consumer,
      ...(row.id && { 'messaging.outbox.id': row.id }), // none yet for a reply applied where it was sent
      'messaging.attempt': row.attempts,
      'saga.correlation_id': row.meta.correlationId,
    };
    return inSpan(`deliver ${row.type}`, SpanKind.CONSUMER, contextFrom(row.meta.traceparent), attributes, () => {
      if (row.consumer === COMMAND_BUS_CONSUMER) return this.commandBus.execute(message);
      const handler = this.consumers.handler(row.consumer);
      if (!handler) throw new Error(`No consumer named ${row.consumer}`);
      return handler(message);
    });
  }

  /** Settles the failed command and tells its requester, in one transaction; the requester decides what next. */
  private async reportFailure(row: ClaimedRow, command: Message, reason: string): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        const { rowCount } = await execute(tx, SETTLE_FAILED, [row.id, row.claimToken, reason.slice(0, 2000)]);
        if (rowCount === 0) return this.lostLease(row, 'settle-failed');
        const failure = new DeliveryFailed({ type: row.type, attempt: command.meta.attempt ?? 1, error: reason }).causedBy(command);
        await this.outbox.add(tx, failure);
      });
    } catch (error) {
      await this.reschedule(row, `${reason}; and reporting it failed: ${String(error)}`);
    }
  }

  /** Tries a row again after an exponential, jittered, capped backoff; past the limit it becomes a dead letter. */
  private async reschedule(row: ClaimedRow, reason: string): Promise<void> {
    const dead = row.attempts >= this.config.relay.maxAttempts;
    const backoff = Math.min(this.config.relay.maxBackoffMs, 100 * 2 ** Math.min(row.attempts, 20));
    const delay = Math.round(backoff / 2 + Math.random() * (backoff / 2));
    if (dead) this.logger.error(`${row.type} #${row.id} to ${row.consumer} is dead-lettered after ${row.attempts} attempts: ${reason}`);
    try {
      const { rowCount } = await execute(this.db, RESCHEDULE, [row.id, row.claimToken, delay, reason.slice(0, 2000), dead]);
      if (rowCount === 0) this.lostLease(row, dead ? 'dead-letter' : 'reschedule');
    } catch (e) {
      this.logger.warn(`could not reschedule #${row.id} (released on the next claim): ${String(e)}`);
      this.unreleased.set(row.id, row.claimToken);
    }
  }

  /** A write of `row`'s delivery found its claim token replaced: another relay claimed the row after this one's lease ran out. */
  private lostLease(row: ClaimedRow, write: LostLeaseWrite): void {
    this.metrics.relayLostLeases.inc({ write });
    this.logger.warn(`lost the lease on ${row.type} #${row.id} to another relay: its ${write} changed nothing`);
  }
}
