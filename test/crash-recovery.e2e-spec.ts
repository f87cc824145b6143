import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { AppProcess } from './support/app-process.js';
import { OrderLoad } from './support/order-load.js';
import { createTestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const ORDERS = 200; // each order's saga sends six commands and takes six replies (the order saga v2)
/** Every 10th order is above the decline limit: its saga compensates. */
const body = (i: number) =>
  i % 10 === 0
    ? { customerId: `c${i % 7}`, items: [{ productId: 'crash_grinder', quantity: 1, price: '600.00' }] }
    : { customerId: `c${i % 7}`, items: [{ productId: 'crash_beans', quantity: 1, price: '5.00' }] };
const EXPECTED = { COMPLETED: ORDERS - ORDERS / 10, COMPENSATED: ORDERS / 10 };

/** Child processes resume quickly: a dead instance's leases expire after 1.5 s. */
const env = (databaseUrl: string) => ({
  DATABASE_URL: databaseUrl,
  RELAY_LEASE_MS: '1500',
  RELAY_POLL_MS: '100',
  SAGA_TIMER_POLL_MS: '100',
  SAGA_STEP_TIMEOUT_MS: '5000',
});

describe('crash recovery and many instances (real processes)', () => {
  const running: AppProcess[] = [];
  let db: pg.Pool;
  let url: string;

  const start = async () => {
    const app = await AppProcess.start(env(url));
    running.push(app);
    return app;
  };

  /** Each scenario on a database of its own, with a catalogue. */
  beforeEach(async () => {
    url = await createTestDatabase();
    db = new pg.Pool({ connectionString: url, max: 2 });
    await db.query(`INSERT INTO inventory.products (id, name, price, available, stocked)
                    VALUES ('crash_beans', 'beans', 5.00, 10000, 10000), ('crash_grinder', 'grinder', 600.00, 1000, 1000)`);
  });
  afterEach(async () => {
    for (const app of running.splice(0)) {
      app.kill('SIGKILL');
      await app.exited;
    }
    await db.end();
  });

  async function statuses(): Promise<Record<string, number>> {
    const { rows } = await db.query('SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1');
    return Object.fromEntries(rows.map((r: { status: string; n: number }) => [r.status, r.n]));
  }

  /** Every saga terminal, one order per key, no step applied twice, and the checker finds nothing. */
  async function expectAllFinishedCleanly(load: OrderLoad): Promise<void> {
    const placed = await load.done;
    expect(new Set(placed.map((p) => p.key)).size).toBe(ORDERS);
    await waitFor('every saga to finish', async () => {
      const s = await statuses();
      return s.COMPLETED === EXPECTED.COMPLETED && s.COMPENSATED === EXPECTED.COMPENSATED ? s : undefined;
    }, 60_000);
    expect(await statuses()).toEqual(EXPECTED);
    const { rows } = await db.query(`SELECT (SELECT count(*) FROM orders.orders)::int AS orders,
      (SELECT count(*) FROM (SELECT 1 FROM saga.saga_steps WHERE status = 'SUCCEEDED' GROUP BY saga_id, step, action HAVING count(*) > 1) d)::int AS doubled`);
    expect(rows[0]).toEqual({ orders: ORDERS, doubled: 0 });
    // A retry sent just before a late answer came (a step timer firing across the restart) is
    // still owed to its participant, which will find it applied: wait until every row is
    // delivered, whenever due, then check with no slack.
    await waitFor('the outbox to drain', async () => {
      const { rows: owed } = await db.query('SELECT count(*)::int AS n FROM messaging.outbox WHERE processed_at IS NULL AND dead_at IS NULL');
      return owed[0].n === 0 ? true : undefined;
    }, 30_000);
    expect(await checkConsistency(db, 0)).toEqual([]);
  }

  it('kill -9 in the middle of a few hundred orders: after a restart every saga finishes, nothing lost or doubled', async () => {
    let app = await start();
    const load = new OrderLoad(() => [app.url], ORDERS, 8, body, 'crash');
    await waitFor('a third of the orders', async () => (load.placed.length >= ORDERS / 3 ? true : undefined), 30_000);
    app.kill('SIGKILL');
    const placedBeforeKill = load.placed.length;
    expect(await app.exited).toBeNull(); // killed by the signal, no shutdown ran
    expect(placedBeforeKill).toBeLessThan(ORDERS);
    app = await start();
    await expectAllFinishedCleanly(load);
  }, 120_000);

  it('two instances share the work; one is killed and the other finishes all of it', async () => {
    const a = await start();
    const b = await start();
    let targets = [a.url, b.url];
    const load = new OrderLoad(() => targets, ORDERS, 8, body, 'pair');
    await waitFor('a third of the orders', async () => (load.placed.length >= ORDERS / 3 ? true : undefined), 30_000);
    b.kill('SIGKILL');
    targets = [a.url];
    await expectAllFinishedCleanly(load);
  }, 120_000);

  it('SIGTERM: the instance stops claiming, finishes what it holds and exits in under 10 s', async () => {
    let app = await start();
    const load = new OrderLoad(() => [app.url], ORDERS, 8, body, 'term');
    await waitFor('a third of the orders', async () => (load.placed.length >= ORDERS / 3 ? true : undefined), 30_000);
    const stopping = Date.now();
    app.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    // It finished what it held: no delivery is left leased by the stopped instance.
    const { rows } = await db.query(
      `SELECT count(*)::int AS leased FROM messaging.outbox WHERE processed_at IS NULL AND attempts > 0 AND available_at > now()`,
    );
    expect(rows[0].leased).toBe(0);
    app = await start();
    await expectAllFinishedCleanly(load);
  }, 120_000);
});
