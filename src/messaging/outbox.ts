import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { afterCommit } from '../database/after-commit.js';
import { Command, type Message, type MessageMeta } from './message.js';
import { COMMAND_BUS_CONSUMER, MessageConsumers } from './message-consumers.js';
import { OutboxRow } from './outbox.entity.js';
import { currentTraceparent } from '../observability/tracing.js';

/** An outbox row a relay delivers: claimed by it, or handed to it by the transaction that wrote it. */
export interface OutboxDelivery {
  id: string;
  consumer: string;
  type: string;
  payload: unknown;
  meta: MessageMeta;
  attempts: number;
}

/** A relay running in this process, to which new rows are handed once they commit. */
export interface OutboxHandoff {
  leaseMs: number;
  accept(rows: OutboxDelivery[]): void;
}

/**
 * The only way a message leaves a module: written in the caller's transaction, so it is
 * published if and only if the business change commits. With a relay running in this process,
 * the rows are written already leased to it and handed over after the commit: no NOTIFY, no
 * claim round trip. If this process dies first, the lease expires and any relay takes them.
 * Otherwise a trigger on the table NOTIFYs the relays.
 */
@Injectable()
export class Outbox {
  private handoff?: OutboxHandoff;

  constructor(private readonly consumers: MessageConsumers) {}

  /** Called by the relay of this process when it starts (with itself) and stops (with nothing). */
  setHandoff(handoff: OutboxHandoff | undefined): void {
    this.handoff = handoff;
  }

  /** Adds one outbox row per (message, consumer); `delayMs` holds delivery back (by the database's clock). */
  async add(tx: EntityManager, messages: Message | Message[], options: { delayMs?: number } = {}): Promise<void> {
    const delayMs = Math.max(0, Math.round(options.delayMs ?? 0));
    const handoff = delayMs === 0 ? this.handoff : undefined; // a delayed row waits in the table
    const holdMs = handoff ? handoff.leaseMs : delayMs;
    const traceparent = currentTraceparent(); // the span that sends it: the trace goes on through every hop
    const rows = [messages].flat().flatMap((message) =>
      this.consumersOf(message).map((consumer) => ({
        messageId: message.meta.messageId,
        consumer,
        type: message.type,
        payload: message.data as object,
        meta: traceparent ? { ...message.meta, traceparent } : message.meta,
        attempts: handoff ? 1 : 0,
        ...(holdMs > 0 && { availableAt: () => `now() + interval '${holdMs} milliseconds'` }),
      })),
    );
    if (rows.length === 0) return;
    const insert = tx.createQueryBuilder().insert().into(OutboxRow).values(rows).updateEntity(false);
    if (!handoff) {
      await insert.execute();
      return;
    }
    const { raw } = await insert.returning(['id']).execute();
    const ids = (raw as { id: string }[]).map((r) => r.id);
    afterCommit(tx, () => handoff.accept(rows.map(({ consumer, type, payload, meta, attempts }, i) => ({ id: ids[i], consumer, type, payload, meta, attempts }))));
  }

  private consumersOf(message: Message): string[] {
    if (message instanceof Command) return [COMMAND_BUS_CONSUMER];
    if (message.meta.recipient) return [message.meta.recipient];
    return this.consumers.subscribersOf(message.type);
  }
}
