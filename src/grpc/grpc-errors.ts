import { status } from '@grpc/grpc-js';
import { HttpException, HttpStatus, type Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { ERROR_STATUS, isModuleError } from '../errors/module-errors.js';
import type { FieldError } from '../http/validation.js';

/** A validation failure named in the .proto's field names: `items.0.product_id`, not `items.0.productId`. */
function inProtoNames(errors: FieldError[]): string {
  const snake = (path: string) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const messages = errors.flatMap((e) => e.messages.map((m) => (m.startsWith(e.field) ? snake(e.field) + m.slice(e.field.length) : m)));
  return `Validation failed: ${messages.join('; ')}`;
}

/** What a gRPC client receives: a status code and a message, never a stack. */
export function toGrpcError(error: unknown, logger: Logger): { code: status; message: string } {
  if (isModuleError(error)) return { code: ERROR_STATUS[error.code].grpc, message: `${error.code}: ${error.message}` };
  if (error instanceof RpcException) {
    const e = error.getError();
    if (typeof e === 'object' && e !== null && 'code' in e) return e as { code: status; message: string };
  }
  if (error instanceof HttpException && error.getStatus() === HttpStatus.BAD_REQUEST) {
    const r = error.getResponse() as { message?: string; errors?: FieldError[] };
    return { code: status.INVALID_ARGUMENT, message: r.errors ? inProtoNames(r.errors) : (r.message ?? error.message) };
  }
  logger.error('gRPC call failed', error instanceof Error ? error.stack : String(error));
  return { code: status.INTERNAL, message: 'Internal error' };
}
