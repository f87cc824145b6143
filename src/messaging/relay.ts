import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { execute } from '../database/prepared.js';
import { sharingTransaction } from '../database/shared-transaction.js';
import { afterCommit, beforeCommit } from '../database/transaction-hooks.js';
import { BatchLanes } from '../common/batch-lanes.js';
import { DeliveryFailed } from './delivery-failed.js';
import { type Message, restoreMessage } from './message.js';
import { COMMAND_BUS_CONSUMER, MessageConsumers } from './message-consumers.js';
import { Outbox, type OutboxDelivery } from './outbox.js';
import { OutboxListener } from './outbox-listener.js';
import { CLAIM, RELEASE, RESCHEDULE, SETTLE, SETTLE_FAILED } from './relay-statements.js';
import { Metrics } from '../observability/metrics.js';
import { contextFrom, inSpan, SpanKind } from '../observability/tracing.js';

type ClaimedRow = OutboxDelivery;

/** While the database is unreachable the relay retries at least this often, so it resumes soon after. */
const OUTAGE_MAX_BACKOFF_MS = 5_000;

/**
 * Delivers outbox rows: claims due rows (or takes the rows this process hands over), queues
 * them in lanes (see `BatchLanes`), and delivers each lane's batch in one transaction that
 * every consumer joins, settling each row there (via the consumer's inbox, or here). If any
 * message of a batch fails, the batch rolls back and its rows go one by one, each in its own
 * transaction, so one failure never undoes the others. A reply a delivery sends to a consumer of
 * this process is applied in the delivery's own transaction (see `applyLocalReplies`). When a handler throws:
 * a command whose requester awaits a reply is answered with DeliveryFailed (the requester, e.g.
 * a saga, owns the retry policy); anything else is retried with backoff and, past
 * RELAY_MAX_ATTEMPTS, dead-lettered. Wakes on LISTEN/NOTIFY and polls as a fallback. Any number
 * of relays, in one process or many, can share one outbox.
 */
@Injectable()
export class Relay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Relay.name);
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly listener: OutboxListener;
  /** The rows this relay holds; it claims more only while they are fewer than RELAY_BATCH_SIZE. */
  private readonly lanes: BatchLanes<ClaimedRow>;
  /** Set when a claim was limited by room: the next batch to finish wakes the loop. */
  private roomWanted = false;
  /** Claims under way (rows leased but not yet in `lanes`), so `drain()` can tell when this relay is idle. */
  private claiming = 0;
  /** Consecutive failed claims: the relay backs off while the database is unreachable. */
  private claimFailures = 0;
  /** Rows this relay holds a lease on but could not reschedule (the database was gone): released on the next claim. */
  private readonly unreleased = new Set<string>();

  constructor(
    private readonly db: DataSource,
    private readonly commandBus: CommandBus,
    private readonly consumers: MessageConsumers,
    private readonly outbox: Outbox,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // A lane per command type, and per consumer for events and replies.
    const laneOf = (row: ClaimedRow) => (row.consumer === COMMAND_BUS_CONSUMER ? `command:${row.type}` : row.consumer);
    this.listener = new OutboxListener(config.databaseUrl, config.relay.pollMs, () => this.wake?.());
    this.lanes = new BatchLanes(config.relay.batchSize, laneOf, (rows) => this.deliverBatch(rows), () => this.onBatchDone());
  }

  onApplicationBootstrap(): void {
    if (this.config.relay.enabled) this.start();
  }

  /** Before the database pool closes: the deliveries in hand still need it. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.outbox.setHandoff({ leaseMs: this.config.relay.leaseMs, accept: (rows) => this.accept(rows) });
    this.listener.start();
    this.loop = this.run();
  }

  /** Stops claiming new rows and waits for the deliveries in hand. */
  async stop(): Promise<void> {
    const t0 = Date.now();
    this.outbox.setHandoff(undefined);
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.release(this.lanes.takeQueued());
    await this.lanes.settled();
    await this.listener.stop();
    this.logger.log(`relay stopped in ${Date.now() - t0} ms`);
  }

  /** Delivers every row that is due, including the rows those deliveries add; for tests and tools. */
  async drain(): Promise<void> {
    for (;;) {
      // Done only when nothing was under way before the claim, the claim found nothing, and
      // nothing is under way after it: a delivery in flight may still add rows.
      const busy = this.lanes.held > 0 || this.claiming > 0;
      const { claimed } = await this.claimAndStart();
      if (claimed === 0 && !busy && this.lanes.held === 0 && this.claiming === 0) return;
      await this.lanes.settled();
      if (claimed === 0) await new Promise((resolve) => setImmediate(resolve)); // the loop is mid-claim
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let filled = false;
      try {
        ({ filled } = await this.claimAndStart());
        this.claimFailures = 0;
      } catch (error) {
        // The database is unreachable: back off (capped), then try again; nothing is lost meanwhile.
        this.claimFailures++;
        this.logger.warn(`relay cannot claim (attempt ${this.claimFailures}): ${String(error)}`);
        await this.idle(Math.min(OUTAGE_MAX_BACKOFF_MS, this.config.relay.pollMs * 2 ** Math.min(this.claimFailures, 10)));
        continue;
      }
      // A claim that filled the room may have left more due: claim again at once. Otherwise wait
      // for a NOTIFY (new rows), a delivery to finish (room again), or the poll (delayed rows).
      if (!filled) await this.idle(this.config.relay.pollMs);
    }
  }

  /** `running`, `stopped`, or `backing-off` while it cannot reach the database (for health). */
  get state(): 'running' | 'stopped' | 'backing-off' {
    if (!this.running) return 'stopped';
    return this.claimFailures > 0 ? 'backing-off' : 'running';
  }

  private idle(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve(); // stop() came during the pass: do not sleep
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Claims as many rows as there is room for and starts delivering them; `filled`: as many as there was room for. */
  private async claimAndStart(): Promise<{ claimed: number; filled: boolean }> {
    const room = this.config.relay.batchSize - this.lanes.held;
    if (room <= 0) {
      this.roomWanted = true;
      return { claimed: 0, filled: false };
    }
    this.claiming++;
    try {
      await this.releaseUnreleased();
      const rows = await this.claim(room);
      this.lanes.add(rows);
      if (rows.length === room) this.roomWanted = true;
      return { claimed: rows.length, filled: rows.length === room };
    } finally {
      this.claiming--;
    }
  }

  /** Rows this process just committed, already leased to this relay: delivered without a claim. */
  private accept(rows: ClaimedRow[]): void {
    if (this.running) this.lanes.add(rows);
    else void this.release(rows); // stopping: leave them to whichever relay claims next
  }

  /** Makes rows this relay holds but will not deliver due again now, for any relay. */
  private async release(rows: ClaimedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await execute(this.db, RELEASE, [rows.map((row) => row.id)]).catch((error: unknown) => this.logger.warn(`could not release rows (their lease expires instead): ${String(error)}`));
  }

  /** Room again after a claim found none, or filled it: claim more. (New rows come by hand-over or NOTIFY.) */
  private onBatchDone(): void {
    if (this.roomWanted && this.running && this.lanes.held < this.config.relay.batchSize) {
      this.roomWanted = false;
      this.wake?.();
    }
  }
  /** Makes rows whose failure could not be recorded due again now, rather than when their lease ends. */
  private async releaseUnreleased(): Promise<void> {
    if (this.unreleased.size === 0) return;
    const ids = [...this.unreleased];
    await execute(this.db, RELEASE, [ids]);
    for (const id of ids) this.unreleased.delete(id);
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    return (await execute<ClaimedRow>(this.db, CLAIM, [limit, this.config.relay.leaseMs])).rows;
  }

  /**
   * Delivers a batch of rows in one transaction that every consumer joins; if anything in it
   * fails, the batch rolls back and each row goes alone, with its own failure handling.
   */
  private async deliverBatch(rows: ClaimedRow[]): Promise<void> {
    if (rows.length === 1) return this.deliver(rows[0]);
    let messages: Message[] = [];
    try {
      const timings = await this.db.transaction((tx) =>
        sharingTransaction(tx, true, async () => {
          messages = rows.map((row) => this.restore(row));
          this.outbox.collectLocalReplies(tx);
          const seconds = await this.dispatchAll(tx, rows, messages);
          await this.applyLocalReplies(tx);
          await this.settleAtCommit(tx, rows.map((row) => row.id));
          return seconds;
        }),
      );
      this.metrics.relayBatch.observe(rows.length);
      rows.forEach((row, i) => this.metrics.relayDispatch.observe({ consumer: row.consumer, outcome: 'delivered' }, timings[i]));
      return;
    } catch (error) {
      this.logger.debug(`a batch of ${rows.length} rows failed, delivering them one by one: ${String(error)}`);
    }
    // The same message objects: a delivery's injected fault, if any, is decided once (see FaultInjector).
    for (const [i, row] of rows.entries()) await this.deliver(row, messages[i]);
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
   * next command commits with the effect that answered the last one.
   */
  private async applyLocalReplies(tx: EntityManager): Promise<void> {
    for (let local = this.outbox.takeLocalReplies(tx); local.length > 0; local = this.outbox.takeLocalReplies(tx)) {
      for (const consumer of new Set(local.map((reply) => reply.row.consumer))) {
        const mine = local.filter((reply) => reply.row.consumer === consumer);
        const seconds = await this.dispatchAll(tx, mine.map((reply) => reply.row), mine.map((reply) => reply.message));
        afterCommit(tx, () => seconds.forEach((s) => this.metrics.relayDispatch.observe({ consumer, outcome: 'delivered' }, s)));
      }
    }
  }

  /** Settles delivered rows with the transaction's last writes, in the COMMIT's round trip. */
  private settleAtCommit(tx: EntityManager, ids: string[]): Promise<void> {
    return beforeCommit(tx, 'relay-settle', ids, (all) => execute(tx, SETTLE, [all]).then(() => undefined));
  }

  private restore(row: ClaimedRow): Message {
    const message = restoreMessage(row.type, row.payload, row.meta);
    message.delivery = { outboxId: row.id, settled: false };
    return message;
  }

  /** Delivers one row in a transaction of its own that the consumer joins, with the relay's failure handling. */
  private async deliver(row: ClaimedRow, restored?: Message): Promise<void> {
    let message = restored;
    const timer = this.metrics.relayDispatch.startTimer({ consumer: row.consumer });
    try {
      message ??= this.restore(row);
      const delivered = message;
      let replied = false;
      const attempt = (applyReplies: boolean) =>
        this.db.transaction((tx) =>
          sharingTransaction(tx, false, async () => {
            if (applyReplies) this.outbox.collectLocalReplies(tx);
            await this.dispatch(row, delivered);
            replied = this.outbox.hasLocalReplies(tx);
            await this.applyLocalReplies(tx);
            // A consumer that did not settle the row itself (it has no inbox) has it settled here.
            if (!delivered.delivery!.settled) await this.settleAtCommit(tx, [row.id]);
          }),
        );
      // The message was handled but its reply failed to apply here, undoing both: deliver it again
      // with the reply left to the outbox, so that failure never counts against the message.
      await attempt(true).catch((error: unknown) => {
        if (!replied) throw error;
        return attempt(false);
      });
      this.metrics.relayBatch.observe(1);
      timer({ outcome: 'delivered' });
    } catch (error) {
      timer({ outcome: 'failed' });
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`delivery of ${row.type} #${row.id} to ${row.consumer} failed (attempt ${row.attempts}): ${reason}`);
      if (message && row.consumer === COMMAND_BUS_CONSUMER && message.meta.replyTo) {
        await this.reportFailure(row, message, reason);
      } else {
        await this.reschedule(row, reason);
      }
    }
  }

  /** Hands the message to its consumer, in a span that continues the trace the message carries. */
  private dispatch(row: ClaimedRow, message: Message): Promise<unknown> {
    const attributes = {
      'messaging.message.id': row.meta.messageId,
      'messaging.consumer': row.consumer,
      'messaging.outbox.id': row.id,
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
        const { rowCount } = await execute(tx, SETTLE_FAILED, [row.id, reason.slice(0, 2000)]);
        if (rowCount === 0) return; // another relay got there first (an expired lease)
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
    await execute(this.db, RESCHEDULE, [row.id, delay, reason.slice(0, 2000), dead]).catch((e: unknown) => {
        this.logger.warn(`could not reschedule #${row.id} (released on the next claim): ${String(e)}`);
        this.unreleased.add(row.id);
      });
  }
}
