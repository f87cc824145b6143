import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Observable, tap } from 'rxjs';
import { auditEntry } from './audit.js';
import type { RequestWithCaller } from './caller.js';
import { REQUIRES } from './requires.decorator.js';
import { AUDITED, type Permission } from './roles.js';

/**
 * One audit log line (logger `audit`) per operator or admin action: who (the key's name), what
 * (the route), which saga, dead letter or product, and how it ended. Refusals are written by
 * `AccessGuard`. Never the key itself.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly audit = new Logger('audit');

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const needed = this.reflector.getAllAndOverride<Permission | undefined>(REQUIRES, [context.getHandler(), context.getClass()]);
    if (context.getType() !== 'http' || !needed || !AUDITED.includes(needed)) return next.handle();
    const line = auditEntry(context, context.switchToHttp().getRequest<RequestWithCaller>().caller, needed);
    return next.handle().pipe(
      tap({
        next: () => this.audit.log({ ...line, outcome: 'done' }, 'audit'),
        error: (error: unknown) => this.audit.warn({ ...line, outcome: 'failed', error: (error as { code?: string }).code ?? 'ERROR' }, 'audit'),
      }),
    );
  }
}
