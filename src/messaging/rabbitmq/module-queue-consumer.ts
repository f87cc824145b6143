import { Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchLanes } from '../../common/batch-lanes.js';
import { decodeModuleMessage, type ModuleMessage } from './module-message.js';
import type { RabbitMqConnection } from './rabbitmq-connection.js';

/** Takes a batch of messages into the caller's keeping (its database); they are acked once it resolves. */
export type AcceptModuleMessages = (messages: ModuleMessage[]) => Promise<void>;

/** One delivery: the channel it came on (only that channel can ack it), its queue and its message. */
interface Delivery {
  channel: Channel;
  queue: string;
  raw: ConsumeMessage;
  message: ModuleMessage;
}

/** Wait before a batch `accept` refused goes back to its queue: doubles from the first, up to the last. */
const RETRY_DELAY_MS = { first: 100, max: 5_000 };

/**
 * Consumes the durable queues of the modules a process hosts, with manual acks after the caller
 * committed: a message leaves its queue only once `accept` resolved for it. Each queue is a lane
 * of `BatchLanes`: one `accept` at a time per queue, of every message that arrived while the one
 * before ran (what arrives in one event-loop tick is gathered first), so under load one commit
 * takes many messages. The broker hands each queue's consumer at most `prefetch` messages it has
 * not acked yet, so that bounds what a lane holds, and the size of a batch.
 *
 * A refused batch goes back to its queue (nack with requeue) after a backoff that grows while
 * `accept` keeps failing, so a database that is down is not asked again at once. A message that is
 * not one of ours (bad JSON, no type or meta) is logged and nacked without requeue: the broker
 * drops it, or dead-letters it where a policy gives the queue a dead-letter exchange; it never
 * holds up the messages behind it. The consumers are registered again on every new channel (after
 * a lost connection); the broker puts back what the lost channel had not acked, and a message
 * accepted but not acked in time comes again (the caller's inbox makes it once).
 */
export class ModuleQueueConsumer {
  private readonly logger = new Logger(ModuleQueueConsumer.name);
  private readonly lanes: BatchLanes<Delivery>;
  private readonly wrapper: ChannelWrapper;
  /** The channel consuming now, with its consumer tags; undefined while disconnected. */
  private current?: { channel: Channel; tags: string[] };
  /** Deliveries of this tick, put in their lanes together on the next. */
  private arrived: Delivery[] = [];
  private readonly failures = new Map<string, number>();
  private readonly stopping = new AbortController();

  constructor(
    connection: RabbitMqConnection,
    private readonly queues: string[],
    private readonly accept: AcceptModuleMessages,
    private readonly prefetch: number,
  ) {
    this.lanes = new BatchLanes(prefetch, (d) => d.queue, (batch) => this.deliver(batch));
    this.wrapper = connection.channel({ name: `consume ${queues.join(', ')}`, confirm: false, setup: (channel: Channel) => this.register(channel) });
  }

  /** Resolves once the consumers are registered on a channel (the first connection). */
  started(): Promise<void> {
    return this.wrapper.waitForConnect();
  }

  /** Cancels the consumers, waits for the batches in `accept` and acks them, then closes the channel. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const current = this.current;
    if (current) await Promise.allSettled(current.tags.map((tag) => current.channel.cancel(tag)));
    this.requeue([...this.arrived.splice(0), ...this.lanes.takeQueued()]);
    await this.lanes.settled();
    await this.wrapper.close();
  }

  /** Channel setup, run on every new channel: one consumer per queue, each given `prefetch` unacked messages at most. */
  private async register(channel: Channel): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const current = { channel, tags: [] as string[] };
    this.current = current;
    channel.once('close', () => {
      if (this.current === current) this.current = undefined;
    });
    await channel.prefetch(this.prefetch); // per consumer, that is per queue
    for (const queue of this.queues) current.tags.push(await this.consume(channel, queue));
  }

  private async consume(channel: Channel, queue: string): Promise<string> {
    await channel.assertQueue(queue, { durable: true });
    const { consumerTag } = await channel.consume(queue, (raw) => (raw ? this.received(channel, queue, raw) : this.cancelled(channel, queue)), { noAck: false });
    return consumerTag;
  }

  /** The broker cancelled a consumer (its queue was deleted): declare the queue again and go on. */
  private cancelled(channel: Channel, queue: string): void {
    this.logger.warn(`RabbitMQ cancelled the consumer of ${queue} (queue deleted?); consuming it again`);
    const current = this.current;
    if (current?.channel !== channel || this.stopping.signal.aborted) return;
    this.consume(channel, queue).then(
      (tag) => current.tags.push(tag),
      (error: Error) => this.logger.warn(`consuming ${queue} again failed: ${error.message}`),
    );
  }

  private received(channel: Channel, queue: string, raw: ConsumeMessage): void {
    const message = decodeModuleMessage(raw.content);
    if ('malformed' in message) {
      this.logger.error(`dropping a malformed message from ${queue} (${message.malformed}): ${raw.content.toString('utf8', 0, 200)}`);
      return this.settle(channel, () => channel.nack(raw, false, false));
    }
    const delivery = { channel, queue, raw, message };
    if (this.stopping.signal.aborted) return this.requeue([delivery]);
    if (this.arrived.push(delivery) === 1) setImmediate(() => this.lanes.add(this.arrived.splice(0)));
  }

  /** One batch of one queue: acked once `accept` resolved; on failure, back to the queue after a backoff. */
  private async deliver(batch: Delivery[]): Promise<void> {
    const queue = batch[0].queue;
    try {
      await this.accept(batch.map((d) => d.message));
      this.failures.delete(queue);
      for (const d of batch) this.settle(d.channel, () => d.channel.ack(d.raw));
    } catch (error) {
      const failures = (this.failures.get(queue) ?? 0) + 1;
      this.failures.set(queue, failures);
      const delay = Math.min(RETRY_DELAY_MS.first * 2 ** (failures - 1), RETRY_DELAY_MS.max);
      this.logger.warn(`accepting ${batch.length} message(s) from ${queue} failed (${String(error)}); back to the queue in ${delay} ms`);
      await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined); // stopping: at once
      this.requeue(batch);
    }
  }

  private requeue(deliveries: Delivery[]): void {
    for (const d of deliveries) this.settle(d.channel, () => d.channel.nack(d.raw, false, true));
  }

  /**
   * Acks or nacks on the channel the message came on, if it is still open. Once it closed, the
   * broker has put the message back already, and a delivery tag means nothing on another channel
   * (the broker would close it for an unknown tag).
   */
  private settle(channel: Channel, settle: () => void): void {
    if (this.current?.channel !== channel) return;
    try {
      settle();
    } catch (error) {
      this.logger.warn(`settling a message failed: ${(error as Error).message}`); // the channel is closing
    }
  }
}
