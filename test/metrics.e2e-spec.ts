import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parseMetrics as parse } from './support/prometheus-text.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('metrics', () => {
  let t: TestApp;
  const scrape = async () => parse((await request(t.http).get('/metrics').expect(200).expect('content-type', /text\/plain/)).text);
  const value = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

  beforeAll(async () => {
    t = await startTestApp();
    await request(t.http).post('/api/v1/products').send({ id: 'm_beans', name: 'beans', price: '300.00', stock: 100 }).expect(201);
  });
  afterAll(() => t?.close());

  it('moves the saga, step, relay and HTTP metrics by the right amounts for a happy and a compensated saga', async () => {
    const before = await scrape();
    const happy = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'm_beans', quantity: 1, price: '300.00' }] }).expect(201)).body;
    const declined = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'm_beans', quantity: 2, price: '300.00' }] }).expect(201)).body;
    await t.waitForSaga(happy.sagaId);
    await t.waitForSaga(declined.sagaId);
    const after = await scrape();
    const delta = (key: string) => value(after, key) - value(before, key);

    expect(delta('saga_started_total{type="place-order"}')).toBe(2);
    expect(delta('saga_finished_total{type="place-order",status="COMPLETED"}')).toBe(1);
    expect(delta('saga_finished_total{type="place-order",status="COMPENSATED"}')).toBe(1);
    expect(delta('saga_compensations_total{type="place-order",reason="CARD_DECLINED"}')).toBe(1);
    // Steps: 2 reservations and 2 card holds (one FAILED), then for the happy one a capture, the
    // stock shipped, the confirmation and the notification; for the declined one a release and a cancellation.
    const steps = (step: string, action: string, outcome: string) =>
      delta(`saga_step_duration_seconds_count{type="place-order",step="${step}",action="${action}",outcome="${outcome}"}`);
    expect(steps('reserve-inventory', 'execute', 'SUCCEEDED')).toBe(2);
    expect(steps('authorize-payment', 'execute', 'SUCCEEDED')).toBe(1);
    expect(steps('authorize-payment', 'execute', 'FAILED')).toBe(1);
    for (const step of ['capture-payment', 'ship-inventory', 'confirm-order', 'notify-customer']) expect([step, steps(step, 'execute', 'SUCCEEDED')]).toEqual([step, 1]);
    expect(steps('reserve-inventory', 'compensate', 'SUCCEEDED')).toBe(1);
    expect(steps('authorize-payment', 'compensate', 'SUCCEEDED')).toBe(0); // the hold that said no took nothing
    expect(steps('create-order', 'compensate', 'SUCCEEDED')).toBe(1);
    // 10 commands and 10 replies went through the relay, and the cancelled order's notification (a command nothing answers).
    expect(delta('relay_dispatch_duration_seconds_count{consumer="command",outcome="delivered"}')).toBe(11);
    expect(delta('relay_dispatch_duration_seconds_count{consumer="saga",outcome="delivered"}')).toBe(10);
    expect(delta('http_request_duration_seconds_count{method="POST",route="/api/v1/orders",status="201"}')).toBe(2);
    expect(value(after, 'outbox_pending')).toBe(0);
    expect(after.has('outbox_oldest_pending_age_seconds')).toBe(true);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    // No label carries an id.
    const text = (await request(t.http).get('/metrics')).text;
    expect(text).not.toContain(happy.id);
    expect(text).not.toContain(happy.sagaId);
  });

  it('serves every metric the provisioned Grafana dashboard (docker/) queries', async () => {
    const dashboard = readFileSync(new URL('../docker/grafana/dashboards/sagas.json', import.meta.url), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b((?:saga|outbox|relay|http)_[a-z_]+)/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, '')));
    expect(queried.size).toBeGreaterThan(8);
    const served = (await request(t.http).get('/metrics').expect(200)).text;
    for (const name of queried) expect({ name, served: served.includes(`# TYPE ${name} `) }).toEqual({ name, served: true });
  });
});
