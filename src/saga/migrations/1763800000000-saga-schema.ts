import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Saga instances (state, data, timers) and their history. */
export class SagaSchema1763800000000 implements MigrationInterface {
  name = 'SagaSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "saga"`);
    await q.query(`
      CREATE TABLE "saga"."saga_instances" (
        "id" uuid PRIMARY KEY,
        "type" text NOT NULL,
        "status" text NOT NULL,
        "step_index" integer NOT NULL,
        "current_step" text NOT NULL,
        "data" jsonb NOT NULL,
        "failure_reason" text,
        "awaiting_message_id" uuid,
        "attempt" integer NOT NULL DEFAULT 1,
        "last_error" text,
        "deadline_at" TIMESTAMP WITH TIME ZONE,
        "timeout_at" TIMESTAMP WITH TIME ZONE,
        "version" integer NOT NULL DEFAULT 1,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "saga_instances_status_type" ON "saga"."saga_instances" ("status", "type")`);
    await q.query(`CREATE INDEX "saga_instances_timeout" ON "saga"."saga_instances" ("timeout_at") WHERE "timeout_at" IS NOT NULL`);
    await q.query(`
      CREATE TABLE "saga"."saga_steps" (
        "id" BIGSERIAL PRIMARY KEY,
        "saga_id" uuid NOT NULL,
        "step" text NOT NULL,
        "action" text NOT NULL,
        "attempt" integer NOT NULL DEFAULT 1,
        "status" text NOT NULL,
        "message" text,
        "message_id" uuid,
        "trace_id" text,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "finished_at" TIMESTAMP WITH TIME ZONE
      )`);
    await q.query(`CREATE INDEX "saga_steps_saga" ON "saga"."saga_steps" ("saga_id", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS "saga" CASCADE`);
  }
}
