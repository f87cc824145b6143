import { createHash, timingSafeEqual } from 'node:crypto';
import type { EnvReader } from '../config/env-reader.js';
import { type Role, ROLES } from './roles.js';

/** A configured key: its secret is kept only as a SHA-256 digest. */
export interface ApiKey {
  name: string;
  role: Role;
  digest: Buffer;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const HASHED = /^sha256:([0-9a-f]{64})$/i;
/** Plain secrets shorter than this are refused: they could be guessed. */
const MIN_SECRET_LENGTH = 16;

export const sha256 = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/**
 * Parses `API_KEYS=name:role:secret,...` (a secret cannot hold a comma). A secret may be given as
 * `sha256:<hex>` so the plain key need not sit in the environment. Problems go to `env`, naming
 * entries by position, never by what they hold.
 */
export function parseApiKeys(env: EnvReader): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const [i, entry] of env.list('API_KEYS').entries()) {
    const [name = '', role = '', ...rest] = entry.split(':');
    const secret = rest.join(':');
    // Named by position only: a malformed entry may hold a secret in any of its fields.
    const where = `API_KEYS entry ${i + 1}`;
    if (!NAME.test(name)) env.check(false, `${where}: the name must be 1-64 letters, digits, "_", "-" or "." (format name:role:secret)`);
    else if (!(ROLES as readonly string[]).includes(role)) env.check(false, `${where}: the role must be one of ${ROLES.join(', ')}`);
    else if (HASHED.test(secret)) keys.push({ name, role: role as Role, digest: Buffer.from(HASHED.exec(secret)![1], 'hex') });
    else if (secret.length >= MIN_SECRET_LENGTH && /^[\x21-\x7e]+$/.test(secret)) keys.push({ name, role: role as Role, digest: sha256(secret) });
    else env.check(false, `${where}: the secret must be at least ${MIN_SECRET_LENGTH} printable characters without spaces, or sha256:<64 hex digits>`);
  }
  const names = keys.map((k) => k.name);
  env.check(new Set(names).size === names.length, 'API_KEYS: each key needs a name of its own (the audit log names them)');
  const digests = keys.map((k) => k.digest.toString('hex'));
  env.check(new Set(digests).size === digests.length, 'API_KEYS: two keys share one secret');
  return keys;
}

/**
 * The key whose secret is `presented`, or undefined. Every key is compared, in constant time
 * (digests of equal length), so the time taken tells nothing about which or how much matched.
 */
export function findKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = sha256(presented);
  let found: ApiKey | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, digest) && !found) found = key;
  return found;
}
