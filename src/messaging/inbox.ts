import { Injectable } from '@nestjs/common';
import { execute, statement } from '../database/prepared.js';
import { beforeCommit } from '../database/transaction-hooks.js';
import { DeliveryContext, type TransactionScope, txOf } from './delivery-context.js';
import type { Message } from './message.js';

/** Records the inbox rows a batch gathered, from a JSON array ($1); a message applied before makes it fail. */
const INSERT_GATHERED = statement(`INSERT INTO messaging.inbox (consumer, message_id)
  SELECT r.consumer, r.message_id FROM jsonb_to_recordset($1::jsonb) AS r(consumer text, message_id text)`);

/**
 * Records one message applied ($1, $2) and settles the outbox row that carried it ($3, leased
 * with token $4, both null for a message no relay delivered, e.g. a gRPC call); `first` is false
 * if it was applied before.
 *
 * If another relay has claimed the row since (this delivery's lease ran out: the token changed),
 * `leases_held` raises and the consumer's transaction rolls back before its work runs. Committing
 * would be harmless to this consumer's effect (the inbox makes one of the two deliveries a no-op),
 * but it would mark the row done under the other relay's delivery while that is still in flight,
 * and a delivery's transaction carries more than this effect (the replies applied in it, a batch's
 * consumers that have no inbox). So the rule is one for every write after a claim: a relay that
 * lost its lease commits nothing, and the holder's delivery applies the message once.
 */
const APPLY_ONE = statement(`WITH settled AS (
    -- the delivery is done exactly when the consumer's effects commit, and only by its holder
    UPDATE messaging.outbox SET processed_at = now() WHERE id = $3 AND claim_token = $4
    RETURNING 1
  ), applied AS (
    INSERT INTO messaging.inbox (consumer, message_id) VALUES ($1, $2)
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  SELECT messaging.leases_held((SELECT count(*) FROM settled), CASE WHEN $3::bigint IS NULL THEN 0 ELSE 1 END) AS held,
         EXISTS (SELECT 1 FROM applied) AS first`);

/** Remembers which messages each consumer has applied, in the consumer's own transaction. */
@Injectable()
export class Inbox {
  /**
   * Records that `consumer` applies `message` in `scope`, and, when `scope` is the context of the
   * delivery that carried it, settles its outbox row in the same commit, fenced by the claim's
   * token. Returns false when the message was applied before: the caller then does nothing (a
   * redelivery), and the commit still settles the row. Throws (a lost lease, see `isLostLease`)
   * if another relay has claimed the row since.
   *
   * In the transaction of a batch of several deliveries (`delivery.batch`) it answers true at once
   * and writes the record with the batch's others just before the commit, in one statement; the
   * relay settles the batch's rows. A message applied before then fails that insert: the batch
   * rolls back and its rows go one by one, where the record is checked first.
   */
  async markApplied(scope: TransactionScope, consumer: string, message: Message): Promise<boolean> {
    const tx = txOf(scope);
    const delivery = scope instanceof DeliveryContext ? scope : undefined;
    if (delivery?.batch) {
      await beforeCommit(tx, 'inbox', [{ consumer, message_id: message.meta.messageId }], (rows) => execute(tx, INSERT_GATHERED, [JSON.stringify(rows)]));
      return true;
    }
    const claimed = delivery?.rowOf(message)?.row;
    const { rows } = await execute<{ first: boolean }>(tx, APPLY_ONE, [consumer, message.meta.messageId, claimed?.id ?? null, claimed?.claimToken ?? null]);
    if (claimed) delivery!.settle(message);
    return rows[0].first;
  }
}
