import { type BeforeApplicationShutdown, Inject, Injectable, Optional } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message as AmqpMessage } from 'amqplib';
import { encodeModuleMessage, type ModuleMessage } from './module-message.js';
import { type AcceptModuleMessages, ModuleQueueConsumer } from './module-queue-consumer.js';
import { PUBLISH_TIMEOUT_MS, RabbitMqConnection } from './rabbitmq-connection.js';

export interface ModuleQueuesOptions {
  /** A module's queue is `${prefix}.${module}`. */
  prefix: string;
  /** Unacked messages the broker hands each queue's consumer at most (the largest batch `accept` gets). */
  prefetch: number;
  /** How long `send` waits for the broker (a connection, the queue declared, the confirm) before it rejects. */
  publishTimeoutMs: number;
}

/** Overrides of `ModuleQueuesOptions` (tests give each run its own prefix). */
export const MODULE_QUEUES_OPTIONS = Symbol('MODULE_QUEUES_OPTIONS');

const DEFAULTS: ModuleQueuesOptions = { prefix: 'saga.modules', prefetch: 64, publishTimeoutMs: PUBLISH_TIMEOUT_MS };

/** The broker took the message but no queue did (basic.return): the queue was deleted. */
export class UnroutableMessageError extends Error {}

/**
 * Commands and replies for modules hosted in other processes, over RabbitMQ: one durable queue per
 * module (`saga.modules.<module>`). `send` resolves only once the broker confirmed the message
 * stored (persistent, publisher confirms) in that queue, and rejects otherwise, so its caller keeps
 * its outbox row and tries again. `consume` hands the messages of the hosted modules' queues to
 * the caller and acks them only once it committed them (see `ModuleQueueConsumer`).
 */
@Injectable()
export class ModuleQueues implements BeforeApplicationShutdown {
  private readonly options: ModuleQueuesOptions;
  private sender?: ChannelWrapper;
  /** Every queue sent to: each new sender channel declares them all before it publishes. */
  private readonly known = new Set<string>();
  /** The queues declared on the sender's channel of now. */
  private readonly declared = new Set<string>();
  /** Message ids the broker returned, until their publish is confirmed (a return comes before the confirm). */
  private readonly returned = new Set<string>();
  private readonly consumers: ModuleQueueConsumer[] = [];

  constructor(
    private readonly connection: RabbitMqConnection,
    @Optional() @Inject(MODULE_QUEUES_OPTIONS) options: Partial<ModuleQueuesOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The queue of `module`. */
  queueOf(module: string): string {
    return `${this.options.prefix}.${module}`;
  }

  /**
   * Publishes `message` to the queue of `module` (declaring the queue first, so it exists before
   * its first consumer). Resolves once the broker confirmed it; rejects when it does not within
   * `publishTimeoutMs`, refuses it, or returns it unroutable (the next send declares the queue again).
   */
  async send(module: string, message: ModuleMessage): Promise<void> {
    const deadline = Date.now() + this.options.publishTimeoutMs;
    const queue = this.queueOf(module);
    const channel = this.senderChannel();
    if (!this.declared.has(queue)) await this.declare(channel, queue, deadline);
    const { content, options } = encodeModuleMessage(message);
    const { messageId } = message.meta;
    for (;;) {
      try {
        await channel.publish('', queue, content, { ...options, timeout: Math.max(deadline - Date.now(), 1) });
        break;
      } catch (error) {
        this.returned.delete(messageId);
        if (lostWithItsChannel(error) && Date.now() < deadline) continue; // waits for the next connection
        throw new Error(`publishing ${message.type} ${messageId} to ${queue} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    if (this.returned.delete(messageId)) throw new UnroutableMessageError(`RabbitMQ returned ${message.type} ${messageId}: no queue ${queue}`);
  }

  /**
   * Consumes the queues of `modules`, handing their messages to `accept` in batches (see
   * `ModuleQueueConsumer`). Resolves once the consumers are registered; they are registered
   * again after every reconnection, until shutdown.
   */
  async consume(modules: string[], accept: AcceptModuleMessages): Promise<void> {
    const consumer = new ModuleQueueConsumer(this.connection, modules.map((m) => this.queueOf(m)), accept, this.options.prefetch);
    this.consumers.push(consumer);
    await consumer.started();
  }

  /** Stops consuming and waits for the messages being accepted, before the database closes. */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private senderChannel(): ChannelWrapper {
    this.sender ??= this.connection.channel({
      name: 'send to modules',
      confirm: true,
      publishTimeout: this.options.publishTimeoutMs,
      setup: (channel: ConfirmChannel) => this.setUpSender(channel),
    });
    return this.sender;
  }

  private async declare(channel: ChannelWrapper, queue: string, deadline: number): Promise<void> {
    this.known.add(queue);
    try {
      await within(deadline - Date.now(), channel.assertQueue(queue, { durable: true }), `declaring queue ${queue}`);
      this.declared.add(queue);
    } catch (error) {
      this.known.delete(queue); // e.g. declared by someone else with other arguments: the next send tries again
      throw error;
    }
  }

  private async setUpSender(channel: ConfirmChannel): Promise<void> {
    this.declared.clear();
    channel.on('return', (returned: AmqpMessage) => {
      // The queue is gone (deleted since it was declared): declare it again on the next send.
      this.declared.delete(returned.fields.routingKey);
      if (returned.properties.messageId) this.returned.add(returned.properties.messageId);
    });
    // A queue that cannot be declared closes the channel, and amqplib the connection with it; it is
    // forgotten, so the reconnection does not fail the same way: the next send to it declares it again.
    for (const queue of this.known) {
      await channel.assertQueue(queue, { durable: true }).catch((error: unknown) => {
        this.known.delete(queue);
        throw error;
      });
      this.declared.add(queue);
    }
  }
}

/**
 * Whether a publish failed only because its channel closed before the confirm came (a lost
 * connection): amqplib fails the unconfirmed publishes of a closing channel before
 * amqp-connection-manager notices the channel is gone, so they are not queued for the next one by
 * themselves. Published again, the message may reach the broker twice; its consumer's inbox makes
 * it once.
 */
function lostWithItsChannel(error: unknown): boolean {
  return error instanceof Error && error.message === 'channel closed';
}

/** `promise`, or a rejection naming `what` once `ms` passed. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from RabbitMQ within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
