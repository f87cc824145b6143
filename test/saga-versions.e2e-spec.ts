import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InventoryRejected, InventoryReleased, InventoryReserved, ReleaseInventory, ReserveInventory, type StockLine } from '../src/inventory/inventory.messages.js';
import { Relay } from '../src/messaging/relay.js';
import { defineSaga, fail, type SagaStep } from '../src/saga/engine/saga-definition.js';
import { SagaEngine } from '../src/saga/engine/saga-engine.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type HoldData = { orderId: string; lines: StockLine[] };
const holdStock: SagaStep<HoldData> = {
  name: 'hold-stock',
  invoke: (d) => new ReserveInventory({ orderId: d.orderId, lines: d.lines }),
  compensate: (d) => new ReleaseInventory({ orderId: d.orderId }),
  onReply: { [InventoryReserved.type]: (d) => d, [InventoryRejected.type]: fail('OUT_OF_STOCK') },
};
/** Version 1 holds the stock; version 2 gives it back in a second step. */
const v1 = defineSaga<HoldData>({ type: 'test-versioned', version: 1, steps: [holdStock] });
const v2 = defineSaga<HoldData>({
  type: 'test-versioned',
  version: 2,
  steps: [holdStock, { name: 'give-back', invoke: (d) => new ReleaseInventory({ orderId: d.orderId }), onReply: { [InventoryReleased.type]: (d) => d } }],
});

describe('saga definition versions', () => {
  let t: TestApp;
  let engine: SagaEngine;
  let relay: Relay;
  const start = (definition: typeof v1) =>
    t.app.get(DataSource).transaction((tx) => engine.start(tx, definition, { orderId: randomUUID(), lines: [{ productId: 'versioned_beans', quantity: 1 }] }));
  const sagaOf = async (id: string) => (await request(t.http).get(`/api/v1/sagas/${id}`).expect(200)).body;
  const stepsOf = async (id: string) => (await sagaOf(id)).history.map((h: { step: string; action: string; status: string }) => `${h.step}/${h.action}:${h.status}`);

  beforeAll(async () => {
    t = await startTestApp({ env: { SAGA_POISON_ATTEMPTS: '1', SAGA_POISON_DELAY_MS: '50', SAGA_TIMER_POLL_MS: '50', RELAY_POLL_MS: '50' } });
    engine = t.app.get(SagaEngine);
    relay = t.app.get(Relay);
    engine.register(v1);
    await request(t.http).post('/api/v1/products').send({ id: 'versioned_beans', name: 'beans', price: '1.00', stock: 100 }).expect(201);
  });
  afterAll(() => t?.close());

  it('sagas in flight when the steps change finish on the version they started with; new ones run the new version', async () => {
    await relay.stop(); // their first commands wait in the outbox: the sagas are in flight
    const old = [await start(v1), await start(v1)];
    engine.register(v2);
    const fresh = [await start(v2), await start(v2)];
    relay.start();
    for (const id of [...old, ...fresh]) expect(await t.waitForSaga(id)).toBe('COMPLETED');
    for (const id of old) {
      expect(await sagaOf(id)).toMatchObject({ type: 'test-versioned', definitionVersion: 1 });
      expect(await stepsOf(id)).toEqual(['hold-stock/execute:SUCCEEDED']);
    }
    for (const id of fresh) {
      expect(await sagaOf(id)).toMatchObject({ definitionVersion: 2 });
      expect(await stepsOf(id)).toEqual(['hold-stock/execute:SUCCEEDED', 'give-back/execute:SUCCEEDED']);
    }
    // The old ones still hold their stock, the new ones gave it back.
    const { rows } = await t.sql.query(`SELECT available, reserved FROM inventory.products WHERE id = 'versioned_beans'`);
    expect(rows).toEqual([{ available: 98, reserved: 2 }]);
  });

  it('a saga whose version is no longer registered goes FAILED with that reason, never on with another version', async () => {
    await relay.stop();
    const id = await start(v1);
    // As if a deploy had dropped the version it started on.
    await t.sql.query(`UPDATE saga.saga_instances SET definition_version = 7 WHERE id = $1`, [id]);
    relay.start();
    expect(await t.waitForSaga(id)).toBe('FAILED');
    expect(await sagaOf(id)).toMatchObject({ definitionVersion: 7, currentStep: 'hold-stock', lastError: 'POISONED: saga test-versioned version 7 is not registered (registered: 1, 2)' });
    expect(await stepsOf(id)).toEqual(['hold-stock/execute:PENDING']);
  });

  it('refuses a second definition under a version already registered, and a version that is not a whole number from 1', () => {
    expect(() => engine.register(defineSaga<HoldData>({ type: 'test-versioned', version: 1, steps: [holdStock] }))).toThrow('saga test-versioned version 1 is registered twice with different steps: give the new one a new version');
    expect(() => defineSaga<HoldData>({ type: 'test-versioned', version: 0, steps: [holdStock] })).toThrow('test-versioned: version must be a whole number from 1, got 0');
  });
});
