import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTracing } from '../src/observability/tracing.js';
import { expectBalanced } from './support/assertions.js';
import { ensureRabbitMq, RABBITMQ_URL } from './support/rabbitmq.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

interface Received {
  routingKey: string;
  body: { type: string; messageId: string; correlationId: string; occurredAt: string; data: Record<string, unknown> };
  properties: amqplib.MessageProperties;
}

describe('integration events on RabbitMQ', () => {
  const exchange = `saga.events.test.${randomUUID()}`;
  const received: Received[] = [];
  let connection: amqplib.ChannelModel;
  let t: TestApp;
  let tracing: { shutdown: () => Promise<void> };

  beforeAll(async () => {
    await ensureRabbitMq();
    tracing = startTracing(); // as in production: each event carries the order's trace
    t = await startTestApp({ env: { RABBITMQ_URL, RABBITMQ_EXCHANGE: exchange } });
    // A system outside: a queue of its own bound to every event type.
    connection = await amqplib.connect(RABBITMQ_URL);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'order.events.#');
    await channel.consume(queue, (m) => m && received.push({ routingKey: m.fields.routingKey, body: JSON.parse(m.content.toString()), properties: m.properties }), { noAck: true });
    await request(t.http).post('/api/v1/products').send({ id: 'ie_beans', name: 'beans', price: '300.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await tracing?.shutdown();
    const channel = await connection?.createChannel();
    await channel?.deleteExchange(exchange);
    await connection?.close();
  });

  it('publishes OrderCreated, then OrderConfirmed or OrderCancelled with its reason, once per order, with the message id and trace context', async () => {
    const place = async (quantity: number) =>
      (await request(t.http).post('/api/v1/orders').send({ customerId: 'cust_ie', items: [{ productId: 'ie_beans', quantity, price: '300.00' }] }).expect(201)).body;
    const confirmed = await place(1);
    const cancelled = await place(2); // 600.00: declined
    expect(await t.waitForSaga(confirmed.sagaId)).toBe('COMPLETED');
    expect(await t.waitForSaga(cancelled.sagaId)).toBe('COMPENSATED');
    await t.drain(); // every event row settled: each confirmed by the broker

    await waitFor('four events', async () => (received.length >= 4 ? true : undefined));
    const summary = received.map((r) => ({ key: r.routingKey, type: r.body.type, data: r.body.data })).sort((a, b) => `${a.data.orderId}${a.key}`.localeCompare(`${b.data.orderId}${b.key}`));
    expect(summary).toEqual(
      [
        { key: 'order.events.OrderCreated', type: 'order.events.OrderCreated', data: { orderId: confirmed.id, customerId: 'cust_ie', totalAmount: '300.00', items: [{ productId: 'ie_beans', quantity: 1, price: '300.00' }] } },
        { key: 'order.events.OrderConfirmed', type: 'order.events.OrderConfirmed', data: { orderId: confirmed.id } },
        { key: 'order.events.OrderCreated', type: 'order.events.OrderCreated', data: { orderId: cancelled.id, customerId: 'cust_ie', totalAmount: '600.00', items: [{ productId: 'ie_beans', quantity: 2, price: '300.00' }] } },
        { key: 'order.events.OrderCancelled', type: 'order.events.OrderCancelled', data: { orderId: cancelled.id, reason: 'CARD_DECLINED' } },
      ].sort((a, b) => `${a.data.orderId}${a.key}`.localeCompare(`${b.data.orderId}${b.key}`)),
    );
    expect(new Set(received.map((r) => r.body.messageId)).size).toBe(4);
    for (const r of received) {
      expect(r.properties).toMatchObject({ messageId: r.body.messageId, contentType: 'application/json', deliveryMode: 2, type: r.body.type });
      expect(r.properties.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(r.body.correlationId).toBe(r.body.data.orderId === confirmed.id ? confirmed.sagaId : cancelled.sagaId);
    }
    const { rows } = await t.sql.query(`SELECT count(*)::int AS n, count(processed_at)::int AS settled FROM messaging.outbox WHERE consumer = 'integration-events'`);
    expect(rows).toEqual([{ n: 4, settled: 4 }]); // one row per event, each settled once the broker confirmed it

    // ConfirmOrder delivered again as if new (its inbox record gone): the order is confirmed already, no second event.
    await t.sql.query(
      `WITH again AS (UPDATE messaging.outbox SET processed_at = NULL, available_at = now(), claim_token = NULL
                       WHERE type = 'order.ConfirmOrder' AND meta->>'correlationId' = $1 RETURNING message_id)
       DELETE FROM messaging.inbox i USING again WHERE i.consumer = 'order' AND i.message_id = again.message_id::text`,
      [confirmed.sagaId],
    );
    await t.drain();
    const { rows: confirmedEvents } = await t.sql.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE type = 'order.events.OrderConfirmed'`);
    expect(confirmedEvents).toEqual([{ n: 1 }]);
    await expectBalanced(t.sql, { ie_beans: 10 });
  });
});

describe('integration events when the broker goes away', () => {
  const exchange = `saga.events.test.${randomUUID()}`;
  const received: Received[] = [];
  let connection: amqplib.ChannelModel;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    await ensureRabbitMq();
    const broker = new URL(RABBITMQ_URL);
    proxy = await new TcpProxy(broker.hostname, Number(broker.port || 5672)).start();
    const viaProxy = new URL(RABBITMQ_URL);
    viaProxy.port = String(proxy.port);
    t = await startTestApp({ grpc: false, env: { RABBITMQ_URL: viaProxy.toString(), RABBITMQ_EXCHANGE: exchange, RELAY_POLL_MS: '50', RELAY_MAX_BACKOFF_MS: '500' } });
    connection = await amqplib.connect(RABBITMQ_URL); // the outside system reaches the broker directly
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'order.events.#');
    await channel.consume(queue, (m) => m && received.push({ routingKey: m.fields.routingKey, body: JSON.parse(m.content.toString()), properties: m.properties }), { noAck: true });
    await request(t.http).post('/api/v1/products').send({ id: 'ie_cut', name: 'beans', price: '1.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    const channel = await connection?.createChannel();
    await channel?.deleteExchange(exchange);
    await connection?.close();
  });

  it('keeps the events owed while the broker is unreachable, and publishes them once it is back: nothing lost', async () => {
    proxy.cut();
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'ie_cut', quantity: 1, price: '1.00' }] }).expect(201)).body;
    // The saga does not wait for the broker.
    await waitFor('the order to be confirmed', async () => {
      const { rows } = await t.sql.query(`SELECT status FROM orders.orders WHERE id = $1`, [order.id]);
      return rows[0].status === 'CONFIRMED' ? true : undefined;
    });
    await waitFor('a failed publish, kept to retry', async () => {
      const { rows } = await t.sql.query(
        `SELECT count(*)::int AS n FROM messaging.outbox WHERE consumer = 'integration-events' AND processed_at IS NULL AND dead_at IS NULL AND last_error IS NOT NULL`,
      );
      return rows[0].n > 0 ? true : undefined;
    }, 20_000);
    expect(received).toEqual([]);

    proxy.restore();
    await waitFor('both events after the broker came back', async () => {
      const kinds = new Set(received.filter((r) => r.body.data.orderId === order.id).map((r) => r.body.type));
      return kinds.size === 2 ? true : undefined;
    }, 30_000);
    expect([...new Set(received.map((r) => r.body.type))].sort()).toEqual(['order.events.OrderConfirmed', 'order.events.OrderCreated']);
    await t.drain();
    const { rows } = await t.sql.query(`SELECT count(*)::int AS n, count(processed_at)::int AS settled FROM messaging.outbox WHERE consumer = 'integration-events'`);
    expect(rows).toEqual([{ n: 2, settled: 2 }]);
  });
});

describe('integration events without RabbitMQ', () => {
  it('writes no row for them when RABBITMQ_URL is not set', async () => {
    const t = await startTestApp({ grpc: false });
    try {
      await request(t.http).post('/api/v1/products').send({ id: 'ie_none', name: 'beans', price: '1.00', stock: 10 }).expect(201);
      const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'ie_none', quantity: 1, price: '1.00' }] }).expect(201)).body;
      expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
      const { rows } = await t.sql.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE type LIKE 'order.events.%'`);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await t.close();
    }
  });
});
