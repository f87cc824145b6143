import type { Span } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Metrics } from '../observability/metrics.js';
import { context, contextFrom, currentTraceparent, SpanKind, startSpan } from '../observability/tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span, from its first hook to its response. */
    span: Span | null;
  }
}

/** The largest request body read (1 MiB); a larger one is a 413 before it is parsed. */
export const BODY_LIMIT = 1024 * 1024;

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/**
 * A request's correlation id: the caller's `X-Correlation-Id` when it is well-formed, else a new
 * UUID. It is the request's id (Fastify's `request.id`) and its log id; kept on the raw request,
 * so that the request log (which sees only the raw request) names the same one.
 */
export function correlationId(raw: IncomingMessage & { correlationId?: string }): string {
  if (raw.correlationId) return raw.correlationId;
  const given = raw.headers['x-correlation-id'];
  return (raw.correlationId = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID());
}

/**
 * Bodies as before the move to Fastify: JSON (an empty body is `{}`; a `__proto__` or
 * `constructor.prototype` key is refused as malformed), and nothing else read at all, so that a
 * body of another type reaches validation as no object rather than as a 415.
 */
export function useBodyParsers(fastify: FastifyInstance): void {
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body.length === 0) done(null, {});
    else json(req, body as string, done);
  });
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
}

/**
 * Every request: its correlation id sent back (`X-Correlation-Id`), a server span that continues
 * the caller's `traceparent` and is active for the rest of the request (`traceparent` sent back,
 * so that a client can find its trace), and its duration in the metrics by route pattern
 * (`/api/v1/orders/:id`, never the raw path: labels stay bounded).
 */
export function useRequestHooks(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.decorateRequest('span', null);
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Correlation-Id', req.id);
    const traceparent = req.headers.traceparent;
    const { span, context: active } = startSpan(`HTTP ${req.method}`, SpanKind.SERVER, contextFrom(typeof traceparent === 'string' ? traceparent : undefined), () => ({
      'http.request.method': req.method,
    }));
    req.span = span;
    const sent = currentTraceparent(active);
    if (sent) reply.header('traceparent', sent);
    // What runs next (the other hooks, the body, the guards and the handler) runs in the span.
    context.with(active, done);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    const span = req.span;
    if (span?.isRecording()) {
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': reply.statusCode });
    }
    span?.end();
    done();
  });
}
