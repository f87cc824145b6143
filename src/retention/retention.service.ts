import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

interface Purge {
  what: string;
  /** Deletes at most $2 rows older than $1 milliseconds; answers one row, `n`, the number deleted. */
  sql: string;
  ageMs: (config: AppConfig['retention']) => number;
}

/**
 * Each purge deletes one small batch; rows another instance is purging are skipped, so several
 * instances never wait on each other. Only finished work goes: undelivered messages, dead
 * letters and FAILED sagas stay.
 */
const PURGES: Purge[] = [
  {
    what: 'delivered outbox rows',
    ageMs: (r) => r.outboxMs,
    sql: `WITH gone AS (
            DELETE FROM messaging.outbox WHERE id IN (
              SELECT id FROM messaging.outbox WHERE processed_at < now() - $1 * interval '1 millisecond'
               LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING 1)
          SELECT count(*)::int AS n FROM gone`,
  },
  {
    what: 'inbox rows',
    ageMs: (r) => r.inboxMs,
    sql: `WITH gone AS (
            DELETE FROM messaging.inbox WHERE (consumer, message_id) IN (
              SELECT consumer, message_id FROM messaging.inbox WHERE applied_at < now() - $1 * interval '1 millisecond'
               LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING 1)
          SELECT count(*)::int AS n FROM gone`,
  },
  {
    what: 'finished sagas',
    ageMs: (r) => r.sagaMs,
    sql: `WITH gone AS (
            DELETE FROM saga.saga_instances WHERE id IN (
              SELECT id FROM saga.saga_instances
               WHERE status IN ('COMPLETED', 'COMPENSATED') AND updated_at < now() - $1 * interval '1 millisecond'
               LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING id),
          history AS (DELETE FROM saga.saga_steps WHERE saga_id IN (SELECT id FROM gone))
          SELECT count(*)::int AS n FROM gone`,
  },
  {
    what: 'idempotency keys',
    ageMs: (r) => r.idempotencyKeyMs,
    sql: `WITH gone AS (
            DELETE FROM orders.idempotency_keys WHERE key IN (
              SELECT key FROM orders.idempotency_keys WHERE created_at < now() - $1 * interval '1 millisecond'
               LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING 1)
          SELECT count(*)::int AS n FROM gone`,
  },
];

/** At most this many batches of one kind per run, so a backlog is worked off over several runs. */
const MAX_BATCHES_PER_RUN = 20;

@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    for (const p of PURGES) {
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
