import { COMMAND_BUS_CONSUMER } from './message-consumers.js';
import type { OutboxDelivery } from './outbox.js';

/**
 * The rows a relay holds, queued in lanes: one lane per command type, or per consumer for
 * events and replies. Each lane delivers one batch at a time, of every row that queued while
 * the one before ran (up to `batchSize`): the busier the lane, the bigger its batches, like a
 * group commit. Lanes run side by side, so a slow consumer never holds up another.
 */
export class DeliveryLanes {
  private readonly queued = new Map<string, OutboxDelivery[]>();
  private readonly running = new Map<string, Promise<void>>();
  private queuedRows = 0;
  private runningRows = 0;

  constructor(
    private readonly batchSize: number,
    /** Delivers one batch; never rejects. */
    private readonly deliver: (rows: OutboxDelivery[]) => Promise<void>,
    /** Called when a batch finishes. */
    private readonly done: () => void,
  ) {}

  /** Rows queued or being delivered. */
  get held(): number {
    return this.queuedRows + this.runningRows;
  }

  add(rows: OutboxDelivery[]): void {
    for (const row of rows) {
      const lane = row.consumer === COMMAND_BUS_CONSUMER ? `command:${row.type}` : row.consumer;
      const queue = this.queued.get(lane);
      if (queue) queue.push(row);
      else this.queued.set(lane, [row]);
      this.queuedRows++;
    }
    for (const lane of this.queued.keys()) this.pump(lane);
  }

  /** Takes back every row not yet being delivered (when the relay stops). */
  takeQueued(): OutboxDelivery[] {
    const rows = [...this.queued.values()].flat();
    this.queued.clear();
    this.queuedRows = 0;
    return rows;
  }

  /** Resolves when no batch is running. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private pump(lane: string): void {
    const queue = this.queued.get(lane);
    if (this.running.has(lane) || !queue) return;
    const rows = queue.splice(0, this.batchSize);
    if (queue.length === 0) this.queued.delete(lane);
    this.queuedRows -= rows.length;
    this.runningRows += rows.length;
    const run = this.deliver(rows).finally(() => {
      this.runningRows -= rows.length;
      this.running.delete(lane);
      this.pump(lane);
      this.done();
    });
    this.running.set(lane, run);
  }
}
