import type { ApiKey } from './api-keys.js';
import { findKey } from './api-keys.js';
import { ANONYMOUS_PERMISSIONS, type Permission, ROLE_PERMISSIONS, type Role } from './roles.js';

/** Who is calling: a configured key, anyone (no keys configured), or a key that matched none. */
export type Caller =
  | { kind: 'key'; name: string; role: Role; permissions: readonly Permission[] }
  | { kind: 'anonymous'; permissions: readonly Permission[] }
  | { kind: 'unknown'; permissions: readonly Permission[] };

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/i;

/**
 * Identifies a caller by its `authorization` value (`Bearer <secret>`, over HTTP or as gRPC
 * metadata). Without configured keys everyone is anonymous (protected mode); with keys, a caller
 * without a matching one may do nothing.
 */
export function identify(keys: readonly ApiKey[], authorization: string | undefined): Caller {
  if (keys.length === 0) return { kind: 'anonymous', permissions: ANONYMOUS_PERMISSIONS };
  const secret = authorization ? BEARER.exec(authorization)?.[1] : undefined;
  const key = secret === undefined ? undefined : findKey(keys, secret);
  if (!key) return { kind: 'unknown', permissions: [] };
  return { kind: 'key', name: key.name, role: key.role, permissions: ROLE_PERMISSIONS[key.role] };
}

/** How the audit log and the saga history name a caller. */
export const callerName = (caller: Caller): string => (caller.kind === 'key' ? caller.name : 'anonymous');

/** An HTTP request: its caller is identified once, by the first guard that asks. */
export interface RequestWithCaller {
  caller?: Caller;
  headers: { authorization?: string };
}

export function callerOfRequest(req: RequestWithCaller, keys: readonly ApiKey[]): Caller {
  return (req.caller ??= identify(keys, req.headers.authorization));
}
