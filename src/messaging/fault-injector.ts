import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { DeliveryContext } from './delivery-context.js';
import type { Message } from './message.js';

export class InjectedFault extends Error {
  constructor(type: string) {
    super(`injected fault: ${type}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Technical failures and latency on demand, off by default. Rates and latency come from the
 * environment (`<MODULE>_FAILURE_RATE` and `<MODULE>_LATENCY_MS` for inventory, payment, shipping
 * and notification) and are keyed by a message type's module prefix; `failNext` scripts exact
 * failures for tests and demos.
 *
 * Latency is served before the transaction that handles a command opens (`delay`): by the relay
 * before a delivery's transaction, once per batch, or by the participant before its own when no
 * relay called it; slept inside, it would hold a transaction and its connection open. A failure
 * is thrown by participants first thing in that transaction, before any effect
 * (`failIfInjected`), so an injected failure is a clean "nothing happened".
 */
@Injectable()
export class FaultInjector {
  private readonly rates = new Map<string, number>();
  private readonly latencies = new Map<string, number>();
  private readonly scripted = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.setFailureRate('inventory', config.faults.inventoryFailureRate);
    this.setFailureRate('payment', config.faults.paymentFailureRate);
    this.setFailureRate('notification', config.faults.notificationFailureRate);
    this.setLatency('inventory', config.faults.inventoryLatencyMs);
    this.setLatency('payment', config.faults.paymentLatencyMs);
    this.setFailureRate('shipping', config.faults.shippingFailureRate);
    this.setLatency('shipping', config.faults.shippingLatencyMs);
    this.setLatency('notification', config.faults.notificationLatencyMs);
  }

  /** Fails this share (0..1) of the messages of a module, e.g. `payment`. */
  setFailureRate(module: string, rate: number): void {
    this.rates.set(module, rate);
  }

  /** Delays the commands of a module (`payment`) or of one type (`payment.ProcessPayment`) before they are handled (see `delay`). */
  setLatency(moduleOrType: string, ms: number): void {
    this.latencies.set(moduleOrType, ms);
  }

  /** Fails the next `times` deliveries of one message type; `Infinity` until `clear()`. */
  failNext(type: string, times: number): void {
    this.scripted.set(type, times);
  }

  clear(): void {
    this.scripted.clear();
    this.rates.clear();
    this.latencies.clear();
  }

  /** Sleeps as long as the slowest of these command types is set to take (not at all by default). */
  async delay(types: string[]): Promise<void> {
    const latency = Math.max(0, ...types.map((type) => this.latencies.get(type) ?? this.latencies.get(type.split('.')[0]) ?? 0));
    if (latency > 0) await sleep(latency);
  }

  /** Throws if this delivery of `message` (by the relay, in `delivery`, or a direct call) is to fail. */
  failIfInjected(message: Message, delivery?: DeliveryContext): void {
    // Decided once per delivery: a batch that rolls back hands its messages over again one by
    // one, and each fails or passes as it did (no second draw, no second scripted failure used).
    const delivered = delivery?.rowOf(message);
    const fault = delivered?.injectedFault ?? this.decide(message.type, message.type.split('.')[0]);
    if (delivered) delivered.injectedFault = fault;
    if (fault) throw new InjectedFault(message.type);
  }

  private decide(type: string, module: string): boolean {
    const remaining = this.scripted.get(type) ?? 0;
    if (remaining > 0) {
      this.scripted.set(type, remaining - 1);
      return true;
    }
    return Math.random() < (this.rates.get(module) ?? 0);
  }
}
