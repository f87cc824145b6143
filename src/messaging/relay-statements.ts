import { statement } from '../database/prepared.js';

// The relay's SQL on the outbox.

/** Claims up to $1 due rows, leasing them for $2 ms. */
export const CLAIM = statement(`WITH due AS (
    SELECT id FROM messaging.outbox
     WHERE processed_at IS NULL   -- still owed
       AND dead_at IS NULL        -- not given up on
       AND available_at <= now()  -- new, backoff over, or a dead relay's lease expired
     ORDER BY available_at, id    -- oldest first
     LIMIT $1
     FOR UPDATE SKIP LOCKED       -- rows another relay is claiming now are skipped, not awaited
  ), claimed AS (
    UPDATE messaging.outbox o
       SET available_at = now() + $2 * interval '1 millisecond', -- the lease: hidden until then
           attempts = o.attempts + 1
      FROM due WHERE o.id = due.id
    RETURNING o.id, o.consumer, o.type, o.payload, o.meta, o.attempts
  )
  SELECT id, consumer, type, payload, meta, attempts FROM claimed ORDER BY id`);

/** Settles delivered rows: a batch's, or a row whose consumer has no inbox to settle it in its own transaction. */
export const SETTLE = statement('UPDATE messaging.outbox SET processed_at = now() WHERE id = ANY($1)');

/** Makes rows ($1) a relay holds but will not deliver due again now, for any relay. */
export const RELEASE = statement('UPDATE messaging.outbox SET available_at = now() WHERE id = ANY($1) AND processed_at IS NULL');

/** Settles a failed command ($1) with its error ($2); no row comes back if another relay settled it first. */
export const SETTLE_FAILED = statement(`UPDATE messaging.outbox SET processed_at = now(), last_error = $2
  WHERE id = $1 AND processed_at IS NULL RETURNING 1`);

/** Makes a row ($1) due again in $2 ms with its error ($3); a dead letter if $4. */
export const RESCHEDULE = statement(`UPDATE messaging.outbox
    SET available_at = now() + $2 * interval '1 millisecond', last_error = $3,
        dead_at = CASE WHEN $4 THEN now() END
  WHERE id = $1 AND processed_at IS NULL`);
