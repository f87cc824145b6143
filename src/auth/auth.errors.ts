import { ModuleError } from '../errors/module-error.js';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

/** A caller without a valid key (UNAUTHENTICATED), or whose key's role may not do this (FORBIDDEN). */
export class AuthError extends ModuleError<AuthErrorCode> {}
