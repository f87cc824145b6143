import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fencing: each claim (or hand-over) of an outbox row writes a token of its own, and every later
 * write of that delivery names it, so a relay whose lease ran out changes nothing another relay
 * has claimed since. `messaging.leases_held` lets a settle inside the consumer's transaction
 * abort that transaction when its token no longer matches (SQLSTATE RL001, see `lost-lease.ts`).
 */
export class OutboxClaimToken1764800000000 implements MigrationInterface {
  name = 'OutboxClaimToken1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "messaging"."outbox" ADD "claim_token" uuid`);
    await q.query(`
      CREATE FUNCTION "messaging"."leases_held"(settled bigint, held bigint) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        IF settled < held THEN
          RAISE EXCEPTION 'lost the lease on % of % outbox rows: another relay claimed them since', held - settled, held
            USING ERRCODE = 'RL001';
        END IF;
        RETURN true;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION "messaging"."leases_held"(bigint, bigint)`);
    await q.query(`ALTER TABLE "messaging"."outbox" DROP COLUMN "claim_token"`);
  }
}
