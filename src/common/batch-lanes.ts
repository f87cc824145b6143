/**
 * Work queued in lanes, handled a batch at a time: each lane runs one batch at a time, of every
 * item that queued while the one before ran (up to `batchSize`): the busier the lane, the bigger
 * its batches, like a group commit. Lanes run side by side, so a slow lane never holds up another.
 * The relay queues its rows in them (a lane per command type or consumer), and so do requests
 * that write (see `TransactionBatcher`).
 */
export class BatchLanes<T> {
  private readonly queued = new Map<string, T[]>();
  private readonly running = new Map<string, Promise<void>>();
  private queuedItems = 0;
  private runningItems = 0;

  constructor(
    private readonly batchSize: number,
    private readonly laneOf: (item: T) => string,
    /** Handles one batch; never rejects. */
    private readonly deliver: (items: T[]) => Promise<void>,
    /** Called when a batch finishes. */
    private readonly done: () => void = () => undefined,
  ) {}

  /** Items queued or being handled. */
  get held(): number {
    return this.queuedItems + this.runningItems;
  }

  add(items: T[]): void {
    for (const item of items) {
      const lane = this.laneOf(item);
      const queue = this.queued.get(lane);
      if (queue) queue.push(item);
      else this.queued.set(lane, [item]);
      this.queuedItems++;
    }
    for (const lane of this.queued.keys()) this.pump(lane);
  }

  /** Takes back every item not yet being handled (when the relay stops). */
  takeQueued(): T[] {
    const items = [...this.queued.values()].flat();
    this.queued.clear();
    this.queuedItems = 0;
    return items;
  }

  /** Resolves when no batch is running. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private pump(lane: string): void {
    const queue = this.queued.get(lane);
    if (this.running.has(lane) || !queue) return;
    const batch = queue.splice(0, this.batchSize);
    if (queue.length === 0) this.queued.delete(lane);
    this.queuedItems -= batch.length;
    this.runningItems += batch.length;
    const run = this.deliver(batch).finally(() => {
      this.runningItems -= batch.length;
      this.running.delete(lane);
      this.pump(lane);
      this.done();
    });
    this.running.set(lane, run);
  }
}
