import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpStatus } from '@nestjs/common';
import { AuthError } from '../auth/auth.errors.js';
import { MessagingError } from '../messaging/messaging.errors.js';
import { MODULES } from '../modules.js';
import { WebhookError } from '../webhooks/webhooks.errors.js';
import { type ErrorStatus, type ErrorStatuses, errorStatuses, ModuleError } from './module-error.js';

/** The errors of what every process hosts besides its business modules: access and messaging. */
const INFRASTRUCTURE_ERRORS: ErrorStatuses[] = [
  errorStatuses(AuthError, {
    UNAUTHENTICATED: { http: HttpStatus.UNAUTHORIZED, grpc: GrpcStatus.UNAUTHENTICATED },
    FORBIDDEN: { http: HttpStatus.FORBIDDEN, grpc: GrpcStatus.PERMISSION_DENIED },
  }),
  errorStatuses(MessagingError, {
    DEAD_LETTER_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  }),
  // Webhooks are hosted with order, not a module of their own (see app.module.ts).
  errorStatuses(WebhookError, {
    WEBHOOK_NOT_FOUND: { http: HttpStatus.NOT_FOUND, grpc: GrpcStatus.NOT_FOUND },
  }),
];

/** Every error class with its statuses: the infrastructure's, and each business module's (from its manifest). */
export const ERROR_TABLES: readonly ErrorStatuses[] = [...INFRASTRUCTURE_ERRORS, ...Object.values(MODULES).map((m) => m.errors)];

/**
 * One table of every code. Each class's own table is checked by the compiler (a `Record` over its
 * code union, see `errorStatuses`); two modules may share a code (`INVALID_CURSOR`) only with the
 * same statuses, checked here at load, so a code always means one thing to a client.
 */
function merge(tables: readonly ErrorStatuses[]): Readonly<Record<string, ErrorStatus>> {
  const merged: Record<string, ErrorStatus> = {};
  for (const { errorClass, status } of tables) {
    for (const [code, s] of Object.entries<ErrorStatus>(status)) {
      const known = merged[code];
      if (known && (known.http !== s.http || known.grpc !== s.grpc)) throw new Error(`${errorClass.name}: error code ${code} is mapped otherwise by another module`);
      merged[code] = s;
    }
  }
  return merged;
}

/** What each business error is on each transport. */
export const ERROR_STATUS = merge(ERROR_TABLES);

/** A business error: one of a module's error classes, whose code has its statuses in `ERROR_STATUS`. */
export function isModuleError(error: unknown): error is ModuleError {
  return error instanceof ModuleError;
}
