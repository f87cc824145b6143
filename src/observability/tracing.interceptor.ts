import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { from, type Observable, lastValueFrom } from 'rxjs';
import { contextFrom, inSpan, SpanKind } from './tracing.js';

const RPC_ATTRIBUTES = () => ({ 'rpc.system': 'grpc' });

/** A server span for each gRPC call, continuing the caller's `traceparent` metadata. (HTTP has its own middleware.) */
export class TracingInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'rpc') return next.handle();
    const metadata = ctx.switchToRpc().getContext<Metadata | undefined>();
    const traceparent = metadata?.get?.('traceparent')[0]?.toString();
    const name = `gRPC ${ctx.getClass().name}.${ctx.getHandler().name}`;
    return from(inSpan(name, SpanKind.SERVER, contextFrom(traceparent), RPC_ATTRIBUTES, () => lastValueFrom(next.handle())));
  }
}
