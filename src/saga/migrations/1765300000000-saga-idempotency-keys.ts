import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Idempotency-Keys of sagas started over the API by the saga module itself (types without a
 * starter of their own): a repeated start answers with the saga the key started.
 */
export class SagaIdempotencyKeys1765300000000 implements MigrationInterface {
  name = 'SagaIdempotencyKeys1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "saga"."idempotency_keys" (
        "key" text PRIMARY KEY,
        "request_hash" text NOT NULL,
        "saga_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "saga"."idempotency_keys"`);
  }
}
