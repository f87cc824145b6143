import { Injectable } from '@nestjs/common';
import type { Message } from './message.js';

export type ConsumerHandler = (message: Message) => Promise<void>;

/** Name of the consumer that stands for the CQRS `CommandBus`: every command goes there. */
export const COMMAND_BUS_CONSUMER = 'command';

/**
 * The consumers the relay can deliver to besides the CommandBus: replies addressed to a
 * recipient (`meta.recipient`) and events a consumer subscribed to by type.
 */
@Injectable()
export class MessageConsumers {
  private readonly handlers = new Map<string, ConsumerHandler>();
  private readonly subscribers = new Map<string, string[]>();

  /** Registers `handler` under `name`, receiving replies addressed to it and `eventTypes`. */
  register(name: string, handler: ConsumerHandler, eventTypes: string[] = []): void {
    if (name === COMMAND_BUS_CONSUMER || this.handlers.has(name)) {
      throw new Error(`Consumer ${name} is already registered`);
    }
    this.handlers.set(name, handler);
    for (const type of eventTypes) this.subscribers.set(type, [...this.subscribersOf(type), name]);
  }

  handler(name: string): ConsumerHandler | undefined {
    return this.handlers.get(name);
  }

  subscribersOf(eventType: string): string[] {
    return this.subscribers.get(eventType) ?? [];
  }
}
