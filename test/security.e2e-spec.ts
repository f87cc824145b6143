import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { call } from '../scripts/grpc-client.mjs';
import { FaultInjector } from '../src/messaging/fault-injector.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// Written out from the README's Security section rather than read from the code, so that a wrong
// decorator or a wrong role fails here.
const KEYS = {
  client: 'client-secret-0000000001',
  viewer: 'viewer-secret-0000000001',
  operator: 'operator-secret-00000001',
  admin: 'admin-secret-000000000001',
  service: 'service-secret-000000001',
} as const;
type Role = keyof typeof KEYS;
const ROLES = Object.keys(KEYS) as Role[];
// The operator's secret is configured by its digest only.
const API_KEYS = ROLES.map((role) => `${role}-key:${role}:${role === 'operator' ? `sha256:${createHash('sha256').update(KEYS[role]).digest('hex')}` : KEYS[role]}`).join(',');

const MAY: Record<string, Role[]> = {
  place: ['client', 'admin'],
  read: ['client', 'viewer', 'operator', 'admin', 'service'],
  operations: ['viewer', 'operator', 'admin'],
  act: ['operator', 'admin'],
  catalogue: ['admin'],
  webhooks: ['admin'],
  self: ROLES,
  public: ROLES,
};

/** Every operation of the OpenAPI document and who may call it. A new endpoint must be added here. */
const OPERATIONS: Record<string, keyof typeof MAY> = {
  'POST /api/v1/orders': 'place',
  'GET /api/v1/orders/{id}': 'read',
  'GET /api/v1/orders/{id}/saga': 'read',
  'GET /api/v1/orders/{id}/payment': 'read',
  'GET /api/v1/orders/{id}/notifications': 'read',
  'GET /api/v1/orders/{id}/shipment': 'read',
  'GET /api/v1/customers/{customerId}/orders': 'read',
  'GET /api/v1/products/{id}': 'read',
  'POST /api/v1/products': 'catalogue',
  'GET /api/v1/sagas': 'operations',
  'GET /api/v1/sagas/stats': 'operations',
  'GET /api/v1/sagas/{id}': 'operations',
  'POST /api/v1/sagas/{id}/retry': 'act',
  'POST /api/v1/sagas': 'place',
  'GET /api/v1/saga-types': 'read',
  'GET /api/v1/dead-letters': 'operations',
  'POST /api/v1/dead-letters/{id}/redrive': 'act',
  'POST /api/v1/webhooks': 'webhooks',
  'GET /api/v1/webhooks': 'webhooks',
  'DELETE /api/v1/webhooks/{id}': 'webhooks',
  'GET /metrics': 'operations',
  'GET /health': 'operations',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /api/v1/auth/whoami': 'self',
};

const pathOf = (template: string) => template.replace('{customerId}', 'cust_x').replace('{id}', template.includes('dead-letters') ? '1' : randomUUID());

describe('security: keys and roles', () => {
  const lines: Record<string, unknown>[] = [];
  let t: TestApp;
  const as = (role: Role | null, req: request.Test) => (role ? req.set('Authorization', `Bearer ${KEYS[role]}`) : req);

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestApp({ logStream, env: { API_KEYS, LOG_LEVEL: 'info', SAGA_COMPENSATION_ATTEMPTS: '1' } });
    await as('admin', request(t.http).post('/api/v1/products')).send({ id: 'sec_beans', name: 'beans', price: '300.00', stock: 50 }).expect(201);
  });
  afterAll(() => t?.close());

  it('the table above covers every operation the API documents', async () => {
    const doc = (await request(t.http).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it.each(Object.entries(OPERATIONS))('%s: 401 without a key or with a wrong one, 403 for a role that may not, through for one that may', async (operation, who) => {
    const [method, template] = operation.split(' ');
    const send = (role: Role | null, secret?: string) => {
      const req =
        method === 'POST' ? request(t.http).post(pathOf(template)).send({}) : method === 'DELETE' ? request(t.http).delete(pathOf(template)) : request(t.http).get(pathOf(template));
      return secret ? req.set('Authorization', `Bearer ${secret}`) : as(role, req);
    };
    const open = who === 'public';
    for (const res of [await send(null), await send(null, 'not-a-configured-key-000'), await send(null, `${KEYS.admin}x`)]) {
      if (open) expect(res.status).toBeLessThan(400);
      else expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
    for (const role of ROLES) {
      const res = await send(role);
      if (MAY[who].includes(role)) expect({ role, refused: [401, 403].includes(res.status) }).toEqual({ role, refused: false });
      else expect({ role, status: res.status, code: res.body.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  });

  it('a refused request changes nothing: no order, no product, the FAILED saga still FAILED', async () => {
    const count = async (table: string) => (await t.sql.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
    const before = { orders: await count('orders.orders'), products: await count('inventory.products'), outbox: await count('messaging.outbox') };
    const order = { customerId: 'c', items: [{ productId: 'sec_beans', quantity: 1, price: '300.00' }] };
    await as('viewer', request(t.http).post('/api/v1/orders')).send(order).expect(403);
    await as('service', request(t.http).post('/api/v1/orders')).send(order).expect(403);
    await as('operator', request(t.http).post('/api/v1/products')).send({ id: 'sec_other', name: 'x', price: '1.00', stock: 1 }).expect(403);
    expect({ orders: await count('orders.orders'), products: await count('inventory.products'), outbox: await count('messaging.outbox') }).toEqual(before);

    const faults = t.app.get(FaultInjector);
    faults.failNext('inventory.ReleaseInventory', Infinity);
    const failed = (await as('client', request(t.http).post('/api/v1/orders')).send({ ...order, items: [{ ...order.items[0], quantity: 2 }] }).expect(201)).body;
    expect(await t.waitForSaga(failed.sagaId)).toBe('FAILED');
    faults.clear();
    await as('viewer', request(t.http).post(`/api/v1/sagas/${failed.sagaId}/retry`)).expect(403);
    await as('client', request(t.http).post(`/api/v1/sagas/${failed.sagaId}/retry`)).expect(403);
    await request(t.http).post(`/api/v1/sagas/${failed.sagaId}/retry`).expect(401);
    expect((await t.sql.query('SELECT status FROM saga.saga_instances WHERE id = $1', [failed.sagaId])).rows[0].status).toBe('FAILED');

    // The operator may, and the audit log says who did what to which saga.
    await as('operator', request(t.http).post(`/api/v1/sagas/${failed.sagaId}/retry`)).expect(200);
    expect(await t.waitForSaga(failed.sagaId)).toBe('COMPENSATED');
    const { rows: retries } = await t.sql.query(`SELECT step, message FROM saga.saga_steps WHERE saga_id = $1 AND action = 'retry'`, [failed.sagaId]);
    expect(retries).toEqual([{ step: 'reserve-inventory', message: 'retried by operator-key' }]);
    const audit = lines.filter((l) => l.audit === true);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'viewer-key', route: 'POST /api/v1/sagas/:id/retry', target: failed.sagaId, outcome: 'denied' }),
        expect.objectContaining({ actor: 'anonymous', route: 'POST /api/v1/sagas/:id/retry', target: failed.sagaId, outcome: 'denied' }),
        expect.objectContaining({ actor: 'operator-key', role: 'operator', route: 'POST /api/v1/sagas/:id/retry', target: failed.sagaId, outcome: 'done' }),
        expect.objectContaining({ actor: 'admin-key', role: 'admin', route: 'POST /api/v1/products', target: 'sec_beans', outcome: 'done' }),
        expect.objectContaining({ actor: 'operator-key', route: 'POST /api/v1/products', target: 'sec_other', outcome: 'denied' }),
      ]),
    );
  });

  it('whoami tells a key its name, role and permissions', async () => {
    expect((await as('operator', request(t.http).get('/api/v1/auth/whoami')).expect(200)).body).toEqual({
      keysConfigured: true,
      name: 'operator-key',
      role: 'operator',
      permissions: ['self.read', 'business.read', 'operations.read', 'operations.act'],
    });
  });

  it("gRPC: the participants' RPCs need the service role; reads need a key", async () => {
    const address = `127.0.0.1:${t.config.grpcPort}`;
    const refund = { idempotency_key: 'sec-ref-1', order_id: 'sec-order' };
    const codeOf = (target: string, req: object, apiKey?: string) => call(address, target, req, { apiKey }).then(() => status.OK, (e: { code: number }) => e.code);
    expect(await codeOf('PaymentService.RefundPayment', refund)).toBe(status.UNAUTHENTICATED);
    expect(await codeOf('PaymentService.RefundPayment', refund, 'wrong-key-000000000000')).toBe(status.UNAUTHENTICATED);
    const participantCalls = [
      ['PaymentService.RefundPayment', refund],
      ['InventoryService.ReleaseInventory', refund],
      ['PaymentService.ProcessPayment', { ...refund, customer_id: 'c', amount: '1.00' }],
      ['InventoryService.ReserveInventory', { ...refund, lines: [{ product_id: 'sec_beans', quantity: 1 }] }],
      ['NotificationService.SendNotification', { ...refund, customer_id: 'c', kind: 'ORDER_CONFIRMED' }],
    ] as const;
    for (const role of ['client', 'viewer', 'operator', 'admin'] as const) {
      for (const [target, req] of participantCalls) expect([role, target, await codeOf(target, req, KEYS[role])]).toEqual([role, target, status.PERMISSION_DENIED]);
    }
    expect((await t.sql.query(`SELECT count(*)::int AS n FROM messaging.inbox WHERE message_id LIKE 'grpc:sec-%'`)).rows[0].n).toBe(0);
    expect(await codeOf('PaymentService.RefundPayment', refund, KEYS.service)).toBe(status.OK);
    expect(await codeOf('InventoryService.GetStock', { product_id: 'sec_beans' })).toBe(status.UNAUTHENTICATED);
    expect(await codeOf('InventoryService.GetStock', { product_id: 'sec_beans' }, KEYS.client)).toBe(status.OK);
    expect(await codeOf('SagaService.GetSaga', { saga_id: randomUUID() }, KEYS.client)).toBe(status.PERMISSION_DENIED);
  });

  it('never logs a secret', () => {
    const all = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of Object.values(KEYS)) expect(all).not.toContain(secret);
  });
});

describe('security: protected mode (no keys)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it("everything but the participants' RPCs is open to local callers; those are refused, changing nothing", async () => {
    await request(t.http).post('/api/v1/products').send({ id: 'pm_beans', name: 'beans', price: '5.00', stock: 10 }).expect(201);
    const order = (await request(t.http).post('/api/v1/orders').send({ customerId: 'c', items: [{ productId: 'pm_beans', quantity: 2, price: '5.00' }] }).expect(201)).body;
    expect(await t.waitForSaga(order.sagaId)).toBe('COMPLETED');
    expect((await request(t.http).get('/api/v1/auth/whoami').expect(200)).body).toMatchObject({ keysConfigured: false, name: null, role: null });

    // Undoing a confirmed order behind the saga's back: refused without a service key.
    const address = `127.0.0.1:${t.config.grpcPort}`;
    for (const [target, req] of [
      ['PaymentService.RefundPayment', { idempotency_key: 'pm-1', order_id: order.id }],
      ['InventoryService.ReleaseInventory', { idempotency_key: 'pm-2', order_id: order.id }],
      ['InventoryService.ReserveInventory', { idempotency_key: 'pm-3', order_id: 'x', lines: [{ product_id: 'pm_beans', quantity: 1 }] }],
      ['PaymentService.ProcessPayment', { idempotency_key: 'pm-4', order_id: 'x', customer_id: 'c', amount: '1.00' }],
    ] as const) {
      const error = await call(address, target, req).then(() => null, (e: { code: number; details: string }) => e);
      expect([target, error?.code]).toEqual([target, status.UNAUTHENTICATED]);
      expect(error?.details).toContain('service role');
    }
    expect((await request(t.http).get(`/api/v1/orders/${order.id}/payment`).expect(200)).body.status).toBe('CAPTURED');
    expect((await request(t.http).get('/api/v1/products/pm_beans').expect(200)).body).toMatchObject({ available: 8, reserved: 0, shipped: 2 });
  });
});

describe('security: headers, CORS, rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ grpc: false, env: { API_KEYS, RATE_LIMIT: '3', RATE_LIMIT_WINDOW_MS: '60000', CORS_ORIGINS: 'https://shop.example' } });
  });
  afterAll(() => t?.close());

  it('sends security headers and no X-Powered-By; CORS only for the configured origin', async () => {
    const res = await request(t.http).get('/health/live').set('Origin', 'https://shop.example').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain("script-src 'self' 'unsafe-inline'");
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await request(t.http).get('/health/live').set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits each key, and callers without one by address: 429 with Retry-After; probes are never limited', async () => {
    for (let i = 0; i < 3; i++) await request(t.http).get('/api/v1/auth/whoami').set('Authorization', `Bearer ${KEYS.client}`).expect(200);
    const limited = await request(t.http).get('/api/v1/auth/whoami').set('Authorization', `Bearer ${KEYS.client}`).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another key has its own budget.
    await request(t.http).get('/api/v1/auth/whoami').set('Authorization', `Bearer ${KEYS.viewer}`).expect(200);
    // Guessing keys counts against the address: the fourth wrong guess is refused before it is checked.
    for (let i = 0; i < 3; i++) await request(t.http).get('/api/v1/auth/whoami').set('Authorization', `Bearer guess-${i}-0000000000000`).expect(401);
    await request(t.http).get('/api/v1/auth/whoami').set('Authorization', 'Bearer guess-4-0000000000000').expect(429);
    for (let i = 0; i < 10; i++) await request(t.http).get('/health/live').expect(200);
  });
});

describe('security: protected mode at start', () => {
  const MAIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
  const start = (env: Record<string, string>) => spawnSync(process.execPath, [MAIN], { env: { ...process.env, DATABASE_URL: '', ...env }, encoding: 'utf8', timeout: 20_000 });

  it('refuses to listen beyond loopback without keys, saying how to configure them, and starts nothing', () => {
    const run = start({ HOST: '0.0.0.0', DATA_DIR: '/nonexistent/never-created' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('HOST=0.0.0.0 and GRPC_HOST=0.0.0.0 listens beyond loopback and API_KEYS is empty');
    expect(run.stderr).toContain('ALLOW_UNAUTHENTICATED=true');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('refuses a bad setting, naming it and its range', () => {
    const run = start({ RELAY_BATCH_SIZE: '0', SAGA_TIMER_POLL_MS: '0', DATA_DIR: '/nonexistent/never-created' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('RELAY_BATCH_SIZE must be a whole number from 1 to 1000, got "0"');
    expect(run.stderr).toContain('SAGA_TIMER_POLL_MS must be a whole number from 10 to 3600000, got "0"');
  });
});
