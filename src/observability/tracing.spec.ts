import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { context, propagation, type Span, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { contextFrom, currentTraceId, currentTraceparent, inSpan, SpanKind, startTracing } from './tracing.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/;

/** Runs a request span with a delivery span inside it; returns what each saw. */
async function requestThenDelivery(attributes: () => Record<string, string>) {
  const seen: { span: Span; recording: boolean; traceparent?: string; traceId?: string }[] = [];
  await inSpan('request', SpanKind.SERVER, context.active(), attributes, async (span) => {
    seen.push({ span, recording: span.isRecording(), traceparent: currentTraceparent(), traceId: currentTraceId() });
    // What the request sent (an outbox row's traceparent) is continued by its delivery.
    await inSpan('deliver', SpanKind.CONSUMER, contextFrom(currentTraceparent()), attributes, async (child) => {
      seen.push({ span: child, recording: child.isRecording(), traceparent: currentTraceparent(), traceId: currentTraceId() });
    });
  });
  return seen;
}

describe('startTracing', () => {
  let tracing: { shutdown: () => Promise<void> } | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    delete process.env.OTEL_TRACES_SAMPLER;
    delete process.env.OTEL_TRACES_SAMPLER_ARG;
  });

  it('with nowhere to send spans, records none and builds no attributes, yet trace ids exist and propagate', async () => {
    tracing = startTracing();
    const attributes = jest.fn(() => ({ 'messaging.consumer': 'x' }));
    const [request, delivery] = await requestThenDelivery(attributes);

    expect(request.recording).toBe(false);
    expect(delivery.recording).toBe(false);
    expect(attributes).not.toHaveBeenCalled();
    expect(request.traceparent).toMatch(TRACEPARENT);
    expect(TRACEPARENT.exec(request.traceparent!)![3]).toBe('0'); // not sampled: this process keeps none of it
    expect(request.traceId).toBe(TRACEPARENT.exec(request.traceparent!)![1]);
    expect(delivery.traceId).toBe(request.traceId);
    expect(delivery.span.spanContext().spanId).not.toBe(request.span.spanContext().spanId);
  });

  it('continues a trace a caller sends, keeping its trace id, while recording nothing', async () => {
    tracing = startTracing();
    const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceId = await inSpan('request', SpanKind.SERVER, contextFrom(`00-${clientTrace}-00f067aa0ba902b7-01`), () => ({}), async (span) => {
      expect(span.isRecording()).toBe(false);
      return currentTraceId();
    });
    expect(traceId).toBe(clientTrace);
  });

  it('records every span, with its attributes, when a processor is given (the SDK default sampler)', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing([new SimpleSpanProcessor(exporter)]);
    const [request, delivery] = await requestThenDelivery(() => ({ 'messaging.consumer': 'x' }));

    expect(request.recording).toBe(true);
    expect(TRACEPARENT.exec(request.traceparent!)![3]).toBe('1');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['deliver', 'request']);
    expect(spans[0].attributes).toEqual({ 'messaging.consumer': 'x' });
    expect(spans[0].parentSpanContext?.spanId).toBe(request.span.spanContext().spanId);
    expect(delivery.traceId).toBe(request.traceId);
  });

  it('follows OTEL_TRACES_SAMPLER: always_off records nothing even with a processor', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    const exporter = new InMemorySpanExporter();
    tracing = startTracing([new SimpleSpanProcessor(exporter)]);
    const [request, delivery] = await requestThenDelivery(() => ({}));

    expect(request.recording).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(delivery.traceId).toBe(request.traceId);
  });

  it('follows OTEL_TRACES_SAMPLER over the default: always_on records with nowhere to send', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'always_on';
    tracing = startTracing();
    const [request] = await requestThenDelivery(() => ({}));
    expect(request.recording).toBe(true);
  });

  it('follows OTEL_TRACES_SAMPLER_ARG: a ratio of 0 records nothing', async () => {
    process.env.OTEL_TRACES_SAMPLER = 'traceidratio';
    process.env.OTEL_TRACES_SAMPLER_ARG = '0';
    const exporter = new InMemorySpanExporter();
    tracing = startTracing([new SimpleSpanProcessor(exporter)]);
    const [request] = await requestThenDelivery(() => ({}));
    expect(request.recording).toBe(false);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
