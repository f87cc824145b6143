export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

/** A caller without a valid key (UNAUTHENTICATED), or whose key's role may not do this (FORBIDDEN). */
export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
