import type { Metadata } from '@grpc/grpc-js';
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AuthError } from './auth.errors.js';
import { auditEntry } from './audit.js';
import { type Caller, callerOfRequest, identify, type RequestWithCaller } from './caller.js';
import { PUBLIC, REQUIRES } from './requires.decorator.js';
import { AUDITED, type Permission } from './roles.js';

/**
 * Enforces each route's and RPC's declared permission (`@Requires`) for the caller's key, on
 * HTTP and gRPC alike, before any pipe or handler runs. No keys configured: everyone may do
 * everything but the participants' RPCs (protected mode keeps strangers out by listening on
 * loopback only). A handler without a declaration is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly audit = new Logger('audit');

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<Permission | typeof PUBLIC | undefined>(REQUIRES, [context.getHandler(), context.getClass()]);
    if (needed === PUBLIC) return true;
    const caller = this.callerOf(context);
    if (needed !== undefined && caller.permissions.includes(needed)) return true;
    const error = refusal(caller, needed);
    // Operator and admin actions are HTTP routes only (no RPC changes what operators look after).
    if (needed && AUDITED.includes(needed) && context.getType() === 'http') this.audit.warn({ ...auditEntry(context, caller, needed), outcome: 'denied' }, 'audit');
    throw error;
  }

  /** The caller of an RPC, or of a request (identified already if the rate limit asked first). */
  private callerOf(context: ExecutionContext): Caller {
    if (context.getType() === 'rpc') {
      const [authorization] = context.switchToRpc().getContext<Metadata>().get('authorization');
      return identify(this.config.security.apiKeys, typeof authorization === 'string' ? authorization : undefined);
    }
    return callerOfRequest(context.switchToHttp().getRequest<RequestWithCaller>(), this.config.security.apiKeys);
  }
}

function refusal(caller: Caller, needed: Permission | undefined): AuthError {
  if (needed === undefined) return new AuthError('FORBIDDEN', 'This endpoint is open to no one');
  if (caller.kind === 'unknown') return new AuthError('UNAUTHENTICATED', 'A valid API key is required: send "Authorization: Bearer <key>"');
  if (caller.kind === 'anonymous') return new AuthError('UNAUTHENTICATED', `${needed} needs an API key with the service role (API_KEYS)`);
  return new AuthError('FORBIDDEN', `The ${caller.role} role may not ${needed}`);
}
