import { context, trace } from '@opentelemetry/api';
import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { correlationId } from '../http/request-hooks.js';

/**
 * Structured JSON logs (pino): one line per request and per saga transition, each with the
 * trace and span id of the active span. In a terminal outside production, human-readable.
 * Tests pass a stream to read the lines.
 */
export function loggerModule(level: string, stream?: DestinationStream) {
  const pretty = !stream && process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  const options = {
    level,
    ...(pretty && { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }),
    mixin() {
      const span = trace.getSpanContext(context.active());
      return span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
    },
    // The request's correlation id (X-Correlation-Id) is its log id too.
    genReqId: (req: IncomingMessage) => correlationId(req),
    customLogLevel: (_req: unknown, res: { statusCode: number }, error?: Error) =>
      error || res.statusCode >= 500 ? ('error' as const) : res.statusCode >= 400 ? ('warn' as const) : ('info' as const),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return LoggerModule.forRoot({ pinoHttp: stream ? [options, stream] : options, exclude: [
      { method: RequestMethod.GET, path: 'health' },
      { method: RequestMethod.GET, path: 'health/(.*)' },
      { method: RequestMethod.GET, path: 'metrics' },
    ], });
}
