import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { call } from '../scripts/grpc-client.mjs';
import type { Message } from '../src/messaging/message.js';
import { GrpcTransport } from '../src/messaging/grpc-transport.js';
import { Outbox } from '../src/messaging/outbox.js';
import { CardGateway } from '../src/payment/card-gateway.js';
import {
  AuthorizePayment,
  CapturePayment,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentCaptureRefused,
  PaymentDeclined,
  PaymentRefunded,
  ProcessPayment,
  RefundPayment,
} from '../src/payment/payment.messages.js';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SERVICE_KEY = 'authcap-service-key-00001';
const ADMIN_KEY = 'authcap-admin-key-0000001';

/** Gateway calls of each kind that reached the card network while `work` ran (a repeated key does not count). */
type Calls = { charges: number; authorizations: number; captures: number; voids: number };
const NONE: Calls = { charges: 0, authorizations: 0, captures: 0, voids: 0 };

describe('payment: authorise (hold) then capture', () => {
  let t: TestApp;
  let commands: CommandBus;

  beforeAll(async () => {
    // No background relay: the outbox rows a test writes wait until drain() claims them, as one batch.
    t = await startTestApp({ env: { RELAY_ENABLED: 'false', API_KEYS: `svc:service:${SERVICE_KEY},adm:admin:${ADMIN_KEY}` } });
    commands = t.app.get(CommandBus);
  });
  afterAll(() => t?.close());

  async function gatewayCalls(work: () => Promise<unknown>): Promise<Calls> {
    const gateway = t.app.get(CardGateway);
    const before = gateway.callsMade;
    await work();
    const after = gateway.callsMade;
    return { charges: after.charges - before.charges, authorizations: after.authorizations - before.authorizations, captures: after.captures - before.captures, voids: after.voids - before.voids };
  }

  const payments = async (orderId: string) =>
    (await t.sql.query('SELECT status, amount::text, decline_reason FROM payment.payments WHERE order_id = $1', [orderId])).rows as { status: string; amount: string; decline_reason: string | null }[];
  const run = <R>(command: Message) => commands.execute(command) as Promise<R>;
  const rpc = (method: string, req: object) => call(`127.0.0.1:${t.config.grpcPort}`, `PaymentService.${method}`, req, { apiKey: SERVICE_KEY });

  it('authorise → capture → refund: the exact amount is held, then taken, then given back, each once at the gateway', async () => {
    const orderId = randomUUID();
    let authorized!: PaymentAuthorized;
    // 500.00 is the decline limit itself: held, to the cent.
    expect(await gatewayCalls(async () => (authorized = await run(new AuthorizePayment({ orderId, customerId: 'c', amount: '500.00' }))))).toEqual({ ...NONE, authorizations: 1 });
    expect(authorized).toBeInstanceOf(PaymentAuthorized);
    expect(authorized.data).toEqual({ orderId, paymentId: expect.any(String), amount: '500.00' });
    expect(await payments(orderId)).toEqual([{ status: 'AUTHORIZED', amount: '500.00', decline_reason: null }]);
    const view = (await request(t.http).get(`/api/v1/orders/${orderId}/payment`).set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200)).body;
    expect(view).toMatchObject({ id: authorized.data.paymentId, status: 'AUTHORIZED', amount: '500.00' });

    let captured!: PaymentCaptured;
    expect(await gatewayCalls(async () => (captured = await run(new CapturePayment({ orderId }))))).toEqual({ ...NONE, captures: 1 });
    expect(captured).toBeInstanceOf(PaymentCaptured);
    expect(captured.data).toEqual({ orderId, paymentId: authorized.data.paymentId, amount: '500.00' });
    expect(await payments(orderId)).toEqual([{ status: 'CAPTURED', amount: '500.00', decline_reason: null }]);

    let refunded!: PaymentRefunded;
    expect(await gatewayCalls(async () => (refunded = await run(new RefundPayment({ orderId }))))).toEqual(NONE);
    expect(refunded.data).toEqual({ orderId, refunded: true });
    expect(await payments(orderId)).toEqual([{ status: 'REFUNDED', amount: '500.00', decline_reason: null }]);
    // The capture, asked again after the refund, still answers that it happened, and takes nothing.
    expect(await gatewayCalls(async () => expect((await run<PaymentCaptured>(new CapturePayment({ orderId }))).data).toEqual(captured.data))).toEqual(NONE);
    await t.drain();
  });

  it('authorise → refund voids the hold; a later capture is refused and takes nothing', async () => {
    const orderId = randomUUID();
    await run(new AuthorizePayment({ orderId, customerId: 'c', amount: '0.01' }));
    let refunded!: PaymentRefunded;
    expect(await gatewayCalls(async () => (refunded = await run(new RefundPayment({ orderId }))))).toEqual({ ...NONE, voids: 1 });
    expect(refunded.data).toEqual({ orderId, refunded: false }); // nothing had been taken
    expect(await payments(orderId)).toEqual([{ status: 'VOIDED', amount: '0.01', decline_reason: null }]);

    let refused!: PaymentCaptureRefused;
    expect(await gatewayCalls(async () => (refused = await run(new CapturePayment({ orderId }))))).toEqual(NONE);
    expect(refused).toBeInstanceOf(PaymentCaptureRefused);
    expect(refused.data).toEqual({ orderId, reason: 'VOIDED' });
    // Nor does a charge take the money back: declined, as the hold was given back.
    expect((await run<PaymentDeclined>(new ProcessPayment({ orderId, customerId: 'c', amount: '0.01' }))).data).toMatchObject({ reason: 'VOIDED' });
    // Another refund: the same answer, and no second void.
    expect(await gatewayCalls(async () => expect((await run<PaymentRefunded>(new RefundPayment({ orderId }))).data).toEqual({ orderId, refunded: false }))).toEqual(NONE);
    expect(await payments(orderId)).toEqual([{ status: 'VOIDED', amount: '0.01', decline_reason: null }]);
    await t.drain();
  });

  it('an amount over PAYMENT_DECLINE_ABOVE is declined, to the cent: nothing held, a capture is refused', async () => {
    const orderId = randomUUID();
    let declined!: PaymentDeclined;
    expect(await gatewayCalls(async () => (declined = await run(new AuthorizePayment({ orderId, customerId: 'c', amount: '500.01' }))))).toEqual({ ...NONE, authorizations: 1 });
    expect(declined).toBeInstanceOf(PaymentDeclined);
    expect(declined.data).toMatchObject({ orderId, reason: 'CARD_DECLINED' });
    expect(await payments(orderId)).toEqual([{ status: 'DECLINED', amount: '500.01', decline_reason: 'CARD_DECLINED' }]);
    expect((await run<PaymentCaptureRefused>(new CapturePayment({ orderId }))).data).toEqual({ orderId, reason: 'DECLINED' });
    expect((await run<PaymentRefunded>(new RefundPayment({ orderId }))).data).toEqual({ orderId, refunded: false });
    expect(await payments(orderId)).toEqual([{ status: 'DECLINED', amount: '500.01', decline_reason: 'CARD_DECLINED' }]);
    await t.drain();
  });

  it('a capture with no authorisation is a business no that changes nothing; a refund first makes the late authorisation a decline', async () => {
    const orderId = randomUUID();
    expect((await run<PaymentCaptureRefused>(new CapturePayment({ orderId }))).data).toEqual({ orderId, reason: 'NOT_AUTHORIZED' });
    expect(await payments(orderId)).toEqual([]);

    // The refund (a saga's compensation) overtakes the authorisation: the late one holds nothing.
    await run(new RefundPayment({ orderId }));
    let late!: PaymentDeclined;
    expect(await gatewayCalls(async () => (late = await run(new AuthorizePayment({ orderId, customerId: 'c', amount: '5.00' }))))).toEqual(NONE);
    expect(late).toBeInstanceOf(PaymentDeclined);
    expect(late.data).toMatchObject({ reason: 'REFUNDED_BEFORE_CHARGE' });
    await t.drain();
  });

  it('ProcessPayment still authorises and captures at once; on an authorised order it captures the hold', async () => {
    const charged = randomUUID();
    expect(await gatewayCalls(() => run(new ProcessPayment({ orderId: charged, customerId: 'c', amount: '12.34' })))).toEqual({ ...NONE, charges: 1 });
    expect(await payments(charged)).toEqual([{ status: 'CAPTURED', amount: '12.34', decline_reason: null }]);

    const held = randomUUID();
    await run(new AuthorizePayment({ orderId: held, customerId: 'c', amount: '7.77' }));
    let reply!: PaymentCaptured;
    expect(await gatewayCalls(async () => (reply = await run(new ProcessPayment({ orderId: held, customerId: 'c', amount: '7.77' }))))).toEqual({ ...NONE, captures: 1 });
    expect(reply).toBeInstanceOf(PaymentCaptured);
    expect(await payments(held)).toEqual([{ status: 'CAPTURED', amount: '7.77', decline_reason: null }]);
    await t.drain();
  });

  describe('each command has one effect however often it runs', () => {
    /** Writes `messages` to the outbox in one transaction and delivers them, so that one claim takes them as one batch. */
    const deliverAsOneBatch = async (messages: Message[]) => {
      await t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, messages));
      await t.drain();
    };

    it('the same message twice in one batch (which rolls back after the first ran, then replays row by row): one call of each kind at the gateway', async () => {
      const orderId = randomUUID();
      const authorize = new AuthorizePayment({ orderId, customerId: 'c', amount: '1.50' });
      expect(await gatewayCalls(() => deliverAsOneBatch([authorize, authorize]))).toEqual({ ...NONE, authorizations: 1 });
      expect(await payments(orderId)).toEqual([{ status: 'AUTHORIZED', amount: '1.50', decline_reason: null }]);
      const capture = new CapturePayment({ orderId });
      expect(await gatewayCalls(() => deliverAsOneBatch([capture, capture]))).toEqual({ ...NONE, captures: 1 });
      expect(await payments(orderId)).toEqual([{ status: 'CAPTURED', amount: '1.50', decline_reason: null }]);

      const voided = randomUUID();
      await run(new AuthorizePayment({ orderId: voided, customerId: 'c', amount: '2.50' }));
      const refund = new RefundPayment({ orderId: voided });
      expect(await gatewayCalls(() => deliverAsOneBatch([refund, refund]))).toEqual({ ...NONE, voids: 1 });
      expect(await payments(voided)).toEqual([{ status: 'VOIDED', amount: '2.50', decline_reason: null }]);
      // Each batch rolled back after its first row's work and went again one row at a time (so
      // the gateway's key, not the payment row, kept the work once); one inbox record each.
      for (const command of [authorize, capture, refund]) {
        const { rows } = await t.sql.query(`SELECT count(DISTINCT processed_at)::int AS transactions FROM messaging.outbox WHERE message_id = $1 AND processed_at IS NOT NULL`, [command.meta.messageId]);
        expect({ type: command.type, ...rows[0] }).toEqual({ type: command.type, transactions: 2 });
      }
      const { rows } = await t.sql.query(`SELECT count(*)::int AS n FROM messaging.inbox WHERE message_id = ANY($1)`, [[authorize, capture, refund].map((m) => m.meta.messageId)]);
      expect(rows[0].n).toBe(3);
    });

    it('the same command again (same message id) and another command for the same order: the first answer, no second call', async () => {
      const orderId = randomUUID();
      const authorize = new AuthorizePayment({ orderId, customerId: 'c', amount: '3.00' });
      const first = await run<PaymentAuthorized>(authorize);
      const again = await gatewayCalls(async () => {
        expect((await run<PaymentAuthorized>(authorize)).data).toEqual(first.data);
        // Another amount for the same order does not hold more: one payment per order.
        expect((await run<PaymentAuthorized>(new AuthorizePayment({ orderId, customerId: 'c', amount: '300.00' }))).data).toEqual(first.data);
      });
      expect(again).toEqual(NONE);

      const capture = new CapturePayment({ orderId });
      const captured = await run<PaymentCaptured>(capture);
      expect(await gatewayCalls(async () => {
        expect((await run<PaymentCaptured>(capture)).data).toEqual(captured.data);
        expect((await run<PaymentCaptured>(new CapturePayment({ orderId }))).data).toEqual(captured.data);
      })).toEqual(NONE);
      expect(await payments(orderId)).toEqual([{ status: 'CAPTURED', amount: '3.00', decline_reason: null }]);
      await t.drain();
    });
  });

  it('gRPC: AuthorizePayment, CapturePayment and RefundPayment, each repeated, with exact amounts', async () => {
    const orderId = `grpc-auth-${randomUUID()}`;
    const authorize = { idempotency_key: `a-${orderId}`, order_id: orderId, customer_id: 'c', amount: '12.5' };
    let held!: { id: string };
    expect(await gatewayCalls(async () => {
      held = await rpc('AuthorizePayment', authorize);
      expect(held).toMatchObject({ order_id: orderId, status: 'AUTHORIZED', amount: '12.50', reason: '' });
      expect(await rpc('AuthorizePayment', authorize)).toMatchObject({ id: held.id, status: 'AUTHORIZED' });
      expect(await rpc('AuthorizePayment', { ...authorize, idempotency_key: `a2-${orderId}`, amount: '9999.00' })).toMatchObject({ id: held.id, amount: '12.50' });
    })).toEqual({ ...NONE, authorizations: 1 });
    expect(await rpc('GetPayment', { order_id: orderId })).toMatchObject({ status: 'AUTHORIZED' });

    const capture = { idempotency_key: `c-${orderId}`, order_id: orderId };
    expect(await gatewayCalls(async () => {
      expect(await rpc('CapturePayment', capture)).toEqual({ captured: true, payment_id: held.id, amount: '12.50', reason: '' });
      expect(await rpc('CapturePayment', capture)).toEqual({ captured: true, payment_id: held.id, amount: '12.50', reason: '' });
      expect(await rpc('CapturePayment', { ...capture, idempotency_key: `c2-${orderId}` })).toEqual({ captured: true, payment_id: held.id, amount: '12.50', reason: '' });
    })).toEqual({ ...NONE, captures: 1 });
    expect(await rpc('RefundPayment', { idempotency_key: `r-${orderId}`, order_id: orderId })).toEqual({ refunded: true });
    expect(await rpc('GetPayment', { order_id: orderId })).toMatchObject({ status: 'REFUNDED', amount: '12.50' });

    // Held, then given back: a void; a capture after it is a business no, not an error.
    const voided = `grpc-void-${randomUUID()}`;
    await rpc('AuthorizePayment', { ...authorize, idempotency_key: `a-${voided}`, order_id: voided });
    expect(await gatewayCalls(async () => expect(await rpc('RefundPayment', { idempotency_key: `r-${voided}`, order_id: voided })).toEqual({ refunded: false }))).toEqual({ ...NONE, voids: 1 });
    expect(await rpc('CapturePayment', { idempotency_key: `c-${voided}`, order_id: voided })).toEqual({ captured: false, payment_id: '', amount: '', reason: 'VOIDED' });
    expect(await rpc('GetPayment', { order_id: voided })).toMatchObject({ status: 'VOIDED' });

    const declined = `grpc-decl-${randomUUID()}`;
    expect(await rpc('AuthorizePayment', { ...authorize, idempotency_key: `a-${declined}`, order_id: declined, amount: '500.01' })).toMatchObject({ status: 'DECLINED', reason: 'CARD_DECLINED', amount: '500.01' });
    expect(await rpc('CapturePayment', { idempotency_key: `c-${declined}`, order_id: declined })).toMatchObject({ captured: false, reason: 'DECLINED' });
    await t.drain();
  });

  it('the commands travel as gRPC calls to a payment module in another process (their `static grpc`), answered with the same replies', async () => {
    const transport = new GrpcTransport({ ...t.config, serviceKey: SERVICE_KEY, routes: { payment: { transport: 'grpc', url: `127.0.0.1:${t.config.grpcPort}` } } });
    try {
      const orderId = randomUUID();
      const [authorized] = await transport.send('payment', new AuthorizePayment({ orderId, customerId: 'c', amount: '42.10' }));
      expect(authorized).toBeInstanceOf(PaymentAuthorized);
      expect(authorized.data).toEqual({ orderId, paymentId: expect.any(String), amount: '42.10' });
      const [captured] = await transport.send('payment', new CapturePayment({ orderId }));
      expect(captured).toBeInstanceOf(PaymentCaptured);
      expect(captured.data).toEqual(authorized.data);

      const voided = randomUUID();
      await transport.send('payment', new AuthorizePayment({ orderId: voided, customerId: 'c', amount: '1.00' }));
      expect((await transport.send('payment', new RefundPayment({ orderId: voided })))[0].data).toEqual({ orderId: voided, refunded: false });
      const [refused] = await transport.send('payment', new CapturePayment({ orderId: voided }));
      expect(refused).toBeInstanceOf(PaymentCaptureRefused);
      expect(refused.data).toEqual({ orderId: voided, reason: 'VOIDED' });
      const [declined] = await transport.send('payment', new AuthorizePayment({ orderId: randomUUID(), customerId: 'c', amount: '900.00' }));
      expect(declined).toBeInstanceOf(PaymentDeclined);
      // A charge of an order whose hold was voided is declined over gRPC too.
      expect((await transport.send('payment', new ProcessPayment({ orderId: voided, customerId: 'c', amount: '1.00' })))[0]).toBeInstanceOf(PaymentDeclined);
    } finally {
      transport.onApplicationShutdown();
    }
    await t.drain();
  });

  describe('consistency checker', () => {
    let confirmed: string;
    let cancelled: string;

    beforeAll(async () => {
      const as = (r: request.Test) => r.set('Authorization', `Bearer ${ADMIN_KEY}`);
      await as(request(t.http).post('/api/v1/products')).send({ id: 'authcap_beans', name: 'beans', price: '100.00', stock: 50 }).expect(201);
      const place = async (quantity: number) =>
        (await as(request(t.http).post('/api/v1/orders')).send({ customerId: 'c', items: [{ productId: 'authcap_beans', quantity, price: '100.00' }] }).expect(201)).body.id as string;
      confirmed = await place(2);
      cancelled = await place(6); // 600.00: declined
      await t.drain();
    });

    /** Moves `orderId`'s payment to `status`, last changed `ago` before now, runs the checker with 60 s of slack, and rolls back. */
    async function violationsWith(orderId: string, status: string, ago: string): Promise<string[]> {
      const client = await t.sql.connect();
      try {
        await client.query('BEGIN');
        await client.query(`UPDATE payment.payments SET status = $2, updated_at = now() - $3::interval WHERE order_id = $1`, [orderId, status, ago]);
        return (await checkConsistency(client, 60_000)).map((v) => v.invariant);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }

    it('finds nothing wrong in what the app left, holds and voids included', async () => {
      expect(await checkConsistency(t.sql, 0)).toEqual([]);
    });

    it.each([
      ['a confirmed order whose payment is only authorised', 'confirmed', 'AUTHORIZED', '1 hour', ['CONFIRMED_NOT_PAID_ONCE', 'HOLD_ON_SETTLED_ORDER']],
      ['a cancelled order whose hold was never voided', 'cancelled', 'AUTHORIZED', '1 hour', ['HOLD_ON_SETTLED_ORDER']],
      ['a cancelled order whose hold is being voided (within the slack)', 'cancelled', 'AUTHORIZED', '1 second', []],
      ['a cancelled order whose hold was voided', 'cancelled', 'VOIDED', '1 hour', []],
      ['a cancelled order charged', 'cancelled', 'CAPTURED', '1 hour', ['CANCELLED_ORDER_CHARGED']],
      ['a confirmed order whose payment was voided', 'confirmed', 'VOIDED', '1 hour', ['CONFIRMED_NOT_PAID_ONCE']],
    ])('%s', async (_name, which, status, ago, expected) => {
      expect(await violationsWith(which === 'confirmed' ? confirmed : cancelled, status, ago)).toEqual(expected);
    });
  });
});
