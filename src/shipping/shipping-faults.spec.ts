import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config/app-config.js';
import { CancelShipment, CreateShipment } from './shipping.messages.js';
import { FaultInjector, InjectedFault } from '../messaging/fault-injector.js';

describe('FaultInjector from the environment', () => {
  it('SHIPPING_FAILURE_RATE fails the shipping module\'s commands, and no other module\'s', () => {
    const faults = new FaultInjector(loadConfig({ SHIPPING_FAILURE_RATE: '1' }));
    expect(() => faults.failIfInjected(new CreateShipment({ orderId: 'o', lines: [] }))).toThrow(InjectedFault);
    expect(() => faults.failIfInjected(new CancelShipment({ orderId: 'o' }))).toThrow(InjectedFault);
    expect(() => new FaultInjector(loadConfig({})).failIfInjected(new CreateShipment({ orderId: 'o', lines: [] }))).not.toThrow();
  });

  it('SHIPPING_LATENCY_MS delays the shipping module\'s commands before they are handled', async () => {
    const faults = new FaultInjector(loadConfig({ SHIPPING_LATENCY_MS: '150' }));
    const started = performance.now();
    await faults.delay([CreateShipment.type]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const other = performance.now();
    await faults.delay(['payment.ProcessPayment']);
    expect(performance.now() - other).toBeLessThan(100);
  });
});
