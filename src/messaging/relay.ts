import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { execute } from '../database/prepared.js';
import { Metrics } from '../observability/metrics.js';
import { BatchLanes } from '../common/batch-lanes.js';
import { Delivery } from './delivery.js';
import { COMMAND_BUS_CONSUMER } from './message-consumers.js';
import type { OutboxDelivery } from './outbox.js';
import { OutboxListener } from './outbox-listener.js';
import { RelayHandoff } from './relay-handoff.js';
import { CLAIM, RELEASE } from './relay-statements.js';
import { Routes } from './routes.js';

type ClaimedRow = OutboxDelivery;

/** While the database is unreachable the relay retries at least this often, so it resumes soon after. */
const OUTAGE_MAX_BACKOFF_MS = 5_000;

/**
 * Delivers outbox rows: claims due rows (or takes the rows this process hands over), queues
 * them in lanes (see `BatchLanes`), and hands each lane's batch to `Delivery`, which runs it in
 * one transaction and handles its failures. Wakes on LISTEN/NOTIFY and polls as a fallback. Any
 * number of relays, in one process or many, can share one outbox.
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
  /** Rows (id → claim token) whose failure could not be recorded (the database was gone): released on the next claim. */
  private readonly unreleased = new Map<string, string>();

  constructor(
    private readonly db: DataSource,
    private readonly delivery: Delivery,
    private readonly handoff: RelayHandoff,
    private readonly metrics: Metrics,
    private readonly routes: Routes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // A lane per command type, and per consumer for events and replies.
    const laneOf = (row: ClaimedRow) => (row.consumer === COMMAND_BUS_CONSUMER ? `command:${row.type}` : row.consumer);
    this.listener = new OutboxListener(config.databaseUrl, config.relay.pollMs, () => this.wake?.());
    this.lanes = new BatchLanes(config.relay.batchSize, laneOf, (rows) => this.deliver(rows), () => this.onBatchDone());
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
    this.handoff.open({ leaseMs: this.config.relay.leaseMs, accept: (rows) => this.accept(rows) });
    this.listener.start();
    this.loop = this.run();
  }

  /** Stops claiming new rows and waits for the deliveries in hand. */
  async stop(): Promise<void> {
    const t0 = Date.now();
    this.handoff.close();
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

  /** Delivers a lane's batch (see `Delivery`); keeps the rows whose failure could not be recorded, to release them. */
  private async deliver(rows: ClaimedRow[]): Promise<void> {
    for (const row of await this.delivery.deliverBatch(rows)) this.unreleased.set(row.id, row.claimToken);
  }

  /** Rows this process just committed, already leased to this relay: delivered without a claim. */
  private accept(rows: ClaimedRow[]): void {
    if (this.running) this.lanes.add(rows);
    else void this.release(rows); // stopping: leave them to whichever relay claims next
  }

  /** Makes rows this relay holds but will not deliver due again now, for any relay. */
  private async release(rows: ClaimedRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.releaseHeld(rows.map((row) => row.id), rows.map((row) => row.claimToken));
    } catch (error) {
      this.logger.warn(`could not release rows (their lease expires instead): ${String(error)}`);
    }
  }

  /** Releases rows by id and claim token; those another relay claimed since stay as they are, counted as lost leases. */
  private async releaseHeld(ids: string[], tokens: string[]): Promise<void> {
    const { rowCount } = await execute(this.db, RELEASE, [ids, tokens]);
    if (rowCount === ids.length) return;
    this.metrics.relayLostLeases.inc({ write: 'release' }, ids.length - rowCount);
    this.logger.warn(`lost the lease on ${ids.length - rowCount} of ${ids.length} rows to another relay: their release changed nothing`);
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
    const held = [...this.unreleased];
    await this.releaseHeld(held.map(([id]) => id), held.map(([, token]) => token));
    for (const [id] of held) this.unreleased.delete(id);
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    return (await execute<ClaimedRow>(this.db, CLAIM, [limit, this.config.relay.leaseMs, this.routes.unreachable])).rows;
  }
}
