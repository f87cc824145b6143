import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadConfig } from '../config/app-config.js';
import { AccessGuard } from './access.guard.js';
import { AuthError } from './auth.errors.js';
import { Requires } from './requires.decorator.js';

class Routes {
  undeclared(): void {}

  @Requires('business.read')
  declared(): void {}
}

/** An HTTP call of `handler` with these request headers. */
const call = (handler: keyof Routes, headers: Record<string, string> = {}) =>
  ({
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ headers, params: {}, method: 'GET', url: '/x', routeOptions: {} }) }),
  }) as unknown as ExecutionContext;

const refusal = (guard: AccessGuard, context: ExecutionContext) => {
  try {
    guard.canActivate(context);
    return null;
  } catch (error) {
    return error instanceof AuthError ? error.code : error;
  }
};

describe('AccessGuard', () => {
  const KEY = 'a-viewer-key-of-some-length';
  const withKeys = new AccessGuard(new Reflector(), loadConfig({ API_KEYS: `v:viewer:${KEY}` }));
  const withoutKeys = new AccessGuard(new Reflector(), loadConfig({}));

  it('refuses a route that declares no permission to everyone, with or without keys configured', () => {
    expect(refusal(withKeys, call('undeclared', { authorization: `Bearer ${KEY}` }))).toBe('FORBIDDEN');
    expect(refusal(withoutKeys, call('undeclared'))).toBe('FORBIDDEN');
  });

  it('lets a declared route through for a key whose role has the permission, and refuses a missing or malformed one', () => {
    expect(refusal(withKeys, call('declared', { authorization: `Bearer ${KEY}` }))).toBeNull();
    expect(refusal(withKeys, call('declared', { authorization: `bearer ${KEY}` }))).toBeNull(); // the scheme is case-insensitive
    expect(refusal(withKeys, call('declared'))).toBe('UNAUTHENTICATED');
    expect(refusal(withKeys, call('declared', { authorization: KEY }))).toBe('UNAUTHENTICATED'); // no scheme
    expect(refusal(withKeys, call('declared', { authorization: `Basic ${KEY}` }))).toBe('UNAUTHENTICATED');
    expect(refusal(withoutKeys, call('declared'))).toBeNull();
  });
});
