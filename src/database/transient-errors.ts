import { QueryRunnerAlreadyReleasedError } from 'typeorm';

/** SQLSTATE classes of failures that say nothing about the statement: trying again later may work. */
const TRANSIENT_CLASSES = new Set([
  '08', // connection exception
  '40', // transaction rollback: serialization failure, deadlock
  '53', // insufficient resources
  '57', // operator intervention: shutdown, query canceled (a statement timeout)
  '58', // system error
]);

/** Node's socket errors, as the pg driver passes them on. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether `error` is the database or the connection failing for now (gone, restarting, a lost
 * connection, a deadlock or serialization failure, a timeout), rather than a fault in what was
 * asked of it. The former is retried as it is; only the latter may mark a saga as poisoned.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof QueryRunnerAlreadyReleasedError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_CLASSES.has(code.slice(0, 2));
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return typeof message === 'string' && /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}
