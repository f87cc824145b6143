import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { call, listServices } from '../scripts/grpc-client.mjs';
import type { ModuleName } from '../src/config/app-config.js';
import { MODULES } from '../src/modules.js';
import { RetentionService } from '../src/retention/retention.service.js';
import { snapshotSchema } from './support/schema-snapshot.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createEmptyDatabase } from './support/test-database.js';

/** The code a gRPC call fails with, or null when it succeeds. */
const grpcCode = (address: string, target: string, req: object) => call(address, target, req).then(() => null, (e: { code: number }) => e.code);

/** A process with one business module on a database of its own: it has, migrates and serves that module alone (and messaging). */
describe.each([
  {
    module: 'inventory',
    served: 'inventory.v1.InventoryService',
    // GetStock of a product made over REST: the module's own service answers.
    exercise: async (t: TestApp, address: string) => {
      await request(t.http).post('/api/v1/products').send({ id: 'solo_beans', name: 'beans', price: '19.99', stock: 5 }).expect(201);
      expect(await call(address, 'InventoryService.GetStock', { product_id: 'solo_beans' })).toMatchObject({ available: 5, reserved: 0 });
    },
  },
  {
    module: 'payment',
    served: 'payment.v1.PaymentService',
    exercise: async (_t: TestApp, address: string) => {
      expect(await grpcCode(address, 'PaymentService.GetPayment', { order_id: 'none' })).toBe(status.NOT_FOUND); // served, and nothing paid
    },
  },
  {
    module: 'shipping',
    served: 'shipping.v1.ShippingService',
    // Served, with nothing shipped; its REST route answers from its own tables.
    exercise: async (t: TestApp, address: string) => {
      expect(await grpcCode(address, 'ShippingService.GetShipment', { order_id: 'none' })).toBe(status.NOT_FOUND);
      const missing = await request(t.http).get('/api/v1/orders/none/shipment').expect(404);
      expect(missing.body.code).toBe('SHIPMENT_NOT_FOUND');
    },
  },
  {
    module: 'notification',
    served: 'notification.v1.NotificationService',
    // Served over gRPC and REST, without the order module: nothing sent yet.
    exercise: async (t: TestApp, address: string) => {
      expect(await call(address, 'NotificationService.ListNotifications', { order_id: 'none' })).toEqual({ notifications: [] });
      expect((await request(t.http).get('/api/v1/orders/none/notifications').expect(200)).body).toEqual([]);
    },
  },
])('MODULES=$module on an empty database', ({ module, served, exercise }) => {
  let t: TestApp;
  let address: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { MODULES: module }, databaseUrl: await createEmptyDatabase() });
    address = `127.0.0.1:${t.config.grpcPort}`;
  });
  afterAll(() => t?.close());

  it('has the messaging schema and its own only', async () => {
    expect((await snapshotSchema(t.config.databaseUrl)).schemas).toEqual([module, 'messaging'].sort());
    const { rows } = await t.sql.query<{ name: string }>('SELECT name FROM public.migrations ORDER BY id');
    const own = new MODULES[module as ModuleName].migrations[0]().name!;
    expect(own).toMatch(new RegExp(`^${module[0].toUpperCase()}${module.slice(1)}Schema\\d{13}$`));
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['MessagingSchema1763800000000', own]));
    expect(rows.map((r) => r.name).filter((n) => /^(Order|Saga|Inventory|Payment|Shipping|Notification)Schema/.test(n))).toHaveLength(1);
  });

  it(`serves ${served} over gRPC and no other module's service`, async () => {
    const services = await listServices(address);
    expect(services.filter((s) => !s.startsWith('grpc.reflection.'))).toEqual([served]);
    await exercise(t, address);
    expect(await grpcCode(address, 'OrderService.GetOrder', { order_id: '00000000-0000-4000-8000-000000000000' })).toBe(status.UNIMPLEMENTED);
    expect(await grpcCode(address, 'SagaService.GetSaga', { saga_id: '00000000-0000-4000-8000-000000000000' })).toBe(status.UNIMPLEMENTED);
  });

  it('is ready, has no routes of the modules it does not host, and purges only its own tables', async () => {
    const ready = await request(t.http).get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, migrations: { status: 'up' }, relay: { status: 'up' } });
    await request(t.http).get('/api/v1/orders/00000000-0000-4000-8000-000000000000').expect(404);
    await request(t.http).get('/api/v1/sagas').expect(404);
    await request(t.http).get('/dashboard').expect(404); // the dashboard lives with the sagas
    expect(Object.keys(await t.app.get(RetentionService).purge())).toEqual(['delivered outbox rows', 'inbox rows']);
  });
});
