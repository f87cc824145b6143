import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { checkConsistency } from '../src/verify/consistency-check.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/** Statuses of all sagas, counted. */
async function sagaStatuses(db: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await db.query('SELECT status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1');
  return Object.fromEntries(rows.map((r: { status: string; n: number }) => [r.status, r.n]));
}

describe('losing the database connection', () => {
  let direct: pg.Pool;
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase();
    direct = new pg.Pool({ connectionString: url, max: 2 });
    direct.on('error', () => undefined); // its idle connection is one pg_terminate_backend kills
    await direct.query(`INSERT INTO inventory.products (id, name, price, available, stocked) VALUES ('loss_beans', 'beans', 5.00, 1000, 1000)`);
  });
  afterAll(() => direct?.end());

  let keys = 0;
  /** Places n orders as a careful client does: a 5xx is retried with the same Idempotency-Key. */
  const place = (t: TestApp, n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const key = `loss-${++keys}`;
        for (let attempt = 1; ; attempt++) {
          const res = await request(t.http)
            .post('/api/v1/orders')
            .set('Idempotency-Key', key)
            .send({ customerId: 'c', items: [{ productId: 'loss_beans', quantity: 1, price: '5.00' }] });
          if (res.status === 201 || attempt === 3) return expect(res.status).toBe(201);
        }
      }),
    );

  it('while the database is unreachable /health says degraded and the relay backs off; then everything resumes by itself', async () => {
    const proxy = await new TcpProxy(new URL(url).hostname, Number(new URL(url).port)).start();
    const t = await startTestApp({ databaseUrl: TcpProxy.via(url, proxy), env: { RELAY_POLL_MS: '50', SAGA_TIMER_POLL_MS: '50', RELAY_LEASE_MS: '2000' } });
    try {
      await place(t, 20);
      proxy.cut(); // mid-run: some sagas are still on their way
      const degraded = await waitFor('health to say degraded', async () => {
        const res = await request(t.http).get('/health');
        return res.status === 503 && res.body.relay === 'backing-off' ? res.body : undefined;
      });
      expect(degraded).toEqual({ status: 'degraded', database: 'down', relay: 'backing-off' });
      const ready = await request(t.http).get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', error: { database: { status: 'down' }, relay: { status: 'down', state: 'backing-off' } } });
      await request(t.http).get('/health/live').expect(200);

      proxy.restore();
      await waitFor('health to recover', async () => ((await request(t.http).get('/health')).status === 200 ? true : undefined));
      await place(t, 5);
      await waitFor('every saga to finish', async () => {
        const s = await sagaStatuses(direct);
        return s.COMPLETED === 25 ? s : undefined;
      }, 30_000);
      expect(await checkConsistency(direct, 0)).toEqual([]);
    } finally {
      await t.close();
      await proxy.stop();
    }
  });

  it('connections killed by pg_terminate_backend mid-run are replaced without a restart', async () => {
    const t = await startTestApp({ databaseUrl: url, env: { RELAY_POLL_MS: '50', SAGA_TIMER_POLL_MS: '50', RELAY_LEASE_MS: '2000' } });
    try {
      const before = (await sagaStatuses(direct)).COMPLETED ?? 0;
      await place(t, 20);
      const { rows } = await direct.query(
        `SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(rows[0].killed).toBeGreaterThan(0);
      await place(t, 20);
      await waitFor('every saga to finish', async () => {
        const s = await sagaStatuses(direct);
        return s.COMPLETED >= before + 40 && !s.STARTED && !s.RUNNING ? s : undefined;
      }, 30_000);
      expect((await request(t.http).get('/health').expect(200)).body.status).toBe('ok');
      expect(await checkConsistency(direct, 0)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
