import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig, type ModuleName } from '../config/app-config.js';

interface Purge {
  what: string;
  /** The module whose table it purges, purged only where that module is hosted; none: messaging's, everywhere. */
  module?: ModuleName;
  ageMs: (config: AppConfig['retention']) => number;
  /** Deletes at most $2 rows older than $1 milliseconds; answers one row, `n`, the number deleted. */
  sql: string;
}

/**
 * One batch: rows another instance is purging are skipped (SKIP LOCKED), so several instances
 * never wait on each other. `also` deletes what belongs to the deleted rows (`gone`).
 */
function purgeSql(table: string, key: string, where: string, also = ''): string {
  return `WITH gone AS (
            DELETE FROM ${table} WHERE (${key}) IN (
              SELECT ${key} FROM ${table} WHERE ${where}
               LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING ${key})${also}
          SELECT count(*)::int AS n FROM gone`;
}

const olderThan = (column: string) => `${column} < now() - $1 * interval '1 millisecond'`;

/** Only finished work goes: undelivered messages, dead letters and FAILED sagas stay. */
const PURGES: Purge[] = [
  { what: 'delivered outbox rows', ageMs: (r) => r.outboxMs, sql: purgeSql('messaging.outbox', 'id', olderThan('processed_at')) },
  { what: 'inbox rows', ageMs: (r) => r.inboxMs, sql: purgeSql('messaging.inbox', 'consumer, message_id', olderThan('applied_at')) },
  {
    what: 'finished sagas',
    module: 'saga',
    ageMs: (r) => r.sagaMs,
    sql: purgeSql(
      'saga.saga_instances',
      'id',
      // A saga finished after it started: the bound on created_at lets the purge walk the index on
      // it from the oldest, rather than scan every saga kept to find none old enough.
      `status IN ('COMPLETED', 'COMPENSATED') AND ${olderThan('created_at')} AND ${olderThan('updated_at')}`,
      `, history AS (DELETE FROM saga.saga_steps WHERE saga_id IN (SELECT id FROM gone))`,
    ),
  },
  { what: 'idempotency keys', module: 'order', ageMs: (r) => r.idempotencyKeyMs, sql: purgeSql('orders.idempotency_keys', 'key', olderThan('created_at')) },
  { what: 'saga idempotency keys', module: 'saga', ageMs: (r) => r.idempotencyKeyMs, sql: purgeSql('saga.idempotency_keys', 'key', olderThan('created_at')) },
];

/** At most this many batches of one kind per run, so a backlog is worked off over several runs. */
const MAX_BATCHES_PER_RUN = 20;

@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  /** What this process purges: the tables of its database, messaging's and its modules'. */
  private readonly purges: Purge[];

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.purges = PURGES.filter((p) => !p.module || config.modules.includes(p.module));
  }

  onApplicationBootstrap(): void {
    if (this.config.retention.intervalMs > 0 && this.config.relay.enabled) this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Purges everything past its age, batch by batch; returns how many rows of each kind went. */
  async purge(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const p of this.purges) {
      deleted[p.what] = 0;
      for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
        const [{ n }]: { n: number }[] = await this.db.query(p.sql, [p.ageMs(this.config.retention), this.config.retention.batchSize]);
        deleted[p.what] += n;
        if (n < this.config.retention.batchSize) break;
      }
    }
    return deleted;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.purge()
        .then((deleted) => {
          const total = Object.values(deleted).reduce((a, b) => a + b, 0);
          if (total > 0) this.logger.log(`purged ${JSON.stringify(deleted)}`);
        })
        .catch((error: unknown) => this.logger.warn(`purge failed: ${String(error)}`))
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, this.config.retention.intervalMs);
  }
}
