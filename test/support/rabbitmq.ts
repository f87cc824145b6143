import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { waitFor } from './wait-for.js';

/** The broker the tests use: TEST_RABBITMQ_URL, or the machine's own (guest on 127.0.0.1:5672). */
export const RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const reachable = () =>
  amqplib.connect(RABBITMQ_URL).then(
    async (connection) => {
      await connection.close();
      return true;
    },
    () => undefined,
  );

/**
 * Makes sure the broker answers: starts the machine's RabbitMQ (`rabbitmq-server -detached`) if it
 * does not, and fails loudly if it still does not. A test that needs it never skips.
 */
export async function ensureRabbitMq(): Promise<void> {
  if (await reachable()) return;
  if (!process.env.TEST_RABBITMQ_URL) spawn('rabbitmq-server', ['-detached'], { stdio: 'ignore' }).on('error', () => undefined);
  await waitFor(`RabbitMQ at ${RABBITMQ_URL.replace(/:[^:@/]+@/, ':***@')} (started with rabbitmq-server -detached if it was down)`, reachable, 60_000);
}

const rabbitmqctl = async <T>(...args: string[]): Promise<T[]> =>
  JSON.parse((await promisify(execFile)('rabbitmqctl', [...args, '--formatter', 'json', '--quiet'])).stdout) as T[];

/** The connections the machine's broker has open: the name each client gave its own, and its open channels (`rabbitmqctl`). */
export async function brokerConnections(): Promise<Array<{ name: string; channels: number }>> {
  const connections = await rabbitmqctl<{ pid: string; client_properties: Array<[string, string, unknown]> }>('list_connections', 'pid', 'client_properties');
  const channels = await rabbitmqctl<{ connection: string }>('list_channels', 'connection');
  return connections.map((c) => ({
    name: String(c.client_properties.find(([key]) => key === 'connection_name')?.[2] ?? ''),
    channels: channels.filter((ch) => ch.connection === c.pid).length,
  }));
}
