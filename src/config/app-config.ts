import { parseMoney } from '../common/money.js';

/** Everything the app reads from its environment, parsed once at start-up. */
export interface AppConfig {
  /** Set by the caller: `DATABASE_URL`, or the embedded cluster started for it. */
  databaseUrl: string;
  /** Interface HTTP and gRPC listen on. */
  host: string;
  port: number;
  /** 0 turns the gRPC server off (e.g. for a second in-process instance in tests). */
  grpcPort: number;
  /** /health/ready fails while the oldest due outbox row has waited longer than this. */
  readyMaxBacklogAgeMs: number;
  /** pino level: trace, debug, info, warn, error (`LOG_LEVEL`). */
  logLevel: string;
  /** Demo rule for the payment module: totals above this (in cents) are declined. */
  paymentDeclineAboveCents: bigint;
  /** The most orders placed in one transaction when requests arrive together (1: each alone). */
  orderBatchSize: number;
  relay: {
    enabled: boolean;
    /** Fallback poll when no NOTIFY arrives (delayed retries, a lost LISTEN connection). */
    pollMs: number;
    batchSize: number;
    /** How long a claimed row stays hidden from other relays while it is being delivered. */
    leaseMs: number;
    /** Cap of the exponential backoff between delivery attempts of one row. */
    maxBackoffMs: number;
    /** Deliveries of a row (other than a saga's command) before it is dead-lettered. */
    maxAttempts: number;
  };
  saga: {
    /** Attempts of a step's command before the saga compensates (a business "no" is never retried). */
    retryAttempts: number;
    /** First retry delay; it doubles each attempt, with jitter. */
    retryDelayMs: number;
    /** Attempts of a compensation before the saga is FAILED and needs a person. */
    compensationAttempts: number;
    /** Cap of the backoff between attempts. */
    maxRetryDelayMs: number;
    /** A step without a reply after this long is a technical failure. */
    stepTimeoutMs: number;
    /** Deadline of a whole saga: past it, a saga still executing compensates. */
    timeoutMs: number;
    /** How often each instance looks for sagas whose step or deadline expired. */
    timerPollMs: number;
    /** Attempts to handle a saga's timer or reply that its definition cannot handle, before the saga is FAILED. */
    poisonAttempts: number;
  };
  /** Purging of what is no longer needed, in small batches, so tables stay small under constant load. */
  retention: {
    /** 0 turns purging off. */
    intervalMs: number;
    batchSize: number;
    /** Delivered outbox rows. */
    outboxMs: number;
    /** Applied message ids; keep longer than any redelivery can come. */
    inboxMs: number;
    /** COMPLETED and COMPENSATED sagas with their history (FAILED ones stay for a person). */
    sagaMs: number;
    /** Idempotency keys: never less than 24 h. */
    idempotencyKeyMs: number;
  };
  /** Off by default: technical failures and latency injected into participants, for tests and demos. */
  faults: {
    inventoryFailureRate: number;
    paymentFailureRate: number;
    inventoryLatencyMs: number;
    paymentLatencyMs: number;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

type Env = Record<string, string | undefined>;

const DAY_MS = 24 * 60 * 60_000;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function rate(env: Env, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number from 0 to 1, got "${raw}"`);
  return value;
}

/** Reads the environment; `databaseUrl` stays empty until the database is known. */
export function loadConfig(env: Env = process.env): AppConfig {
  return {
    databaseUrl: env.DATABASE_URL ?? '',
    host: env.HOST ?? '0.0.0.0',
    port: int(env, 'PORT', 3000),
    grpcPort: int(env, 'GRPC_PORT', 50051),
    logLevel: env.LOG_LEVEL ?? 'info',
    readyMaxBacklogAgeMs: int(env, 'READY_MAX_BACKLOG_AGE_MS', 30_000),
    paymentDeclineAboveCents: parseMoney(env.PAYMENT_DECLINE_ABOVE ?? '500.00'),
    orderBatchSize: Math.max(1, int(env, 'ORDER_BATCH_SIZE', 16)),
    relay: {
      enabled: env.RELAY_ENABLED !== 'false',
      pollMs: int(env, 'RELAY_POLL_MS', 500),
      batchSize: int(env, 'RELAY_BATCH_SIZE', 16),
      leaseMs: int(env, 'RELAY_LEASE_MS', 30_000),
      maxBackoffMs: int(env, 'RELAY_MAX_BACKOFF_MS', 30_000),
      maxAttempts: int(env, 'RELAY_MAX_ATTEMPTS', 10),
    },
    saga: {
      retryAttempts: Math.max(1, int(env, 'SAGA_RETRY_ATTEMPTS', 3)),
      retryDelayMs: int(env, 'SAGA_RETRY_DELAY_MS', 200),
      compensationAttempts: Math.max(1, int(env, 'SAGA_COMPENSATION_ATTEMPTS', 8)),
      maxRetryDelayMs: int(env, 'SAGA_MAX_RETRY_DELAY_MS', 30_000),
      stepTimeoutMs: int(env, 'SAGA_STEP_TIMEOUT_MS', 30_000),
      timeoutMs: int(env, 'SAGA_TIMEOUT_SECONDS', 300) * 1000,
      timerPollMs: int(env, 'SAGA_TIMER_POLL_MS', 250),
      poisonAttempts: Math.max(1, int(env, 'SAGA_POISON_ATTEMPTS', 5)),
    },
    retention: {
      intervalMs: int(env, 'RETENTION_INTERVAL_MS', 60_000),
      batchSize: Math.max(1, int(env, 'RETENTION_BATCH_SIZE', 1000)),
      outboxMs: int(env, 'RETENTION_OUTBOX_MS', 60 * 60_000),
      inboxMs: int(env, 'RETENTION_INBOX_MS', 7 * DAY_MS),
      sagaMs: int(env, 'RETENTION_SAGA_MS', 7 * DAY_MS),
      idempotencyKeyMs: Math.max(DAY_MS, int(env, 'RETENTION_IDEMPOTENCY_KEY_MS', DAY_MS)),
    },
    faults: {
      inventoryFailureRate: rate(env, 'INVENTORY_FAILURE_RATE'),
      paymentFailureRate: rate(env, 'PAYMENT_FAILURE_RATE'),
      inventoryLatencyMs: int(env, 'INVENTORY_LATENCY_MS', 0),
      paymentLatencyMs: int(env, 'PAYMENT_LATENCY_MS', 0),
    },
  };
}
