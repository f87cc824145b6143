import type { FastifyReply, FastifyRequest } from 'fastify';
import { isIPv6 } from 'node:net';
import type { AppConfig } from '../config/app-config.js';
import { callerOfRequest, type RequestWithCaller } from './caller.js';

/** The probes an orchestrator (Kubernetes, Docker) calls every few seconds are never limited. */
const PROBES = new Set(['/health/live', '/health/ready']);

interface Window {
  hits: number;
  resetAt: number;
}

/**
 * The HTTP rate limit: RATE_LIMIT requests per RATE_LIMIT_WINDOW_MS per key, or per client address
 * for callers without a valid key, so guessing keys is limited too. A caller's window opens with
 * its first request (a fixed window, in memory, per instance). It runs before the body is read,
 * the guards and validation, for every request, a route or not: refused requests count. Every
 * answer carries the `RateLimit` and `RateLimit-Policy` headers (IETF draft 7); over the limit, a
 * 429 in the API's error shape with `Retry-After` in seconds. Undefined when RATE_LIMIT is 0.
 */
export function rateLimiter(config: AppConfig): ((req: FastifyRequest, reply: FastifyReply, done: () => void) => void) | undefined {
  const { apiKeys, rateLimit: limit, rateLimitWindowMs: windowMs } = config.security;
  if (limit === 0) return undefined;
  const policy = `${limit};w=${Math.ceil(windowMs / 1000)}`;
  const windows = new Map<string, Window>();
  let sweepAt = 0;
  return (req, reply, done) => {
    if (PROBES.has(req.routeOptions.url ?? '')) return done();
    const now = Date.now();
    if (now >= sweepAt) {
      // Forget callers whose window has closed, at most once a window: memory follows the callers of one window.
      for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
      sweepAt = now + windowMs;
    }
    const caller = callerOfRequest(req as FastifyRequest & RequestWithCaller, apiKeys);
    const key = caller.kind === 'key' ? `key:${caller.name}` : `ip:${addressKey(req.ip)}`;
    let w = windows.get(key);
    if (!w || w.resetAt <= now) windows.set(key, (w = { hits: 0, resetAt: now + windowMs }));
    w.hits++;
    const reset = Math.ceil((w.resetAt - now) / 1000);
    reply.header('RateLimit-Policy', policy);
    reply.header('RateLimit', `limit=${limit}, remaining=${Math.max(0, limit - w.hits)}, reset=${reset}`);
    if (w.hits <= limit) return done();
    reply.header('Retry-After', String(reset));
    void reply.code(429).send({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `More than ${limit} requests in ${windowMs} ms: retry after ${reset} s`,
      correlationId: req.id,
    });
  };
}

/**
 * Whose count an address adds to: an IPv4 address (also one mapped into IPv6) is its own; an
 * IPv6 address counts for its /56 network, the block one customer is usually given, so that
 * stepping through one's own addresses does not escape the limit.
 */
export function addressKey(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // a link-local zone
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  const groups = ipv6Groups(address);
  return `${groups.slice(0, 3).map((g) => g.toString(16)).join(':')}:${(groups[3] & 0xff00).toString(16)}::/56`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing IPv4 part as two groups). */
function ipv6Groups(address: string): number[] {
  const toGroups = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split('::');
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
