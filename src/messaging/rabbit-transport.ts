import { Injectable } from '@nestjs/common';
import type { Message } from './message.js';
import { ModuleQueues } from './rabbitmq/module-queues.js';
import type { Transport } from './transport.js';

/**
 * Delivers a message to a module hosted elsewhere through that module's durable queue
 * (`<MODULE>_TRANSPORT=rabbitmq`): sent once the broker confirmed it stored. No reply comes back
 * here: the receiving process answers through its own outbox, to the queue of the reply's module.
 */
@Injectable()
export class RabbitTransport implements Transport {
  constructor(private readonly queues: ModuleQueues) {}

  async send(destination: string, message: Message): Promise<Message[]> {
    await this.queues.send(destination, { type: message.type, payload: message.data, meta: message.meta });
    return [];
  }
}
