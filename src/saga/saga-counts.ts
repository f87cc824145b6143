import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

// How many sagas of each type are in each status, without counting the table: a trigger appends
// each status change to `status_count_changes`, the fold below moves them into `status_counts`,
// and a read sums both (see the migration SagaStatusCounts1765400000000).

/**
 * Moves every change appended so far into the counts, in one transaction. Another instance folding
 * at the same time waits for the rows this one deletes and then skips them, so each change is
 * counted once; new changes appended meanwhile wait for the next fold.
 */
export const FOLD = `WITH moved AS (DELETE FROM saga.status_count_changes RETURNING type, from_status, to_status, n),
    delta AS (SELECT type, to_status AS status, n FROM moved WHERE to_status IS NOT NULL
              UNION ALL
              SELECT type, from_status, -n FROM moved WHERE from_status IS NOT NULL)
  INSERT INTO saga.status_counts (type, status, n)
  SELECT type, status, sum(n) FROM delta GROUP BY type, status
   ORDER BY type, status -- two folds lock the count rows in one order: they never deadlock
  ON CONFLICT (type, status) DO UPDATE SET n = status_counts.n + excluded.n`;

/** The counts plus the changes not folded yet, read in one snapshot: exact whenever it runs. */
const READ = `SELECT type, status, sum(n)::bigint AS n FROM (
    SELECT type, status, n FROM saga.status_counts
    UNION ALL SELECT type, to_status, n FROM saga.status_count_changes WHERE to_status IS NOT NULL
    UNION ALL SELECT type, from_status, -n FROM saga.status_count_changes WHERE from_status IS NOT NULL) c
  GROUP BY type, status`;

/** How often each instance folds: the changes a read sums stay a second's worth. */
const FOLD_INTERVAL_MS = 1000;

@Injectable()
export class SagaCounts implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SagaCounts.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sagas by type and status, as the table holds them now (zero counts left out); `via` a transaction, if given. */
  async read(via: Pick<EntityManager, 'query'> = this.db): Promise<{ type: string; status: string; n: number }[]> {
    const rows: { type: string; status: string; n: string }[] = await via.query(READ);
    return rows.map((r) => ({ type: r.type, status: r.status, n: Number(r.n) })).filter((r) => r.n !== 0);
  }

  /** Folds the changes appended so far into the counts. */
  async fold(): Promise<void> {
    await this.db.query(FOLD);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.fold()
        .catch((error: unknown) => this.logger.warn(`folding the saga counts failed: ${String(error)}`))
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, FOLD_INTERVAL_MS);
  }
}
