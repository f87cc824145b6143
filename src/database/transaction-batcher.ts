import type { DataSource, EntityManager } from 'typeorm';
import { BatchLanes } from '../common/batch-lanes.js';

interface Unit {
  work: (tx: EntityManager) => Promise<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for requests that write: work that arrives while a batch is running waits, then
 * shares one transaction with everything else that waited (up to `maxBatch`), so concurrent
 * requests cost one BEGIN, one COMMIT and one outbox insert between them. Alone, work runs at
 * once in a transaction of its own. Each unit sees its result only after the shared commit. If
 * any unit fails, the batch rolls back and each unit runs again alone, so one bad request never
 * fails another; a unit must therefore be safe to run twice when the first run rolled back
 * (anything it does outside the transaction waits for `afterCommit`).
 */
export class TransactionBatcher {
  private readonly lanes: BatchLanes<Unit>;

  constructor(
    private readonly db: DataSource,
    maxBatch: number,
  ) {
    this.lanes = new BatchLanes<Unit>(maxBatch, () => 'all', (units) => this.runBatch(units));
  }

  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.lanes.add([{ work, resolve: resolve as (result: unknown) => void, reject }]));
  }

  private async runBatch(units: Unit[]): Promise<void> {
    if (units.length > 1) {
      try {
        const results = await this.db.transaction(async (tx) => {
          const done: unknown[] = [];
          for (const unit of units) done.push(await unit.work(tx));
          return done;
        });
        units.forEach((unit, i) => unit.resolve(results[i]));
        return;
      } catch {
        // One of them failed: each again alone, below, and only that one fails.
      }
    }
    for (const unit of units) await this.db.transaction(unit.work).then(unit.resolve, unit.reject);
  }
}
