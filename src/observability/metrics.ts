import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/**
 * The app's Prometheus metrics, in a registry of its own (several apps can share a process in
 * tests). Labels are bounded: saga type, step, action, outcome, consumer, route — never an id.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly sagasStarted = new Counter({ name: 'saga_started_total', help: 'Sagas started', labelNames: ['type'], registers: [this.registry] });
  readonly sagasFinished = new Counter({
    name: 'saga_finished_total',
    help: 'Sagas that reached COMPLETED, COMPENSATED or FAILED',
    labelNames: ['type', 'status'],
    registers: [this.registry],
  });
  readonly sagaDuration = new Histogram({
    name: 'saga_duration_seconds',
    help: 'From a saga\'s start to COMPLETED, COMPENSATED or FAILED (outcome), observed as saga_finished_total counts it',
    labelNames: ['type', 'outcome'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly compensations = new Counter({
    name: 'saga_compensations_total',
    help: 'Sagas that began to compensate (divide by saga_started_total for the compensation rate)',
    labelNames: ['type', 'reason'],
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: 'saga_step_duration_seconds',
    help: 'From sending a step command to its outcome',
    labelNames: ['type', 'step', 'action', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly stepRetries = new Counter({
    name: 'saga_step_retries_total',
    help: 'Step commands sent again after a technical failure',
    labelNames: ['type', 'step', 'action'],
    registers: [this.registry],
  });
  readonly stepTimeouts = new Counter({
    name: 'saga_step_timeouts_total',
    help: 'Steps whose reply did not come in time',
    labelNames: ['type', 'step', 'action'],
    registers: [this.registry],
  });
  readonly sagasPoisoned = new Counter({
    name: 'saga_poisoned_total',
    help: 'Timers and replies a saga definition could not handle (its type is gone, a function of it threw): retried, or the saga FAILED',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  readonly relayBatch = new Histogram({
    name: 'relay_batch_size',
    help: 'Rows delivered per transaction (a batch, or one row alone)',
    buckets: [0, 1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });
  readonly relayDispatch = new Histogram({
    name: 'relay_dispatch_duration_seconds',
    help: 'Delivery of one outbox row to its consumer',
    labelNames: ['consumer', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly relayLostLeases = new Counter({
    name: 'relay_lost_leases_total',
    help: 'Writes of a delivery that changed nothing because another relay claimed the row after this one\'s lease ran out',
    labelNames: ['write'],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Attempts to POST a webhook, by outcome: delivered (2xx), rejected (another status), unreachable (network error or timeout), refused (a blocked address), dropped (its webhook was deleted)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(db: DataSource, @Inject(APP_CONFIG) config: AppConfig) {
    collectDefaultMetrics({ register: this.registry });
    // Read at scrape time, from the database: true for every instance at once.
    new Gauge({
      name: 'outbox_pending',
      help: 'Outbox rows not yet delivered (dead letters excluded)',
      registers: [this.registry],
      async collect() {
        const [row]: { n: number }[] = await db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL AND dead_at IS NULL');
        this.set(row.n);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'How long the oldest due, undelivered outbox row has been due',
      registers: [this.registry],
      async collect() {
        const [row]: { age: number | null }[] = await db.query(
          `SELECT extract(epoch FROM now() - min(available_at))::float AS age FROM messaging.outbox
            WHERE processed_at IS NULL AND dead_at IS NULL AND available_at <= now()`,
        );
        this.set(row.age ?? 0);
      },
    });
    new Gauge({
      name: 'outbox_dead_letters',
      help: 'Outbox rows the relay gave up on',
      registers: [this.registry],
      async collect() {
        const [row]: { n: number }[] = await db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE dead_at IS NOT NULL AND processed_at IS NULL');
        this.set(row.n);
      },
    });
    // Only where the saga module runs: with a database per module, no other has its table.
    if (!config.modules.includes('saga')) return;
    new Gauge({
      name: 'saga_failed_waiting',
      help: 'Sagas in FAILED now, waiting for a person to retry them (read from the database at scrape time)',
      labelNames: ['type'],
      registers: [this.registry],
      async collect() {
        const rows: { type: string; n: number }[] = await db.query(`SELECT type, count(*)::int AS n FROM saga.saga_instances WHERE status = 'FAILED' GROUP BY type`);
        this.reset(); // a type with none left drops to nothing, not its last count
        for (const row of rows) this.set({ type: row.type }, row.n);
      },
    });
  }

  /**
   * A saga reached COMPLETED, COMPENSATED or FAILED (`status`): counted, and its time since it
   * started (`createdAt`, the database's clock, as close to the app's as NTP keeps them) observed.
   * Called after the commit. A FAILED saga a person retries counts again when it finishes.
   */
  sagaFinished(type: string, status: string, createdAt: Date): void {
    this.sagasFinished.inc({ type, status });
    this.sagaDuration.observe({ type, outcome: status }, Math.max(0, (Date.now() - createdAt.getTime()) / 1000));
  }
}
