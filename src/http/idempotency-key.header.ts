import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IDEMPOTENCY_KEY } from '../common/idempotency-key.dto.js';
import { validationFailed } from './validation.js';

/**
 * The `Idempotency-Key` header (or `X-Idempotency-Key`), checked before the handler runs:
 * absent is undefined, malformed is a 400 naming the header.
 */
export const IdempotencyKeyHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const { headers } = ctx.switchToHttp().getRequest<FastifyRequest>();
  const [name, key] = headers['idempotency-key'] !== undefined ? ['Idempotency-Key', headers['idempotency-key']] : ['X-Idempotency-Key', headers['x-idempotency-key']];
  if (key === undefined || (typeof key === 'string' && IDEMPOTENCY_KEY.test(key))) return key;
  throw validationFailed([{ field: name, messages: [`${name} must be 1-255 printable characters without spaces`] }]);
});
