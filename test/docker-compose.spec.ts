import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/app-config.js';

const COMPOSE = new URL('../docker/docker-compose.yml', import.meta.url);
/** What docker/.env would hold: a secret of its own per key. */
const DOT_ENV: Record<string, string> = { ADMIN_KEY: 'a'.repeat(24), SCRAPE_KEY: 'b'.repeat(24), SERVICE_KEY: 'c'.repeat(24) };

type Service = { build?: unknown; environment?: Record<string, string>; profiles?: string[] };

/** The compose file as `docker compose` reads it, with `${VAR:-default}` and `${VAR:?error}` filled from `env`. */
function services(env: Record<string, string>): Record<string, Service> {
  const text = readFileSync(COMPOSE, 'utf8').replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, word = '') => {
    if (env[name]) return env[name];
    if (kind === '?') throw new Error(`docker compose would refuse to start: ${word}`);
    return kind === '-' ? word : '';
  });
  return parse(text, { merge: true }).services;
}

/** The configuration an app service would start with (the image's defaults: no DATABASE_URL check needed). */
const configOf = (service: Service) => loadConfig(service.environment);

describe('docker/docker-compose.yml', () => {
  it('every app service starts with a valid configuration, over gRPC and over RabbitMQ', () => {
    for (const transport of ['', 'rabbitmq']) {
      const all = services({ ...DOT_ENV, SPLIT_TRANSPORT: transport });
      const apps = Object.entries(all).filter(([, s]) => s.build);
      expect(apps.map(([name]) => name).sort()).toEqual(['app', 'front', 'inventory', 'payment']);
      for (const [, service] of apps) expect(() => configOf(service)).not.toThrow();
    }
  });

  it('profile "split": three processes, a database each, the front reaching inventory and payment as SPLIT_TRANSPORT says', () => {
    const grpc = services(DOT_ENV);
    const rabbit = services({ ...DOT_ENV, SPLIT_TRANSPORT: 'rabbitmq' });
    const split = ['front', 'inventory', 'payment'];
    for (const name of split) expect(grpc[name].profiles).toEqual(['split']);
    expect(split.map((name) => configOf(grpc[name]).modules)).toEqual([['order', 'saga', 'shipping', 'notification'], ['inventory'], ['payment']]);
    expect(new Set(split.map((name) => grpc[name].environment!.DATABASE_URL)).size).toBe(3);
    expect(configOf(grpc.front).routes).toEqual({ inventory: { transport: 'grpc', url: 'inventory:50051' }, payment: { transport: 'grpc', url: 'payment:50051' } });
    expect(configOf(rabbit.front).routes).toEqual({ inventory: { transport: 'rabbitmq' }, payment: { transport: 'rabbitmq' } });
    // The front's service key is the one the participants give the service role.
    for (const name of ['inventory', 'payment']) {
      const keys = configOf(grpc[name]).security.apiKeys.filter((k) => k.role === 'service');
      expect(keys.map((k) => k.digest)).toEqual([createHash('sha256').update(DOT_ENV.SERVICE_KEY).digest()]);
      expect(configOf(rabbit[name]).routes).toEqual({ saga: { transport: 'rabbitmq' } });
    }
    expect(configOf(grpc.front).serviceKey).toBe(DOT_ENV.SERVICE_KEY);
  });
});
