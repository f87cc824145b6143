import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { startTracing } from '../src/observability/tracing.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: { shutdown: () => Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    tracing = startTracing([new SimpleSpanProcessor(exporter)]); // as main.ts does, plus an in-memory exporter
    t = await startTestApp();
    await request(t.http).post('/api/v1/products').send({ id: 'tr_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await tracing?.shutdown();
  });

  it('follows one order in one trace: the POST, every outbox hop and handler, and the saga history', async () => {
    exporter.reset();
    const res = await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'tr_beans', quantity: 1, price: '5.00' }] }).expect(201);
    const traceId = /^00-([0-9a-f]{32})-/.exec(res.headers.traceparent)![1];
    await t.waitForSaga(res.body.sagaId);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = spans.map((s) => s.name);
    expect(names).toContain('POST /api/v1/orders');
    for (const type of [
      'inventory.ReserveInventory', 'inventory.InventoryReserved',
      'payment.AuthorizePayment', 'payment.PaymentAuthorized',
      'payment.CapturePayment', 'payment.PaymentCaptured',
      'inventory.ShipReservation', 'inventory.ReservationShipped',
      'order.ConfirmOrder', 'order.OrderConfirmed',
      'notification.SendNotification', 'notification.NotificationSent',
    ]) expect(names).toContain(`deliver ${type}`);
    // Every delivery hangs under the previous hop: one tree, rooted at the request.
    const root = spans.find((s) => s.name === 'POST /api/v1/orders')!;
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    for (const span of spans.filter((s) => s !== root)) expect(ids.has(span.parentSpanContext!.spanId)).toBe(true);

    const saga = (await request(t.http).get(`/api/v1/sagas/${res.body.sagaId}`).expect(200)).body;
    expect(saga.history.map((h: { traceId: string }) => h.traceId)).toEqual(Array(saga.history.length).fill(traceId));
  });

  it('continues the trace a client sends in traceparent', async () => {
    const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await request(t.http)
      .post('/api/v1/orders')
      .set('traceparent', `00-${clientTrace}-00f067aa0ba902b7-01`)
      .send({ customerId: 'c', items: [{ productId: 'tr_beans', quantity: 1, price: '5.00' }] })
      .expect(201);
    expect(res.headers.traceparent).toMatch(new RegExp(`^00-${clientTrace}-`));
    await t.waitForSaga(res.body.sagaId);
    const saga = (await request(t.http).get(`/api/v1/sagas/${res.body.sagaId}`).expect(200)).body;
    expect(new Set(saga.history.map((h: { traceId: string }) => h.traceId))).toEqual(new Set([clientTrace]));
  });
});
