import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { ModuleMessage } from '../src/messaging/rabbitmq/module-message.js';
import { ModuleQueues } from '../src/messaging/rabbitmq/module-queues.js';
import { RabbitMqConnection } from '../src/messaging/rabbitmq/rabbitmq-connection.js';
import { brokerConnections, ensureRabbitMq, RABBITMQ_URL } from './support/rabbitmq.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

describe('one RabbitMQ connection per process', () => {
  const exchange = `saga.events.test.${randomUUID()}`;
  const module = `test-${randomUUID()}`; // a queue of this run's own
  let inspector: amqplib.ChannelModel;
  let broker: amqplib.Channel;
  let t: TestApp;
  let closed = false;

  beforeAll(async () => {
    await ensureRabbitMq();
    t = await startTestApp({ grpc: false, env: { RABBITMQ_URL, RABBITMQ_EXCHANGE: exchange } });
    inspector = await amqplib.connect(RABBITMQ_URL);
    broker = await inspector.createChannel();
  });
  afterAll(async () => {
    if (!closed) await t?.close();
    await broker?.deleteQueue(`saga.modules.${module}`);
    await broker?.deleteExchange(exchange);
    await inspector?.close();
  });

  it('carries the integration events and the module queues, and closes at shutdown', async () => {
    const name = t.app.get(RabbitMqConnection).name;
    await request(t.http).post('/api/v1/products').send({ id: 'rc_beans', name: 'beans', price: '1.00', stock: 10 }).expect(201);
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'rc_beans', quantity: 1, price: '1.00' }] }).expect(201)).body;
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
    await t.drain(); // the integration events confirmed by the broker
    const { rows } = await t.sql.query(`SELECT count(*)::int AS n, count(processed_at)::int AS settled FROM messaging.outbox WHERE consumer = 'integration-events'`);
    expect(rows).toEqual([{ n: 2, settled: 2 }]);

    const queues = t.app.get(ModuleQueues);
    const accepted: ModuleMessage[] = [];
    await queues.consume([module], async (batch) => void accepted.push(...batch));
    const message: ModuleMessage = {
      type: 'test.Probe',
      payload: { n: 1 },
      meta: { messageId: randomUUID(), correlationId: randomUUID(), causationId: null, occurredAt: new Date().toISOString() },
    };
    await queues.send(module, message);
    await waitFor('the message accepted', async () => (accepted.length > 0 ? true : undefined));
    expect(accepted).toEqual([message]);

    const ours = async () => (await brokerConnections()).filter((c) => c.name === name);
    expect(await ours()).toEqual([{ name, channels: 3 }]); // integration events, sending to modules, consuming
    await t.close();
    closed = true;
    expect(await ours()).toEqual([]);
    expect(await broker.checkQueue(queues.queueOf(module))).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
});
