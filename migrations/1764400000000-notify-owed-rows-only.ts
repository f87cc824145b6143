import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox trigger wakes the relays only for rows still owed: a reply applied in the
 * transaction that sent it is written already processed, and waking every relay for it would
 * only send them to claim nothing.
 */
export class NotifyOwedRowsOnly1764400000000 implements MigrationInterface {
  name = 'NotifyOwedRowsOnly1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION "messaging"."notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM new_rows WHERE available_at <= now() AND processed_at IS NULL) THEN PERFORM pg_notify('outbox', ''); END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION "messaging"."notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM new_rows WHERE available_at <= now()) THEN PERFORM pg_notify('outbox', ''); END IF;
        RETURN NULL;
      END $$`);
  }
}
