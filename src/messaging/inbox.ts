import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Message } from './message.js';

/** Remembers which messages each consumer has applied, in the consumer's own transaction. */
@Injectable()
export class Inbox {
  /**
   * Records that `consumer` applies `message` in `tx`, and settles the outbox row that carried it
   * in the same commit. Returns false when the message was applied before: the caller then does
   * nothing (a redelivery), and the commit still settles the row.
   */
  async markApplied(tx: EntityManager, consumer: string, message: Message): Promise<boolean> {
    const outboxId = message.delivery?.outboxId ?? null;
    const rows: unknown[] = await tx.query(
      `WITH settled AS (
         -- the delivery is done exactly when the consumer's effects commit
         UPDATE messaging.outbox SET processed_at = now() WHERE id = $3
       )
       INSERT INTO messaging.inbox (consumer, message_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING -- applied before: no row comes back
       RETURNING 1`,
      [consumer, message.meta.messageId, outboxId],
    );
    if (message.delivery) message.delivery.settled = true;
    return rows.length === 1;
  }
}
