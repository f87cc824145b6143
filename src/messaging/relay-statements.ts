import { statement } from '../database/prepared.js';

// The relay's SQL on the outbox. Every write after a claim names the claim's token (fencing): a
// token is written to one row only, so `id = ANY(ids) AND claim_token = ANY(tokens)` matches a
// row exactly when the token this relay holds for it is still the row's. A relay whose lease ran
// out and whose row another relay has claimed since (a new token) changes nothing of it.

/** Claims up to $1 due rows but those for the destinations $3 (which this relay cannot deliver), leasing them for $2 ms, each with a fresh claim token. */
export const CLAIM = statement(`WITH due AS (
    SELECT id FROM messaging.outbox
     WHERE processed_at IS NULL   -- still owed
       AND dead_at IS NULL        -- not given up on
       AND available_at <= now()  -- new, backoff over, or a dead relay's lease expired
       AND destination <> ALL($3) -- a module this process hosts or reaches
     ORDER BY available_at, id    -- oldest first
     LIMIT $1
     FOR UPDATE SKIP LOCKED       -- rows another relay is claiming now are skipped, not awaited
  ), claimed AS (
    UPDATE messaging.outbox o
       SET available_at = now() + $2 * interval '1 millisecond', -- the lease: hidden until then
           attempts = o.attempts + 1,
           claim_token = gen_random_uuid() -- this claim's own: a previous holder's writes no longer match
      FROM due WHERE o.id = due.id
    RETURNING o.id, o.consumer, o.destination, o.type, o.payload, o.meta, o.attempts, o.claim_token
  )
  SELECT id, consumer, destination, type, payload, meta, attempts, claim_token AS "claimToken" FROM claimed ORDER BY id`);

/**
 * Settles delivered rows ($1, with their tokens $2) in the delivery's transaction: a batch's, or
 * a row whose consumer has no inbox to settle it. If another relay has claimed one of them since,
 * it raises (`leases_held`) and the whole transaction rolls back: the consumer's effects are not
 * committed beside the other relay's delivery of the same row.
 */
export const SETTLE = statement(`WITH settled AS (
    UPDATE messaging.outbox SET processed_at = now()
     WHERE id = ANY($1) AND claim_token = ANY($2) -- still this delivery's
    RETURNING 1
  )
  SELECT messaging.leases_held((SELECT count(*) FROM settled), cardinality($1::bigint[])) AS held`);

/** Makes rows ($1, tokens $2) a relay holds but will not deliver due again now, for any relay; gives up their tokens. */
export const RELEASE = statement(`UPDATE messaging.outbox SET available_at = now(), claim_token = NULL
  WHERE id = ANY($1) AND claim_token = ANY($2) AND processed_at IS NULL`);

/** Settles a failed command ($1, token $2) with its error ($3); no row comes back if another relay claimed it since. */
export const SETTLE_FAILED = statement(`UPDATE messaging.outbox SET processed_at = now(), last_error = $3
  WHERE id = $1 AND claim_token = $2 AND processed_at IS NULL RETURNING 1`);

/** Makes a row ($1, token $2) due again in $3 ms with its error ($4); a dead letter if $5. No row if another relay claimed it since. */
export const RESCHEDULE = statement(`UPDATE messaging.outbox
    SET available_at = now() + $3 * interval '1 millisecond', last_error = $4,
        dead_at = CASE WHEN $5 THEN now() END
  WHERE id = $1 AND claim_token = $2 AND processed_at IS NULL`);
