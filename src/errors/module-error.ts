import type { status as GrpcStatus } from '@grpc/grpc-js';
import type { HttpStatus } from '@nestjs/common';

/**
 * The base of every module's error class (`InventoryError`, `AuthError`, …): a code of the
 * module's union and a message for the caller. What a code is on each transport is declared
 * beside the class's registration (`errorStatuses`), so one `instanceof` finds them all.
 */
export abstract class ModuleError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What one error code is on each transport. */
export interface ErrorStatus {
  http: HttpStatus;
  grpc: GrpcStatus;
}

/** An error class and the statuses of each of its codes. */
export interface ErrorStatuses<Code extends string = string> {
  errorClass: abstract new (...args: never[]) => ModuleError<Code>;
  status: Readonly<Record<Code, ErrorStatus>>;
}

/**
 * Pairs an error class with the statuses of its codes. The codes come from the class alone
 * (`NoInfer`), so the compiler refuses a table that lacks one of them, or names one it has not.
 */
export function errorStatuses<Code extends string>(
  errorClass: abstract new (...args: never[]) => ModuleError<Code>,
  status: Record<NoInfer<Code>, ErrorStatus>,
): ErrorStatuses<Code> {
  return { errorClass, status };
}
