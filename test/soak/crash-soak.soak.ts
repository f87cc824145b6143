// `npm run soak`: a longer run than `npm test` affords. Several instances share one database
// while one of them is killed with -9 every few seconds and started again; at the end every saga
// must be terminal and the consistency checker must find nothing.
//   SOAK_ORDERS (3000), SOAK_INSTANCES (2), SOAK_KILL_EVERY_MS (3000), SOAK_CONCURRENCY (16)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { checkConsistency } from '../../src/verify/consistency-check.js';
import { AppProcess } from '../support/app-process.js';
import { OrderLoad } from '../support/order-load.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const ORDERS = Number(process.env.SOAK_ORDERS ?? 3000);
const INSTANCES = Number(process.env.SOAK_INSTANCES ?? 2);
const KILL_EVERY_MS = Number(process.env.SOAK_KILL_EVERY_MS ?? 3000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);

describe('soak: kill -9 again and again under load', () => {
  let db: pg.Pool;
  let url: string;
  const apps: AppProcess[] = [];
  const env = () => ({ DATABASE_URL: url, RELAY_LEASE_MS: '2000', SAGA_STEP_TIMEOUT_MS: '10000', PAYMENT_FAILURE_RATE: '0.05' });

  beforeAll(async () => {
    url = await createTestDatabase();
    db = new pg.Pool({ connectionString: url, max: 2 });
    await db.query(`INSERT INTO inventory.products (id, name, price, available, stocked)
                    VALUES ('soak_beans', 'beans', 5.00, 1000000, 1000000), ('soak_grinder', 'grinder', 600.00, 1000000, 1000000)`);
    for (let i = 0; i < INSTANCES; i++) apps.push(await AppProcess.start(env()));
  });
  afterAll(async () => {
    for (const app of apps) app.kill('SIGKILL');
    await db?.end();
  });

  it(`${ORDERS} orders, ${INSTANCES} instances, one killed every ${KILL_EVERY_MS} ms`, async () => {
    const started = Date.now();
    const body = (i: number) => ({
      customerId: `c${i % 50}`,
      items: [i % 10 === 0 ? { productId: 'soak_grinder', quantity: 1, price: '600.00' } : { productId: 'soak_beans', quantity: 1, price: '5.00' }],
    });
    const load = new OrderLoad(() => apps.map((a) => a.url), ORDERS, CONCURRENCY, body, 'soak');
    let kills = 0;
    const killer = setInterval(() => {
      const victim = kills++ % apps.length;
      const dying = apps[victim];
      dying.kill('SIGKILL');
      void dying.exited.then(async () => (apps[victim] = await AppProcess.start(env())));
    }, KILL_EVERY_MS);
    try {
      await load.done;
    } finally {
      clearInterval(killer);
    }
    const statuses = await waitFor('every saga to finish', async () => {
      const { rows } = await db.query('SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1');
      const s = Object.fromEntries(rows.map((r: { status: string; n: number }) => [r.status, r.n]));
      return (s.COMPLETED ?? 0) + (s.COMPENSATED ?? 0) === ORDERS ? s : undefined;
    }, 300_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`soak: ${ORDERS} sagas in ${seconds.toFixed(1)} s (${(ORDERS / seconds).toFixed(0)}/s) with ${kills} kills: ${JSON.stringify(statuses)}`);
    expect(await checkConsistency(db, 0)).toEqual([]);
  }, 30 * 60_000);
});
