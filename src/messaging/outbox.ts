import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Command, type Message } from './message.js';
import { COMMAND_BUS_CONSUMER, MessageConsumers } from './message-consumers.js';
import { OutboxRow } from './outbox.entity.js';
import { currentTraceparent } from '../observability/tracing.js';

/**
 * The only way a message leaves a module: written in the caller's transaction, so it is
 * published if and only if the business change commits. A trigger on the table wakes the relay.
 */
@Injectable()
export class Outbox {
  constructor(private readonly consumers: MessageConsumers) {}

  /** Adds one outbox row per (message, consumer); `delayMs` holds delivery back (by the database's clock). */
  async add(tx: EntityManager, messages: Message | Message[], options: { delayMs?: number } = {}): Promise<void> {
    const delayMs = Math.max(0, Math.round(options.delayMs ?? 0));
    const traceparent = currentTraceparent(); // the span that sends it: the trace goes on through every hop
    const rows = [messages].flat().flatMap((message) =>
      this.consumersOf(message).map((consumer) => ({
        messageId: message.meta.messageId,
        consumer,
        type: message.type,
        payload: message.data as object,
        meta: traceparent ? { ...message.meta, traceparent } : message.meta,
        ...(delayMs > 0 && { availableAt: () => `now() + interval '${delayMs} milliseconds'` }),
      })),
    );
    if (rows.length === 0) return;
    await tx.createQueryBuilder().insert().into(OutboxRow).values(rows).updateEntity(false).execute();
  }

  private consumersOf(message: Message): string[] {
    if (message instanceof Command) return [COMMAND_BUS_CONSUMER];
    if (message.meta.recipient) return [message.meta.recipient];
    return this.consumers.subscribersOf(message.type);
  }
}
