import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import { isBatch } from '../database/shared-transaction.js';
import { beforeCommit } from '../database/transaction-hooks.js';
import type { Message } from './message.js';

/** Records the inbox rows a batch gathered, from a JSON array ($1); a message applied before makes it fail. */
const INSERT_GATHERED = statement(`INSERT INTO messaging.inbox (consumer, message_id)
  SELECT r.consumer, r.message_id FROM jsonb_to_recordset($1::jsonb) AS r(consumer text, message_id text)`);

/** Records one message applied and settles the outbox row that carried it ($3); no row comes back if it was applied before. */
const APPLY_ONE = statement(`WITH settled AS (
    -- the delivery is done exactly when the consumer's effects commit
    UPDATE messaging.outbox SET processed_at = now() WHERE id = $3
  )
  INSERT INTO messaging.inbox (consumer, message_id) VALUES ($1, $2)
  ON CONFLICT DO NOTHING
  RETURNING 1`);

/** Remembers which messages each consumer has applied, in the consumer's own transaction. */
@Injectable()
export class Inbox {
  /**
   * Records that `consumer` applies `message` in `tx`, and settles the outbox row that carried it
   * in the same commit. Returns false when the message was applied before: the caller then does
   * nothing (a redelivery), and the commit still settles the row.
   *
   * In the transaction of a batch of several deliveries (see `Delivery`) it answers true at once and writes the record
   * with the batch's others just before the commit, in one statement; the relay settles the
   * batch's rows. A message applied before then fails that insert: the batch rolls back and its
   * rows go one by one, where the record is checked first.
   */
  async markApplied(tx: EntityManager, consumer: string, message: Message): Promise<boolean> {
    if (isBatch(tx)) {
      await beforeCommit(tx, 'inbox', [{ consumer, message_id: message.meta.messageId }], (rows) => execute(tx, INSERT_GATHERED, [JSON.stringify(rows)]));
      return true;
    }
    const outboxId = message.delivery?.outboxId ?? null;
    const { rows } = await execute(tx, APPLY_ONE, [consumer, message.meta.messageId, outboxId]);
    if (message.delivery) message.delivery.settled = true;
    return rows.length === 1;
  }
}
