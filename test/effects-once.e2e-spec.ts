import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { Outbox } from '../src/messaging/outbox.js';
import { CardGateway } from '../src/payment/card-gateway.js';
import { ProcessPayment } from '../src/payment/payment.messages.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const aCharge = () => new ProcessPayment({ orderId: randomUUID(), customerId: 'c', amount: '5.00' });

describe('effects that are once even when work runs twice', () => {
  let t: TestApp;
  let gateway: CardGateway;

  beforeAll(async () => {
    t = await startTestApp({ env: { RELAY_ENABLED: 'false' } }); // rows wait in the outbox until drain() claims them
    gateway = t.app.get(CardGateway);
  });
  afterEach(() => t.app.get(FaultInjector).clear());
  afterAll(() => t?.close());

  /** Writes `commands` to the outbox in one transaction, so that one claim takes them as one batch. */
  const send = (commands: ProcessPayment[]) => t.app.get(DataSource).transaction((tx) => t.app.get(Outbox).add(tx, commands));

  it('a charge whose batch rolls back after it runs again when the batch replays row by row, with the same key: the gateway charges once', async () => {
    const charge = aCharge();
    const before = gateway.chargesMade;
    // The same command twice in one batch: the second's inbox record collides with the first's
    // at the commit, after the first has charged, and the batch goes again one row at a time.
    await send([charge, charge]);
    await t.drain();

    const { rows } = await t.sql.query(
      `SELECT count(*)::int AS rows, count(DISTINCT processed_at)::int AS transactions FROM messaging.outbox WHERE message_id = $1 AND processed_at IS NOT NULL`,
      [charge.meta.messageId],
    );
    expect(rows[0]).toEqual({ rows: 2, transactions: 2 }); // delivered one by one, after the batch rolled back
    const { rows: payments } = await t.sql.query('SELECT status FROM payment.payments WHERE order_id = $1', [charge.data.orderId]);
    expect(payments).toEqual([{ status: 'CAPTURED' }]);
    expect(gateway.chargesMade - before).toBe(1);
  });

  it("injected latency is served before the delivery's transaction opens, once for a batch", async () => {
    t.app.get(FaultInjector).setLatency(ProcessPayment.type, 600);
    const charges = [aCharge(), aCharge(), aCharge()];
    await send(charges);
    await t.drain();

    // now() is a transaction's start: the batch's settle time is when its transaction opened,
    // and it had committed by the time drain() returned (now() of this query).
    const { rows } = await t.sql.query(
      `SELECT count(DISTINCT processed_at)::int AS transactions,
              (extract(epoch FROM max(processed_at) - max(created_at)) * 1000)::float AS opened_after_ms,
              (extract(epoch FROM now() - max(processed_at)) * 1000)::float AS open_for_at_most_ms
         FROM messaging.outbox WHERE message_id = ANY($1)`,
      [charges.map((c) => c.meta.messageId)],
    );
    expect(rows[0].transactions).toBe(1);
    expect(rows[0].opened_after_ms).toBeGreaterThanOrEqual(600); // slept before BEGIN
    expect(rows[0].opened_after_ms).toBeLessThan(1800); // once for the batch, not once per command
    expect(rows[0].open_for_at_most_ms).toBeLessThan(600); // and not inside the transaction
  });

  it('a command handled without a relay (a direct call) waits before its own transaction opens', async () => {
    t.app.get(FaultInjector).setLatency(ProcessPayment.type, 400);
    const charge = aCharge();
    const { rows: clock } = await t.sql.query('SELECT now() AS asked');
    await t.app.get(CommandBus).execute(charge);

    const { rows } = await t.sql.query('SELECT (extract(epoch FROM created_at - $2) * 1000)::float AS opened_after_ms FROM payment.payments WHERE order_id = $1', [
      charge.data.orderId,
      clock[0].asked,
    ]);
    expect(rows[0].opened_after_ms).toBeGreaterThanOrEqual(400);
  });
});
