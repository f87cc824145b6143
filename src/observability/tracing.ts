import { type Attributes, type Context, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

const tracer = () => trace.getTracer('saga-orchestrator');

/**
 * Starts tracing for the process, once, before the app is built. Every request, delivery and gRPC
 * call runs in a span, so every log line and saga step has a trace id and every message carries a
 * `traceparent`. Spans leave the process only when an OTLP endpoint is configured through the
 * standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, …); OTEL_SDK_DISABLED=true turns tracing off. `extra`
 * is for tests.
 *
 * Which spans record is the standard OTEL_TRACES_SAMPLER's choice (with OTEL_TRACES_SAMPLER_ARG),
 * `parentbased_always_on` by default. With nowhere to send spans (no endpoint, no `extra`) and no
 * sampler named, the default is `always_off`: spans still get ids, which propagate as before, but
 * record nothing, so no span object, attribute or timestamp is built for nobody to read. (Such a
 * span's `traceparent` says "not sampled", `-00`, as this process keeps none of the trace.)
 */
export function startTracing(extra: SpanProcessor[] = []): { shutdown: () => Promise<void> } {
  // The standard switch: no spans, no trace ids in logs and history, no traceparent on messages
  // or responses; 5–15% more sagas/s in the benchmark (bench/results/HISTORY.md).
  if (process.env.OTEL_SDK_DISABLED === 'true') return { shutdown: async () => undefined };
  const serviceName = process.env.OTEL_SERVICE_NAME ?? 'saga-orchestrator';
  const contextManager = new AsyncLocalStorageContextManager();
  const textMapPropagator = new W3CTraceContextPropagator();
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const sdk = new NodeSDK({
      serviceName,
      contextManager,
      textMapPropagator,
      instrumentations: [],
      spanProcessors: [...extra, new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    sdk.start();
    return sdk;
  }
  const idsOnly = extra.length === 0 && !process.env.OTEL_TRACES_SAMPLER; // else the SDK reads the variables
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: extra,
    ...(idsOnly && { sampler: new AlwaysOffSampler() }),
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(textMapPropagator);
  return provider;
}

/** The W3C `traceparent` of the active span (or of `ctx`'s), to store with a message; undefined when tracing is off. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The active span's trace id, if any. */
export function currentTraceId(): string | undefined {
  const ctx = trace.getSpanContext(context.active());
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/** The context a `traceparent` (from a message or a request header) continues. */
export function contextFrom(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
}

/**
 * Runs `work` in a new span, child of `parent`, ending it with the outcome. The span is the
 * active one inside `work`, so what `work` sends carries it on. `attributes` is a function so
 * that nothing is built for a span the sampler does not record.
 */
export async function inSpan<T>(name: string, kind: SpanKind, parent: Context, attributes: () => Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const { span, context: active } = startSpan(name, kind, parent, attributes);
  try {
    return await context.with(active, () => work(span));
  } catch (error) {
    if (span.isRecording()) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Starts a span for work that does not fit one call (an HTTP request, from its first hook to its
 * response), child of `parent`; returns it with the context to run the work in. The caller ends it.
 */
export function startSpan(name: string, kind: SpanKind, parent: Context, attributes: () => Attributes): { span: Span; context: Context } {
  const span = tracer().startSpan(name, { kind }, parent);
  if (span.isRecording()) span.setAttributes(attributes());
  return { span, context: trace.setSpan(parent, span) };
}

export { context, SpanKind };
