import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { AppProcess } from './support/app-process.js';
import { OrderLoad } from './support/order-load.js';
import { expectSplitConsistent, sagaStatuses } from './support/split-checks.js';
import { RABBITMQ_URL } from './support/rabbitmq.js';
import { SplitDeployment, type SplitTransport } from './support/split-deployment.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase } from './support/test-database.js';
import { ORDER_SAGA_V1 } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const ORDERS = 300;
/** Every 10th order is above the payment module's decline limit: its saga compensates. */
const body = (i: number) =>
  i % 10 === 0
    ? { customerId: `c${i % 7}`, items: [{ productId: 'split_grinder', quantity: 1, price: '600.00' }] }
    : { customerId: `c${i % 7}`, items: [{ productId: 'split_beans', quantity: 1, price: '5.00' }] };

const stock = (split: SplitDeployment) =>
  split.dbs.inventory.query(`INSERT INTO inventory.products (id, name, price, available, stocked)
    VALUES ('split_beans', 'beans', 5.00, 10000, 10000), ('split_grinder', 'grinder', 600.00, 1000, 1000)`);

describe.each<SplitTransport>(['grpc', 'rabbitmq'])('inventory and payment in processes and databases of their own, reached over %s', (transport) => {
  let split: SplitDeployment | undefined;
  afterEach(async () => {
    await split?.stop();
    split = undefined;
  });

  it('300 orders with kill -9 of the payment process in the middle: after its restart every saga finishes, nothing applied twice, each database consistent', async () => {
    // Retries outlast the restart: every order ends as its business rules say, none for want of payment.
    split = await SplitDeployment.start(transport, { front: { ...ORDER_SAGA_V1, SAGA_RETRY_ATTEMPTS: '30', SAGA_MAX_RETRY_DELAY_MS: '1000' } });
    await stock(split);
    const load = new OrderLoad(() => [split!.front.url], ORDERS, 8, body, 'split-grpc');
    await waitFor('a third of the orders', async () => (load.placed.length >= ORDERS / 3 ? true : undefined));
    await split.kill('payment');
    await split.startProcess('payment');
    await load.done;
    await waitFor('every saga to finish', async () => {
      const s = await sagaStatuses(split!);
      return s.COMPLETED + s.COMPENSATED === ORDERS ? s : undefined;
    }, 90_000);
    expect(await sagaStatuses(split)).toEqual({ COMPLETED: ORDERS - ORDERS / 10, COMPENSATED: ORDERS / 10 });
    await expectSplitConsistent(split);
    // Over gRPC the participants' inboxes hold the calls (by idempotency key); over RabbitMQ the
    // commands themselves, and the participants answered through their outboxes.
    const { rows } = await split.dbs.payment.query(`SELECT count(*) FILTER (WHERE message_id LIKE 'grpc:%')::int AS calls, count(*)::int AS applied FROM messaging.inbox`);
    expect(rows[0].applied).toBeGreaterThanOrEqual(ORDERS);
    expect(rows[0].calls).toBe(transport === 'grpc' ? rows[0].applied : 0);
    const { rows: answers } = await split.dbs.payment.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE destination = 'saga'`);
    expect(answers[0].n > 0).toBe(transport === 'rabbitmq');
  }, 180_000);

  it('a participant down for longer than its step retries: the saga compensates as its policy says, its refund waiting for the participant to return', async () => {
    split = await SplitDeployment.start(transport, {
      front: { ...ORDER_SAGA_V1, SAGA_RETRY_ATTEMPTS: '2', SAGA_RETRY_DELAY_MS: '50', SAGA_COMPENSATION_ATTEMPTS: '100', SAGA_MAX_RETRY_DELAY_MS: '300', MODULE_CALL_TIMEOUT_MS: '500' },
    });
    await stock(split);
    await split.kill('payment');
    const placed = await new OrderLoad(() => [split!.front.url], 5, 5, (i) => body(i + 1), 'split-down').done;
    // The charge failed twice (the step's attempts): the saga compensates, the uncertain charge
    // first (a refund, which waits for the payment process), then the stock.
    await waitFor('every saga to compensate', async () => ((await sagaStatuses(split!)).COMPENSATING === 5 ? true : undefined), 30_000);
    const { rows: attempts } = await split.dbs.front.query(`SELECT max(attempt)::int AS n FROM saga.saga_steps WHERE step = 'process-payment' AND action = 'execute' GROUP BY saga_id`);
    expect(attempts).toEqual(Array(5).fill({ n: 2 }));
    await split.startProcess('payment');
    await waitFor('every saga to be compensated', async () => ((await sagaStatuses(split!)).COMPENSATED === 5 ? true : undefined), 30_000);
    const { rows: orders } = await split.dbs.front.query(`SELECT status, failure_reason FROM orders.orders WHERE id = ANY($1)`, [placed.map((p) => p.id)]);
    // A refused call fails the step at once; a command waiting in the queue of a stopped process times out.
    const reason = transport === 'grpc' ? 'PROCESS_PAYMENT_FAILED' : 'PROCESS_PAYMENT_TIMED_OUT';
    expect(orders).toEqual(Array(5).fill({ status: 'CANCELLED', failure_reason: reason }));
    // The stock was released and nothing stayed charged. Over gRPC nothing was charged at all: the
    // refund left a tombstone (a declined payment of 0) so that a late charge is refused. Over
    // RabbitMQ the charges waited in the payment queue with their refunds: each order's was
    // refunded, or refused for its tombstone, whichever the payment process applied first.
    const { rows: held } = await split.dbs.inventory.query(`SELECT status, count(*)::int AS n FROM inventory.reservations GROUP BY 1`);
    expect(held).toEqual([{ status: 'RELEASED', n: 5 }]);
    const { rows: payments } = await split.dbs.payment.query(`SELECT order_id, status, amount::text FROM payment.payments`);
    expect(payments.map((p: { order_id: string }) => p.order_id).sort()).toEqual(placed.map((p) => p.id).sort());
    const tombstone = { status: 'DECLINED', amount: '0.00' };
    const allowed = transport === 'grpc' ? [tombstone] : [tombstone, { status: 'REFUNDED', amount: '5.00' }];
    for (const { status, amount } of payments) expect(allowed).toContainEqual({ status, amount });
    await expectSplitConsistent(split);
  }, 90_000);
});

describe('the split deployment over RabbitMQ, with the broker connection cut', () => {
  let split: SplitDeployment | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await split?.stop();
    await proxy?.stop();
    split = proxy = undefined;
  });

  it("the front's connection to the broker cut in the middle of 150 orders: it recovers by itself, nothing lost or applied twice", async () => {
    const broker = new URL(RABBITMQ_URL);
    proxy = await new TcpProxy(broker.hostname, Number(broker.port || 5672)).start();
    const viaProxy = new URL(RABBITMQ_URL);
    viaProxy.port = String(proxy.port);
    split = await SplitDeployment.start('rabbitmq', { front: { ...ORDER_SAGA_V1, RABBITMQ_URL: viaProxy.toString(), SAGA_RETRY_ATTEMPTS: '30', SAGA_MAX_RETRY_DELAY_MS: '1000' } });
    await stock(split);
    const orders = 150;
    const load = new OrderLoad(() => [split!.front.url], orders, 8, body, 'split-cut');
    await waitFor('a third of the orders', async () => (load.placed.length >= orders / 3 ? true : undefined));
    proxy.cut();
    // Orders are still taken while the broker is out of reach: their commands wait in the outbox.
    const placedAtCut = load.placed.length;
    await waitFor('orders placed during the cut', async () => (load.placed.length >= placedAtCut + 20 ? true : undefined));
    proxy.restore();
    await load.done;
    await waitFor('every saga to finish', async () => {
      const s = await sagaStatuses(split!);
      return s.COMPLETED + s.COMPENSATED === orders ? s : undefined;
    }, 90_000);
    expect(await sagaStatuses(split)).toEqual({ COMPLETED: orders - orders / 10, COMPENSATED: orders / 10 });
    await expectSplitConsistent(split);
  }, 180_000);
});

describe('processes hosting different modules on one database', () => {
  const running: AppProcess[] = [];
  afterEach(async () => {
    for (const app of running.splice(0)) {
      app.kill('SIGKILL');
      await app.exited;
    }
  });

  it("each relay claims only the rows of modules it hosts: orders taken by one process finish through the other's participants, none misdelivered", async () => {
    const url = await createTestDatabase();
    const db = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await db.query(`INSERT INTO inventory.products (id, name, price, available, stocked) VALUES ('split_beans', 'beans', 5.00, 1000, 1000), ('split_grinder', 'grinder', 600.00, 100, 100)`);
      // One attempt per step: a command claimed by the process without its module would fail and compensate the saga.
      const quick = { DATABASE_URL: url, SAGA_RETRY_ATTEMPTS: '1', RELAY_POLL_MS: '100', SAGA_TIMER_POLL_MS: '100' };
      const front = await AppProcess.start({ ...quick, MODULES: 'order,saga' });
      running.push(front, await AppProcess.start({ ...quick, MODULES: 'inventory,payment,shipping,notification' }));
      const placed = await new OrderLoad(() => [front.url], 40, 8, body, 'shared-db').done;
      const statuses = async () => (await db.query(`SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1 ORDER BY 1`)).rows;
      await waitFor('every saga to finish', async () => ((await statuses()).every((r: { status: string }) => ['COMPLETED', 'COMPENSATED'].includes(r.status)) ? true : undefined), 30_000);
      expect(await statuses()).toEqual([{ status: 'COMPENSATED', n: 4 }, { status: 'COMPLETED', n: 36 }]);
      expect(placed).toHaveLength(40);
      // Nothing failed on its way: every command went to the process that hosts its module.
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE last_error IS NOT NULL OR type = 'messaging.DeliveryFailed'`);
      expect(rows[0].n).toBe(0);
      expect(await checkConsistency(db, 0)).toEqual([]);
    } finally {
      await db.end();
    }
  }, 90_000);
});
