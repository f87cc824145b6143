import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The messaging tables every process has (outbox, inbox) and the trigger that wakes the relay. */
export class MessagingSchema1763800000000 implements MigrationInterface {
  name = 'MessagingSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "messaging"`);
    await q.query(`
      CREATE TABLE "messaging"."outbox" (
        "id" BIGSERIAL PRIMARY KEY,
        "message_id" uuid NOT NULL,
        "consumer" text NOT NULL,
        "type" text NOT NULL,
        "payload" jsonb NOT NULL,
        "meta" jsonb NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "available_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "processed_at" TIMESTAMP WITH TIME ZONE,
        "dead_at" TIMESTAMP WITH TIME ZONE,
        "last_error" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "outbox_due" ON "messaging"."outbox" ("available_at", "id") WHERE "processed_at" IS NULL AND "dead_at" IS NULL`);
    // One NOTIFY per inserting statement (not per row) wakes every relay when the transaction
    // commits, if a row is due now: rows handed to a relay in the writing process, and delayed
    // rows, wake nobody.
    await q.query(`
      CREATE FUNCTION "messaging"."notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM new_rows WHERE available_at <= now()) THEN PERFORM pg_notify('outbox', ''); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER "outbox_notify" AFTER INSERT ON "messaging"."outbox" REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION "messaging"."notify_outbox"()`);

    await q.query(`
      CREATE TABLE "messaging"."inbox" (
        "consumer" text NOT NULL,
        "message_id" text NOT NULL,
        "applied_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        PRIMARY KEY ("consumer", "message_id")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS "messaging" CASCADE`);
  }
}
