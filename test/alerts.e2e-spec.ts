import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { alertRules, metricNames, readDockerYaml } from './support/alert-rules.js';
import { expectBalanced } from './support/assertions.js';
import { declaredMetrics, parseMetrics } from './support/prometheus-text.js';
import { ORDER_SAGA_V1, startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

// The metrics docker/alerts.yml reads, and the saga duration histogram, moving as sagas finish.

const PRODUCT = 'alert_beans';
const STOCK = 100;
const duration = (outcome: string, part: 'count' | 'sum') => `saga_duration_seconds_${part}{type="place-order",outcome="${outcome}"}`;
const finished = (status: string) => `saga_finished_total{type="place-order",status="${status}"}`;

describe('alerting metrics', () => {
  let t: TestApp;
  let faults: FaultInjector;
  const scrape = async () => (await request(t.http).get('/metrics').expect(200)).text;
  const values = async () => parseMetrics(await scrape());
  /** How much each metric moves while `run` runs (`delta`), and what `run` returned. */
  const deltas = async <T>(run: () => Promise<T>) => {
    const before = await values();
    const result = await run();
    const after = await values();
    return { result, delta: (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0) };
  };
  /** One unit (300.00) completes; two (600.00, above the 500.00 decline limit) compensate. */
  const place = async (quantity: number) =>
    (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: PRODUCT, quantity, price: '300.00' }] }).expect(201)).body;
  const sagaSeconds = async (ids: string[]) => {
    const { rows } = await t.sql.query('SELECT extract(epoch FROM updated_at - created_at)::float AS s FROM saga.saga_instances WHERE id = ANY($1)', [ids]);
    return rows.reduce((sum: number, r: { s: number }) => sum + r.s, 0);
  };

  beforeAll(async () => {
    // Step timeouts well above a normal step's time on a loaded machine; only the step under test is slower.
    t = await startTestApp({
      env: { ...ORDER_SAGA_V1, SAGA_RETRY_ATTEMPTS: '1', SAGA_STEP_TIMEOUT_MS: '1000', SAGA_COMPENSATION_ATTEMPTS: '2', SAGA_RETRY_DELAY_MS: '20', SAGA_TIMER_POLL_MS: '50', RELAY_POLL_MS: '50' },
    });
    faults = t.app.get(FaultInjector);
    await request(t.http).post('/api/v1/products').send({ id: PRODUCT, name: 'beans', price: '300.00', stock: STOCK }).expect(201);
  });
  afterEach(() => faults.clear());
  afterAll(() => t?.close());

  it('observes each finished saga\'s duration once, by type and outcome, as long as the saga row says it took', async () => {
    const started = Date.now();
    const { result: sagas, delta } = await deltas(async () => {
      const [happy, declined] = [await place(1), await place(2)];
      expect(await t.waitForSaga(happy.sagaId)).toBe('COMPLETED');
      expect(await t.waitForSaga(declined.sagaId)).toBe('COMPENSATED');
      return [happy.sagaId, declined.sagaId];
    });
    const elapsed = (Date.now() - started) / 1000;
    for (const outcome of ['COMPLETED', 'COMPENSATED']) {
      expect({ outcome, observed: delta(duration(outcome, 'count')), counted: delta(finished(outcome)) }).toEqual({ outcome, observed: 1, counted: 1 });
    }
    expect(delta(duration('FAILED', 'count'))).toBe(0);
    // From the saga row's creation to its last write, and a little more (to the commit): never more than the test took.
    const observed = delta(duration('COMPLETED', 'sum')) + delta(duration('COMPENSATED', 'sum'));
    expect(observed).toBeGreaterThanOrEqual((await sagaSeconds(sagas)) - 0.002);
    expect(observed).toBeLessThanOrEqual(elapsed);
    await expectBalanced(t.sql, { [PRODUCT]: STOCK });
  });

  it('counts a step timeout by saga type, step and action; the timed-out saga is observed once, compensated', async () => {
    faults.setLatency('payment.ProcessPayment', 2500);
    const { result: order, delta } = await deltas(async () => {
      const placed = await place(1);
      expect(await t.waitForSaga(placed.sagaId)).toBe('COMPENSATED');
      return placed;
    });
    expect(delta('saga_step_timeouts_total{type="place-order",step="process-payment",action="execute"}')).toBe(1);
    const { rows: timedOut } = await t.sql.query(`SELECT step, action FROM saga.saga_steps WHERE saga_id = $1 AND message LIKE 'TIMEOUT:%'`, [order.sagaId]);
    expect(timedOut).toEqual([{ step: 'process-payment', action: 'execute' }]);
    expect(delta(duration('COMPENSATED', 'count'))).toBe(1);
    expect(delta(duration('COMPENSATED', 'sum'))).toBeGreaterThanOrEqual(1); // it waited out the 1 s timeout
    // The slow charge runs at last (refused by the refund's tombstone) before the next test.
    await waitFor('the late charge', async () => {
      const { rows } = await t.sql.query(`SELECT 1 FROM messaging.inbox WHERE consumer = 'payment' AND message_id = (
        SELECT message_id::text FROM saga.saga_steps WHERE saga_id = $1 AND step = 'process-payment' AND action = 'execute')`, [order.sagaId]);
      return rows[0];
    });
    await t.drain();
    await expectBalanced(t.sql, { [PRODUCT]: STOCK });
  });

  it('counts FAILED sagas waiting for a person, from the database, until one is retried', async () => {
    faults.failNext('inventory.ReleaseInventory', Infinity);
    const { result: order, delta: failing } = await deltas(async () => {
      const placed = await place(2);
      expect(await t.waitForSaga(placed.sagaId)).toBe('FAILED');
      return placed;
    });
    expect(failing(duration('FAILED', 'count'))).toBe(1);
    const { rows } = await t.sql.query(`SELECT count(*)::int AS n FROM saga.saga_instances WHERE status = 'FAILED' AND type = 'place-order'`);
    expect(rows).toEqual([{ n: 1 }]);
    expect((await values()).get('saga_failed_waiting{type="place-order"}')).toBe(1);

    faults.clear();
    const { delta: resumed } = await deltas(async () => {
      await request(t.http).post(`/api/v1/sagas/${order.sagaId}/retry`).expect(200);
      expect(await t.waitForSaga(order.sagaId)).toBe('COMPENSATED');
    });
    // None left: the type's series is gone, not stuck at its last count.
    expect((await values()).has('saga_failed_waiting{type="place-order"}')).toBe(false);
    // Retried, it finishes again, and is counted and observed again, from its start.
    expect(resumed(finished('COMPENSATED'))).toBe(1);
    expect(resumed(duration('COMPENSATED', 'count'))).toBe(1);
    await expectBalanced(t.sql, { [PRODUCT]: STOCK });
  });

  it('serves every metric the alert rules and their tests read (a renamed metric fails here)', async () => {
    const tests = readDockerYaml<{ tests: { input_series: { series: string }[] }[] }>('alerts.test.yml').tests;
    const read = new Set([...alertRules().flatMap((r) => metricNames(r.expr)), ...tests.flatMap((x) => x.input_series.flatMap((s) => metricNames(s.series)))]);
    expect(read.size).toBeGreaterThanOrEqual(6);
    const served = declaredMetrics(await scrape());
    for (const name of read) expect({ name, served: served.has(name) }).toEqual({ name, served: true });
  });
});
