import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { execute } from '../database/prepared.js';
import { afterCommit, beforeCommit } from '../database/transaction-hooks.js';
import { Metrics } from '../observability/metrics.js';
import { contextFrom, inSpan, SpanKind } from '../observability/tracing.js';
import { DeliveryFailed } from './delivery-failed.js';
import { type DeliveredRow, DeliveryContext } from './delivery-context.js';
import { FaultInjector } from './fault-injector.js';
import { isLostLease } from './lost-lease.js';
import { type Message, restoreMessage } from './message.js';
import { COMMAND_BUS_CONSUMER, type Consumer, MessageConsumers } from './message-consumers.js';
import { Outbox, type OutboxDelivery } from './outbox.js';
import { RESCHEDULE, SETTLE, SETTLE_FAILED } from './relay-statements.js';
import { Routes } from './routes.js';
import type { Transport } from './transport.js';

type ClaimedRow = OutboxDelivery;
/** The writes after a claim that a lost lease turns into no-ops (the `write` label of `relay_lost_leases_total`). */
export type LostLeaseWrite = 'settle' | 'settle-failed' | 'reschedule' | 'dead-letter' | 'release';

/**
 * How the relay delivers the rows it holds (see `Relay`): a batch in one transaction that every
 * consumer joins, settling each row there (via the consumer's inbox, or here). Each transaction
 * has its `DeliveryContext`, made here and passed to every consumer, which carries its rows,
 * their claim tokens and the replies to apply. If any message of a batch fails, the batch rolls
 * back and its rows go one by one, each in its own transaction, so one failure never undoes the
 * others. A reply a delivery sends to a consumer of this process is applied in the delivery's own
 * transaction (see `applyLocalReplies`). When a handler throws: a command whose requester awaits
 * a reply is answered with DeliveryFailed (the requester, e.g. a saga, owns the retry policy);
 * anything else is retried with backoff and, past RELAY_MAX_ATTEMPTS, dead-lettered.
 */
@Injectable()
export class Delivery {
  private readonly logger = new Logger(Delivery.name);

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
   * fails, the batch rolls back and each row goes alone, with its own failure handling. Returns
   * the rows whose failure could not be recorded (the database was gone): the relay releases
   * them on its next claim.
   */
  async deliverBatch(rows: ClaimedRow[]): Promise<ClaimedRow[]> {
    const transport = this.routes.transportOf(rows[0].destination); // a lane's rows share their destination
    if (transport && transport !== 'local') return this.deliverRemote(transport, rows);
    // Injected latency (off unless configured) is served here, before the delivery's transaction
    // opens, once for the batch (its slowest command): slept inside, it would hold the
    // transaction and its connection open, latency × batch size.
    await this.faults.delay(rows.filter((row) => row.consumer === COMMAND_BUS_CONSUMER).map((row) => row.type));
    if (rows.length === 1) return unrecorded([await this.deliver(rows[0])]);
    let delivered: DeliveredRow[] = [];
    try {
      delivered = rows.map((row) => this.restore(row));
      const timings = await this.inTransaction(delivered, { applyReplies: true });
      this.metrics.relayBatch.observe(rows.length);
      rows.forEach((row, i) => this.metrics.relayDispatch.observe({ consumer: row.consumer, outcome: 'delivered' }, timings[i]));
      return [];
    } catch (error) {
      this.logger.debug(`a batch of ${rows.length} rows failed, delivering them one by one: ${String(error)}`);
    }
    // The same delivered rows: a delivery's injected fault, if any, is decided once (see FaultInjector).
    const left: (ClaimedRow | undefined)[] = [];
    for (const [i, row] of rows.entries()) left.push(await this.deliver(row, delivered[i]));
    return unrecorded(left);
  }

  /**
   * Sends rows to the process that hosts their module, all at once, outside any transaction (a
   * slow module holds no connection here); then, in one transaction, settles the rows that went
   * and applies the replies they brought back (a gRPC answer), so the saga's next command commits
   * with the answer to its last. A row that could not be sent fails as a local delivery would.
   * If that transaction fails, the sent rows go again later: their module's inbox applies each
   * once and answers a repeat the same.
   */
  private async deliverRemote(transport: Transport, rows: ClaimedRow[]): Promise<ClaimedRow[]> {
    const delivered: (DeliveredRow | undefined)[] = [];
    const timers = rows.map((row) => this.metrics.relayDispatch.startTimer({ consumer: row.consumer }));
    const send = async (row: ClaimedRow, i: number) => transport.send(row.destination, (delivered[i] = this.restore(row)).message);
    const outcomes = await Promise.allSettled(rows.map(send));
    const sent: number[] = [];
    const left: (ClaimedRow | undefined)[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') sent.push(i);
      else {
        timers[i]({ outcome: 'failed' });
        left.push(await this.failed(rows[i], delivered[i]?.message, outcome.reason));
      }
    }
    if (sent.length === 0) return unrecorded(left);
    const replies = sent.flatMap((i) => (outcomes[i] as PromiseFulfilledResult<Message[]>).value);
    try {
      await this.inTransaction(sent.map((i) => delivered[i]!), { applyReplies: true, dispatch: (delivery) => this.outbox.add(delivery, replies).then(() => []) });
      this.metrics.relayBatch.observe(sent.length);
      for (const i of sent) timers[i]({ outcome: 'delivered' });
    } catch (error) {
      for (const i of sent) {
        timers[i]({ outcome: 'failed' });
        if (isLostLease(error)) this.lostLease(rows[i], 'settle');
        else left.push(await this.reschedule(rows[i], `sent, but settling it failed: ${String(error)}`));
      }
    }
    return unrecorded(left);
  }

  /**
   * Delivers rows (one, or a lane's batch) in one transaction that their consumers join, through
   * its `DeliveryContext`, with the replies they send to consumers of this process unless
   * `applyReplies` is off; settles every row that the consumer's inbox did not. Returns each
   * row's dispatch time in seconds. `dispatch` replaces the handing to consumers (a remote
   * delivery's replies); `opened` is told the context, for a caller to read it after a rollback.
   */
  private inTransaction(
    delivered: DeliveredRow[],
    {
      applyReplies,
      dispatch = (delivery) => this.dispatchAll(delivery, delivered),
      opened,
    }: { applyReplies: boolean; dispatch?: (delivery: DeliveryContext) => Promise<number[]>; opened?: (delivery: DeliveryContext) => void },
  ): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      const delivery = new DeliveryContext(tx, delivered, applyReplies);
      opened?.(delivery);
      const seconds = await dispatch(delivery);
      await this.applyLocalReplies(delivery);
      const unsettled = delivery.unsettled().map(({ row }) => row);
      // Settled with the transaction's last writes, in the COMMIT's round trip; if another relay
      // has claimed one of the rows since, SETTLE raises and the whole transaction rolls back.
      if (unsettled.length > 0) await beforeCommit(tx, 'relay-settle', unsettled, (settle) => execute(tx, SETTLE, [settle.map((row) => row.id), settle.map((row) => row.claimToken)]).then(() => undefined));
      return seconds;
    });
  }

  /** Dispatches rows of one consumer in the delivery's transaction, after its batch hook; returns each one's time in seconds. */
  private async dispatchAll(delivery: DeliveryContext, delivered: { row: ClaimedRow; message: Message }[]): Promise<number[]> {
    const consumer = this.consumers.consumer(delivered[0].row.consumer); // a lane's rows share their consumer
    const batch = await consumer?.beforeBatch?.(delivery, delivered.map(({ message }) => message));
    const seconds: number[] = [];
    for (const { row, message } of delivered) {
      const t0 = performance.now();
      await this.dispatch(delivery, row, message, consumer, batch);
      seconds.push((performance.now() - t0) / 1000);
    }
    return seconds;
  }

  /**
   * Applies, in the delivery's transaction, the replies its handlers sent to consumers of this
   * process (their rows are written already processed, in the same commit), and the replies those
   * send in turn. A reply to the saga engine thus costs no transaction, claim or hand-over of its
   * own, and the saga's next command commits with the effect that answered the last one.
   */
  private async applyLocalReplies(delivery: DeliveryContext): Promise<void> {
    for (let local = delivery.takeLocalReplies(); local.length > 0; local = delivery.takeLocalReplies()) {
      for (const consumer of new Set(local.map((reply) => reply.row.consumer))) {
        const seconds = await this.dispatchAll(delivery, local.filter((reply) => reply.row.consumer === consumer));
        afterCommit(delivery.tx, () => seconds.forEach((s) => this.metrics.relayDispatch.observe({ consumer, outcome: 'delivered' }, s)));
      }
    }
  }

  private restore(row: ClaimedRow): DeliveredRow {
    return { row, message: restoreMessage(row.type, row.payload, row.meta) };
  }

  /**
   * Delivers one row in a transaction of its own that the consumer joins, with the relay's
   * failure handling. Returns the row if its failure could not be recorded.
   */
  private async deliver(row: ClaimedRow, restored?: DeliveredRow): Promise<ClaimedRow | undefined> {
    let delivered = restored;
    const timer = this.metrics.relayDispatch.startTimer({ consumer: row.consumer });
    try {
      delivered ??= this.restore(row);
      const only = [delivered];
      // If the message was handled but a reply failed to apply here, undoing both, it goes again
      // with its replies left to the outbox, so that failure never counts against the message.
      let first: DeliveryContext | undefined;
      await this.inTransaction(only, { applyReplies: true, opened: (delivery) => (first = delivery) }).catch((error: unknown) => {
        if (!first?.repliedLocally || isLostLease(error)) throw error;
        return this.inTransaction(only, { applyReplies: false });
      });
      this.metrics.relayBatch.observe(1);
      timer({ outcome: 'delivered' });
      return undefined;
    } catch (error) {
      timer({ outcome: 'failed' });
      return this.failed(row, delivered?.message, error);
    }
  }

  /**
   * A delivery of `row` failed with `error`: a command whose requester awaits a reply is reported
   * to it; anything else is retried with backoff. Returns the row if that could not be recorded.
   */
  private async failed(row: ClaimedRow, message: Message | undefined, error: unknown): Promise<ClaimedRow | undefined> {
    if (isLostLease(error)) return void this.lostLease(row, 'settle'); // rolled back: the row is another relay's now
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`delivery of ${row.type} #${row.id} to ${row.destination} failed (attempt ${row.attempts}): ${reason}`);
    if (message && row.consumer === COMMAND_BUS_CONSUMER && message.meta.replyTo) return this.reportFailure(row, message, reason);
    return this.reschedule(row, reason);
  }

  /**
   * Hands the message to its consumer (or, for a command, to the CommandBus, with `delivery`
   * found by `DeliveryContext.of`), in a span that continues the trace the message carries.
   */
  private dispatch(delivery: DeliveryContext, row: ClaimedRow, message: Message, consumer: Consumer | undefined, batch: unknown): Promise<unknown> {
    const attributes = () => ({
      'messaging.message.id': row.meta.messageId,
      'messaging.consumer': row.consumer,
      ...(row.id && { 'messaging.outbox.id': row.id }), // none yet for a reply applied where it was sent
      'messaging.attempt': row.attempts,
      'saga.correlation_id': row.meta.correlationId,
    });
    return inSpan(`deliver ${row.type}`, SpanKind.CONSUMER, contextFrom(row.meta.traceparent), attributes, () => {
      if (row.consumer === COMMAND_BUS_CONSUMER) return delivery.dispatch(message, () => this.commandBus.execute(message));
      if (!consumer) throw new Error(`No consumer named ${row.consumer}`);
      return consumer.handle(message, delivery, batch);
    });
  }

  /**
   * Settles the failed command and tells its requester, in one transaction; the requester decides
   * what next. Returns the row if neither that nor a reschedule could be recorded.
   */
  private async reportFailure(row: ClaimedRow, command: Message, reason: string): Promise<ClaimedRow | undefined> {
    try {
      await this.db.transaction(async (tx) => {
        const { rowCount } = await execute(tx, SETTLE_FAILED, [row.id, row.claimToken, reason.slice(0, 2000)]);
        if (rowCount === 0) return this.lostLease(row, 'settle-failed');
        const failure = new DeliveryFailed({ type: row.type, attempt: command.meta.attempt ?? 1, error: reason }).causedBy(command);
        await this.outbox.add(tx, failure);
      });
      return undefined;
    } catch (error) {
      return this.reschedule(row, `${reason}; and reporting it failed: ${String(error)}`);
    }
  }

  /**
   * Tries a row again after an exponential, jittered, capped backoff; past the limit it becomes a
   * dead letter. Returns the row if that could not be recorded.
   */
  private async reschedule(row: ClaimedRow, reason: string): Promise<ClaimedRow | undefined> {
    const dead = row.attempts >= this.config.relay.maxAttempts;
    const backoff = Math.min(this.config.relay.maxBackoffMs, 100 * 2 ** Math.min(row.attempts, 20));
    const delay = Math.round(backoff / 2 + Math.random() * (backoff / 2));
    if (dead) this.logger.error(`${row.type} #${row.id} to ${row.consumer} is dead-lettered after ${row.attempts} attempts: ${reason}`);
    try {
      const { rowCount } = await execute(this.db, RESCHEDULE, [row.id, row.claimToken, delay, reason.slice(0, 2000), dead]);
      if (rowCount === 0) this.lostLease(row, dead ? 'dead-letter' : 'reschedule');
      return undefined;
    } catch (e) {
      this.logger.warn(`could not reschedule #${row.id} (released on the next claim): ${String(e)}`);
      return row;
    }
  }

  /** A write of `row`'s delivery found its claim token replaced: another relay claimed the row after this one's lease ran out. */
  private lostLease(row: ClaimedRow, write: LostLeaseWrite): void {
    this.metrics.relayLostLeases.inc({ write });
    this.logger.warn(`lost the lease on ${row.type} #${row.id} to another relay: its ${write} changed nothing`);
  }
}

/** The rows among `rows` whose failure could not be recorded. */
function unrecorded(rows: (ClaimedRow | undefined)[]): ClaimedRow[] {
  return rows.filter((row) => row !== undefined);
}
