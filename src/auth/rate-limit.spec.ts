import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppConfig, loadConfig } from '../config/app-config.js';
import { addressKey, rateLimiter } from './rate-limit.js';

const config = (env: Record<string, string>): AppConfig => loadConfig({ API_KEYS: 'k1:client:secret-number-one-0000', ...env });

/** Sends one request through the limiter; what it answered. */
function send(limit: NonNullable<ReturnType<typeof rateLimiter>>, req: { ip?: string; route?: string; authorization?: string }) {
  const headers: Record<string, string> = {};
  const answer: { passed: boolean; status?: number; body?: unknown; headers: Record<string, string> } = { passed: false, headers };
  const reply = {
    header: (name: string, value: string) => ((headers[name] = value), reply),
    code: (status: number) => ((answer.status = status), reply),
    send: (body: unknown) => ((answer.body = body), reply),
  };
  const request = { id: 'corr-1', ip: req.ip ?? '10.0.0.1', routeOptions: { url: req.route }, headers: { authorization: req.authorization } };
  limit(request as unknown as FastifyRequest, reply as unknown as FastifyReply, () => (answer.passed = true));
  return answer;
}

describe('rateLimiter', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('lets RATE_LIMIT requests through per window, then answers 429 with Retry-After, until the window closes', () => {
    const limit = rateLimiter(config({ RATE_LIMIT: '2', RATE_LIMIT_WINDOW_MS: '60000' }))!;
    expect(send(limit, {})).toMatchObject({ passed: true, headers: { 'RateLimit-Policy': '2;w=60', RateLimit: 'limit=2, remaining=1, reset=60' } });
    jest.advanceTimersByTime(10_000);
    expect(send(limit, {})).toMatchObject({ passed: true, headers: { RateLimit: 'limit=2, remaining=0, reset=50' } });
    expect(send(limit, {})).toEqual({
      passed: false,
      status: 429,
      body: { statusCode: 429, code: 'RATE_LIMITED', message: 'More than 2 requests in 60000 ms: retry after 50 s', correlationId: 'corr-1' },
      headers: { 'RateLimit-Policy': '2;w=60', RateLimit: 'limit=2, remaining=0, reset=50', 'Retry-After': '50' },
    });
    jest.advanceTimersByTime(50_000);
    expect(send(limit, {}).passed).toBe(true);
  });

  it('counts per key, and per address for callers without a valid key; a request for no route counts too', () => {
    const limit = rateLimiter(config({ RATE_LIMIT: '1' }))!;
    expect(send(limit, { route: undefined }).passed).toBe(true); // a 404 to be
    expect(send(limit, { route: '/api/v1/orders' }).status).toBe(429);
    expect(send(limit, { authorization: 'Bearer wrong-guess-00000000000' }).status).toBe(429); // a wrong key counts for its address
    expect(send(limit, { ip: '10.0.0.2' }).passed).toBe(true);
    expect(send(limit, { authorization: 'Bearer secret-number-one-0000' }).passed).toBe(true);
    expect(send(limit, { ip: '10.0.0.3', authorization: 'Bearer secret-number-one-0000' }).status).toBe(429); // the key, wherever from
  });

  it('never limits the probes, and is off with RATE_LIMIT=0', () => {
    const limit = rateLimiter(config({ RATE_LIMIT: '1' }))!;
    for (let i = 0; i < 3; i++) expect(send(limit, { route: '/health/ready' })).toEqual({ passed: true, headers: {} });
    for (let i = 0; i < 3; i++) expect(send(limit, { route: '/health/live' }).passed).toBe(true);
    expect(send(limit, { route: '/health' }).passed).toBe(true);
    expect(send(limit, { route: '/health' }).status).toBe(429);
    expect(rateLimiter(config({ RATE_LIMIT: '0' }))).toBeUndefined();
  });
});

describe('addressKey', () => {
  it('keeps an IPv4 address, also one mapped into IPv6; counts an IPv6 address for its /56', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:aa:bbcc:1:2:3:4')).toBe('2001:db8:aa:bb00::/56');
    expect(addressKey('2001:db8:aa:bbff::9')).toBe('2001:db8:aa:bb00::/56');
    expect(addressKey('2001:db8:aa:cc00::9')).toBe('2001:db8:aa:cc00::/56');
    expect(addressKey('::1')).toBe('0:0:0:0::/56');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/56');
    expect(addressKey('64:ff9b::192.0.2.7')).toBe('64:ff9b:0:0::/56');
  });
});
