// The project split over three processes, each with a database of its own, as README's "A
// database per module" runs it: the front hosts order and saga and serves the HTTP API the driver
// posts to; inventory and payment one process each, reached over gRPC or RabbitMQ. Driven, awaited
// and checked exactly like the one-process project (`startProject`, `projectRun`), so the two
// differ by the process boundary alone.
import { randomBytes } from 'node:crypto';
import amqplib from 'amqplib';
import { freePort } from '../../src/database/embedded-postgres.mjs';
import { projectRun, spawnApp, startProject } from './project.mjs';

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PARTICIPANTS = ['inventory', 'payment'];

/**
 * Starts the split deployment over `transport` ('grpc' or 'rabbitmq'): the front on `frontUrl`,
 * each participant on a database `database(module)` creates. Each process migrates what it hosts.
 */
export async function startSplit(transport, frontUrl, database) {
  const urls = { order: frontUrl, saga: frontUrl, shipping: frontUrl, notification: frontUrl };
  for (const module of PARTICIPANTS) urls[module] = await database(module);
  const serviceKey = randomBytes(24).toString('hex');
  const overRabbitMq = transport === 'rabbitmq';
  // Over RabbitMQ the three share the broker, with queues of their own for this run.
  const broker = overRabbitMq ? { RABBITMQ_URL, RABBITMQ_QUEUE_PREFIX: `bench.split.${randomBytes(4).toString('hex')}` } : {};
  if (overRabbitMq) await ensureBroker();
  const grpcPorts = {};
  for (const module of PARTICIPANTS) grpcPorts[module] = await freePort();
  const started = [];
  let front;
  try {
    for (const module of PARTICIPANTS) {
      // A participant answers over RabbitMQ through its outbox to the saga's queue; the front's service key is its caller.
      const env = { ...broker, ...(overRabbitMq && { SAGA_TRANSPORT: 'rabbitmq' }), MODULES: module, GRPC_PORT: String(grpcPorts[module]), API_KEYS: `front:service:${serviceKey}` };
      started.push(await spawnApp(urls[module], env));
    }
    const routes = Object.fromEntries(
      PARTICIPANTS.map((module) => (overRabbitMq ? [`${module.toUpperCase()}_TRANSPORT`, 'rabbitmq'] : [`${module.toUpperCase()}_GRPC_URL`, `127.0.0.1:${grpcPorts[module]}`])),
    );
    front = await startProject(frontUrl, { ...broker, ...routes, MODULES: 'order,saga,shipping,notification', SERVICE_KEY: serviceKey });
    const run = await projectRun(front, urls, started);
    return {
      ...run,
      async stop() {
        await run.stop();
        if (overRabbitMq) await deleteQueues(broker.RABBITMQ_QUEUE_PREFIX);
      },
    };
  } catch (error) {
    // No process, nor queue, outlives a failed start.
    await Promise.all([front, ...started].filter(Boolean).map((p) => p.stop()));
    if (overRabbitMq) await deleteQueues(broker.RABBITMQ_QUEUE_PREFIX);
    throw error;
  }
}

/** The broker must answer: a run over RabbitMQ never skips quietly. */
async function ensureBroker() {
  const connection = await amqplib.connect(RABBITMQ_URL).catch((error) => {
    const where = RABBITMQ_URL.replace(/:[^:@/]+@/, ':***@');
    throw new Error(`split-rabbitmq needs RabbitMQ at ${where} (${error.message}): start it with \`rabbitmq-server -detached\`, or set RABBITMQ_URL`);
  });
  await connection.close();
}

/** The durable queues the run's modules used (`<prefix>.<module>`): gone with it. */
async function deleteQueues(prefix) {
  const { MODULE_NAMES } = await import('../../dist/src/config/app-config.js');
  const connection = await amqplib.connect(RABBITMQ_URL);
  const channel = await connection.createChannel();
  for (const module of MODULE_NAMES) await channel.deleteQueue(`${prefix}.${module}`);
  await connection.close();
}
