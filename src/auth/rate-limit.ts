import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AppConfig } from '../config/app-config.js';
import { callerOfRequest, type RequestWithCaller } from './caller.js';

/** The probes an orchestrator (Kubernetes, Docker) calls every few seconds are never limited. */
const PROBES = new Set(['/health/live', '/health/ready']);

/**
 * The HTTP rate limit (express-rate-limit): RATE_LIMIT requests per RATE_LIMIT_WINDOW_MS per
 * key, or per client address for callers without a valid key, so guessing keys is limited too.
 * It runs before routing, guards and validation: refused requests count. Over the limit: a 429
 * in the API's error shape, with `Retry-After` in seconds. Counts are per instance, in memory.
 */
export function rateLimiter(config: AppConfig): RequestHandler {
  const { apiKeys, rateLimit: limit, rateLimitWindowMs } = config.security;
  if (limit === 0) return (_req: Request, _res: Response, next: NextFunction) => next();
  return rateLimit({
    windowMs: rateLimitWindowMs,
    limit,
    standardHeaders: 'draft-7', // RateLimit and RateLimit-Policy, plus Retry-After when refused
    legacyHeaders: false,
    skip: (req) => PROBES.has(req.path),
    keyGenerator: (req) => {
      const caller = callerOfRequest(req as Request & RequestWithCaller, apiKeys);
      return caller.kind === 'key' ? `key:${caller.name}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (req, res) => {
      res.status(429).json({
        statusCode: 429,
        code: 'RATE_LIMITED',
        message: `More than ${limit} requests in ${rateLimitWindowMs} ms: retry after ${res.getHeader('Retry-After') ?? '?'} s`,
        correlationId: (req as Request & { correlationId?: string }).correlationId,
      });
    },
  });
}
