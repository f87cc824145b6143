import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import request from 'supertest';
import { startTracing } from '../src/observability/tracing.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// The pino root logger is per process: this file has one app, whose log lines it reads.
describe('logging', () => {
  const lines: Record<string, unknown>[] = [];
  let tracing: { shutdown: () => Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    tracing = startTracing();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestApp({ logStream: stream, env: { LOG_LEVEL: 'info' } });
    await request(t.http).post('/api/v1/products').send({ id: 'log_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await tracing?.shutdown();
  });

  it('writes JSON lines: one per request and per saga transition, each with trace id, saga id and order id', async () => {
    const res = await request(t.http)
      .post('/api/v1/orders')
      .set('X-Correlation-Id', 'log-test-1')
      .send({ customerId: 'c', items: [{ productId: 'log_beans', quantity: 1, price: '5.00' }] })
      .expect(201);
    const traceId = /^00-([0-9a-f]{32})-/.exec(res.headers.traceparent)![1];
    await t.waitForSaga(res.body.sagaId);

    const requestLine = lines.find((l) => l.msg === 'request completed' && (l.req as { id?: string }).id === 'log-test-1');
    expect(requestLine).toMatchObject({ level: 30, traceId, req: { method: 'POST', url: '/api/v1/orders' }, res: { statusCode: 201 } });
    const transitions = lines.filter((l) => l.msg === 'saga transition' && l.sagaId === res.body.sagaId);
    // One line per applied reply: the first of the two holds leaves the saga STARTED (its group
    // still waits), the second moves it on; then capture, ship, confirm, and the notification ends it.
    expect(transitions.map((l) => l.to)).toEqual(['STARTED', 'STARTED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'COMPLETED']);
    for (const line of transitions) {
      expect(line).toMatchObject({ traceId, sagaId: res.body.sagaId, orderId: res.body.id, sagaType: 'place-order', spanId: expect.any(String) });
    }
  });
});
