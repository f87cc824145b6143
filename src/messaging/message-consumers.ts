import { Injectable } from '@nestjs/common';
import type { DeliveryContext } from './delivery-context.js';
import type { Message } from './message.js';

/**
 * Handles one message in the delivery's transaction (`delivery.tx`, which it must join, never
 * open one of its own beside). `batch` is what the consumer's batch hook returned for the
 * messages delivered with this one (undefined without a hook).
 */
export type ConsumerHandler<B = undefined> = (message: Message, delivery: DeliveryContext, batch: B) => Promise<void>;

/**
 * Runs in a delivery's transaction before its messages are handed over one by one, so a consumer
 * can do once for them what it would do for each (e.g. lock every row they touch); what it
 * returns is handed to each message's handler.
 */
export type BatchHook<B> = (delivery: DeliveryContext, messages: Message[]) => Promise<B>;

export interface ConsumerOptions<B> {
  /** Event types this consumer receives besides the replies addressed to it. */
  events?: string[];
  beforeBatch?: BatchHook<B>;
  /**
   * The destination of its rows (see `destinationOf`) when it is not the consumer's own name: a
   * consumer that exists only where a module is hosted names that module, so only the relays of
   * the processes hosting it claim its rows.
   */
  destination?: string;
}

/** A registered consumer, as `Delivery` calls it. */
export interface Consumer {
  handle: ConsumerHandler<unknown>;
  beforeBatch?: BatchHook<unknown>;
  destination?: string;
}

/** Name of the consumer that stands for the CQRS `CommandBus`: every command goes there. */
export const COMMAND_BUS_CONSUMER = 'command';

/**
 * The consumers the relay can deliver to besides the CommandBus: replies addressed to a
 * recipient (`meta.recipient`) and events a consumer subscribed to by type.
 */
@Injectable()
export class MessageConsumers {
  private readonly consumers = new Map<string, Consumer>();
  private readonly subscribers = new Map<string, string[]>();

  /** Registers `handle` under `name`, receiving replies addressed to it and the `events` it names. */
  register<B = undefined>(name: string, handle: ConsumerHandler<B>, { events = [], beforeBatch, destination }: ConsumerOptions<B> = {}): void {
    if (name === COMMAND_BUS_CONSUMER || this.consumers.has(name)) {
      throw new Error(`Consumer ${name} is already registered`);
    }
    this.consumers.set(name, { handle: handle as ConsumerHandler<unknown>, beforeBatch, destination });
    for (const type of events) this.subscribers.set(type, [...this.subscribersOf(type), name]);
  }

  /**
   * Replaces the event types the registered consumer `name` receives: for a subscription that
   * changes while the process runs (webhooks: an event type has a row per event only while a
   * webhook wants it). An event written before the change keeps the subscribers it had.
   */
  subscribe(name: string, events: readonly string[]): void {
    if (!this.consumers.has(name)) throw new Error(`Consumer ${name} is not registered`);
    for (const [type, names] of this.subscribers) {
      if (names.includes(name) && !events.includes(type)) this.subscribers.set(type, names.filter((n) => n !== name));
    }
    for (const type of events) if (!this.subscribersOf(type).includes(name)) this.subscribers.set(type, [...this.subscribersOf(type), name]);
  }

  consumer(name: string): Consumer | undefined {
    return this.consumers.get(name);
  }

  has(name: string): boolean {
    return this.consumers.has(name);
  }

  subscribersOf(eventType: string): string[] {
    return this.subscribers.get(eventType) ?? [];
  }
}
