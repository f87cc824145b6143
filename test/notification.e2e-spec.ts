import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { call } from '../scripts/grpc-client.mjs';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/app-config.js';
import { InjectedFault } from '../src/messaging/fault-injector.js';
import { Outbox } from '../src/messaging/outbox.js';
import { NotificationSender, type OutgoingNotification } from '../src/notification/notification-sender.js';
import { NotificationSent, SendNotification } from '../src/notification/notification.messages.js';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createEmptyDatabase, createTestDatabase } from './support/test-database.js';

const SERVICE_KEY = 'notify-test-service-key-01';
const ADMIN_KEY = 'notify-test-admin-key-0001';

/** The notifications of an order, as rows. */
const rowsOf = async (sql: pg.Pool, orderId: string) =>
  (await sql.query('SELECT id::text, order_id, customer_id, kind, channel, subject, body FROM notification.notifications WHERE order_id = $1 ORDER BY created_at', [orderId])).rows;

// The pino root logger is per process: this block's app is the first of the file, and its log lines are read before any other starts.
describe('notification: sent once per order and kind, through every way in', () => {
  const lines: Record<string, unknown>[] = [];
  let t: TestApp;
  let address: string;
  const orders: Record<'confirmed' | 'cancelled', string> = { confirmed: '', cancelled: '' };
  const admin = (r: request.Test) => r.set('Authorization', `Bearer ${ADMIN_KEY}`);
  const logged = (orderId: string) => lines.filter((l) => l.msg === 'notification sent' && l.orderId === orderId);

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestApp({ logStream, env: { LOG_LEVEL: 'info', API_KEYS: `orchestrator:service:${SERVICE_KEY},shop:admin:${ADMIN_KEY}` } });
    address = `127.0.0.1:${t.config.grpcPort}`;
    await admin(request(t.http).post('/api/v1/products')).send({ id: 'note_beans', name: 'beans', price: '100.00', stock: 50 }).expect(201);
    const place = async (quantity: number) =>
      (await admin(request(t.http).post('/api/v1/orders')).send({ customerId: 'cust_note', items: [{ productId: 'note_beans', quantity, price: '100.00' }] }).expect(201)).body;
    const confirmed = await place(1);
    const cancelled = await place(6); // 600.00: declined
    expect([await t.waitForSaga(confirmed.sagaId), await t.waitForSaga(cancelled.sagaId)]).toEqual(['COMPLETED', 'COMPENSATED']);
    orders.confirmed = confirmed.id;
    orders.cancelled = cancelled.id;
  });
  afterAll(() => t?.close());

  it('through the CommandBus: one row and one log line, the reply naming the row; the same command again writes and logs nothing', async () => {
    const command = new SendNotification({ orderId: orders.confirmed, customerId: 'cust_note', kind: 'ORDER_CONFIRMED' });
    const reply: NotificationSent = await t.app.get(CommandBus).execute(command);
    expect(reply).toBeInstanceOf(NotificationSent);
    const rows = await rowsOf(t.sql, orders.confirmed);
    expect(rows).toEqual([
      { id: reply.data.notificationId, order_id: orders.confirmed, customer_id: 'cust_note', kind: 'ORDER_CONFIRMED', channel: 'log', subject: 'Your order is confirmed', body: expect.stringContaining(orders.confirmed) },
    ]);
    expect(logged(orders.confirmed)).toEqual([expect.objectContaining({ level: 30, notificationId: reply.data.notificationId, customerId: 'cust_note', kind: 'ORDER_CONFIRMED', subject: 'Your order is confirmed' })]);

    // The same message again (a redelivery), then a new message for the same order and kind.
    const again = new SendNotification(command.data, { messageId: command.meta.messageId });
    expect((await t.app.get(CommandBus).execute(again)).data).toEqual(reply.data);
    expect((await t.app.get(CommandBus).execute(new SendNotification(command.data))).data).toEqual(reply.data);
    expect(await rowsOf(t.sql, orders.confirmed)).toEqual(rows);
    expect(logged(orders.confirmed)).toHaveLength(1);
    expect((await t.sql.query('SELECT count(*)::int AS n FROM messaging.inbox WHERE message_id = $1', [command.meta.messageId])).rows[0].n).toBe(1);
  });

  it('through the relay, as a saga sends it: delivered, then delivered again as after a crash, it notifies once', async () => {
    const command = new SendNotification({ orderId: orders.cancelled, customerId: 'cust_note', kind: 'ORDER_CANCELLED', reason: 'CARD_DECLINED' });
    await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, command));
    await t.drain();
    const [row] = await rowsOf(t.sql, orders.cancelled);
    expect(row).toMatchObject({ kind: 'ORDER_CANCELLED', subject: 'Your order was cancelled', body: expect.stringContaining('(CARD_DECLINED)') });

    const { rowCount } = await t.sql.query('UPDATE messaging.outbox SET processed_at = NULL, available_at = now() WHERE message_id = $1', [command.meta.messageId]);
    expect(rowCount).toBe(1);
    await t.drain();
    expect(await rowsOf(t.sql, orders.cancelled)).toEqual([row]);
    expect(logged(orders.cancelled)).toEqual([expect.objectContaining({ notificationId: row.id })]);
  });

  it('over gRPC with the service key: SendNotification answers the one notification, ListNotifications lists it', async () => {
    const send = { idempotency_key: 'note-1', order_id: orders.confirmed, customer_id: 'cust_note', kind: 'ORDER_CONFIRMED', reason: '' };
    const [row] = await rowsOf(t.sql, orders.confirmed);
    expect(await call(address, 'NotificationService.SendNotification', send, { apiKey: SERVICE_KEY })).toEqual({ id: row.id, order_id: orders.confirmed });
    expect(await call(address, 'NotificationService.SendNotification', { ...send, idempotency_key: 'note-2' }, { apiKey: SERVICE_KEY })).toEqual({ id: row.id, order_id: orders.confirmed });
    const refused = await call(address, 'NotificationService.SendNotification', { ...send, kind: 'ORDER_SHIPPED' }, { apiKey: SERVICE_KEY }).then(() => null, (e: { code: number; details: string }) => e);
    expect(refused).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('kind must be one of the following values: ORDER_CONFIRMED, ORDER_CANCELLED') });
    expect(await rowsOf(t.sql, orders.confirmed)).toHaveLength(1);
    const listed = await call(address, 'NotificationService.ListNotifications', { order_id: orders.confirmed }, { apiKey: ADMIN_KEY });
    expect(listed).toEqual({ notifications: [expect.objectContaining({ id: row.id, kind: 'ORDER_CONFIRMED', channel: 'log', created_at: expect.stringMatching(/^\d{4}-/) })] });
  });

  it('GET /orders/:id/notifications lists an order\'s notifications; none is an empty list; a malformed id is a 400', async () => {
    const [row] = await rowsOf(t.sql, orders.confirmed);
    const listed = await admin(request(t.http).get(`/api/v1/orders/${orders.confirmed}/notifications`)).expect(200);
    expect(listed.body).toEqual([
      { id: row.id, orderId: orders.confirmed, customerId: 'cust_note', kind: 'ORDER_CONFIRMED', channel: 'log', subject: row.subject, body: row.body, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    ]);
    expect((await admin(request(t.http).get('/api/v1/orders/00000000-0000-4000-8000-000000000000/notifications')).expect(200)).body).toEqual([]);
    const bad = await admin(request(t.http).get(`/api/v1/orders/${'x'.repeat(101)}/notifications`)).expect(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'id', messages: ['id must be shorter than or equal to 100 characters'] }] });
    await request(t.http).get(`/api/v1/orders/${orders.confirmed}/notifications`).expect(401); // keys are configured: reads need one
  });

  it('leaves every invariant holding, and the checker finds a notification that tells the wrong thing', async () => {
    expect(await checkConsistency(t.sql, 0)).toEqual([]);
    const client = await t.sql.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE notification.notifications SET kind = 'ORDER_CONFIRMED' WHERE order_id = $1`, [orders.cancelled]);
      expect(await checkConsistency(client, 0)).toEqual([
        { invariant: 'NOTIFICATION_ORDER_MISMATCH', subject: orders.cancelled, detail: expect.stringMatching(/ ORDER_CONFIRMED, order CANCELLED$/) },
      ]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('notification with NOTIFICATION_FAILURE_RATE=1', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NOTIFICATION_FAILURE_RATE: '1' } });
  });
  afterAll(() => t?.close());

  it('every command fails technically, before any effect: no row, no inbox record', async () => {
    const command = new SendNotification({ orderId: 'order-never-told', customerId: 'c', kind: 'ORDER_CONFIRMED' });
    await expect(t.app.get(CommandBus).execute(command)).rejects.toBeInstanceOf(InjectedFault);
    expect((await t.sql.query(`SELECT count(*)::int AS n FROM notification.notifications`)).rows[0].n).toBe(0);
    expect((await t.sql.query('SELECT count(*)::int AS n FROM messaging.inbox WHERE message_id = $1', [command.meta.messageId])).rows[0].n).toBe(0);
  });
});

/** Another channel, as a user would provide it: records what it is given, and fails while `down`. */
class RecordingSender extends NotificationSender {
  readonly channel = 'test-channel';
  readonly sent: OutgoingNotification[] = [];
  down = false;

  send(n: OutgoingNotification): Promise<void> {
    if (this.down) return Promise.reject(new Error('provider unavailable'));
    this.sent.push(n);
    return Promise.resolve();
  }
}

describe('notification with a sender of its own, provided in place of the default', () => {
  const sender = new RecordingSender();
  let app: INestApplication;
  let sql: pg.Pool;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const config = { ...loadConfig({ LOG_LEVEL: 'error' }), databaseUrl, grpcPort: 0 };
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(NotificationSender)
      .useValue(sender)
      .compile();
    app = await moduleRef.createNestApplication(new FastifyAdapter()).init();
    sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await app?.close();
    await sql?.end();
  });

  it('sends through it; a send it fails leaves no row and fails the command, which succeeds once asked again', async () => {
    const command = new SendNotification({ orderId: 'order-custom', customerId: 'cust_custom', kind: 'ORDER_CANCELLED', reason: 'OUT_OF_STOCK' });
    sender.down = true;
    await expect(app.get(CommandBus).execute(command)).rejects.toThrow('provider unavailable');
    expect(await rowsOf(sql, 'order-custom')).toEqual([]);

    sender.down = false;
    const reply: NotificationSent = await app.get(CommandBus).execute(new SendNotification(command.data, { messageId: command.meta.messageId }));
    expect(sender.sent).toEqual([
      { id: reply.data.notificationId, orderId: 'order-custom', customerId: 'cust_custom', kind: 'ORDER_CANCELLED', subject: 'Your order was cancelled', body: expect.stringContaining('(OUT_OF_STOCK)'), idempotencyKey: 'order-custom:ORDER_CANCELLED' },
    ]);
    expect(await rowsOf(sql, 'order-custom')).toEqual([expect.objectContaining({ id: reply.data.notificationId, channel: 'test-channel' })]);
  });
});

describe('notification split out: hosted by a process of its own, reached over gRPC', () => {
  const KEY = 'notify-split-service-key-0001';
  let notifier: TestApp;
  let front: TestApp;

  beforeAll(async () => {
    notifier = await startTestApp({ env: { MODULES: 'notification', API_KEYS: `front:service:${KEY}` }, databaseUrl: await createEmptyDatabase() });
    front = await startTestApp({ env: { MODULES: 'order,saga,inventory,payment', NOTIFICATION_GRPC_URL: `127.0.0.1:${notifier.config.grpcPort}`, SERVICE_KEY: KEY }, grpc: false });
  });
  afterAll(async () => {
    await front?.close();
    await notifier?.close();
  });

  it("a command in the front's outbox is sent to the notification process by SendNotification's gRPC call, once however often delivered", async () => {
    const command = new SendNotification({ orderId: 'order-split', customerId: 'cust_split', kind: 'ORDER_CANCELLED', reason: 'OUT_OF_STOCK' });
    await front.app.get(DataSource).transaction((tx) => front.app.get(Outbox).add(tx, command));
    await front.drain();
    const rows = await rowsOf(notifier.sql, 'order-split');
    expect(rows).toEqual([expect.objectContaining({ customer_id: 'cust_split', kind: 'ORDER_CANCELLED', body: expect.stringContaining('(OUT_OF_STOCK)') })]);
    // The idempotency key is the message id: the notification process's inbox has it.
    expect((await notifier.sql.query('SELECT count(*)::int AS n FROM messaging.inbox WHERE message_id = $1', [`grpc:${command.meta.messageId}`])).rows[0].n).toBe(1);

    await front.sql.query('UPDATE messaging.outbox SET processed_at = NULL, available_at = now() WHERE message_id = $1', [command.meta.messageId]);
    await front.drain();
    expect(await rowsOf(notifier.sql, 'order-split')).toEqual(rows);
    const { rows: sent } = await front.sql.query('SELECT processed_at IS NOT NULL AS done, last_error FROM messaging.outbox WHERE message_id = $1', [command.meta.messageId]);
    expect(sent).toEqual([{ done: true, last_error: null }]);
  });
});
