import { randomBytes } from 'node:crypto';
import amqplib from 'amqplib';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.mjs';
import { AppProcess } from './app-process.js';
import { MODULE_NAMES } from '../../src/config/app-config.js';
import { ensureRabbitMq, RABBITMQ_URL } from './rabbitmq.js';
import { createEmptyDatabase } from './test-database.js';

export type Participant = 'inventory' | 'payment';
export type SplitTransport = 'grpc' | 'rabbitmq';

/** Real processes resume quickly in tests: leases expire after 1.5 s, timers are swept often. */
const QUICK = { RELAY_LEASE_MS: '1500', RELAY_POLL_MS: '100', SAGA_TIMER_POLL_MS: '100', SAGA_STEP_TIMEOUT_MS: '5000' };

/**
 * The order saga split over three processes, each with a database of its own: `front` hosts
 * order, saga and notification (and the HTTP API clients use), `inventory` and `payment` one
 * participant each, reached over gRPC or RabbitMQ.
 */
export class SplitDeployment {
  readonly processes = new Map<'front' | Participant, AppProcess>();
  private readonly grpcPorts = new Map<Participant, number>();

  private constructor(
    readonly transport: SplitTransport,
    readonly urls: Record<'front' | Participant, string>,
    readonly dbs: Record<'front' | Participant, pg.Pool>,
    private readonly frontEnv: Record<string, string>,
    private readonly participantEnv: Record<string, string>,
  ) {}

  /** Starts the three processes on three empty databases, each migrated by its process for what it hosts. */
  static async start(transport: SplitTransport, options: { front?: Record<string, string>; participants?: Record<string, string> } = {}): Promise<SplitDeployment> {
    const urls = { front: await createEmptyDatabase(), inventory: await createEmptyDatabase(), payment: await createEmptyDatabase() };
    const dbs = {
      front: new pg.Pool({ connectionString: urls.front, max: 2 }),
      inventory: new pg.Pool({ connectionString: urls.inventory, max: 2 }),
      payment: new pg.Pool({ connectionString: urls.payment, max: 2 }),
    };
    const serviceKey = randomBytes(24).toString('hex');
    // Over RabbitMQ: the three share the broker, with queues of their own for this deployment.
    const broker: Record<string, string> = transport === 'rabbitmq' ? { RABBITMQ_URL, RABBITMQ_QUEUE_PREFIX: `test.split.${randomBytes(4).toString('hex')}` } : {};
    if (transport === 'rabbitmq') await ensureRabbitMq();
    const split = new SplitDeployment(
      transport,
      urls,
      dbs,
      { ...QUICK, ...broker, SERVICE_KEY: serviceKey, ...options.front },
      // Over RabbitMQ a participant answers through its outbox to the saga's queue.
      { ...QUICK, ...broker, ...(transport === 'rabbitmq' && { SAGA_TRANSPORT: 'rabbitmq' }), API_KEYS: `front:service:${serviceKey}`, ...options.participants },
    );
    for (const participant of ['inventory', 'payment'] as const) split.grpcPorts.set(participant, await freePort());
    try {
      await Promise.all([split.startProcess('inventory'), split.startProcess('payment')]);
      await split.startProcess('front');
    } catch (error) {
      await split.stop(); // no process outlives a failed start
      throw error;
    }
    return split;
  }

  get front(): AppProcess {
    return this.processes.get('front')!;
  }

  /** Starts (or starts again) one of the three processes, on its own database and port. */
  async startProcess(which: 'front' | Participant): Promise<AppProcess> {
    const env =
      which === 'front'
        ? { ...this.frontEnv, MODULES: 'order,saga,shipping,notification', ...this.routesTo('inventory'), ...this.routesTo('payment') }
        : { ...this.participantEnv, MODULES: which, GRPC_PORT: String(this.grpcPorts.get(which)) };
    // The participants have keys (the front's service key): their public readiness probe tells when they are up.
    const app = await AppProcess.start({ ...env, DATABASE_URL: this.urls[which] }, '/health/ready');
    this.processes.set(which, app);
    return app;
  }

  async kill(which: 'front' | Participant): Promise<void> {
    const app = this.processes.get(which);
    if (!app) return;
    app.kill('SIGKILL');
    await app.exited;
    this.processes.delete(which);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((which) => this.kill(which)));
    await Promise.all(Object.values(this.dbs).map((db) => db.end()));
    if (this.transport === 'rabbitmq') await deleteQueues(this.frontEnv.RABBITMQ_QUEUE_PREFIX);
  }

  private routesTo(participant: Participant): Record<string, string> {
    const NAME = participant.toUpperCase();
    return this.transport === 'grpc' ? { [`${NAME}_GRPC_URL`]: `127.0.0.1:${this.grpcPorts.get(participant)}` } : { [`${NAME}_TRANSPORT`]: 'rabbitmq' };
  }
}

/** The durable queues a deployment's modules used: gone with it. */
async function deleteQueues(prefix: string): Promise<void> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  for (const module of MODULE_NAMES) await channel.deleteQueue(`${prefix}.${module}`);
  await connection.close();
}
