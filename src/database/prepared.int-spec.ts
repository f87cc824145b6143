import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { connectTestDatabase } from '../../test/support/test-database.js';
import { waitFor } from '../../test/support/wait-for.js';
import { execute, statement } from './prepared.js';

const INSERT = statement('INSERT INTO public.prepared_rows (n) VALUES ($1)');
const BACKEND = statement('SELECT pg_backend_pid() AS pid');

describe('execute', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await connectTestDatabase();
    await db.query('CREATE TABLE public.prepared_rows (n int PRIMARY KEY)');
  });
  afterAll(() => db?.destroy());

  it("never runs a transaction's statement outside it: once its connection is lost, the statement fails", async () => {
    const outcome = db.transaction(async (tx) => {
      await execute(tx, INSERT, [1]);
      const { rows } = await execute<{ pid: number }>(tx, BACKEND, []);
      // Killed between two statements: TypeORM releases the transaction's runner when its connection errs.
      await db.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await waitFor('the runner to be released', async () => (tx.queryRunner!.isReleased ? true : undefined));
      await execute(tx, INSERT, [2]);
    });
    await expect(outcome).rejects.toThrow(/released/);
    expect(await db.query('SELECT n FROM public.prepared_rows')).toEqual([]);
  });
});
