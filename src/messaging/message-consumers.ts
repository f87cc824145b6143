import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Message } from './message.js';

export type ConsumerHandler = (message: Message) => Promise<void>;

/**
 * Runs in a batch's shared transaction before its messages are handed over one by one, so a
 * consumer can do once for the batch what it would do for each (e.g. lock every row they touch).
 */
export type BatchHook = (tx: EntityManager, messages: Message[]) => Promise<void>;

export interface ConsumerOptions {
  /** Event types this consumer receives besides the replies addressed to it. */
  events?: string[];
  beforeBatch?: BatchHook;
}

/** Name of the consumer that stands for the CQRS `CommandBus`: every command goes there. */
export const COMMAND_BUS_CONSUMER = 'command';

/**
 * The consumers the relay can deliver to besides the CommandBus: replies addressed to a
 * recipient (`meta.recipient`) and events a consumer subscribed to by type.
 */
@Injectable()
export class MessageConsumers {
  private readonly handlers = new Map<string, ConsumerHandler>();
  private readonly batchHooks = new Map<string, BatchHook>();
  private readonly subscribers = new Map<string, string[]>();

  /** Registers `handler` under `name`, receiving replies addressed to it and the `events` it names. */
  register(name: string, handler: ConsumerHandler, { events = [], beforeBatch }: ConsumerOptions = {}): void {
    if (name === COMMAND_BUS_CONSUMER || this.handlers.has(name)) {
      throw new Error(`Consumer ${name} is already registered`);
    }
    this.handlers.set(name, handler);
    if (beforeBatch) this.batchHooks.set(name, beforeBatch);
    for (const type of events) this.subscribers.set(type, [...this.subscribersOf(type), name]);
  }

  handler(name: string): ConsumerHandler | undefined {
    return this.handlers.get(name);
  }

  batchHook(name: string): BatchHook | undefined {
    return this.batchHooks.get(name);
  }

  subscribersOf(eventType: string): string[] {
    return this.subscribers.get(eventType) ?? [];
  }
}
