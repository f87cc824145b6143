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
  /** Demo rule for the payment module: totals above this (in cents) are declined. */
  paymentDeclineAboveCents: bigint;
  relay: {
    enabled: boolean;
    /** Fallback poll when no NOTIFY arrives (delayed retries, a lost LISTEN connection). */
    pollMs: number;
    batchSize: number;
    /** How long a claimed row stays hidden from other relays while it is being delivered. */
    leaseMs: number;
    /** Cap of the exponential backoff between delivery attempts of one row. */
    maxBackoffMs: number;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** Reads the environment; `databaseUrl` stays empty until the database is known. */
export function loadConfig(env: Env = process.env): AppConfig {
  return {
    databaseUrl: env.DATABASE_URL ?? '',
    host: env.HOST ?? '0.0.0.0',
    port: int(env, 'PORT', 3000),
    grpcPort: int(env, 'GRPC_PORT', 50051),
    paymentDeclineAboveCents: parseMoney(env.PAYMENT_DECLINE_ABOVE ?? '500.00'),
    relay: {
      enabled: env.RELAY_ENABLED !== 'false',
      pollMs: int(env, 'RELAY_POLL_MS', 500),
      batchSize: int(env, 'RELAY_BATCH_SIZE', 16),
      leaseMs: int(env, 'RELAY_LEASE_MS', 30_000),
      maxBackoffMs: int(env, 'RELAY_MAX_BACKOFF_MS', 30_000),
    },
  };
}
