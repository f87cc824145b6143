import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { IDEMPOTENCY_KEY } from '../common/idempotency-key.dto.js';
import { validationFailed } from './validation.js';

/**
 * The `Idempotency-Key` header (or `X-Idempotency-Key`), checked before the handler runs:
 * absent is undefined, malformed is a 400 naming the header.
 */
export const IdempotencyKeyHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const [name, key] = req.header('idempotency-key') !== undefined ? ['Idempotency-Key', req.header('idempotency-key')] : ['X-Idempotency-Key', req.header('x-idempotency-key')];
  if (key === undefined || IDEMPOTENCY_KEY.test(key)) return key;
  throw validationFailed([{ field: name, messages: [`${name} must be 1-255 printable characters without spaces`] }]);
});
