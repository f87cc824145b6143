import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { startTracing } from '../src/observability/tracing.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('tracing switched off (OTEL_SDK_DISABLED=true)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: { shutdown: () => Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    tracing = startTracing([new SimpleSpanProcessor(exporter)]); // as main.ts does
    t = await startTestApp();
    await request(t.http).post('/api/v1/products').send({ id: 'off_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    delete process.env.OTEL_SDK_DISABLED;
    await t?.close();
    await tracing?.shutdown();
  });

  it('runs a saga with no spans, no trace ids and no traceparent anywhere', async () => {
    const res = await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'off_beans', quantity: 1, price: '5.00' }] }).expect(201);
    expect(res.headers.traceparent).toBeUndefined();
    expect(await t.waitForSaga(res.body.sagaId)).toBe('COMPLETED');

    expect(exporter.getFinishedSpans()).toEqual([]);
    const { rows: history } = await t.sql.query('SELECT count(*)::int AS n, count(trace_id)::int AS traced FROM saga.saga_steps WHERE saga_id = $1', [res.body.sagaId]);
    expect(history[0]).toEqual({ n: 7, traced: 0 });
    const { rows: outbox } = await t.sql.query(`SELECT count(*)::int AS n, count(meta->>'traceparent')::int AS traced FROM messaging.outbox WHERE meta->>'correlationId' = $1`, [res.body.sagaId]);
    expect(outbox[0]).toEqual({ n: 12, traced: 0 });
  });
});
