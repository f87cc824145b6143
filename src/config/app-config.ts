import { type ApiKey, parseApiKeys } from '../auth/api-keys.js';
import { isMoney, parseMoney } from '../common/money.js';
import { EnvReader } from './env-reader.js';

/** The business modules. A process hosts some of them (`MODULES`) and reaches the others by a route. */
export const MODULE_NAMES = ['order', 'saga', 'inventory', 'payment', 'shipping', 'notification'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** Modules whose commands have gRPC calls (see `GrpcCall`): the others are reached over RabbitMQ only. */
const GRPC_REACHABLE: readonly ModuleName[] = ['inventory', 'payment', 'shipping', 'notification'];

/** How a process reaches a module hosted elsewhere: that module's gRPC service, or its RabbitMQ queue. */
export type Route = { transport: 'grpc'; url: string } | { transport: 'rabbitmq' };

/** Everything the app reads from its environment, parsed once at start-up. */
export interface AppConfig {
  /** The business modules this process hosts (`MODULES`, all by default). */
  modules: ModuleName[];
  /** Modules hosted elsewhere, by name (`<MODULE>_GRPC_URL`, `<MODULE>_TRANSPORT`); a module with neither is left to a process on this database that hosts it. */
  routes: Partial<Record<ModuleName, Route>>;
  /** The key this process presents to the gRPC services of other modules (`SERVICE_KEY`): their API_KEYS give it the service role. */
  serviceKey: string;
  /** Set by the caller: `DATABASE_URL`, or the embedded cluster started for it. */
  databaseUrl: string;
  /** Where the embedded PostgreSQL keeps its data (`DATA_DIR`). */
  dataDir: string;
  /** Seeds the demo catalogue once at start (`SEED_DEMO_DATA`). */
  seedDemoData: boolean;
  /** Migrates the database at start (`MIGRATIONS_RUN`); off, `npm run migrate -- up` does it. */
  migrationsRun: boolean;
  /** Interface HTTP listens on (`HOST`, loopback by default). */
  host: string;
  port: number;
  /** Interface gRPC listens on (`GRPC_HOST`, `HOST` by default). */
  grpcHost: string;
  /** 0 turns the gRPC server off (e.g. for a second in-process instance in tests). */
  grpcPort: number;
  security: {
    /** `API_KEYS`: none means protected mode (loopback only, unless ALLOW_UNAUTHENTICATED). */
    apiKeys: ApiKey[];
    /** Listening beyond loopback with no keys, knowingly. */
    allowUnauthenticated: boolean;
    /** Requests per window per key (or per client address without one); 0 turns the limit off. */
    rateLimit: number;
    rateLimitWindowMs: number;
    /** Origins allowed to call the API from a browser (CORS); none: CORS off. */
    corsOrigins: string[];
    /** The largest gRPC message received or sent, in bytes. */
    grpcMaxMessageBytes: number;
    /** PEM files: TLS for gRPC with cert and key; mutual TLS (clients need a certificate signed by it) with a CA too. */
    grpcTls: { cert: string; key: string; ca: string } | null;
  };
  /** /health/ready fails while the oldest due outbox row has waited longer than this. */
  readyMaxBacklogAgeMs: number;
  /** pino level: trace, debug, info, warn, error (`LOG_LEVEL`). */
  logLevel: string;
  /** Demo rule for the payment module: totals above this (in cents) are declined. */
  paymentDeclineAboveCents: bigint;
  /**
   * Risk rule of the payment module's verification (`PAYMENT_REVIEW_ABOVE`, in cents): a hold
   * above this is not taken before a person reviewed it (verified-order answers RISK_REVIEW).
   */
  paymentReviewAboveCents: bigint;
  /** Rule of the shipping module: the countries it ships to (ISO 3166-1 alpha-2, `SHIPPING_COUNTRIES`); empty: every country. */
  shippingCountries: string[];
  /** The most orders placed in one transaction when requests arrive together (1: each alone). */
  orderBatchSize: number;
  /**
   * The version of the order saga new orders start on (`PLACE_ORDER_SAGA_VERSION`): 1 (reserve,
   * charge, confirm) or 2 (stock and money held at once, capture, shipment, stock shipped, confirm,
   * notification), 2 by default. Both are always registered, so sagas in flight finish on theirs;
   * a rolling upgrade from a release that knows only 1 sets 1 until every instance runs this one.
   */
  placeOrderSagaVersion: 1 | 2;
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
    /** The deadline of a call to a module hosted elsewhere (`MODULE_CALL_TIMEOUT_MS`): past it, the delivery failed and is retried. */
    callTimeoutMs: number;
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
    /**
     * First delay before handling a poisoned saga again (doubling, up to 16x). Long by default: in
     * a rolling deploy an instance that does not know a new saga type yet may meet one of its sagas.
     */
    poisonDelayMs: number;
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
  /** Integration events (`OrderCreated`, …) go to a topic exchange of this broker; none when `url` is empty. */
  rabbitmq: {
    url: string;
    exchange: string;
    /** A module's queue of commands and replies is `<queuePrefix>.<module>` (`RABBITMQ_QUEUE_PREFIX`). */
    queuePrefix: string;
  };
  /** Webhooks on order status (`/api/v1/webhooks`), hosted with `order`. */
  webhooks: {
    /** Targets resolving to private, loopback, link-local or unspecified addresses are accepted (`WEBHOOK_ALLOW_PRIVATE`); off by default (SSRF). */
    allowPrivate: boolean;
    /** The deadline of one POST to a target (`WEBHOOK_TIMEOUT_MS`): past it, the attempt failed and is retried. */
    timeoutMs: number;
    /** How often each instance reloads which events have webhooks, besides the NOTIFY of every change (`WEBHOOK_REFRESH_MS`). */
    refreshMs: number;
  };
  /** Off by default: technical failures and latency injected into participants, for tests and demos. */
  faults: {
    inventoryFailureRate: number;
    paymentFailureRate: number;
    notificationFailureRate: number;
    inventoryLatencyMs: number;
    paymentLatencyMs: number;
    shippingFailureRate: number;
    shippingLatencyMs: number;
    notificationLatencyMs: number;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

type Env = Record<string, string | undefined>;

const DAY_MS = 24 * 60 * 60_000;
const HOUR_MS = 60 * 60_000;
/** A host name or an IPv4/IPv6 address. */
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

export const isLoopback = (host: string): boolean => LOOPBACK.test(host);

/**
 * Reads and validates the environment: every setting's type and range, and the relations between
 * them. Throws a `ConfigError` naming every bad variable with what it accepts; the process does
 * not start. `databaseUrl` stays empty until the database is known.
 */
export function loadConfig(raw: Env = process.env): AppConfig {
  const env = new EnvReader(raw);
  const ms = (name: string, fallback: number, min = 1, max = 7 * DAY_MS) => env.int(name, fallback, { min, max });
  const host = env.string('HOST', '127.0.0.1', HOST, 'a host name or IP address to listen on');
  const modules = hostedModules(env);
  const config: AppConfig = {
    modules,
    routes: routes(env, modules),
    serviceKey: env.string('SERVICE_KEY', '', /^\S{16,}$/, 'at least 16 characters without spaces', { secret: true }),
    databaseUrl: env.string('DATABASE_URL', '', /^postgres(ql)?:\/\/\S+$/, 'a postgres:// or postgresql:// URL', { secret: true }),
    dataDir: env.string('DATA_DIR', '.data', /^[^\0]{1,4096}$/, 'a directory path'),
    seedDemoData: env.bool('SEED_DEMO_DATA', true),
    migrationsRun: env.bool('MIGRATIONS_RUN', true),
    host,
    port: env.int('PORT', 3000, { max: 65_535 }),
    grpcHost: env.string('GRPC_HOST', host, HOST, 'a host name or IP address to listen on'),
    grpcPort: env.int('GRPC_PORT', 50051, { max: 65_535 }),
    security: {
      apiKeys: parseApiKeys(env),
      allowUnauthenticated: env.bool('ALLOW_UNAUTHENTICATED', false),
      rateLimit: env.int('RATE_LIMIT', 1000, { max: 1_000_000 }),
      rateLimitWindowMs: ms('RATE_LIMIT_WINDOW_MS', 1000, 100, HOUR_MS),
      corsOrigins: corsOrigins(env),
      grpcMaxMessageBytes: env.int('GRPC_MAX_MESSAGE_BYTES', 4 * 1024 * 1024, { min: 1024, max: 256 * 1024 * 1024 }),
      grpcTls: grpcTls(env),
    },
    logLevel: env.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    readyMaxBacklogAgeMs: ms('READY_MAX_BACKLOG_AGE_MS', 30_000),
    paymentDeclineAboveCents: parseMoney(env.string('PAYMENT_DECLINE_ABOVE', '500.00', isMoney, 'an amount with at most 2 decimals, e.g. 500.00')),
    // Below the demo gateway's PAYMENT_DECLINE_ABOVE, so holds it approves can still go to review.
    paymentReviewAboveCents: parseMoney(env.string('PAYMENT_REVIEW_ABOVE', '250.00', isMoney, 'an amount with at most 2 decimals, e.g. 250.00')),
    shippingCountries: shippingCountries(env),
    orderBatchSize: env.int('ORDER_BATCH_SIZE', 16, { min: 1, max: 1000 }),
    placeOrderSagaVersion: env.int('PLACE_ORDER_SAGA_VERSION', 2, { min: 1, max: 2 }) as 1 | 2,
    relay: {
      enabled: env.bool('RELAY_ENABLED', true),
      pollMs: ms('RELAY_POLL_MS', 500, 10, HOUR_MS),
      batchSize: env.int('RELAY_BATCH_SIZE', 16, { min: 1, max: 1000 }),
      leaseMs: ms('RELAY_LEASE_MS', 30_000, 100),
      maxBackoffMs: ms('RELAY_MAX_BACKOFF_MS', 30_000, 100),
      maxAttempts: env.int('RELAY_MAX_ATTEMPTS', 10, { min: 1, max: 1000 }),
      callTimeoutMs: ms('MODULE_CALL_TIMEOUT_MS', 10_000, 10, HOUR_MS),
    },
    saga: {
      retryAttempts: env.int('SAGA_RETRY_ATTEMPTS', 3, { min: 1, max: 1000 }),
      retryDelayMs: ms('SAGA_RETRY_DELAY_MS', 200),
      compensationAttempts: env.int('SAGA_COMPENSATION_ATTEMPTS', 8, { min: 1, max: 1000 }),
      maxRetryDelayMs: ms('SAGA_MAX_RETRY_DELAY_MS', 30_000),
      stepTimeoutMs: ms('SAGA_STEP_TIMEOUT_MS', 30_000, 10),
      // At most 24.8 days: timers travel as a 32-bit number of milliseconds.
      timeoutMs: env.int('SAGA_TIMEOUT_SECONDS', 300, { min: 1, max: 2_147_483 }) * 1000,
      timerPollMs: ms('SAGA_TIMER_POLL_MS', 250, 10, HOUR_MS),
      poisonAttempts: env.int('SAGA_POISON_ATTEMPTS', 5, { min: 1, max: 1000 }),
      poisonDelayMs: ms('SAGA_POISON_DELAY_MS', 30_000, 10, DAY_MS),
    },
    retention: {
      intervalMs: env.int('RETENTION_INTERVAL_MS', 60_000, { max: DAY_MS }),
      batchSize: env.int('RETENTION_BATCH_SIZE', 1000, { min: 1, max: 100_000 }),
      outboxMs: ms('RETENTION_OUTBOX_MS', HOUR_MS, 0, 365 * DAY_MS),
      inboxMs: ms('RETENTION_INBOX_MS', 7 * DAY_MS, 0, 365 * DAY_MS),
      sagaMs: ms('RETENTION_SAGA_MS', 7 * DAY_MS, 0, 365 * DAY_MS),
      // Never less than a day: a client may retry a request for that long and must not place a second order.
      idempotencyKeyMs: ms('RETENTION_IDEMPOTENCY_KEY_MS', DAY_MS, DAY_MS, 365 * DAY_MS),
    },
    rabbitmq: {
      url: env.string('RABBITMQ_URL', '', /^amqps?:\/\/\S+$/, 'an amqp:// or amqps:// URL', { secret: true }),
      exchange: env.string('RABBITMQ_EXCHANGE', 'saga.events', /^[A-Za-z0-9_.:-]{1,200}$/, 'an exchange name (letters, digits, "_", ".", ":", "-")'),
      queuePrefix: env.string('RABBITMQ_QUEUE_PREFIX', 'saga.modules', /^[A-Za-z0-9_.:-]{1,200}$/, 'a queue name prefix (letters, digits, "_", ".", ":", "-")'),
    },
    webhooks: {
      allowPrivate: env.bool('WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: ms('WEBHOOK_TIMEOUT_MS', 5_000, 10, 10 * 60_000),
      refreshMs: ms('WEBHOOK_REFRESH_MS', 5_000, 10, HOUR_MS),
    },
    faults: {
      inventoryFailureRate: env.rate('INVENTORY_FAILURE_RATE'),
      paymentFailureRate: env.rate('PAYMENT_FAILURE_RATE'),
      notificationFailureRate: env.rate('NOTIFICATION_FAILURE_RATE'),
      inventoryLatencyMs: env.int('INVENTORY_LATENCY_MS', 0, { max: 10 * 60_000 }),
      paymentLatencyMs: env.int('PAYMENT_LATENCY_MS', 0, { max: 10 * 60_000 }),
      shippingFailureRate: env.rate('SHIPPING_FAILURE_RATE'),
      shippingLatencyMs: env.int('SHIPPING_LATENCY_MS', 0, { max: 10 * 60_000 }),
      notificationLatencyMs: env.int('NOTIFICATION_LATENCY_MS', 0, { max: 10 * 60_000 }),
    },
  };
  checkRelations(env, config);
  env.done();
  return config;
}

function hostedModules(env: EnvReader): ModuleName[] {
  const listed = env.list('MODULES');
  if (listed.length === 0) return [...MODULE_NAMES];
  const unknown = listed.filter((m) => !(MODULE_NAMES as readonly string[]).includes(m));
  env.check(unknown.length === 0, `MODULES must list modules among ${MODULE_NAMES.join(', ')}, got "${unknown.join(', ')}"`);
  const modules = MODULE_NAMES.filter((m) => listed.includes(m));
  // The order and its saga start in one transaction.
  env.check(!modules.includes('order') || modules.includes('saga'), 'MODULES: order needs saga in the same process (an order and its saga start in one transaction)');
  return modules;
}

/** `<MODULE>_TRANSPORT` (grpc or rabbitmq; grpc by default when `<MODULE>_GRPC_URL` is set) for each module not hosted here. */
function routes(env: EnvReader, hosted: ModuleName[]): AppConfig['routes'] {
  const found: AppConfig['routes'] = {};
  for (const module of MODULE_NAMES) {
    const NAME = module.toUpperCase();
    const url = env.string(`${NAME}_GRPC_URL`, '', /^[A-Za-z0-9.:[\]-]{1,260}:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:50061');
    const transport = env.raw(`${NAME}_TRANSPORT`) === undefined ? (url ? 'grpc' : undefined) : env.oneOf(`${NAME}_TRANSPORT`, 'grpc', ['grpc', 'rabbitmq']);
    if (!transport) continue;
    if (hosted.includes(module)) {
      env.check(false, `${NAME}_TRANSPORT and ${NAME}_GRPC_URL are for modules hosted elsewhere, and MODULES includes ${module}`);
    } else if (transport === 'grpc') {
      env.check(GRPC_REACHABLE.includes(module), `${NAME}_TRANSPORT=grpc: ${module} is reached over RabbitMQ only (gRPC calls exist for ${GRPC_REACHABLE.join(', ')})`);
      env.check(url !== '', `${NAME}_TRANSPORT=grpc needs ${NAME}_GRPC_URL (host:port of the process hosting ${module})`);
      found[module] = { transport, url };
    } else {
      env.check(env.raw('RABBITMQ_URL') !== undefined, `${NAME}_TRANSPORT=rabbitmq needs RABBITMQ_URL`);
      found[module] = { transport };
    }
  }
  return found;
}

/** `SHIPPING_COUNTRIES`: two-letter country codes (`US,DE`), upper-cased; none: shipping goes everywhere. */
function shippingCountries(env: EnvReader): string[] {
  const codes = env.list('SHIPPING_COUNTRIES').map((c) => c.toUpperCase());
  const bad = codes.filter((c) => !/^[A-Z]{2}$/.test(c));
  env.check(bad.length === 0, `SHIPPING_COUNTRIES must list two-letter country codes (ISO 3166-1 alpha-2) such as US,DE, got "${bad.join(', ')}"`);
  return codes.filter((c) => !bad.includes(c));
}

/** Origins as browsers send them: `https://shop.example` or `http://localhost:8080`, no path, no trailing slash, no wildcard. */
function corsOrigins(env: EnvReader): string[] {
  const origins = env.list('CORS_ORIGINS');
  const bad = origins.filter((o) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o));
  env.check(bad.length === 0, `CORS_ORIGINS must list origins such as https://shop.example (scheme, host and port only), got "${bad.join(', ')}"`);
  return origins.filter((o) => !bad.includes(o));
}

function grpcTls(env: EnvReader): AppConfig['security']['grpcTls'] {
  const [cert, key, ca] = [env.raw('GRPC_TLS_CERT'), env.raw('GRPC_TLS_KEY'), env.raw('GRPC_TLS_CA')];
  if (!cert && !key && !ca) return null;
  if (!cert || !key) return env.fail('GRPC_TLS_CERT and GRPC_TLS_KEY must be set together (GRPC_TLS_CA adds client certificates)', null);
  return { cert, key, ca: ca ?? '' };
}

/** Settings that are each valid but wrong together. */
function checkRelations(env: EnvReader, c: AppConfig): void {
  const { saga, security } = c;
  env.check(saga.retryDelayMs <= saga.maxRetryDelayMs, `SAGA_RETRY_DELAY_MS (${saga.retryDelayMs}) must not exceed SAGA_MAX_RETRY_DELAY_MS (${saga.maxRetryDelayMs})`);
  env.check(saga.stepTimeoutMs >= saga.timerPollMs, `SAGA_STEP_TIMEOUT_MS (${saga.stepTimeoutMs}) must be at least SAGA_TIMER_POLL_MS (${saga.timerPollMs}): a timer cannot fire sooner than the sweep looks`);
  env.check(saga.timeoutMs >= saga.stepTimeoutMs, `SAGA_TIMEOUT_SECONDS (${saga.timeoutMs / 1000}) must be at least SAGA_STEP_TIMEOUT_MS (${saga.stepTimeoutMs} ms): no step could time out and be retried before the saga's deadline`);
  const grpcRoutes = Object.keys(c.routes).filter((m) => c.routes[m as ModuleName]?.transport === 'grpc');
  env.check(grpcRoutes.length === 0 || c.serviceKey !== '', `${grpcRoutes.map((m) => `${m.toUpperCase()}_GRPC_URL`).join(' and ')} needs SERVICE_KEY: the key its process's API_KEYS gives the service role`);
  // Protected mode: beyond loopback, nobody may call without a key unless that is chosen knowingly.
  const exposed = [`HOST=${c.host}`, ...(c.grpcPort > 0 ? [`GRPC_HOST=${c.grpcHost}`] : [])].filter((h) => !isLoopback(h.split('=')[1]));
  env.check(
    exposed.length === 0 || security.apiKeys.length > 0 || security.allowUnauthenticated,
    `${exposed.join(' and ')} listens beyond loopback and API_KEYS is empty: anyone who reaches it could place orders and retry sagas. ` +
      'Configure keys (API_KEYS=name:role:secret,..., roles client, viewer, operator, admin, service; a secret may be sha256:<hex>), ' +
      'or set ALLOW_UNAUTHENTICATED=true to accept the risk knowingly.',
  );
}
