import type { ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Caller, callerName } from './caller.js';
import type { Permission } from './roles.js';

/**
 * What an audit line says, before its outcome: who (the key's name and role, never the key),
 * with which permission, what (the route, e.g. `POST /api/v1/sagas/:id/retry`) and to which
 * saga, dead letter or product (the route's id).
 */
export function auditEntry(context: ExecutionContext, caller: Caller | undefined, permission: Permission) {
  const req = context.switchToHttp().getRequest<FastifyRequest>();
  const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
  // The route's id (a saga, a dead letter), or the body's (a product being added).
  const body = req.body as { id?: unknown } | undefined;
  const params = req.params as { id?: unknown } | undefined;
  const target = typeof params?.id === 'string' ? params.id : typeof body?.id === 'string' ? body.id.slice(0, 100) : undefined;
  return {
    audit: true,
    actor: caller ? callerName(caller) : 'anonymous',
    role: caller?.kind === 'key' ? caller.role : null,
    permission,
    route,
    ...(target !== undefined && { target }),
  };
}
