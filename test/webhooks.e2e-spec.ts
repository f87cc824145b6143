import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { MessageConsumers } from '../src/messaging/message-consumers.js';
import { OrderCancelledEvent, OrderConfirmedEvent, OrderCreatedEvent } from '../src/order/order.messages.js';
import { expectBalanced } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const ORDER_EVENTS = [OrderCreatedEvent.type, OrderConfirmedEvent.type, OrderCancelledEvent.type];

const addProduct = (t: TestApp, id: string, stock: number) => request(t.http).post('/api/v1/products').send({ id, name: id, price: '300.00', stock }).expect(201);
/** One line of 300.00 each: 1 is confirmed, 2 (600.00, above PAYMENT_DECLINE_ABOVE) is declined and cancelled. */
const place = async (t: TestApp, productId: string, quantity: number): Promise<{ id: string; sagaId: string }> =>
  (await request(t.http).post('/api/v1/orders').send({ customerId: 'cust_wh', items: [{ productId, quantity, price: '300.00' }] }).expect(201)).body;
/** The outbox rows an order's saga wrote, as (consumer, type), in order. */
const outboxOf = async (t: TestApp, sagaId: string) =>
  (await t.sql.query(`SELECT consumer, type FROM messaging.outbox WHERE meta->>'correlationId' = $1 ORDER BY id`, [sagaId])).rows as { consumer: string; type: string }[];
const sorted = (rows: { consumer: string; type: string }[]) => rows.map((r) => `${r.consumer} ${r.type}`).sort();
const register = async (t: TestApp, body: object) => (await request(t.http).post('/api/v1/webhooks').send(body).expect(201)).body as { id: string; secret: string; url: string; events: string[] };

/**
 * The outbox rows of a confirmed and of a declined order, as this build writes them when no
 * webhook is registered. Stock and card are held at once, so their replies come in either order:
 * the rows are compared as a multiset.
 */
const CONFIRMED_ROWS = [
  ['command', 'inventory.ReserveInventory'],
  ['command', 'payment.AuthorizePayment'],
  ['saga', 'inventory.InventoryReserved'],
  ['saga', 'payment.PaymentAuthorized'],
  ['command', 'payment.CapturePayment'],
  ['saga', 'payment.PaymentCaptured'],
  ['command', 'inventory.ShipReservation'],
  ['saga', 'inventory.ReservationShipped'],
  ['command', 'order.ConfirmOrder'],
  ['saga', 'order.OrderConfirmed'],
  ['command', 'notification.SendNotification'],
  ['saga', 'notification.NotificationSent'],
].map(([consumer, type]) => ({ consumer, type }));

const DECLINED_ROWS = [
  ['command', 'inventory.ReserveInventory'],
  ['command', 'payment.AuthorizePayment'],
  ['saga', 'inventory.InventoryReserved'],
  ['saga', 'payment.PaymentDeclined'],
  ['command', 'inventory.ReleaseInventory'],
  ['saga', 'inventory.InventoryReleased'],
  ['command', 'order.CancelOrder'],
  // The customer is told, by a command of the cancellation's own.
  ['command', 'notification.SendNotification'],
  ['saga', 'order.OrderCancelled'],
].map(([consumer, type]) => ({ consumer, type }));

describe('webhooks on order status', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await startTestApp({ grpc: false, env: { WEBHOOK_ALLOW_PRIVATE: 'true', RELAY_POLL_MS: '50', RELAY_MAX_BACKOFF_MS: '200', RELAY_MAX_ATTEMPTS: '4', WEBHOOK_REFRESH_MS: '3600000' } });
    await addProduct(t, 'wh_beans', 100);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('with no webhook, an order writes exactly the outbox rows it writes without the feature; with one, one more row per event it wants', async () => {
    expect(ORDER_EVENTS.map((type) => t.app.get(MessageConsumers).subscribersOf(type))).toEqual([[], [], []]);
    const plain = await place(t, 'wh_beans', 1);
    expect(await t.waitForSaga(plain.sagaId)).toBe('COMPLETED');
    expect(sorted(await outboxOf(t, plain.sagaId))).toEqual(sorted(CONFIRMED_ROWS));
    const plainDeclined = await place(t, 'wh_beans', 2);
    expect(await t.waitForSaga(plainDeclined.sagaId)).toBe('COMPENSATED');
    expect(sorted(await outboxOf(t, plainDeclined.sagaId))).toEqual(sorted(DECLINED_ROWS));

    const hook = await register(t, { url: receiver.url('/only-created'), events: ['order.created'] });
    receiver.expect('/only-created', hook.secret);
    const watched = await place(t, 'wh_beans', 1);
    expect(await t.waitForSaga(watched.sagaId)).toBe('COMPLETED');
    await t.drain();
    // The fan-out's row is written with the order; the delivery's when the fan-out is delivered.
    expect(sorted(await outboxOf(t, watched.sagaId))).toEqual(
      sorted([...CONFIRMED_ROWS, { consumer: 'webhooks', type: 'order.events.OrderCreated' }, { consumer: 'webhook-sender', type: 'webhooks.WebhookDelivery' }]),
    );
    expect(receiver.at('/only-created').map((r) => [r.body.type, r.body.data.orderId, r.verified])).toEqual([['order.created', watched.id, true]]);

    await request(t.http).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
    await request(t.http).delete(`/api/v1/webhooks/${hook.id}`).expect(404);
    expect(ORDER_EVENTS.map((type) => t.app.get(MessageConsumers).subscribersOf(type))).toEqual([[], [], []]);
    const after = await place(t, 'wh_beans', 1);
    expect(await t.waitForSaga(after.sagaId)).toBe('COMPLETED');
    expect(sorted(await outboxOf(t, after.sagaId))).toEqual(sorted(CONFIRMED_ROWS));
  });

  it('sends order.created, then order.confirmed or order.cancelled, once each, signed, to every webhook that wants them', async () => {
    const all = await register(t, { url: receiver.url('/all'), events: ['order.created', 'order.confirmed', 'order.cancelled'] });
    const given = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const cancelled = await register(t, { url: receiver.url('/cancelled'), events: ['order.cancelled'], secret: given });
    expect(all.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(cancelled).toMatchObject({ url: receiver.url('/cancelled'), events: ['order.cancelled'], secret: given });
    receiver.expect('/all', all.secret);
    receiver.expect('/cancelled', given);
    const { body: list } = await request(t.http).get('/api/v1/webhooks').expect(200);
    expect(list.items.map((w: object) => Object.keys(w).sort())).toEqual([['createdAt', 'events', 'id', 'url'], ['createdAt', 'events', 'id', 'url']]); // never the secret

    const sentAfter = Math.floor(Date.now() / 1000);
    const confirmed = await place(t, 'wh_beans', 1);
    const declined = await place(t, 'wh_beans', 2);
    expect(await t.waitForSaga(confirmed.sagaId)).toBe('COMPLETED');
    expect(await t.waitForSaga(declined.sagaId)).toBe('COMPENSATED');
    await t.drain(); // every webhook row delivered: each POST answered

    const seen = (path: string) => receiver.at(path).map((r) => `${r.body.type} ${r.body.data.orderId}`).sort();
    expect(seen('/all')).toEqual([`order.cancelled ${declined.id}`, `order.confirmed ${confirmed.id}`, `order.created ${confirmed.id}`, `order.created ${declined.id}`].sort());
    expect(seen('/cancelled')).toEqual([`order.cancelled ${declined.id}`]);
    const got = [...receiver.at('/all'), ...receiver.at('/cancelled')];
    expect(got.filter((r) => !r.verified)).toEqual([]);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length); // no id twice: nothing sent twice
    for (const r of got) expect(r.timestamp).toBeGreaterThanOrEqual(sentAfter);
    const created = receiver.at('/all').find((r) => r.body.type === 'order.created' && r.body.data.orderId === declined.id)!;
    expect(created.body).toEqual({
      type: 'order.created',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { orderId: declined.id, customerId: 'cust_wh', totalAmount: '600.00', items: [{ productId: 'wh_beans', quantity: 2, price: '300.00' }] },
    });
    expect(receiver.at('/cancelled')[0].body.data).toEqual({ orderId: declined.id, reason: 'CARD_DECLINED' });

    const metrics = (await request(t.http).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="delivered"\} [1-9]\d*$/m);
    for (const hook of [all, cancelled]) await request(t.http).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
    await expectBalanced(t.sql, { wh_beans: 100 });
  });

  it('retries a receiver that fails with the same webhook-id until it answers 2xx; a receiver beside it gets the event once', async () => {
    const hook = await register(t, { url: receiver.url('/flaky'), events: ['order.created'] });
    // Its delivery of the same event goes in the same batch as the flaky one's, which fails.
    const steady = await register(t, { url: receiver.url('/steady'), events: ['order.created'] });
    receiver.expect('/flaky', hook.secret);
    receiver.expect('/steady', steady.secret);
    receiver.answer('/flaky', (n) => (n <= 2 ? 500 : 200));
    const order = await place(t, 'wh_beans', 1);
    await waitFor('the third attempt', async () => (receiver.at('/flaky').length >= 3 ? true : undefined));
    await t.waitForSaga(order.sagaId);
    expect(receiver.at('/steady').map((r) => [r.status, r.verified, r.body.data.orderId])).toEqual([[200, true, order.id]]);
    await request(t.http).delete(`/api/v1/webhooks/${steady.id}`).expect(204);
    const attempts = receiver.at('/flaky');
    expect(attempts.map((r) => [r.status, r.verified, r.body.data.orderId])).toEqual([
      [500, true, order.id],
      [500, true, order.id],
      [200, true, order.id],
    ]);
    expect(new Set(attempts.map((r) => r.id)).size).toBe(1); // one message: the same id on every attempt
    const row = await waitFor('the row settled', async () => {
      const { rows } = await t.sql.query(`SELECT attempts, processed_at, dead_at FROM messaging.outbox WHERE consumer = 'webhook-sender' AND message_id = $1`, [attempts[0].id]);
      return rows[0]?.processed_at ? rows[0] : undefined;
    });
    expect(row).toMatchObject({ attempts: 3, dead_at: null });
    await request(t.http).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
  });

  it('dead-letters a receiver that keeps failing, and delivers it once re-driven after it recovered', async () => {
    let up = false;
    const hook = await register(t, { url: receiver.url('/down'), events: ['order.created'] });
    receiver.expect('/down', hook.secret);
    receiver.answer('/down', () => (up ? 204 : 503));
    const order = await place(t, 'wh_beans', 1);
    const dead = await waitFor('the dead letter', async () => {
      const { body } = await request(t.http).get('/api/v1/dead-letters').expect(200);
      return body.items.find((d: { consumer: string }) => d.consumer === 'webhook-sender');
    });
    expect(dead).toMatchObject({ type: 'webhooks.WebhookDelivery', attempts: 4, lastError: `webhook ${hook.id} answered 503` });
    expect(JSON.stringify(dead)).not.toContain(hook.secret); // a dead letter is readable by operators: no secret in it
    expect(receiver.at('/down').map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED'); // the order never waits for its webhooks

    up = true;
    await request(t.http).post(`/api/v1/dead-letters/${dead.id}/redrive`).expect(200);
    await waitFor('the re-driven delivery', async () => (receiver.at('/down').length === 5 ? true : undefined));
    const attempts = receiver.at('/down');
    expect(attempts.map((r) => [r.status, r.verified])).toEqual([...Array(4).fill([503, true]), [204, true]]);
    expect(new Set(attempts.map((r) => r.id))).toEqual(new Set([dead.messageId]));
    await waitFor('the row settled', async () => {
      const { rows } = await t.sql.query('SELECT processed_at FROM messaging.outbox WHERE id = $1', [dead.id]);
      return rows[0].processed_at ?? undefined;
    });
    await request(t.http).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
  });

  it('another instance on the database subscribes on the NOTIFY of a new webhook, not at its next refresh', async () => {
    const other = await startTestApp({ databaseUrl: t.config.databaseUrl, grpc: false, env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_REFRESH_MS: '3600000' } });
    try {
      const hook = await register(t, { url: receiver.url('/elsewhere'), events: ['order.confirmed'] });
      receiver.expect('/elsewhere', hook.secret);
      await waitFor('the other instance to subscribe', async () => (other.app.get(MessageConsumers).subscribersOf(OrderConfirmedEvent.type).includes('webhooks') ? true : undefined), 2_000);
      const order = await place(other, 'wh_beans', 1);
      expect(await other.waitForSaga(order.sagaId)).toBe('COMPLETED');
      await waitFor('the webhook', async () => (receiver.at('/elsewhere').length > 0 ? true : undefined));
      expect(receiver.at('/elsewhere').map((r) => [r.body.type, r.body.data.orderId, r.verified])).toEqual([['order.confirmed', order.id, true]]);
      await request(t.http).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
      await waitFor('the other instance to unsubscribe', async () => (other.app.get(MessageConsumers).subscribersOf(OrderConfirmedEvent.type).length === 0 ? true : undefined), 2_000);
    } finally {
      await other.close();
    }
  });
});

describe('webhooks: who may register them, and where they may point', () => {
  const KEYS = { admin: 'admin-secret-wh-00000001', operator: 'operator-secret-wh-00001', viewer: 'viewer-secret-wh-0000001', client: 'client-secret-wh-0000001' };
  const as = (role: keyof typeof KEYS, req: request.Test) => req.set('Authorization', `Bearer ${KEYS[role]}`);
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    const API_KEYS = Object.entries(KEYS).map(([role, secret]) => `${role}-key:${role}:${secret}`).join(',');
    t = await startTestApp({ grpc: false, env: { API_KEYS, WEBHOOK_REFRESH_MS: '3600000' } });
    await as('admin', request(t.http).post('/api/v1/products')).send({ id: 'wh_safe', name: 'wh_safe', price: '300.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('needs the admin role once keys are configured', async () => {
    const body = { url: 'http://93.184.216.34/hooks', events: ['order.confirmed'] }; // a public address: no DNS, never called here
    await request(t.http).post('/api/v1/webhooks').send(body).expect(401);
    for (const role of ['client', 'viewer', 'operator'] as const) {
      expect((await as(role, request(t.http).post('/api/v1/webhooks')).send(body)).status).toBe(403);
      expect((await as(role, request(t.http).get('/api/v1/webhooks'))).status).toBe(403);
    }
    const hook = (await as('admin', request(t.http).post('/api/v1/webhooks')).send(body).expect(201)).body;
    expect(hook).toMatchObject({ url: body.url, events: body.events, secret: expect.stringMatching(/^whsec_/) });
    await as('operator', request(t.http).delete(`/api/v1/webhooks/${hook.id}`)).expect(403);
    expect((await as('admin', request(t.http).get('/api/v1/webhooks')).expect(200)).body.items).toEqual([{ id: hook.id, url: body.url, events: body.events, createdAt: hook.createdAt }]);
    await as('admin', request(t.http).delete(`/api/v1/webhooks/${hook.id}`)).expect(204);
  });

  it.each([
    ['loopback', 'http://127.0.0.1:8080/hooks'],
    ['a name for loopback', 'http://localhost/hooks'],
    ['IPv6 loopback', 'http://[::1]/hooks'],
    ['a private network', 'https://10.0.0.7/hooks'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest'],
    ['unspecified', 'http://0.0.0.0/'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
    ['another scheme', 'ftp://93.184.216.34/hooks'],
    ['no URL at all', 'not a url'],
  ])('refuses %s with a 400 naming url', async (_what, url) => {
    const res = await as('admin', request(t.http).post('/api/v1/webhooks')).send({ url, events: ['order.created'] }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'url', messages: [expect.stringMatching(/^url /)] }] });
  });

  it('refuses bad events and secrets with a 400 naming them', async () => {
    const url = 'http://93.184.216.34/hooks';
    for (const [body, field] of [
      [{ url, events: ['order.shipped'] }, 'events'],
      [{ url, events: [] }, 'events'],
      [{ url, events: ['order.created'], secret: 'hunter2' }, 'secret'],
    ] as const) {
      const res = await as('admin', request(t.http).post('/api/v1/webhooks')).send(body).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
  });

  it('checks the address again when sending: a target that resolves privately by then is refused, never called', async () => {
    // As if its name resolved to a public address at registration and to this host since (DNS rebinding).
    const id = '4f0e3a52-9d1c-4a55-8e0b-6f7d3c2a1b90';
    await t.sql.query(`INSERT INTO webhooks.webhooks (id, url, events, secret) VALUES ($1, $2, '{order.created}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')`, [id, receiver.url('/rebound')]);
    await waitFor('the instance to subscribe (NOTIFY)', async () => (t.app.get(MessageConsumers).subscribersOf(OrderCreatedEvent.type).length > 0 ? true : undefined), 2_000);
    await as('client', request(t.http).post('/api/v1/orders')).send({ customerId: 'c', items: [{ productId: 'wh_safe', quantity: 1, price: '300.00' }] }).expect(201);
    const row = await waitFor('the refused attempt', async () => {
      const { rows } = await t.sql.query(`SELECT last_error FROM messaging.outbox WHERE consumer = 'webhook-sender' AND last_error IS NOT NULL`);
      return rows[0];
    });
    expect(row.last_error).toBe(`webhook ${id}: url resolves to 127.0.0.1, a private, loopback, link-local or unspecified address (WEBHOOK_ALLOW_PRIVATE=true allows it)`);
    expect(receiver.received).toEqual([]);
    expect((await request(t.http).get('/metrics').set('Authorization', `Bearer ${KEYS.admin}`).expect(200)).text).toMatch(/^webhook_deliveries_total\{outcome="refused"\} [1-9]/m);
  });
});
