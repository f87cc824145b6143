import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { findKey } from '../auth/api-keys.js';
import { loadConfig } from './app-config.js';
import { ConfigError } from './env-reader.js';

/** The problems a start-up with `env` would report, or [] when it starts. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const SECRET = 'a-client-secret-of-some-length';

describe('configuration', () => {
  it('starts with nothing set: loopback, no keys, the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', grpcHost: '127.0.0.1', port: 3000, grpcPort: 50051, orderBatchSize: 16 });
    expect(c.security).toMatchObject({ apiKeys: [], allowUnauthenticated: false, rateLimit: 1000, grpcTls: null });
    expect(c.relay).toMatchObject({ batchSize: 16, pollMs: 500, leaseMs: 30_000 });
    expect(c.faults).toEqual({ inventoryFailureRate: 0, paymentFailureRate: 0, shippingFailureRate: 0, notificationFailureRate: 0, inventoryLatencyMs: 0, paymentLatencyMs: 0, shippingLatencyMs: 0, notificationLatencyMs: 0 });
    expect(loadConfig({ NOTIFICATION_FAILURE_RATE: '0.25', NOTIFICATION_LATENCY_MS: '40' }).faults).toMatchObject({ notificationFailureRate: 0.25, notificationLatencyMs: 40 });
  });

  it.each([
    ['RELAY_BATCH_SIZE', '0', 'RELAY_BATCH_SIZE must be a whole number from 1 to 1000, got "0"'],
    ['RELAY_POLL_MS', '0', 'RELAY_POLL_MS must be a whole number from 10 to 3600000, got "0"'],
    ['SAGA_TIMER_POLL_MS', '0', 'SAGA_TIMER_POLL_MS must be a whole number from 10 to 3600000, got "0"'],
    ['PORT', '70000', 'PORT must be a whole number from 0 to 65535, got "70000"'],
    ['RELAY_LEASE_MS', '30s', 'RELAY_LEASE_MS must be a whole number from 100 to 604800000, got "30s"'],
    ['SAGA_RETRY_ATTEMPTS', '2.5', 'SAGA_RETRY_ATTEMPTS must be a whole number from 1 to 1000, got "2.5"'],
    ['PAYMENT_FAILURE_RATE', '30%', 'PAYMENT_FAILURE_RATE must be a number from 0 to 1, got "30%"'],
    ['SHIPPING_FAILURE_RATE', '2', 'SHIPPING_FAILURE_RATE must be a number from 0 to 1, got "2"'],
    ['SHIPPING_COUNTRIES', 'US,USA,d', 'SHIPPING_COUNTRIES must list two-letter country codes (ISO 3166-1 alpha-2) such as US,DE, got "USA, D"'],
    ['NOTIFICATION_FAILURE_RATE', '1.5', 'NOTIFICATION_FAILURE_RATE must be a number from 0 to 1, got "1.5"'],
    ['NOTIFICATION_LATENCY_MS', '-1', 'NOTIFICATION_LATENCY_MS must be a whole number from 0 to 600000, got "-1"'],
    ['RELAY_ENABLED', 'no', 'RELAY_ENABLED must be true or false, got "no"'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['PAYMENT_DECLINE_ABOVE', '1.999', 'PAYMENT_DECLINE_ABOVE must be an amount with at most 2 decimals, e.g. 500.00, got "1.999"'],
    ['PAYMENT_REVIEW_ABOVE', '-5', 'PAYMENT_REVIEW_ABOVE must be an amount with at most 2 decimals, e.g. 250.00, got "-5"'],
    ['RETENTION_IDEMPOTENCY_KEY_MS', '1000', 'RETENTION_IDEMPOTENCY_KEY_MS must be a whole number from 86400000 to 31536000000, got "1000"'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must be a postgres:// or postgresql:// URL, got a value of 9 characters (not shown: it may hold a password)'],
  ])('refuses %s=%s, naming the variable and its allowed range', (name, value, problem) => {
    expect(problems({ [name]: value })).toEqual([problem]);
  });

  it('reads SHIPPING_COUNTRIES as upper-case country codes; none means every country', () => {
    expect(loadConfig({ SHIPPING_COUNTRIES: 'us, de' }).shippingCountries).toEqual(['US', 'DE']);
    expect(loadConfig({}).shippingCountries).toEqual([]);
  });

  it('never repeats a DATABASE_URL, which may hold a password', () => {
    const [problem] = problems({ DATABASE_URL: 'postgres://app:s3cret-pass@db:5432/saga\n' });
    expect(problem).toMatch(/^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL, got a value of \d+ characters/);
    expect(problem).not.toContain('s3cret');
  });

  it('refuses a saga deadline its timers cannot carry, and CORS origins a browser never sends', () => {
    expect(problems({ SAGA_TIMEOUT_SECONDS: '2592000' })).toEqual(['SAGA_TIMEOUT_SECONDS must be a whole number from 1 to 2147483, got "2592000"']);
    expect(problems({ CORS_ORIGINS: 'https://shop.example, *, https://app.example/' })).toEqual([
      'CORS_ORIGINS must list origins such as https://shop.example (scheme, host and port only), got "*, https://app.example/"',
    ]);
    expect(loadConfig({ CORS_ORIGINS: 'https://shop.example,http://localhost:8080' }).security.corsOrigins).toEqual(['https://shop.example', 'http://localhost:8080']);
  });

  it('names every bad variable at once', () => {
    expect(problems({ RELAY_BATCH_SIZE: '0', ORDER_BATCH_SIZE: '-1', SEED_DEMO_DATA: 'yes' })).toHaveLength(3);
  });

  it('refuses settings that are each valid but wrong together', () => {
    expect(problems({ SAGA_RETRY_DELAY_MS: '5000', SAGA_MAX_RETRY_DELAY_MS: '1000' })).toEqual([
      'SAGA_RETRY_DELAY_MS (5000) must not exceed SAGA_MAX_RETRY_DELAY_MS (1000)',
    ]);
    expect(problems({ SAGA_STEP_TIMEOUT_MS: '100', SAGA_TIMER_POLL_MS: '500' })[0]).toMatch(/^SAGA_STEP_TIMEOUT_MS \(100\) must be at least SAGA_TIMER_POLL_MS \(500\)/);
    expect(problems({ SAGA_TIMEOUT_SECONDS: '10' })[0]).toMatch(/^SAGA_TIMEOUT_SECONDS \(10\) must be at least SAGA_STEP_TIMEOUT_MS \(30000 ms\)/);
    expect(problems({ GRPC_TLS_CERT: '/etc/cert.pem' })).toEqual(['GRPC_TLS_CERT and GRPC_TLS_KEY must be set together (GRPC_TLS_CA adds client certificates)']);
  });

  describe('protected mode', () => {
    it('refuses to listen beyond loopback without keys, saying how to configure them', () => {
      const [problem] = problems({ HOST: '0.0.0.0' });
      expect(problem).toMatch(/^HOST=0\.0\.0\.0 and GRPC_HOST=0\.0\.0\.0 listens beyond loopback and API_KEYS is empty/);
      expect(problem).toContain('API_KEYS=name:role:secret');
      expect(problem).toContain('ALLOW_UNAUTHENTICATED=true');
      expect(problems({ GRPC_HOST: '10.0.0.5' })[0]).toMatch(/^GRPC_HOST=10\.0\.0\.5 listens beyond loopback/);
    });

    it('starts beyond loopback with keys, or with ALLOW_UNAUTHENTICATED=true; loopback addresses need neither', () => {
      expect(problems({ HOST: '0.0.0.0', API_KEYS: `app:client:${SECRET}` })).toEqual([]);
      expect(problems({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' })).toEqual([]);
      expect(problems({ HOST: '::1' })).toEqual([]);
      expect(problems({ HOST: 'localhost', GRPC_HOST: '127.0.0.2' })).toEqual([]);
      expect(problems({ HOST: '0.0.0.0', GRPC_PORT: '0', ALLOW_UNAUTHENTICATED: 'true' })).toEqual([]);
    });
  });

  describe('API_KEYS', () => {
    it('reads name:role:secret entries, plain or as sha256:<hex>, and finds a key by its secret', () => {
      const hex = createHash('sha256').update('an-operator-secret-here').digest('hex');
      const { apiKeys } = loadConfig({ API_KEYS: `shop:client:${SECRET}, ops:operator:sha256:${hex}` }).security;
      expect(apiKeys.map(({ name, role }) => ({ name, role }))).toEqual([
        { name: 'shop', role: 'client' },
        { name: 'ops', role: 'operator' },
      ]);
      expect(findKey(apiKeys, SECRET)?.name).toBe('shop');
      expect(findKey(apiKeys, 'an-operator-secret-here')?.name).toBe('ops');
      expect(findKey(apiKeys, `sha256:${hex}`)).toBeUndefined(); // the digest is not the key
      expect(findKey(apiKeys, 'a-client-secret-of-some-lengtH')).toBeUndefined();
    });

    it('refuses a bad entry without ever echoing its secret', () => {
      const found = problems({ API_KEYS: 'a:root:0123456789abcdefXYZ,b:client:short,bad name:client:0123456789abcdefXYZ,c:client:0123456789abcdefXYZ,c:viewer:another-secret-1234' });
      expect(found).toEqual([
        'API_KEYS entry 1: the role must be one of client, viewer, operator, admin, service',
        'API_KEYS entry 2: the secret must be at least 16 printable characters without spaces, or sha256:<64 hex digits>',
        'API_KEYS entry 3: the name must be 1-64 letters, digits, "_", "-" or "." (format name:role:secret)',
        'API_KEYS: each key needs a name of its own (the audit log names them)',
      ]);
      expect(found.join()).not.toMatch(/0123456789abcdef|short|another-secret/);
    });

    it('never echoes a bare secret given without name and role, nor the half of one cut at a comma', () => {
      const secret = '3f9a0c1d2e4b5a6978877665544332211';
      const found = problems({ API_KEYS: `${secret},ops:operator:first-half-of-it,second-half-0000000000` });
      expect(found).toHaveLength(2);
      expect(found.join()).not.toMatch(/3f9a0c|first-half|second-half/);
    });
  });

  describe('modules and their routes', () => {
    const KEY = 'a-service-key-of-some-length';
    it('hosts every module by default, and reaches none elsewhere', () => {
      expect(loadConfig({})).toMatchObject({ modules: ['order', 'saga', 'inventory', 'payment', 'shipping', 'notification'], routes: {}, serviceKey: '' });
    });

    it('reaches the modules it does not host over gRPC (by URL) or RabbitMQ', () => {
      const c = loadConfig({ MODULES: 'saga, order', INVENTORY_GRPC_URL: '127.0.0.1:50061', PAYMENT_TRANSPORT: 'rabbitmq', RABBITMQ_URL: 'amqp://localhost', SERVICE_KEY: KEY });
      expect(c.modules).toEqual(['order', 'saga']);
      expect(c.routes).toEqual({ inventory: { transport: 'grpc', url: '127.0.0.1:50061' }, payment: { transport: 'rabbitmq' } });
      expect(loadConfig({ MODULES: 'inventory', SAGA_TRANSPORT: 'rabbitmq', RABBITMQ_URL: 'amqp://localhost' }).routes).toEqual({ saga: { transport: 'rabbitmq' } });
      expect(loadConfig({ MODULES: 'order,saga', SHIPPING_GRPC_URL: '127.0.0.1:50063', SERVICE_KEY: KEY }).routes).toEqual({ shipping: { transport: 'grpc', url: '127.0.0.1:50063' } });
      expect(loadConfig({ MODULES: 'order,saga,inventory,payment', NOTIFICATION_GRPC_URL: '127.0.0.1:50063', SERVICE_KEY: KEY }).routes).toEqual({ notification: { transport: 'grpc', url: '127.0.0.1:50063' } });
    });

    it.each([
      [{ MODULES: 'order,billing' }, 'MODULES must list modules among order, saga, inventory, payment, shipping, notification, got "billing"'],
      [{ MODULES: 'order' }, 'MODULES: order needs saga in the same process (an order and its saga start in one transaction)'],
      [{ INVENTORY_GRPC_URL: '127.0.0.1:50061', SERVICE_KEY: KEY }, 'INVENTORY_TRANSPORT and INVENTORY_GRPC_URL are for modules hosted elsewhere, and MODULES includes inventory'],
      [{ MODULES: 'inventory', SAGA_GRPC_URL: '127.0.0.1:1' }, 'SAGA_TRANSPORT=grpc: saga is reached over RabbitMQ only (gRPC calls exist for inventory, payment, shipping, notification)'],
      [{ MODULES: 'order,saga', PAYMENT_TRANSPORT: 'grpc', SERVICE_KEY: KEY }, 'PAYMENT_TRANSPORT=grpc needs PAYMENT_GRPC_URL (host:port of the process hosting payment)'],
      [{ MODULES: 'order,saga', PAYMENT_TRANSPORT: 'rabbitmq' }, 'PAYMENT_TRANSPORT=rabbitmq needs RABBITMQ_URL'],
      [{ MODULES: 'order,saga', PAYMENT_TRANSPORT: 'kafka' }, 'PAYMENT_TRANSPORT must be one of grpc, rabbitmq, got "kafka"'],
      [{ MODULES: 'order,saga', PAYMENT_GRPC_URL: 'payment' }, 'PAYMENT_GRPC_URL must be host:port, e.g. 127.0.0.1:50061, got "payment"'],
      [{ MODULES: 'order,saga', PAYMENT_GRPC_URL: '127.0.0.1:50062' }, 'PAYMENT_GRPC_URL needs SERVICE_KEY: the key its process\'s API_KEYS gives the service role'],
    ])('refuses %j', (env, problem) => {
      expect(problems(env as Record<string, string>)).toContain(problem);
    });
  });
});
